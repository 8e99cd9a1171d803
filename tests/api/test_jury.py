"""Jury endpoints: the engine's proposals for a session, deliberations, decisions (with their reasons and
conflicts) and the signed minutes, each for an administrator, a member of the jury, a jury member who
does not sit on it, a candidate and an anonymous caller."""

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

import pytest

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.candidates.domain.people import declare_conflict
from certiflow.jury.domain.deliberations import (
    add_member,
    close_deliberation,
    confirm,
    create_deliberation,
    open_deliberation,
    record_decision,
)
from certiflow.jury.models import CompositionRule, Decision, Deliberation, JuryRole
from tests.api import PASSWORD, as_user, cast
from tests.assessment.conftest import build_world
from tests.factories import SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

MEETS_ON = datetime.date(2025, 7, 3)
DIFFERS = "This decision differs from the proposal: write the jury's reason."


@dataclass
class Jury:
    world: object
    people: object
    deliberation: Deliberation
    president: object
    member: object
    graded: Decision  # ARNAUD: every criterion met, proposed « certified »
    ungraded: Decision  # BERNARD: nothing marked, proposed « incomplete »

    def url(self, tail: str = "") -> str:
        return f"/api/deliberations/{self.deliberation.pk}{tail}"

    def decision_url(self, decision: Decision) -> str:
        return self.url(f"/decisions/{decision.pk}")


def build_jury() -> Jury:
    """The grading world of two candidates, ARNAUD graded (all met) and BERNARD not marked, with an open
    deliberation whose jury is a president and one external professional (the route's rule: two
    members, half of them professionals)."""
    world = build_world()
    people = cast(world)
    for enrolment, name in zip(world.enrolments, ("Arnaud", "Bernard"), strict=True):
        enrolment.candidate.last_name = name
        enrolment.candidate.save()
    assignment = world.assign(sitting=world.sittings[0])
    for criterion in world.criteria:
        save_mark(
            actor=world.evaluator,
            assignment=assignment,
            criterion=criterion,
            value="met",
            comment="",
            base_revision=0,
        )
    submit_assignment(actor=world.evaluator, assignment=assignment)
    CompositionRule.objects.create(
        access_route=world.enrolments[0].access_route,
        members=2,
        min_professional_ratio=Decimal("0.50"),
        source=CompositionRule.Source.USER,
    )
    president, member = UserFactory(first_name="Hélène", last_name="Directrice"), UserFactory()
    deliberation = create_deliberation(
        actor=world.admin, session=world.session, title="Jury de juillet", meets_on=MEETS_ON
    )
    add_member(
        actor=world.admin,
        deliberation=deliberation,
        user=president,
        role=JuryRole.DIRECTOR,
        is_professional=False,
        is_president=True,
    )
    add_member(
        actor=world.admin,
        deliberation=deliberation,
        user=member,
        role=JuryRole.EXTERNAL_PROFESSIONAL,
        is_professional=True,
        organisation="Compagnie du Rhône",
    )
    deliberation = open_deliberation(actor=world.admin, deliberation=deliberation)
    graded, ungraded = (deliberation.decisions.get(enrolment=e) for e in world.enrolments)
    return Jury(world, people, deliberation, president, member, graded, ungraded)


@pytest.fixture
def jury(db) -> Jury:
    return build_jury()


def _user(jury: Jury, role: str):
    return {"president": jury.president, "member": jury.member}.get(role) or getattr(jury.people, role)


def _decide(client, jury: Jury, decision: Decision, **body):
    return client.put(
        jury.decision_url(decision),
        {"result": "certified", "validated_blocks": ["BC01"], "reason": "", "base_revision": 0, **body},
        content_type="application/json",
    )


