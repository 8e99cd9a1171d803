import datetime

import pytest

from certiflow.candidates.domain.enrolments import (
    CandidateDetails,
    check_enrolment,
    enrol,
    save_candidate,
    transition,
)
from certiflow.candidates.models import Candidate, Cohort, Enrolment
from certiflow.common.domain.errors import Refused
from certiflow.common.models import AuditLogEntry
from tests.factories import (
    AccessRouteFactory,
    AdministratorFactory,
    CandidateFactory,
    EnrolmentFactory,
    FrameworkFactory,
    ProviderAuthorisationFactory,
    ProviderFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = pytest.mark.django_db

START = datetime.date(2024, 9, 1)


def _registry(**route):
    """A framework, one of its routes and a provider authorised from 2020 with no end."""
    framework = FrameworkFactory()
    access_route = AccessRouteFactory(certification=framework.certification, **route)
    authorisation = ProviderAuthorisationFactory(certification=framework.certification)
    return framework, access_route, authorisation.provider


def _check(framework, access_route, provider, cohort=None, starts_on=START, ends_on=None):
    check_enrolment(
        framework=framework,
        access_route=access_route,
        provider=provider,
        cohort=cohort,
        starts_on=starts_on,
        ends_on=ends_on,
    )


# --- check_enrolment --------------------------------------------------------------------------------
def test_check_enrolment_consistent_registry_passes():
    framework, access_route, provider = _registry()
    cohort = Cohort.objects.create(provider=provider, certification=framework.certification, name="P2027")

    _check(framework, access_route, provider, cohort=cohort, ends_on=datetime.date(2027, 6, 30))


def test_check_enrolment_without_provider_passes():
    framework, access_route, _provider = _registry()

    _check(framework, access_route, None)


def test_check_enrolment_route_of_another_certification_is_refused():
    framework, _route, provider = _registry()
    foreign_route = AccessRouteFactory()

    with pytest.raises(Refused) as raised:
        _check(framework, foreign_route, provider)

    assert raised.value.field == "access_route"


def test_check_enrolment_closed_route_is_refused():
    # Seed 003 fiche: each access route is stated open or not; a closed one takes no candidate.
    framework, access_route, provider = _registry(is_open=False)

    with pytest.raises(Refused, match="closed") as raised:
        _check(framework, access_route, provider)

    assert raised.value.field == "access_route"


def test_check_enrolment_route_the_fiche_is_silent_about_passes():
    framework, access_route, provider = _registry(is_open=None)

    _check(framework, access_route, provider)


def test_check_enrolment_provider_authorised_after_the_start_date_is_refused():
    framework, access_route, _provider = _registry()
    late = ProviderAuthorisationFactory(
        certification=framework.certification, starts_on=datetime.date(2025, 1, 1)
    ).provider

    with pytest.raises(Refused, match="not authorised") as raised:
        _check(framework, access_route, late)

    assert raised.value.field == "provider"


def test_check_enrolment_provider_whose_authorisation_ended_is_refused():
    framework, access_route, _provider = _registry()
    ended = ProviderAuthorisationFactory(
        certification=framework.certification,
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2024, 8, 31),
    ).provider

    with pytest.raises(Refused, match="not authorised"):
        _check(framework, access_route, ended)


def test_check_enrolment_start_on_the_last_day_of_authorisation_passes():
    framework, access_route, _provider = _registry()
    provider = ProviderAuthorisationFactory(
        certification=framework.certification, starts_on=datetime.date(2020, 1, 1), ends_on=START
    ).provider

    _check(framework, access_route, provider)


def test_check_enrolment_provider_authorised_for_another_certification_is_refused():
    framework, access_route, _provider = _registry()
    other = ProviderAuthorisationFactory().provider

    with pytest.raises(Refused, match="not authorised"):
        _check(framework, access_route, other)


def test_check_enrolment_cohort_of_another_provider_is_refused():
    framework, access_route, provider = _registry()
    other_provider = ProviderFactory()
    cohort = Cohort.objects.create(provider=other_provider, certification=framework.certification, name="P1")

    with pytest.raises(Refused) as raised:
        _check(framework, access_route, provider, cohort=cohort)

    assert raised.value.field == "cohort"


