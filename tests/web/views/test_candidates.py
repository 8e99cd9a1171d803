import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certiflow.candidates.domain.accommodations import save_accommodation
from certiflow.candidates.models import Accommodation, ExemptionProposal, PrerequisiteEvidence, RoleGrant
from tests.assessment.conftest import build_world
from tests.factories import EnrolmentFactory, ProviderFactory, UserFactory, grant


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def referent(db):
    return grant(UserFactory(), RoleGrant.Role.DISABILITY_REFERENT)


def _accommodation(referent, enrolment, assistance="Secrétaire"):
    return save_accommodation(
        actor=referent,
        enrolment=enrolment,
        extra_time_minutes=None,
        assistance=assistance,
        adapted_materials="",
        adapted_format="",
        medical_details="",
    )


def test_accommodation_edit_stale_revision_shows_the_stored_version(client, world, referent):
    enrolment = world.enrolments[0]
    accommodation = _accommodation(referent, enrolment)
    save_accommodation(
        actor=referent,
        enrolment=enrolment,
        accommodation=accommodation,
        base_revision=1,
        extra_time_minutes=None,
        assistance="Lecteur",
        adapted_materials="",
        adapted_format="",
        medical_details="",
    )
    client.force_login(referent)

    response = client.post(
        reverse("web:accommodation-edit", args=[enrolment.pk, accommodation.pk]),
        {"assistance": "Scripteur", "base_revision": 1},
    )

    assert response.status_code == 409
    assert "Lecteur" in response.content.decode()
    assert Accommodation.objects.get().assistance == "Lecteur"


def test_exemption_propose_without_both_conditions_is_refused(client, world, referent):
    enrolment = world.enrolments[0]
    client.force_login(referent)

    response = client.post(
        reverse("web:exemption-propose", args=[enrolment.pk]),
        {"criterion": world.criteria[0].pk, "opinion": "Avis motivé", "keeps_overall_capability": "on"},
    )

    assert response.status_code == 400
    assert "both cumulative conditions" in response.content.decode()
    assert not ExemptionProposal.objects.exists()


def test_prerequisite_record_then_verify(client, world):
    enrolment = world.enrolments[0]
    client.force_login(world.admin)

    client.post(
        reverse("web:prerequisite-record", args=[enrolment.pk]),
        {"kind": "experience_months", "value": "5", "description": "Contrat de stage"},
    )
    evidence = PrerequisiteEvidence.objects.get()
    client.post(reverse("web:prerequisite-verify", args=[enrolment.pk, evidence.pk]))

    evidence.refresh_from_db()
    assert evidence.value == 5
    assert evidence.verified_by == world.admin


def test_prerequisite_record_by_a_manager_of_another_provider_is_404(client, world):
    manager = grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, ProviderFactory())
    client.force_login(manager)

    response = client.post(
        reverse("web:prerequisite-record", args=[world.enrolments[0].pk]),
        {"kind": "experience_months", "value": "5", "description": "x"},
    )

    assert response.status_code == 404
    assert not PrerequisiteEvidence.objects.exists()


def test_enrolment_list_search_with_htmx_returns_rows(client, world):
    client.force_login(world.admin)
    name = world.enrolments[0].candidate.last_name

    response = client.get(reverse("web:enrolment-list"), {"q": name}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith("<tr>")
    assert name.upper() in html
    assert world.enrolments[1].candidate.last_name.upper() not in html


@pytest.mark.parametrize("role", ["administrator", "manager", "referent"])
def test_enrolment_list_constant_queries(client, world, referent, role):
    user = {
        "administrator": world.admin,
        "manager": grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, world.provider),
        "referent": referent,
    }[role]
    _accommodation(referent, world.enrolments[0])
    client.force_login(user)
    url = reverse("web:enrolment-list")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        enrolment = EnrolmentFactory(
            framework=world.framework, access_route=world.enrolments[0].access_route, provider=world.provider
        )
        _accommodation(referent, enrolment)

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count("<tr>") >= 7
    assert len(many) == len(few)


@pytest.mark.parametrize(("role", "flagged"), [("administrator", True), ("referent", True), ("jury", False)])
def test_enrolment_list_accommodation_flag_for_referent_and_administrators(
    client, world, referent, role, flagged
):
    _accommodation(referent, world.enrolments[0])
    user = {
        "administrator": world.admin,
        "referent": referent,
        "jury": grant(UserFactory(), RoleGrant.Role.JURY_MEMBER),
    }[role]
    client.force_login(user)

    html = client.get(reverse("web:enrolment-list")).content.decode()

    assert ('title="Has accommodations"' in html) == flagged