def _sign(jury: Jury) -> None:
    record_decision(
        actor=jury.member,
        decision=jury.graded,
        result="certified",
        validated_block_ids=[jury.world.block.pk],
        reason="",
        base_revision=0,
    )
    record_decision(
        actor=jury.member,
        decision=jury.ungraded,
        result="failed",
        validated_block_ids=[],
        reason="Aucun résultat à la date du jury : la grille n'a pas été rendue.",
        base_revision=0,
    )
    close_deliberation(actor=jury.president, deliberation=jury.deliberation, password=PASSWORD)
    confirm(actor=jury.member, deliberation=jury.deliberation, password=PASSWORD)


# --- proposals -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "member", "president"])
def test_proposals_for_the_administrator_and_the_jury(client, jury, role):
    response = as_user(client, _user(jury, role)).get(
        f"/api/sessions/{jury.world.session.pk}/proposals?on=2025-07-03"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["on"], body["count"]) == ("2025-07-03", 2)
    graded, ungraded = body["items"]
    assert graded["enrolment"]["candidate"]["last_name"] == "Arnaud"
    assert set(graded["enrolment"]["candidate"]) == {"id", "last_name", "first_name"}  # no contact details
    assert graded["enrolment"]["access_route"]["route"] == "formation_initiale"
    assert graded["enrolment"]["provider"]["name"] == jury.world.provider.name
    assert (graded["result"], graded["decision_result"], graded["reasons"]) == ("certified", "certified", [])
    assert graded["blocks"] == [
        {
            "block_id": jury.world.block.pk,
            "code": "BC01",
            "status": "validated",
            "source": "graded",
            "graded_status": "validated",
            "ref": "",
        }
    ]
    assert (ungraded["result"], ungraded["decision_result"]) == ("incomplete", "")
    assert ungraded["blocks"][0]["status"] == "pending"
    assert ungraded["reasons"] == [{"code": "pending", "detail": "E1.1, E1.2, E1.3"}]


def test_proposals_are_paginated_with_limit_and_offset(client, jury):
    url = f"/api/sessions/{jury.world.session.pk}/proposals?limit=1&offset=1"

    body = as_user(client, jury.people.admin).get(url).json()

    assert body["count"] == 2
    assert [item["enrolment"]["candidate"]["last_name"] for item in body["items"]] == ["Bernard"]


def test_proposals_default_to_today(client, jury):
    body = as_user(client, jury.people.admin).get(f"/api/sessions/{jury.world.session.pk}/proposals").json()

    assert body["on"] == datetime.date.today().isoformat()


def test_proposals_of_a_session_without_deliberation_are_for_administrators_only(client, jury):
    other = SessionFactory(framework=jury.world.framework)
    url = f"/api/sessions/{other.pk}/proposals"

    assert as_user(client, jury.people.admin).get(url).json() == {
        "on": str(datetime.date.today()),
        "items": [],
        "count": 0,
    }
    assert as_user(client, jury.member).get(url).status_code == 404


@pytest.mark.parametrize("role", ["jury", "candidate", "evaluator", "manager"])
def test_proposals_are_hidden_from_anyone_else(client, jury, role):
    url = f"/api/sessions/{jury.world.session.pk}/proposals"

    assert as_user(client, _user(jury, role)).get(url).status_code == 404


def test_proposals_of_an_unknown_session_are_404(client, jury):
    assert as_user(client, jury.people.admin).get("/api/sessions/999999/proposals").status_code == 404


# --- deliberations -------------------------------------------------------------------------------------
def test_list_deliberations_shows_the_administrator_all_and_a_member_theirs(client, jury):
    other = create_deliberation(
        actor=jury.world.admin, session=jury.world.session, title="Autre jury", meets_on=MEETS_ON
    )

    everything = as_user(client, jury.people.admin).get("/api/deliberations").json()
    theirs = as_user(client, jury.member).get("/api/deliberations").json()

    assert {item["id"] for item in everything["items"]} == {jury.deliberation.pk, other.pk}
    assert [item["id"] for item in theirs["items"]] == [jury.deliberation.pk]
    assert theirs["items"][0]["status"] == "open"
    assert theirs["items"][0]["session"] == {"id": jury.world.session.pk, "name": jury.world.session.title}