def test_check_enrolment_cohort_of_another_certification_is_refused():
    framework, access_route, provider = _registry()
    cohort = Cohort.objects.create(
        provider=provider, certification=FrameworkFactory().certification, name="P1"
    )

    with pytest.raises(Refused) as raised:
        _check(framework, access_route, provider, cohort=cohort)

    assert raised.value.field == "cohort"


def test_check_enrolment_cohort_without_provider_is_refused():
    framework, access_route, provider = _registry()
    cohort = Cohort.objects.create(provider=provider, certification=framework.certification, name="P1")

    with pytest.raises(Refused) as raised:
        _check(framework, access_route, None, cohort=cohort)

    assert raised.value.field == "cohort"


def test_check_enrolment_end_before_start_is_refused():
    framework, access_route, provider = _registry()

    with pytest.raises(Refused) as raised:
        _check(framework, access_route, provider, ends_on=START - datetime.timedelta(days=1))

    assert raised.value.field == "ends_on"


# --- enrol ------------------------------------------------------------------------------------------
def test_enrol_creates_the_enrolment_and_audits_its_values():
    framework, access_route, provider = _registry()
    candidate = CandidateFactory()
    admin = AdministratorFactory()

    enrolment, created = enrol(
        actor=admin,
        candidate=candidate,
        framework=framework,
        access_route=access_route,
        provider=provider,
        starts_on=START,
        entry_year=2,
    )

    assert created is True
    assert (enrolment.status, enrolment.entry_year, enrolment.provider) == (
        Enrolment.Status.ENROLLED,
        2,
        provider,
    )
    entry = AuditLogEntry.objects.get(action="enrolment.create")
    assert entry.actor == admin
    assert entry.object_id == str(enrolment.pk)
    assert entry.changes["starts_on"] == "2024-09-01"
    assert entry.changes["entry_year"] == 2
    assert entry.changes["provider"] == str(provider)


def test_enrol_again_updates_and_audits_before_and_after():
    framework, access_route, provider = _registry()
    candidate = CandidateFactory()
    admin = AdministratorFactory()
    first, _ = enrol(
        actor=admin,
        candidate=candidate,
        framework=framework,
        access_route=access_route,
        provider=provider,
        starts_on=START,
    )

    second, created = enrol(
        actor=admin,
        candidate=candidate,
        framework=framework,
        access_route=access_route,
        provider=provider,
        starts_on=datetime.date(2024, 10, 1),
        entry_year=3,
    )

    assert created is False
    assert second.pk == first.pk
    assert Enrolment.objects.get().starts_on == datetime.date(2024, 10, 1)
    entry = AuditLogEntry.objects.get(action="enrolment.update")
    assert entry.changes == {"entry_year": [None, 3], "starts_on": ["2024-09-01", "2024-10-01"]}


def test_enrol_with_the_same_values_changes_nothing_and_writes_no_audit():
    framework, access_route, provider = _registry()
    candidate = CandidateFactory()
    admin = AdministratorFactory()
    enrol(
        actor=admin,
        candidate=candidate,
        framework=framework,
        access_route=access_route,
        provider=provider,
        starts_on=START,
    )

    _, created = enrol(
        actor=admin,
        candidate=candidate,
        framework=framework,
        access_route=access_route,
        provider=provider,
        starts_on=START,
    )

    assert created is False
    assert Enrolment.objects.count() == 1
    assert not AuditLogEntry.objects.filter(action="enrolment.update").exists()


def test_enrol_refused_by_the_registry_writes_nothing():
    framework, access_route, _provider = _registry(is_open=False)

    with pytest.raises(Refused):
        enrol(
            actor=AdministratorFactory(),
            candidate=CandidateFactory(),
            framework=framework,
            access_route=access_route,
            provider=None,
            starts_on=START,
        )

    assert not Enrolment.objects.exists()
    assert not AuditLogEntry.objects.exists()


