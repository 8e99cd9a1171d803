import datetime

import pytest

from certiflow.candidates.domain.people import (
    authorise_provider,
    declare_conflict,
    grant_role,
    has_conflict,
    is_authorised,
)
from certiflow.candidates.models import ConflictOfInterest, ProviderAuthorisation, RoleGrant
from certiflow.common.domain.errors import Refused
from certiflow.common.models import AuditLogEntry
from tests.factories import (
    AdministratorFactory,
    CandidateFactory,
    CertificationFactory,
    ProviderFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


pytestmark = pytest.mark.django_db


# --- declare_conflict -------------------------------------------------------------------------------
def test_declare_conflict_records_and_audits():
    # DESIGN rule 6 (seed 003): a member who trained a candidate does not judge that candidate.
    admin, person, candidate = AdministratorFactory(), UserFactory(username="formateur"), CandidateFactory()

    conflict = declare_conflict(
        actor=admin, person=person, candidate=candidate, nature="  L'a formé en 2024 "
    )

    assert (conflict.person, conflict.candidate, conflict.nature, conflict.declared_by) == (
        person,
        candidate,
        "L'a formé en 2024",
        admin,
    )
    assert has_conflict(person_id=person.pk, candidate_id=candidate.pk) is True
    entry = AuditLogEntry.objects.get(action="conflict.declare")
    assert entry.object_id == str(candidate.pk)
    assert entry.changes == {"person": "formateur", "nature": "L'a formé en 2024"}


def test_declare_conflict_twice_for_the_same_pair_is_refused():
    admin, person, candidate = AdministratorFactory(), UserFactory(), CandidateFactory()
    declare_conflict(actor=admin, person=person, candidate=candidate, nature="Tuteur de stage")

    with pytest.raises(Refused, match="already declared"):
        declare_conflict(actor=admin, person=person, candidate=candidate, nature="Formateur")

    assert ConflictOfInterest.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="conflict.declare").count() == 1


def test_declare_conflict_without_nature_is_refused():
    with pytest.raises(Refused) as raised:
        declare_conflict(
            actor=AdministratorFactory(), person=UserFactory(), candidate=CandidateFactory(), nature=" "
        )

    assert raised.value.field == "nature"
    assert not ConflictOfInterest.objects.exists()


def test_has_conflict_is_specific_to_the_pair():
    person, candidate = UserFactory(), CandidateFactory()
    declare_conflict(actor=AdministratorFactory(), person=person, candidate=candidate, nature="Formateur")

    assert has_conflict(person_id=person.pk, candidate_id=CandidateFactory().pk) is False
    assert has_conflict(person_id=UserFactory().pk, candidate_id=candidate.pk) is False


# --- grant_role -------------------------------------------------------------------------------------
def test_grant_role_provider_manager_without_provider_is_refused():
    with pytest.raises(Refused) as raised:
        grant_role(actor=AdministratorFactory(), user=UserFactory(), role=RoleGrant.Role.PROVIDER_MANAGER)

    assert raised.value.field == "provider"
    assert not RoleGrant.objects.exists()


def test_grant_role_provider_manager_names_the_provider_and_audits():
    user, provider = UserFactory(username="direction"), ProviderFactory()

    grant = grant_role(
        actor=AdministratorFactory(), user=user, role=RoleGrant.Role.PROVIDER_MANAGER, provider=provider
    )

    assert (grant.user, grant.role, grant.provider) == (user, "provider_manager", provider)
    entry = AuditLogEntry.objects.get(action="role.grant")
    assert entry.changes == {"user": "direction", "role": "provider_manager"}


def test_grant_role_twice_is_idempotent_and_audited_once():
    admin, user = AdministratorFactory(), UserFactory()

    first = grant_role(actor=admin, user=user, role=RoleGrant.Role.EVALUATOR)
    second = grant_role(actor=admin, user=user, role=RoleGrant.Role.EVALUATOR)

    assert first.pk == second.pk
    assert RoleGrant.objects.count() == 1
    assert AuditLogEntry.objects.filter(action="role.grant").count() == 1


def test_grant_role_other_than_provider_manager_ignores_the_provider():
    admin, user = AdministratorFactory(), UserFactory()

    grant_role(actor=admin, user=user, role=RoleGrant.Role.EVALUATOR, provider=ProviderFactory())
    grant_role(actor=admin, user=user, role=RoleGrant.Role.EVALUATOR, provider=ProviderFactory())

    grant = RoleGrant.objects.get()
    assert grant.provider is None


def test_grant_role_manager_of_two_providers_holds_two_grants():
    admin, user = AdministratorFactory(), UserFactory()

    grant_role(actor=admin, user=user, role=RoleGrant.Role.PROVIDER_MANAGER, provider=ProviderFactory())
    grant_role(actor=admin, user=user, role=RoleGrant.Role.PROVIDER_MANAGER, provider=ProviderFactory())

    assert RoleGrant.objects.filter(user=user).count() == 2


# --- authorise_provider / is_authorised -------------------------------------------------------------------
def test_authorise_provider_records_the_period_and_audits():
    provider, certification = ProviderFactory(), CertificationFactory()

    authorise_provider(
        actor=AdministratorFactory(),
        provider=provider,
        certification=certification,
        starts_on=datetime.date(2024, 1, 1),
        ends_on=datetime.date(2026, 10, 1),
    )

    assert is_authorised(provider=provider, certification=certification, on=datetime.date(2026, 10, 1))
    assert not is_authorised(provider=provider, certification=certification, on=datetime.date(2026, 10, 2))
    assert not is_authorised(provider=provider, certification=certification, on=datetime.date(2023, 12, 31))
    entry = AuditLogEntry.objects.get(action="provider.authorise")
    assert entry.changes == {"certification": certification.code, "from": "2024-01-01", "until": "2026-10-01"}


def test_authorise_provider_ending_before_it_starts_is_refused():
    with pytest.raises(Refused) as raised:
        authorise_provider(
            actor=AdministratorFactory(),
            provider=ProviderFactory(),
            certification=CertificationFactory(),
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2023, 1, 1),
        )

    assert raised.value.field == "ends_on"
    assert not ProviderAuthorisation.objects.exists()


def test_is_authorised_for_another_certification_is_false():
    provider = ProviderFactory()
    authorise_provider(
        actor=AdministratorFactory(),
        provider=provider,
        certification=CertificationFactory(),
        starts_on=datetime.date(2024, 1, 1),
        ends_on=None,
    )

    assert not is_authorised(
        provider=provider, certification=CertificationFactory(), on=datetime.date(2025, 1, 1)
    )
