"""Who may do what with people, enrolments and accommodations (candidates.rules)."""

import pytest
from django.contrib.auth.models import AnonymousUser

from certiflow.candidates.models import Cohort, RoleGrant
from certiflow.candidates.rules import managed_provider_ids
from tests.factories import (
    AdministratorFactory,
    EnrolmentFactory,
    ProviderFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db

Role = RoleGrant.Role


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people():
    enrolment = EnrolmentFactory()
    return {
        "enrolment": enrolment,
        "administrator": AdministratorFactory(),
        "manager": grant(UserFactory(), Role.PROVIDER_MANAGER, enrolment.provider),
        "other manager": grant(UserFactory(), Role.PROVIDER_MANAGER, ProviderFactory()),
        "evaluator": grant(UserFactory(), Role.EVALUATOR),
        "referent": grant(UserFactory(), Role.DISABILITY_REFERENT),
        "jury member": grant(UserFactory(), Role.JURY_MEMBER),
        "no role": UserFactory(),
    }


def _holders(people, permission, obj=None):
    return {
        name
        for name, user in people.items()
        if name != "enrolment" and user.has_perm(permission, obj if obj is not None else people["enrolment"])
    }


def test_view_medical_details_only_the_disability_referent(people):
    # DESIGN rule 5 (seed 003 « Candidat en situation de handicap »): medical details are seen by the
    # referent alone — not by administrators.
    assert _holders(people, "candidates.view_medical_details") == {"referent"}


def test_view_medical_details_inactive_referent_may_not(people):
    referent = grant(UserFactory(is_active=False), Role.DISABILITY_REFERENT)

    assert not referent.has_perm("candidates.view_medical_details", people["enrolment"])


@pytest.mark.parametrize("permission", ["candidates.record_accommodation", "candidates.propose_exemption"])
def test_accommodations_and_exemption_proposals_only_the_referent(people, permission):
    assert _holders(people, permission) == {"referent"}


@pytest.mark.parametrize("permission", ["candidates.manage_enrolment", "candidates.record_prerequisite"])
def test_enrolment_and_prerequisites_administrator_or_manager_of_its_provider(people, permission):
    assert _holders(people, permission) == {"administrator", "manager"}


def test_verify_prerequisite_only_administrators(people):
    assert _holders(people, "candidates.verify_prerequisite") == {"administrator"}


@pytest.mark.parametrize("permission", ["candidates.declare_conflict", "candidates.import_roster"])
def test_conflicts_and_rosters_administrators_and_provider_managers(people, permission):
    assert _holders(people, permission) == {"administrator", "manager", "other manager"}


def test_manage_providers_only_administrators(people):
    assert _holders(people, "candidates.manage_providers") == {"administrator"}


def test_manage_enrolment_manager_of_the_provider_given_as_a_provider_or_a_cohort(people):
    provider = people["enrolment"].provider
    cohort = Cohort.objects.create(
        provider=provider, certification=people["enrolment"].framework.certification, name="P1"
    )

    assert _holders(people, "candidates.manage_enrolment", provider) == {"administrator", "manager"}
    assert _holders(people, "candidates.manage_enrolment", cohort) == {"administrator", "manager"}


def test_manage_enrolment_without_provider_only_administrators(people):
    enrolment = people["enrolment"]
    enrolment.provider = None

    assert _holders(people, "candidates.manage_enrolment", enrolment) == {"administrator"}


def test_managed_provider_ids_lists_each_managed_provider(people):
    second = ProviderFactory()
    manager = grant(
        grant(UserFactory(), Role.PROVIDER_MANAGER, people["enrolment"].provider),
        Role.PROVIDER_MANAGER,
        second,
    )

    assert managed_provider_ids(manager) == {people["enrolment"].provider_id, second.pk}
    assert managed_provider_ids(people["evaluator"]) == set()
    assert managed_provider_ids(AnonymousUser()) == set()


def test_inactive_administrator_has_no_permission(people):
    inactive = AdministratorFactory(is_active=False)

    assert not inactive.has_perm("candidates.manage_enrolment", people["enrolment"])
    assert not inactive.has_perm("candidates.verify_prerequisite", people["enrolment"])