def test_list_deliberations_filters_by_status_and_session(client, jury):
    create_deliberation(actor=jury.world.admin, session=jury.world.session, title="Autre", meets_on=MEETS_ON)
    as_user(client, jury.people.admin)

    preparing = client.get("/api/deliberations?status=preparing").json()
    of_session = client.get(f"/api/deliberations?session={jury.world.session.pk}").json()

    assert [item["title"] for item in preparing["items"]] == ["Autre"]
    assert of_session["count"] == 2


def test_list_deliberations_is_empty_for_a_jury_member_who_sits_on_none(client, jury):
    assert as_user(client, jury.people.jury).get("/api/deliberations").json() == {"items": [], "count": 0}


@pytest.mark.parametrize("role", ["candidate", "evaluator", "manager"])
def test_list_deliberations_is_403_for_anyone_who_never_sits_on_a_jury(client, jury, role):
    assert as_user(client, _user(jury, role)).get("/api/deliberations").status_code == 403


@pytest.mark.parametrize("role", ["admin", "member"])
def test_get_deliberation_has_the_jury_and_the_counts(client, jury, role):
    response = as_user(client, _user(jury, role)).get(jury.url())

    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["status"], body["meets_on"]) == ("Jury de juillet", "open", "2025-07-03")
    president, member = body["members"]
    assert (president["name"], president["role"], president["is_president"]) == (
        "Hélène Directrice",
        "director",
        True,
    )
    assert (member["role"], member["is_professional"], member["organisation"]) == (
        "external_professional",
        True,
        "Compagnie du Rhône",
    )
    assert member["confirmed_at"] is None
    assert body["counts"] == {
        "candidates": 2,
        "decided": 0,
        "undecided": 2,
        "proposed": {"certified": 1, "incomplete": 1},
        "results": {},
        "confirmations": 0,
    }
    assert body["minutes"] is None


def test_get_deliberation_being_prepared_counts_the_candidates_presented(client, jury):
    preparing = create_deliberation(
        actor=jury.world.admin, session=jury.world.session, title="Autre", meets_on=MEETS_ON
    )

    body = as_user(client, jury.people.admin).get(f"/api/deliberations/{preparing.pk}").json()

    assert (body["counts"]["candidates"], body["counts"]["undecided"], body["members"]) == (2, 2, [])


@pytest.mark.parametrize("role", ["jury", "candidate", "evaluator"])
@pytest.mark.parametrize("tail", ["", "/decisions", "/minutes"])
def test_a_deliberation_is_404_for_anyone_not_on_its_jury(client, jury, role, tail):
    assert as_user(client, _user(jury, role)).get(jury.url(tail)).status_code == 404


@pytest.mark.parametrize(
    ("method", "tail"),
    [
        ("get", "/api/deliberations"),
        ("get", "/api/deliberations/{id}"),
        ("get", "/api/deliberations/{id}/decisions"),
        ("put", "/api/deliberations/{id}/decisions/{decision}"),
        ("get", "/api/deliberations/{id}/minutes"),
        ("get", "/api/sessions/{session}/proposals"),
    ],
)
def test_anonymous_calls_are_401(client, jury, method, tail):
    url = tail.format(id=jury.deliberation.pk, decision=jury.graded.pk, session=jury.world.session.pk)

    assert getattr(client, method)(url, {}, content_type="application/json").status_code == 401


