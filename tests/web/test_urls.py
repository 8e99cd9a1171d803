"""Every page, for every role: who is let in (200), who is refused (403) and to whom the object does
not exist (404). Objects a role may not see are never disclosed."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from certiflow.candidates.domain.accommodations import save_accommodation
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.models import RoleGrant
from tests.assessment.conftest import build_world
from tests.factories import CandidateFactory, ProviderFactory, UserFactory, grant

MEDICAL = "Trouble dys diagnostiqué en 2019"


@dataclass
class Cast:
    world: object
    users: dict
    enrolment: object
    assignment: object
    accommodation: object


@pytest.fixture
def cast(db) -> Cast:
    world = build_world()
    enrolment = world.enrolments[0]
    assignment = world.assign(sitting=world.sittings[0])
    referent = grant(UserFactory(), RoleGrant.Role.DISABILITY_REFERENT)
    accommodation = save_accommodation(
        actor=referent,
        enrolment=enrolment,
        extra_time_minutes=30,
        assistance="Secrétaire lecteur",
        adapted_materials="",
        adapted_format="",
        medical_details=MEDICAL,
    )
    candidate_user = UserFactory()
    enrolment.candidate.user = candidate_user
    enrolment.candidate.save()
    other_candidate = UserFactory()
    CandidateFactory(user=other_candidate)
    conflicted_jury = grant(UserFactory(), RoleGrant.Role.JURY_MEMBER)
    declare_conflict(
        actor=world.admin, person=conflicted_jury, candidate=enrolment.candidate, nature="Formateur"
    )
    users = {
        "administrator": world.admin,
        "manager": grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, world.provider),
        "other_manager": grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, ProviderFactory()),
        "evaluator": world.evaluator,
        "other_evaluator": world.second_evaluator,
        "referent": referent,
        "jury": grant(UserFactory(), RoleGrant.Role.JURY_MEMBER),
        "conflicted_jury": conflicted_jury,
        "candidate": candidate_user,
        "other_candidate": other_candidate,
    }
    return Cast(
        world=world, users=users, enrolment=enrolment, assignment=assignment, accommodation=accommodation
    )


ROLES = [
    "administrator",
    "manager",
    "other_manager",
    "evaluator",
    "other_evaluator",
    "referent",
    "jury",
    "conflicted_jury",
    "candidate",
    "other_candidate",
]

#: page → expected status per role, in the order of ROLES.
PAGES = {
    "enrolment-detail": [200, 200, 404, 200, 404, 200, 200, 404, 200, 404],
    "accommodation-create": [403, 403, 404, 403, 404, 200, 403, 404, 403, 404],
    "accommodation-edit": [403, 403, 404, 403, 404, 200, 403, 404, 403, 404],
    "exemption-propose": [403, 403, 404, 403, 404, 200, 403, 404, 403, 404],
    "conflict-declare": [200, 200, 404, 403, 404, 403, 403, 404, 403, 404],
    "session-list": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "session-detail": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "session-create": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "grading-grid": [200, 404, 404, 200, 404, 404, 404, 404, 404, 404],
    "portal": [404, 404, 404, 404, 404, 404, 404, 404, 200, 200],
    "audit-log": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "enrolment-list": [200] * 10,
    "assignment-list": [200] * 10,
}


def _url(name: str, cast: Cast) -> str:
    args = {
        "enrolment-detail": [cast.enrolment.pk],
        "accommodation-create": [cast.enrolment.pk],
        "accommodation-edit": [cast.enrolment.pk, cast.accommodation.pk],
        "exemption-propose": [cast.enrolment.pk],
        "conflict-declare": [cast.enrolment.pk],
        "session-detail": [cast.world.session.pk],
        "grading-grid": [cast.assignment.pk],
        "audit-log": ["candidates.enrolment", cast.enrolment.pk],
    }.get(name, [])
    return reverse(f"web:{name}", args=args)


@pytest.mark.parametrize(("page", "role"), [(page, role) for page in PAGES for role in ROLES])
def test_page_status_for_each_role(client, cast, page, role):
    client.force_login(cast.users[role])

    response = client.get(_url(page, cast))

    assert response.status_code == PAGES[page][ROLES.index(role)]


@pytest.mark.parametrize("page", list(PAGES))
def test_page_anonymous_is_sent_to_login(client, cast, page):
    response = client.get(_url(page, cast))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_enrolment_detail_medical_details_for_the_referent_alone(client, cast, role):
    client.force_login(cast.users[role])

    response = client.get(_url("enrolment-detail", cast))

    assert (MEDICAL in response.content.decode()) == (role == "referent")


@pytest.mark.parametrize("role", ["evaluator", "candidate", "referent"])
def test_enrolment_detail_adapted_conditions_for_who_applies_them(client, cast, role):
    client.force_login(cast.users[role])

    response = client.get(_url("enrolment-detail", cast))

    assert "Secrétaire lecteur" in response.content.decode()


def test_grading_grid_shows_adapted_conditions_without_medical_details(client, cast):
    client.force_login(cast.users["evaluator"])

    html = client.get(_url("grading-grid", cast)).content.decode()

    assert "Secrétaire lecteur" in html
    assert MEDICAL not in html