# --- transition -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("enrolled", "assessing"),
        ("enrolled", "withdrawn"),
        ("assessing", "enrolled"),
        ("assessing", "withdrawn"),
        ("withdrawn", "enrolled"),
    ],
)
def test_transition_allowed_move_changes_status_and_audits(start, to):
    enrolment = EnrolmentFactory(status=start)
    admin = AdministratorFactory()

    result = transition(actor=admin, enrolment=enrolment, to=to, reason="Demande écrite du candidat")

    assert Enrolment.objects.get(pk=enrolment.pk).status == to
    assert result.status == enrolment.status == to
    entry = AuditLogEntry.objects.get(action="enrolment.status")
    assert entry.changes == {"status": [start, to]}
    assert entry.reason == "Demande écrite du candidat"
    assert entry.actor == admin


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("withdrawn", "assessing"),
        ("enrolled", "enrolled"),
        ("assessing", "assessing"),
        ("withdrawn", "withdrawn"),
    ],
)
def test_transition_forbidden_move_is_refused_and_not_audited(start, to):
    enrolment = EnrolmentFactory(status=start)

    with pytest.raises(Refused) as raised:
        transition(actor=AdministratorFactory(), enrolment=enrolment, to=to)

    assert raised.value.field == "status"
    assert Enrolment.objects.get(pk=enrolment.pk).status == start
    assert not AuditLogEntry.objects.exists()


def test_transition_reads_the_stored_status_not_a_stale_copy():
    enrolment = EnrolmentFactory(status="enrolled")
    stale = Enrolment.objects.get(pk=enrolment.pk)
    transition(actor=None, enrolment=enrolment, to="withdrawn")

    with pytest.raises(Refused):
        transition(actor=None, enrolment=stale, to="assessing")

    assert Enrolment.objects.get(pk=enrolment.pk).status == "withdrawn"


def test_transition_to_an_unknown_status_is_refused():
    enrolment = EnrolmentFactory()

    with pytest.raises(Refused):
        transition(actor=None, enrolment=enrolment, to="certified")


# --- save_candidate ---------------------------------------------------------------------------------
def test_save_candidate_creates_with_lower_case_email_and_audits():
    admin = AdministratorFactory()

    candidate, created = save_candidate(
        actor=admin,
        details=CandidateDetails(last_name=" Dupont ", first_name="Léa", email=" Lea.Dupont@Example.ORG "),
    )

    assert created is True
    assert (candidate.email, candidate.last_name) == ("lea.dupont@example.org", "Dupont")
    entry = AuditLogEntry.objects.get(action="candidate.create")
    assert entry.actor == admin
    assert entry.object_id == str(candidate.pk)


def test_save_candidate_creation_audits_the_values_as_a_json_object():
    save_candidate(
        actor=None,
        details=CandidateDetails(
            last_name="Dupont",
            first_name="Léa",
            email="lea@example.org",
            birth_date=datetime.date(2001, 3, 4),
        ),
    )

    entry = AuditLogEntry.objects.get(action="candidate.create")
    assert entry.changes == {
        "last_name": "Dupont",
        "first_name": "Léa",
        "birth_date": "2001-03-04",
        "reference": "",
    }


def test_save_candidate_same_email_in_another_case_updates_the_same_candidate():
    admin = AdministratorFactory()
    first, _ = save_candidate(
        actor=admin, details=CandidateDetails(last_name="Dupont", first_name="Léa", email="lea@example.org")
    )

    second, created = save_candidate(
        actor=admin,
        details=CandidateDetails(
            last_name="Dupont-Moreau",
            first_name="Léa",
            email="LEA@EXAMPLE.org",
            birth_date=datetime.date(2001, 3, 4),
        ),
    )

    assert created is False
    assert second.pk == first.pk
    assert Candidate.objects.count() == 1
    entry = AuditLogEntry.objects.get(action="candidate.update")
    assert entry.changes == {
        "last_name": ["Dupont", "Dupont-Moreau"],
        "birth_date": [None, "2001-03-04"],
    }


def test_save_candidate_unchanged_details_write_no_audit():
    details = CandidateDetails(last_name="Dupont", first_name="Léa", email="lea@example.org")
    save_candidate(actor=None, details=details)

    _, created = save_candidate(actor=None, details=details)

    assert created is False
    assert not AuditLogEntry.objects.filter(action="candidate.update").exists()


def test_save_candidate_blank_email_is_refused():
    with pytest.raises(Refused):
        save_candidate(actor=None, details=CandidateDetails(last_name="Dupont", first_name="Léa", email="  "))
