"""Every page, for every role: who is let in (200), who is refused (403) and to whom the object does
not exist (404). Objects a role may not see are never disclosed."""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from certiflow.candidates.domain.accommodations import save_accommodation
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.models import RoleGrant
from certiflow.jury.domain.deliberations import add_member, create_deliberation, open_deliberation
from tests.assessment.conftest import build_world
from tests.factories import CandidateFactory, ProviderFactory, UserFactory, grant
from tests.web.views.test_credentials import build_cast as build_credentials_cast
from tests.web.views.test_credentials import fast_pdfs  # noqa: F401 (a fixture)
from tests.web.views.test_jury import JURY_RULES, MEETS_ON

MEDICAL = "Trouble dys diagnostiqué en 2019"


@dataclass
class Cast:
    world: object
    users: dict
    enrolment: object
    assignment: object
    accommodation: object
    deliberation: object
    decision: object


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
    jury = grant(UserFactory(), RoleGrant.Role.JURY_MEMBER)
    deliberation = _open_deliberation(world, jury, conflicted_jury)
    # Declared once the deliberation is open (it would not open with a member in conflict).
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
        "jury": jury,
        "conflicted_jury": conflicted_jury,
        "candidate": candidate_user,
        "other_candidate": other_candidate,
    }
    return Cast(
        world=world,
        users=users,
        enrolment=enrolment,
        assignment=assignment,
        accommodation=accommodation,
        deliberation=deliberation,
        decision=deliberation.decisions.get(enrolment=enrolment),
    )


def _open_deliberation(world, president, member):
    """An open deliberation of the session: ``president`` presides, ``member`` sits beside them."""
    route = world.enrolments[0].access_route
    route.jury_rules = JURY_RULES
    route.save()
    deliberation = create_deliberation(
        actor=world.admin, session=world.session, title="Jury", meets_on=MEETS_ON
    )
    for user, role, side in (
        (president, "director", ""),
        (member, "pedagogical_lead", ""),
        (UserFactory(), "external_professional", "employer"),
        (UserFactory(), "external_professional", "employee"),
    ):
        add_member(
            actor=world.admin,
            deliberation=deliberation,
            user=user,
            role=role,
            is_professional=bool(side),
            side=side,
            is_president=user == president,
        )
    return open_deliberation(actor=world.admin, deliberation=deliberation)


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
    "deliberation-list": [200, 403, 403, 403, 403, 403, 200, 200, 403, 403],
    "deliberation-create": [200, 403, 403, 403, 403, 403, 403, 403, 403, 403],
    "deliberation-detail": [200, 404, 404, 404, 404, 404, 200, 200, 404, 404],
    "deliberation-board": [200, 404, 404, 404, 404, 404, 200, 200, 404, 404],
    # A member who declared a conflict with the candidate does not see their file (DESIGN rule 6).
    "deliberation-decision": [200, 404, 404, 404, 404, 404, 200, 403, 404, 404],
    "equivalence-present": [200, 200, 404, 403, 404, 403, 403, 404, 403, 404],
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
        "deliberation-create": [cast.world.session.pk],
        "deliberation-detail": [cast.deliberation.pk],
        "deliberation-board": [cast.deliberation.pk],
        "deliberation-decision": [cast.deliberation.pk, cast.decision.pk],
        "equivalence-present": [cast.enrolment.pk],
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


@pytest.mark.parametrize("role", ["administrator", "jury"])
def test_deliberation_decision_never_shows_medical_details(client, cast, role):
    client.force_login(cast.users[role])

    response = client.get(_url("deliberation-decision", cast))

    assert response.status_code == 200
    assert MEDICAL not in response.content.decode()


# --- credentials: public pages for anyone, a credential for who may see it -----------------------------
CREDENTIAL_ROLES = [
    "administrator",
    "manager",
    "other_manager",
    "jury",
    "candidate",
    "other_candidate",
    "anonymous",
]
#: page → expected status per role, in the order of CREDENTIAL_ROLES; the candidate's credential is the
#: certificate, prepared by the manager's provider. Anonymous visitors are sent to log in (302) except on
#: what verifiers read.
CREDENTIAL_PAGES = {
    "verify": [200] * 7,
    "verify-stored": [200] * 7,
    "verify-stored-json": [200] * 7,
    "status-list": [200] * 7,
    "did-document": [200] * 7,
    "achievement": [200] * 7,
    "achievement-block": [200] * 7,
    "credential-list": [200] * 6 + [302],
    "credential-detail": [200, 200, 403, 403, 200, 403, 302],
    "credential-pdf": [200, 200, 403, 403, 200, 403, 302],
    "credential-json": [200, 200, 403, 403, 200, 403, 302],
    "issuance-batch": [200, 404, 404, 403, 404, 404, 302],
    "deliberation-zip": [200, 404, 404, 403, 404, 404, 302],
}


def _credential_url(name: str, cast) -> str:
    certificate = cast.certificate
    framework = cast.deliberation.session.framework
    args = {
        "verify-stored": [certificate.pk],
        "verify-stored-json": [certificate.pk],
        "status-list": [certificate.status_list_id],
        "did-document": [certificate.key.certifier_id],
        "achievement": [framework.certification.code, framework.version],
        "achievement-block": [framework.certification.code, framework.version, "RNCP39603BC01"],
        "credential-detail": [certificate.pk],
        "credential-pdf": [certificate.pk],
        "credential-json": [certificate.pk],
        "issuance-batch": [cast.deliberation.pk, cast.deliberation.issuance_batches.get().pk],
        "deliberation-zip": [cast.deliberation.pk],
    }.get(name, [])
    return reverse(f"web:{name}", args=args)


@pytest.mark.usefixtures("fast_pdfs")
@pytest.mark.parametrize("page", list(CREDENTIAL_PAGES))
def test_credential_page_status_for_each_role(client, db, page):
    cast = build_credentials_cast()
    address = _credential_url(page, cast)
    found = {}

    for role in CREDENTIAL_ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(cast.users[role])
        response = client.get(address)
        found[role] = response.status_code
        if response.streaming:
            # Read to the end, as a server does: the test client then closes the file without closing
            # the database connection (``response.close()`` would, on PostgreSQL).
            b"".join(response.streaming_content)

    assert found == dict(zip(CREDENTIAL_ROLES, CREDENTIAL_PAGES[page], strict=True))