# --- decisions -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["admin", "member"])
def test_list_decisions_with_the_proposal_each_was_taken_on(client, jury, role):
    response = as_user(client, _user(jury, role)).get(jury.url("/decisions"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    graded, ungraded = body["items"]
    assert graded["enrolment"]["candidate"]["last_name"] == "Arnaud"
    assert graded["proposal"]["result"] == "certified"
    assert graded["proposal"]["blocks"][0]["code"] == "BC01"
    assert (graded["proposed_result"], graded["result"], graded["revision"]) == ("certified", "", 0)
    assert (graded["blocks"], graded["validated_blocks"], graded["decided_by"]) == ([], [], None)
    assert graded["supersedes"] is None
    assert ungraded["proposed_result"] == "incomplete"


def test_put_decision_as_a_member_records_it(client, jury):
    response = _decide(as_user(client, jury.member), jury, jury.graded)

    assert response.status_code == 200
    body = response.json()
    assert (body["result"], body["revision"], body["decided_by"]) == (
        "certified",
        1,
        jury.member.get_username(),
    )
    assert body["validated_blocks"] == ["BC01"]
    assert body["blocks"] == [
        {
            "block_id": jury.world.block.pk,
            "code": "BC01",
            "validated": True,
            "proposed_status": "validated",
            "source": "graded",
        }
    ]
    assert body["decided_at"]
    listed = client.get(jury.url("/decisions")).json()["items"][0]
    assert (listed["result"], listed["revision"]) == ("certified", 1)


def test_put_decision_as_the_administrator_records_it_as_secretary(client, jury):
    response = _decide(as_user(client, jury.people.admin), jury, jury.graded)

    assert response.status_code == 200
    assert response.json()["decided_by"] == jury.people.admin.get_username()


def test_put_decision_from_a_stale_revision_is_409_with_the_stored_decision(client, jury):
    as_user(client, jury.member)
    _decide(client, jury, jury.graded)

    response = _decide(
        client, jury, jury.graded, result="failed", validated_blocks=[], reason="Dossier non remis."
    )

    assert response.status_code == 409
    body = response.json()
    assert body["detail"]
    assert (body["current"]["result"], body["current"]["revision"]) == ("certified", 1)
    assert body["current"]["validated_blocks"] == ["BC01"]
    assert Decision.objects.get(pk=jury.graded.pk).result == "certified"


def test_put_decision_differing_from_the_proposal_without_a_reason_is_400(client, jury):
    response = _decide(as_user(client, jury.member), jury, jury.graded, result="failed", validated_blocks=[])

    assert response.status_code == 400
    assert (response.json()["detail"], response.json()["field"]) == (DIFFERS, "reason")
    assert Decision.objects.get(pk=jury.graded.pk).revision == 0


def test_put_decision_differing_with_a_reason_is_recorded(client, jury):
    reason = "Le jury constate l'absence du dossier professionnel exigé."

    response = _decide(
        as_user(client, jury.member), jury, jury.graded, result="failed", validated_blocks=[], reason=reason
    )

    assert response.status_code == 200
    assert (response.json()["result"], response.json()["reason"]) == ("failed", reason)


def test_put_decision_on_incomplete_results_needs_a_reason(client, jury):
    as_user(client, jury.member)

    refused = _decide(client, jury, jury.ungraded, result="failed", validated_blocks=[])
    recorded = _decide(
        client, jury, jury.ungraded, result="failed", validated_blocks=[], reason="Grille non rendue."
    )

    assert (refused.status_code, refused.json()["detail"]) == (400, DIFFERS)
    assert recorded.status_code == 200


def test_put_decision_with_an_unknown_bloc_is_400_on_validated_blocks(client, jury):
    response = _decide(as_user(client, jury.member), jury, jury.graded, validated_blocks=["BC01", "BC99"])

    assert response.status_code == 400
    assert response.json()["field"] == "validated_blocks"
    assert "BC99" in response.json()["detail"]


def test_put_decision_incoherent_with_its_blocs_is_400_on_result(client, jury):
    response = _decide(as_user(client, jury.member), jury, jury.graded, result="partial", reason="Partiel.")

    assert response.status_code == 400
    assert response.json()["field"] == "result"


def test_put_decision_with_an_unknown_result_is_rejected(client, jury):
    response = _decide(as_user(client, jury.member), jury, jury.graded, result="admitted")

    assert response.status_code == 422


def test_put_decision_of_a_member_with_a_conflict_of_interest_is_403(client, jury):
    declare_conflict(
        actor=jury.world.admin,
        person=jury.member,
        candidate=jury.graded.enrolment.candidate,
        nature="A été son formateur.",
    )

    response = _decide(as_user(client, jury.member), jury, jury.graded)

    assert response.status_code == 403
    assert Decision.objects.get(pk=jury.graded.pk).revision == 0


@pytest.mark.parametrize("role", ["jury", "candidate"])
def test_put_decision_by_anyone_not_on_the_jury_is_404(client, jury, role):
    assert _decide(as_user(client, _user(jury, role)), jury, jury.graded).status_code == 404


def test_put_decision_of_another_deliberation_is_404(client, jury):
    other = build_jury()

    response = _decide(as_user(client, jury.people.admin), jury, other.graded)

    assert response.status_code == 404
    assert Decision.objects.get(pk=other.graded.pk).revision == 0


def test_put_decision_once_closed_is_400(client, jury):
    _sign(jury)

    response = _decide(as_user(client, jury.member), jury, jury.graded, base_revision=1)

    assert response.status_code == 400
    assert response.json()["detail"]


# --- minutes -------------------------------------------------------------------------------------------
def test_minutes_are_404_until_the_deliberation_is_signed(client, jury):
    assert as_user(client, jury.people.admin).get(jury.url("/minutes")).status_code == 404


@pytest.mark.parametrize("role", ["admin", "member", "president"])
def test_minutes_of_a_signed_deliberation_download_as_pdf_with_their_sha256(client, jury, role):
    _sign(jury)

    response = as_user(client, _user(jury, role)).get(jury.url("/minutes"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"] == f'attachment; filename="proces-verbal-{jury.deliberation.pk}.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    digest = hashlib.sha256(response.content).hexdigest()
    assert response["X-Content-SHA256"] == digest
    assert response["ETag"] == f'"{digest}"'
    detail = client.get(jury.url()).json()
    assert detail["status"] == "closed"
    assert detail["minutes"]["sha256"] == digest
    assert detail["minutes"]["size"] == len(response.content)
    assert detail["counts"]["results"] == {"certified": 1, "failed": 1}
    assert detail["counts"]["confirmations"] == 2


@pytest.mark.parametrize("role", ["jury", "candidate"])
def test_minutes_of_a_signed_deliberation_are_404_for_anyone_not_on_the_jury(client, jury, role):
    _sign(jury)

    assert as_user(client, _user(jury, role)).get(jury.url("/minutes")).status_code == 404


# --- partial with every bloc when a validation prerequisite is unmet (fixed in the domain) ------------
def test_put_decision_following_a_partial_proposal_with_every_bloc_validated_is_recorded(client, jury):
    """DESIGN rule 8: an unmet validation prerequisite stops certification, so the engine proposes a
    partial certification with every bloc validated, and the jury can follow it."""
    certification = jury.world.framework.certification
    certification.prerequisites = {
        "validation": [
            {
                "case": "validation",
                "routes": ["formation_initiale"],
                "conditions": [{"text": "Avoir suivi 12 mois de formation", "programme_months": 12}],
            }
        ]
    }
    certification.save()
    as_user(client, jury.member)
    proposal = client.get(f"/api/sessions/{jury.world.session.pk}/proposals").json()["items"][0]
    assert (proposal["result"], proposal["decision_result"]) == ("partial", "partial")
    assert [b["status"] for b in proposal["blocks"]] == ["validated"]

    response = _decide(client, jury, jury.graded, result="partial", validated_blocks=["BC01"])

    assert response.status_code == 200, response.json()
    assert (response.json()["result"], response.json()["validated_blocks"]) == ("partial", ["BC01"])
