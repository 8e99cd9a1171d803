"""Entry and validation prerequisites of RNCP39603 (seed 003, « Le cas échant, prérequis à l'entrée en
formation » and « prérequis à la validation de la certification »), checked with the fiche's real data."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import certiflow.frameworks
from certiflow.candidates.domain.prerequisites import (
    MET,
    TO_VERIFY,
    UNMET,
    check_prerequisites,
    record_evidence,
    verify_evidence,
)
from certiflow.candidates.models import Enrolment, PrerequisiteEvidence
from certiflow.common.domain.errors import Refused
from certiflow.common.models import AuditLogEntry
from certiflow.frameworks.models import AccessRoute, Certification, Framework
from tests.factories import (
    AccessRouteFactory,
    AdministratorFactory,
    CertificationFactory,
    EnrolmentFactory,
    FrameworkFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PREREQUISITES = json.loads(
    Path(certiflow.frameworks.__file__).parent.joinpath("seeds/RNCP39603.json").read_text(encoding="utf-8")
)["prerequisites"]

Kind = PrerequisiteEvidence.Kind
ACCESS_CONDITIONS = "Avoir validé les conditions d'accès à la formation"
YEAR_2_ENTRY = next(c for c in PREREQUISITES["entry"] if c["year"] == 2)["conditions"][0]["text"]
YEAR_2_VALIDATION = [
    c["text"] for c in next(c for c in PREREQUISITES["validation"] if c["year"] == 2)["conditions"]
]


def _enrolment(route=AccessRoute.Route.FORMATION_INITIALE, entry_year=None, prerequisites=None):
    certification = CertificationFactory(
        code="RNCP39603", prerequisites=PREREQUISITES if prerequisites is None else prerequisites
    )
    framework = FrameworkFactory(certification=certification)
    access_route = AccessRouteFactory(certification=certification, route=route)
    return EnrolmentFactory(framework=framework, access_route=access_route, entry_year=entry_year)


def _show(enrolment, kind, value=None, *, verified=True, condition=""):
    admin = AdministratorFactory()
    item = record_evidence(
        actor=admin,
        enrolment=enrolment,
        kind=kind,
        value=None if value is None else Decimal(value),
        condition=condition,
        description="Relevé de notes, université de Lyon, 2023",
    )
    if verified:
        verify_evidence(actor=admin, evidence=item)
    return item


# --- entry ------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_check_prerequisites_year_2_initial_needs_level_4_and_60_ects():
    # Seed 003, « Entrée en 2ème année »: « niveau 4 … et avoir validé 60 crédits ECTS » — both.
    enrolment = _enrolment(entry_year=2)
    _show(enrolment, Kind.LEVEL, 4)

    level_only = check_prerequisites(enrolment)
    _show(enrolment, Kind.ECTS, 60)
    both = check_prerequisites(enrolment)

    assert [case.case for case in both.entry] == ["Entrée en 2ème année"]
    assert level_only.entry_status == UNMET
    assert both.entry_status == MET


@pytest.mark.django_db
def test_check_prerequisites_year_2_initial_ects_without_level_is_unmet():
    enrolment = _enrolment(entry_year=2)
    _show(enrolment, Kind.ECTS, 90)

    assert check_prerequisites(enrolment).entry_status == UNMET


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "value"), [(Kind.LEVEL, 5), (Kind.ECTS, 120)])
def test_check_prerequisites_year_3_initial_accepts_level_5_or_120_ects(kind, value):
    # Seed 003, « Entrée en 3ème année »: « niveau 5 … ou avoir validé 120 crédits ECTS » — either.
    enrolment = _enrolment(entry_year=3)
    _show(enrolment, kind, value)

    report = check_prerequisites(enrolment)

    assert [case.case for case in report.entry] == ["Entrée en 3ème année"]
    assert report.entry_status == MET


@pytest.mark.django_db
def test_check_prerequisites_year_3_initial_level_4_and_100_ects_is_unmet():
    enrolment = _enrolment(entry_year=3)
    _show(enrolment, Kind.LEVEL, 4)
    _show(enrolment, Kind.ECTS, 100)

    assert check_prerequisites(enrolment).entry_status == UNMET


@pytest.mark.django_db
def test_check_prerequisites_continuing_case_1_alternative_with_12_months_is_met():
    # Seed 003, « En formation continue, Cas 1 »: « -Ou Etre titulaire d'une certification de niveau 5 …
    # et justifier d'une expérience professionnelle dans le secteur visé de 12 mois minimum ».
    enrolment = _enrolment(route=AccessRoute.Route.FORMATION_CONTINUE)
    _show(enrolment, Kind.LEVEL, 5)
    _show(enrolment, Kind.SECTOR_EXPERIENCE_MONTHS, 12)

    report = check_prerequisites(enrolment)

    case_1 = next(case for case in report.entry if case.case.startswith("Cas 1"))
    assert [c.alternative for c in case_1.conditions] == [False, True]
    assert case_1.conditions[1].text.startswith("Ou Etre titulaire")
    assert [c.status for c in case_1.conditions] == [MET, MET]
    assert report.entry_status == MET


@pytest.mark.django_db
def test_check_prerequisites_continuing_alternative_needs_the_12_months():
    enrolment = _enrolment(route=AccessRoute.Route.FORMATION_CONTINUE)
    _show(enrolment, Kind.LEVEL, 5)
    _show(enrolment, Kind.SECTOR_EXPERIENCE_MONTHS, 11)

    case_1 = next(case for case in check_prerequisites(enrolment).entry if case.case.startswith("Cas 1"))

    assert [c.status for c in case_1.conditions] == [MET, UNMET]
    assert case_1.status == MET  # the first form of Cas 1 is enough on its own


@pytest.mark.django_db
def test_check_prerequisites_alternative_condition_alone_satisfies_the_case():
    # The « Ou » of Cas 1, isolated: the first form unmet, the alternative met → the case is met.
    prerequisites = {
        "entry": [
            {
                "routes": ["formation_continue"],
                "case": "Cas 1",
                "year": None,
                "conditions": [
                    {
                        "text": "Etre titulaire d'une certification de niveau 6",
                        "alternative": False,
                        "min_level": 6,
                    },
                    {
                        "text": "Ou niveau 5 et 12 mois dans le secteur visé",
                        "alternative": True,
                        "min_level": 5,
                        "min_experience_months": 12,
                    },
                ],
            }
        ]
    }
    enrolment = _enrolment(route=AccessRoute.Route.FORMATION_CONTINUE, prerequisites=prerequisites)
    _show(enrolment, Kind.LEVEL, 5)
    _show(enrolment, Kind.SECTOR_EXPERIENCE_MONTHS, 12)

    report = check_prerequisites(enrolment)

    assert [c.status for c in report.entry[0].conditions] == [UNMET, MET]
    assert report.entry_status == MET


@pytest.mark.django_db
def test_check_prerequisites_continuing_case_2_needs_level_4_and_24_months():
    # Seed 003, « Cas 2 : Entrée avec un niveau 4 … et justifier … de 24 mois minimum ».
    enrolment = _enrolment(route=AccessRoute.Route.FORMATION_CONTINUE)
    _show(enrolment, Kind.LEVEL, 4)
    _show(enrolment, Kind.SECTOR_EXPERIENCE_MONTHS, 18)
    short = check_prerequisites(enrolment).entry_status
    _show(enrolment, Kind.SECTOR_EXPERIENCE_MONTHS, 24)

    assert short == UNMET
    assert check_prerequisites(enrolment).entry_status == MET


@pytest.mark.django_db
def test_check_prerequisites_apprenticeship_best_programme_length_counts():
    # Seed 003, « En alternance »: the enrolment does not state the programme length, so the case of
    # « Pour un cursus en 3 ans » (level 4) suffices.
    enrolment = _enrolment(route=AccessRoute.Route.APPRENTISSAGE)
    _show(enrolment, Kind.LEVEL, 4)

    report = check_prerequisites(enrolment)

    assert len(report.entry) == 3
    assert [case.status for case in report.entry] == [MET, UNMET, UNMET]
    assert report.entry_status == MET


# --- validation -------------------------------------------------------------------------------------
def _validation_year_1(enrolment):
    _show(enrolment, Kind.STATEMENT, condition=ACCESS_CONDITIONS)
    _show(enrolment, Kind.PROGRAMME_MONTHS, 36)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "value"), [(Kind.EXPERIENCE_MONTHS, 4), (Kind.BILLED_HOURS, 200)])
def test_check_prerequisites_validation_4_months_or_200_hours_either_suffices(kind, value):
    # Seed 003: « Avoir réalisé 4 mois d'expérience professionnelle … et/ou avoir facturé 200 h ».
    enrolment = _enrolment(entry_year=1)
    _validation_year_1(enrolment)
    _show(enrolment, kind, value)

    report = check_prerequisites(enrolment)

    assert [case.case for case in report.validation] == ["En cas d'intégration en 1ère année"]
    assert report.validation_status == MET


@pytest.mark.django_db
def test_check_prerequisites_validation_3_months_and_150_hours_is_unmet():
    enrolment = _enrolment(entry_year=1)
    _validation_year_1(enrolment)
    _show(enrolment, Kind.EXPERIENCE_MONTHS, 3)
    _show(enrolment, Kind.BILLED_HOURS, 150)

    report = check_prerequisites(enrolment)

    assert [c.status for c in report.validation[0].conditions] == [MET, MET, UNMET]
    assert report.validation_status == UNMET


@pytest.mark.django_db
def test_check_prerequisites_validation_programme_months_follow_the_year_of_entry():
    # Seed 003: a 36-month programme when entering in 1st year, 24 months in 2nd year.
    first_year = _enrolment(entry_year=1)
    second_year = EnrolmentFactory(
        framework=first_year.framework, access_route=first_year.access_route, entry_year=2
    )
    for enrolment in (first_year, second_year):
        _show(enrolment, Kind.STATEMENT, condition=ACCESS_CONDITIONS)
        _show(enrolment, Kind.PROGRAMME_MONTHS, 24)
        _show(enrolment, Kind.EXPERIENCE_MONTHS, 6)

    assert check_prerequisites(first_year).validation_status == UNMET
    assert check_prerequisites(second_year).validation_status == MET


@pytest.mark.django_db
def test_check_prerequisites_unverified_evidence_is_to_verify_not_met():
    # DESIGN rule 8: only verified evidence satisfies a prerequisite.
    enrolment = _enrolment(entry_year=3)
    _show(enrolment, Kind.LEVEL, 5, verified=False)

    report = check_prerequisites(enrolment)

    assert report.entry[0].conditions[0].status == TO_VERIFY
    assert report.entry_status == TO_VERIFY
    assert report.all_met is False


@pytest.mark.django_db
def test_check_prerequisites_statement_answers_a_condition_without_figure():
    enrolment = _enrolment(entry_year=1)
    statement = _show(enrolment, Kind.STATEMENT, condition=ACCESS_CONDITIONS, verified=False)
    _show(enrolment, Kind.STATEMENT, condition="Une autre condition")

    pending = check_prerequisites(enrolment).validation[0].conditions[0]
    verify_evidence(actor=AdministratorFactory(), evidence=statement)
    verified = check_prerequisites(enrolment).validation[0].conditions[0]

    assert pending.text == ACCESS_CONDITIONS
    assert (pending.status, verified.status) == (TO_VERIFY, MET)


@pytest.mark.django_db
def test_check_prerequisites_text_only_condition_without_statement_is_unmet():
    enrolment = _enrolment(entry_year=1)

    assert check_prerequisites(enrolment).validation[0].conditions[0].status == UNMET


@pytest.mark.django_db
def test_check_prerequisites_all_met_when_entry_and_validation_are_met():
    enrolment = _enrolment(entry_year=1)
    _show(enrolment, Kind.LEVEL, 4)
    _validation_year_1(enrolment)
    _show(enrolment, Kind.BILLED_HOURS, 250)

    report = check_prerequisites(enrolment)

    assert (report.entry_status, report.validation_status) == (MET, MET)
    assert report.all_met is True
    assert report.unmet == []


@pytest.mark.django_db
def test_check_prerequisites_route_without_stated_prerequisites_is_all_met():
    # The fiche of RNCP39603 states no prerequisite for the VAE route.
    enrolment = _enrolment(route=AccessRoute.Route.VAE)

    report = check_prerequisites(enrolment)

    assert (report.entry, report.validation) == ([], [])
    assert (report.entry_status, report.validation_status) == (None, None)
    assert report.all_met is True
    assert report.unmet == []


@pytest.mark.django_db
def test_check_prerequisites_certification_without_prerequisites_is_all_met():
    enrolment = _enrolment(entry_year=2, prerequisites={})

    assert check_prerequisites(enrolment).all_met is True


@pytest.mark.django_db
def test_check_prerequisites_unmet_lists_the_missing_texts():
    enrolment = _enrolment(entry_year=2)

    report = check_prerequisites(enrolment)

    assert report.all_met is False
    assert report.unmet == [YEAR_2_ENTRY, *YEAR_2_VALIDATION]


@pytest.mark.django_db
def test_check_prerequisites_unmet_leaves_out_what_is_met():
    enrolment = _enrolment(entry_year=2)
    _show(enrolment, Kind.LEVEL, 4)
    _show(enrolment, Kind.ECTS, 60)
    _show(enrolment, Kind.STATEMENT, condition=ACCESS_CONDITIONS)

    assert check_prerequisites(enrolment).unmet == YEAR_2_VALIDATION[1:]


@pytest.mark.django_db
def test_check_prerequisites_given_evidence_runs_no_query(django_assert_num_queries):
    enrolment = Enrolment.objects.select_related("framework__certification", "access_route").get(
        pk=_enrolment(entry_year=3).pk
    )

    with django_assert_num_queries(0):
        report = check_prerequisites(enrolment, [])

    assert report.entry_status == UNMET


# --- record_evidence / verify_evidence ----------------------------------------------------------------
@pytest.mark.django_db
def test_record_evidence_is_audited_and_awaits_verification():
    enrolment = _enrolment(entry_year=2)
    admin = AdministratorFactory()

    item = record_evidence(
        actor=admin, enrolment=enrolment, kind=Kind.ECTS, value=Decimal("60"), description=" Relevé L1 "
    )

    assert (item.verified_at, item.description, item.recorded_by) == (None, "Relevé L1", admin)
    entry = AuditLogEntry.objects.get(action="prerequisite.record")
    assert entry.object_id == str(enrolment.pk)
    assert entry.changes == {"kind": "ects", "value": "60", "condition": ""}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"kind": "diploma", "value": Decimal(4)}, "kind"),
        ({"kind": Kind.ECTS, "value": None}, "value"),
        ({"kind": Kind.BILLED_HOURS, "value": Decimal(-1)}, "value"),
        ({"kind": Kind.STATEMENT, "value": None, "condition": ""}, "condition"),
        ({"kind": Kind.LEVEL, "value": Decimal(5), "description": "   "}, "description"),
    ],
)
def test_record_evidence_incomplete_is_refused(arguments, field):
    enrolment = _enrolment(entry_year=2)
    arguments = {"description": "Diplôme", **arguments}

    with pytest.raises(Refused) as raised:
        record_evidence(actor=AdministratorFactory(), enrolment=enrolment, **arguments)

    assert raised.value.field == field
    assert not PrerequisiteEvidence.objects.exists()
    assert not AuditLogEntry.objects.exists()


@pytest.mark.django_db
def test_verify_evidence_records_who_and_when_and_audits_once():
    enrolment = _enrolment(entry_year=3)
    item = _show(enrolment, Kind.LEVEL, 5, verified=False)
    admin = AdministratorFactory()

    verified = verify_evidence(actor=admin, evidence=item)
    again = verify_evidence(actor=AdministratorFactory(), evidence=item)

    assert verified.verified_by == admin
    assert verified.verified_at is not None
    assert again.verified_by == admin
    entry = AuditLogEntry.objects.get(action="prerequisite.verify")
    assert entry.actor == admin
    assert entry.changes == {"evidence": item.pk}


# --- property: verified evidence is monotone -----------------------------------------------------------
ORDER = {UNMET: 0, TO_VERIFY: 1, MET: 2, None: 2}
STATEMENT_TEXTS = sorted(
    {
        c["text"]
        for part in ("entry", "validation")
        for case in PREREQUISITES[part]
        for c in case["conditions"]
    }
)
CONTEXTS = [(AccessRoute.Route.FORMATION_INITIALE, year) for year in (None, 1, 2, 3)] + [
    (AccessRoute.Route.APPRENTISSAGE, None),
    (AccessRoute.Route.CONTRAT_PROFESSIONNALISATION, None),
    (AccessRoute.Route.FORMATION_CONTINUE, None),
]
FIGURE_KINDS = [k for k in Kind.values if k != Kind.STATEMENT]


@st.composite
def evidence_items(draw, verified=None):
    kind = draw(st.sampled_from(Kind.values))
    verified = draw(st.booleans()) if verified is None else verified
    at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC) if verified else None
    if kind == Kind.STATEMENT:
        return PrerequisiteEvidence(
            kind=kind, condition=draw(st.sampled_from(STATEMENT_TEXTS)), verified_at=at
        )
    value = draw(st.sampled_from([0, 3, 4, 5, 6, 11, 12, 24, 36, 59, 60, 119, 120, 199, 200, 400]))
    return PrerequisiteEvidence(kind=kind, value=Decimal(value), verified_at=at)


def _in_memory_enrolment(route, year):
    certification = Certification(code="RNCP39603", prerequisites=PREREQUISITES)
    return Enrolment(
        framework=Framework(certification=certification),
        access_route=AccessRoute(certification=certification, route=route),
        entry_year=year,
    )


@settings(max_examples=200, deadline=None)
@given(
    context=st.sampled_from(CONTEXTS),
    evidence=st.lists(evidence_items(), max_size=8),
    added=evidence_items(verified=True),
)
def test_check_prerequisites_adding_verified_evidence_never_unmeets_a_condition(context, evidence, added):
    enrolment = _in_memory_enrolment(*context)

    before = check_prerequisites(enrolment, evidence)
    after = check_prerequisites(enrolment, [*evidence, added])

    for old_cases, new_cases in ((before.entry, after.entry), (before.validation, after.validation)):
        for old_case, new_case in zip(old_cases, new_cases, strict=True):
            for old, new in zip(old_case.conditions, new_case.conditions, strict=True):
                assert ORDER[new.status] >= ORDER[old.status], (old.text, old.status, new.status)
            assert ORDER[new_case.status] >= ORDER[old_case.status]
    assert ORDER[after.entry_status] >= ORDER[before.entry_status]
    assert ORDER[after.validation_status] >= ORDER[before.validation_status]
    assert after.all_met or not before.all_met


@settings(max_examples=100, deadline=None)
@given(
    context=st.sampled_from(CONTEXTS),
    evidence=st.lists(evidence_items(), min_size=1, max_size=8),
    index=st.integers(min_value=0, max_value=7),
)
def test_check_prerequisites_verifying_evidence_never_lowers_a_status(context, evidence, index):
    enrolment = _in_memory_enrolment(*context)
    target = evidence[index % len(evidence)]
    verified = PrerequisiteEvidence(
        kind=target.kind,
        value=target.value,
        condition=target.condition,
        verified_at=datetime.datetime(2025, 1, 2, tzinfo=datetime.UTC),
    )

    before = check_prerequisites(enrolment, evidence)
    after = check_prerequisites(enrolment, [verified if item is target else item for item in evidence])

    assert ORDER[after.entry_status] >= ORDER[before.entry_status]
    assert ORDER[after.validation_status] >= ORDER[before.validation_status]
