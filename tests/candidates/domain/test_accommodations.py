"""Disability accommodations and exemption proposals (seed 003, « Candidat en situation de handicap »;
DESIGN rule 5: medical details are seen by the referent alone)."""

import dataclasses
import json

import pytest

from certiflow.candidates.domain.accommodations import (
    AdaptedConditions,
    adapted_conditions,
    propose_exemption,
    save_accommodation,
)
from certiflow.candidates.models import Accommodation, ExemptionProposal, RoleGrant
from certiflow.common.domain.errors import Conflict, Refused
from certiflow.common.models import AuditLogEntry
from tests.factories import (
    AssessmentFactory,
    BlockFactory,
    CriterionFactory,
    EnrolmentFactory,
    FrameworkFactory,
    UserFactory,
    grant,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = pytest.mark.django_db

MEDICAL = "Dyspraxie sévère, suivi neurologique au CHU"
OPINION = (
    "La prise de notes manuscrite n'est pas au cœur du métier de chargé de projet culturel ; le candidat "
    "démontre par ailleurs toutes les compétences du bloc."
)


@pytest.fixture
def case():
    framework = FrameworkFactory()
    block = BlockFactory(framework=framework)
    e1 = AssessmentFactory(block=block, code="E1")
    e2 = AssessmentFactory(block=block, code="E2")
    return dataclasses.make_dataclass("Case", ["referent", "enrolment", "e1", "e2", "criterion"])(
        referent=grant(UserFactory(), RoleGrant.Role.DISABILITY_REFERENT),
        enrolment=EnrolmentFactory(framework=framework),
        e1=e1,
        e2=e2,
        criterion=CriterionFactory(assessment=e1, code="E1.1"),
    )


def _save(case, **overrides):
    arguments = {
        "actor": case.referent,
        "enrolment": case.enrolment,
        "extra_time_minutes": 30,
        "assistance": "Un secrétaire pour la prise de notes",
        "adapted_materials": "",
        "adapted_format": "",
        "medical_details": MEDICAL,
        **overrides,
    }
    return save_accommodation(**arguments)


def _all_audit_text() -> str:
    return json.dumps([entry.changes for entry in AuditLogEntry.objects.all()], ensure_ascii=False)


# --- save_accommodation ---------------------------------------------------------------------------------
def test_save_accommodation_creates_and_audits_without_medical_details(case):
    item = _save(case, assessments=[case.e1])

    assert (item.revision, item.medical_details, item.recorded_by) == (1, MEDICAL, case.referent)
    assert list(item.assessments.all()) == [case.e1]
    entry = AuditLogEntry.objects.get(action="accommodation.create")
    assert entry.changes == {
        "extra_time_minutes": 30,
        "assistance": "Un secrétaire pour la prise de notes",
        "assessments": ["E1"],
    }
    assert "Dyspraxie" not in _all_audit_text()


def test_save_accommodation_update_audits_before_after_and_medical_details_as_changed_only(case):
    item = _save(case)

    updated = _save(
        case,
        accommodation=item,
        base_revision=1,
        extra_time_minutes=45,
        medical_details="Dyspraxie et troubles visuels, certificat du Dr Martin",
    )

    assert updated.revision == 2
    stored = Accommodation.objects.get()
    assert (stored.extra_time_minutes, stored.medical_details) == (
        45,
        "Dyspraxie et troubles visuels, certificat du Dr Martin",
    )
    entry = AuditLogEntry.objects.get(action="accommodation.update")
    assert entry.changes == {"extra_time_minutes": [30, 45], "medical_details": "changed", "assessments": []}
    audit_text = _all_audit_text()
    assert "Dyspraxie" not in audit_text
    assert "Dr Martin" not in audit_text


def test_save_accommodation_unchanged_medical_details_are_not_mentioned(case):
    item = _save(case)

    _save(case, accommodation=item, base_revision=1, adapted_materials="Sujet en police Arial 16")

    entry = AuditLogEntry.objects.get(action="accommodation.update")
    assert "medical_details" not in entry.changes
    assert entry.changes["adapted_materials"] == ["", "Sujet en police Arial 16"]


def test_save_accommodation_stale_revision_is_a_conflict_with_current_public_values(case):
    item = _save(case)
    _save(case, accommodation=item, base_revision=1, extra_time_minutes=60)

    with pytest.raises(Conflict) as raised:
        _save(case, accommodation=item, base_revision=1, extra_time_minutes=20, medical_details="Autre")

    assert raised.value.current == {
        "extra_time_minutes": 60,
        "assistance": "Un secrétaire pour la prise de notes",
        "adapted_materials": "",
        "adapted_format": "",
    }
    assert "medical_details" not in raised.value.current
    assert MEDICAL not in json.dumps(raised.value.current, ensure_ascii=False)
    stored = Accommodation.objects.get()
    assert (stored.revision, stored.extra_time_minutes, stored.medical_details) == (2, 60, MEDICAL)


def test_save_accommodation_with_medical_details_only_is_refused(case):
    with pytest.raises(Refused, match="at least one adapted condition"):
        _save(case, extra_time_minutes=None, assistance="  ")

    assert not Accommodation.objects.exists()
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize("minutes", [0, 601])
def test_save_accommodation_extra_time_out_of_range_is_refused(case, minutes):
    with pytest.raises(Refused) as raised:
        _save(case, extra_time_minutes=minutes)

    assert raised.value.field == "extra_time_minutes"


def test_save_accommodation_assessment_of_another_framework_is_refused(case):
    foreign = AssessmentFactory()

    with pytest.raises(Refused) as raised:
        _save(case, assessments=[case.e1, foreign])

    assert raised.value.field == "assessments"
    assert not Accommodation.objects.exists()


def test_save_accommodation_of_another_enrolment_is_refused(case):
    item = _save(case)
    other = EnrolmentFactory(framework=case.enrolment.framework, access_route=case.enrolment.access_route)

    with pytest.raises(Refused):
        _save(case, enrolment=other, accommodation=item, base_revision=1)


# --- adapted_conditions -----------------------------------------------------------------------------
def test_adapted_conditions_only_those_naming_the_assessment_or_none(case):
    _save(case, extra_time_minutes=30, assistance="", assessments=[case.e1])
    _save(
        case,
        extra_time_minutes=None,
        assistance="",
        adapted_format="Oral au lieu d'écrit",
        assessments=[case.e2],
    )
    _save(case, extra_time_minutes=None, assistance="", adapted_materials="Ordinateur fourni")

    for_e1 = adapted_conditions(enrolment=case.enrolment, assessment=case.e1)
    for_e2 = adapted_conditions(enrolment=case.enrolment, assessment=case.e2)

    assert for_e1 == [
        AdaptedConditions(extra_time_minutes=30, assistance="", adapted_materials="", adapted_format=""),
        AdaptedConditions(
            extra_time_minutes=None, assistance="", adapted_materials="Ordinateur fourni", adapted_format=""
        ),
    ]
    assert [c.adapted_format for c in for_e2] == ["Oral au lieu d'écrit", ""]


def test_adapted_conditions_never_expose_medical_details(case):
    _save(case, assessments=[case.e1])

    conditions = adapted_conditions(enrolment=case.enrolment, assessment=case.e1)

    assert len(conditions) == 1
    values = dataclasses.asdict(conditions[0])
    assert set(values) == {"extra_time_minutes", "assistance", "adapted_materials", "adapted_format"}
    assert MEDICAL not in [str(v) for v in values.values()]
    assert not hasattr(conditions[0], "medical_details")


def test_adapted_conditions_of_another_candidate_are_not_given(case):
    _save(case)
    other = EnrolmentFactory(framework=case.enrolment.framework, access_route=case.enrolment.access_route)

    assert adapted_conditions(enrolment=other, assessment=case.e1) == []


# --- propose_exemption ------------------------------------------------------------------------------
def _propose(case, **overrides):
    arguments = {
        "actor": case.referent,
        "enrolment": case.enrolment,
        "criterion": case.criterion,
        "opinion": OPINION,
        "keeps_overall_capability": True,
        "not_applicable_to_future_practice": True,
        **overrides,
    }
    return propose_exemption(**arguments)


def test_propose_exemption_with_both_conditions_and_an_opinion_is_proposed_and_audited(case):
    proposal = _propose(case)

    assert proposal.status == ExemptionProposal.Status.PROPOSED
    assert (proposal.keeps_overall_capability, proposal.not_applicable_to_future_practice) == (True, True)
    assert proposal.opinion == OPINION
    entry = AuditLogEntry.objects.get(action="exemption.propose")
    assert entry.changes == {"criterion": "E1.1"}


@pytest.mark.parametrize(
    ("keeps", "not_applicable", "field"),
    [
        (False, True, "keeps_overall_capability"),
        (True, False, "not_applicable_to_future_practice"),
        (False, False, "keeps_overall_capability"),
    ],
)
def test_propose_exemption_without_both_cumulative_conditions_is_refused(case, keeps, not_applicable, field):
    # Seed 003: « Ces deux critères étant cumulatifs ».
    with pytest.raises(Refused, match="both cumulative conditions") as raised:
        _propose(case, keeps_overall_capability=keeps, not_applicable_to_future_practice=not_applicable)

    assert raised.value.field == field
    assert not ExemptionProposal.objects.exists()


def test_propose_exemption_without_an_opinion_is_refused(case):
    # Seed 003: « Sur avis motivé du référent handicap ».
    with pytest.raises(Refused) as raised:
        _propose(case, opinion="   ")

    assert raised.value.field == "opinion"
    assert not ExemptionProposal.objects.exists()


def test_propose_exemption_twice_for_the_same_criterion_is_refused(case):
    _propose(case)

    with pytest.raises(Refused, match="already proposed") as raised:
        _propose(case)

    assert raised.value.field == "criterion"
    assert ExemptionProposal.objects.count() == 1


def test_propose_exemption_again_after_a_refusal_is_possible(case):
    first = _propose(case)
    ExemptionProposal.objects.filter(pk=first.pk).update(status=ExemptionProposal.Status.REFUSED)

    second = _propose(case, opinion=OPINION + " Nouvel avis après bilan.")

    assert second.pk != first.pk


def test_propose_exemption_criterion_of_another_framework_is_refused(case):
    foreign = CriterionFactory()

    with pytest.raises(Refused) as raised:
        _propose(case, criterion=foreign)

    assert raised.value.field == "criterion"
    assert not ExemptionProposal.objects.exists()
