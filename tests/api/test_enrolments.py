"""Enrolment endpoints: who sees which enrolment and which part of it (medical details for the
referent alone), the progress matrix, and the referent's, managers' and administrators' changes."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.candidates.domain.accommodations import propose_exemption, save_accommodation
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.models import Enrolment, PrerequisiteEvidence
from certiflow.common.models import AuditLogEntry
from tests.api import (
    as_user,
    cast,
)
from tests.assessment.conftest import build_world
from tests.factories import EnrolmentFactory

MEDICAL = "Dyslexie sévère, bilan orthophonique de 2023"
LEVEL_5 = {
    "entry": [
        {
            "case": "Initiale",
            "routes": ["formation_initiale"],
            "conditions": [{"text": "Niveau 5", "min_level": 5}],
        }
    ]
}


@pytest.fixture
def world(db):
    world = build_world()
    world.framework.certification.prerequisites = LEVEL_5
    world.framework.certification.save()
    return world


@pytest.fixture
def people(world):
    return cast(world)


def _accommodation(world, people, **values):
    fields = {"extra_time_minutes": 30, "assistance": "", "adapted_materials": "", "adapted_format": ""}
    return save_accommodation(
        actor=people.referent, enrolment=world.enrolments[0], medical_details=MEDICAL, **{**fields, **values}
    )


def _mark_all(world, assignment, value="met"):
    for criterion in world.criteria:
        save_mark(
            actor=world.evaluator,
            assignment=assignment,
            criterion=criterion,
            value=value,
            comment="" if value == "met" else "Insuffisant",
            base_revision=0,
        )
    submit_assignment(actor=world.evaluator, assignment=assignment)


# --- list --------------------------------------------------------------------------------------------
def test_list_enrolments_as_administrator_shows_all_with_prerequisites(client, world, people):
    response = as_user(client, people.admin).get("/api/enrolments")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["candidate"]["email"] == world.enrolments[0].candidate.email
    assert first["certification"] == world.framework.certification.code
    assert first["provider"]["id"] == world.provider.pk
    assert first["status"] == "assessing"
    assert (first["prerequisites_met"], first["unmet_prerequisites"]) == (False, ["Niveau 5"])


def test_list_enrolments_as_manager_of_another_provider_is_empty(client, people):
    response = as_user(client, people.other_manager).get("/api/enrolments")

    assert response.json() == {"items": [], "count": 0}


def test_list_enrolments_as_candidate_shows_only_their_own(client, world, people):
    body = as_user(client, people.candidate).get("/api/enrolments").json()

    assert [item["id"] for item in body["items"]] == [world.enrolments[0].pk]


def test_list_enrolments_filters_by_provider_status_and_name(client, world, people):
    other = EnrolmentFactory(framework=world.framework, access_route=world.enrolments[0].access_route)
    as_user(client, people.admin)
    name = world.enrolments[1].candidate.last_name

    by_provider = client.get(f"/api/enrolments?provider={other.provider_id}").json()
    by_status = client.get("/api/enrolments?status=enrolled").json()
    by_name = client.get(f"/api/enrolments?q={name.upper()}").json()

    assert [item["id"] for item in by_provider["items"]] == [other.pk]
    assert [item["id"] for item in by_status["items"]] == [other.pk]
    assert [item["id"] for item in by_name["items"]] == [world.enrolments[1].pk]


def test_list_enrolments_with_an_unknown_status_is_422(client, people):
    assert as_user(client, people.admin).get("/api/enrolments?status=graduated").status_code == 422


def test_list_enrolments_query_count_is_the_same_for_2_and_6_enrolments(client, world, people):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/enrolments")
        assert response.status_code == 200
        return len(queries)

    def add_evidence(enrolment):
        PrerequisiteEvidence.objects.create(
            enrolment=enrolment, kind="level", value=5, description="Diplôme", recorded_by=people.admin
        )

    as_user(client, people.manager)
    for enrolment in world.enrolments:
        add_evidence(enrolment)
    with_two = count_queries()
    for _ in range(4):
        add_evidence(
            EnrolmentFactory(
                framework=world.framework,
                access_route=world.enrolments[0].access_route,
                provider=world.provider,
            )
        )
    with_six = count_queries()

    assert client.get("/api/enrolments").json()["count"] == 6
    assert with_two == with_six


# --- detail ------------------------------------------------------------------------------------------
def test_get_enrolment_as_manager_of_its_provider_has_the_prerequisite_report(client, world, people):
    response = as_user(client, people.manager).get(f"/api/enrolments/{world.enrolments[0].pk}")

    assert response.status_code == 200
    report = response.json()["prerequisites"]
    assert report["entry_status"] == "unmet"
    assert report["entry"][0]["conditions"] == [{"text": "Niveau 5", "status": "unmet", "alternative": False}]


@pytest.mark.parametrize("role", ["other_manager", "outsider"])
def test_get_enrolment_hidden_from_the_user_is_404(client, world, people, role):
    response = as_user(client, getattr(people, role)).get(f"/api/enrolments/{world.enrolments[0].pk}")

    assert response.status_code == 404


def test_get_enrolment_as_jury_member_with_a_conflict_is_404(client, world, people):
    enrolment = world.enrolments[0]
    declare_conflict(
        actor=people.admin, person=people.jury, candidate=enrolment.candidate, nature="Formateur"
    )
    as_user(client, people.jury)

    assert client.get(f"/api/enrolments/{enrolment.pk}").status_code == 404
    assert client.get(f"/api/enrolments/{world.enrolments[1].pk}").status_code == 200


def test_get_enrolment_missing_is_404(client, people):
    assert as_user(client, people.admin).get("/api/enrolments/999999").status_code == 404


def test_get_enrolment_gives_medical_details_to_the_referent(client, world, people):
    _accommodation(world, people)

    body = as_user(client, people.referent).get(f"/api/enrolments/{world.enrolments[0].pk}").json()

    assert body["accommodations"][0]["medical_details"] == MEDICAL
    assert body["accommodations"][0]["extra_time_minutes"] == 30


@pytest.mark.parametrize("role", ["admin", "manager", "evaluator", "jury", "candidate"])
def test_get_enrolment_never_gives_medical_details_to_anyone_else(client, world, people, role):
    _accommodation(world, people)
    world.assign(sitting=world.sittings[0])

    response = as_user(client, getattr(people, role)).get(f"/api/enrolments/{world.enrolments[0].pk}")

    assert response.status_code == 200
    assert "medical_details" not in response.content.decode()
    assert "Dyslexie" not in response.content.decode()


def test_get_enrolment_gives_the_assigned_evaluator_and_the_candidate_the_adapted_conditions(
    client, world, people
):
    _accommodation(world, people, assistance="Un secrétaire")
    world.assign(sitting=world.sittings[0])

    for user in (people.evaluator, people.candidate):
        body = as_user(client, user).get(f"/api/enrolments/{world.enrolments[0].pk}").json()
        assert body["accommodations"] == []
        assert body["adapted_conditions"][0]["assessment"]["code"] == "E1"
        assert body["adapted_conditions"][0]["conditions"][0]["assistance"] == "Un secrétaire"
    jury = as_user(client, people.jury).get(f"/api/enrolments/{world.enrolments[0].pk}").json()
    assert (jury["accommodations"], jury["adapted_conditions"]) == ([], [])


@pytest.mark.parametrize(
    ("role", "sees"),
    [("referent", True), ("admin", True), ("jury", True), ("manager", False), ("candidate", False)],
)
def test_get_enrolment_shows_exemption_opinions_to_those_who_may_read_them(client, world, people, role, sees):
    propose_exemption(
        actor=people.referent,
        enrolment=world.enrolments[0],
        criterion=world.criteria[0],
        opinion="Le critère suppose une lecture rapide.",
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
    )

    body = as_user(client, getattr(people, role)).get(f"/api/enrolments/{world.enrolments[0].pk}").json()

    opinions = [p["opinion"] for p in body["exemption_proposals"]]
    assert opinions == (["Le critère suppose une lecture rapide."] if sees else [])


# --- progress ----------------------------------------------------------------------------------------
def test_get_progress_as_administrator_shows_results_and_where_they_come_from(client, world, people):
    assignment = world.assign(sitting=world.sittings[0])
    _mark_all(world, assignment)

    body = as_user(client, people.admin).get(f"/api/enrolments/{world.enrolments[0].pk}/progress").json()

    assert body["published_only"] is False
    block = body["blocks"][0]
    assert (block["code"], block["status"]) == ("BC01", "validated")
    criterion = block["competencies"][0]["criteria"][0]
    assert criterion["status"] == "met"
    assert (criterion["sitting_id"], criterion["assignment_ids"]) == (world.sittings[0].pk, [assignment.pk])
    assert body["counts"] == {"met": 3}


def test_get_progress_as_candidate_counts_published_sessions_only(client, world, people):
    _mark_all(world, world.assign(sitting=world.sittings[0]))
    as_user(client, people.candidate)
    url = f"/api/enrolments/{world.enrolments[0].pk}/progress"

    before = client.get(url).json()
    world.session.results_published_at = timezone.now()
    world.session.save()
    after = client.get(url).json()

    assert before["published_only"] is True
    assert (before["blocks"][0]["status"], after["blocks"][0]["status"]) == ("pending", "validated")


def test_get_progress_of_another_candidate_is_404(client, world, people):
    response = as_user(client, people.candidate).get(f"/api/enrolments/{world.enrolments[1].pk}/progress")

    assert response.status_code == 404


# --- status ------------------------------------------------------------------------------------------
def test_change_status_as_manager_of_the_provider_withdraws_and_audits(client, world, people):
    response = as_user(client, people.manager).post(
        f"/api/enrolments/{world.enrolments[0].pk}/status",
        {"status": "withdrawn", "reason": "Abandon"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert AuditLogEntry.objects.filter(action="enrolment.status", reason="Abandon").exists()


def test_change_status_as_jury_member_is_403(client, world, people):
    response = as_user(client, people.jury).post(
        f"/api/enrolments/{world.enrolments[0].pk}/status",
        {"status": "withdrawn"},
        content_type="application/json",
    )

    assert response.status_code == 403
    assert Enrolment.objects.get(pk=world.enrolments[0].pk).status == "assessing"


def test_change_status_as_manager_of_another_provider_is_404(client, world, people):
    response = as_user(client, people.other_manager).post(
        f"/api/enrolments/{world.enrolments[0].pk}/status",
        {"status": "withdrawn"},
        content_type="application/json",
    )

    assert response.status_code == 404


# --- prerequisites -----------------------------------------------------------------------------------
def test_record_then_verify_prerequisite_evidence_meets_the_prerequisite(client, world, people):
    url = f"/api/enrolments/{world.enrolments[0].pk}"
    recorded = as_user(client, people.manager).post(
        f"{url}/prerequisite-evidence",
        {"kind": "level", "value": 5, "description": "BTS, 2022"},
        content_type="application/json",
    )
    refused = client.post(f"/api/prerequisite-evidence/{recorded.json()['id']}/verify")
    verified = as_user(client, people.admin).post(
        f"/api/prerequisite-evidence/{recorded.json()['id']}/verify"
    )

    assert recorded.status_code == 201
    assert refused.status_code == 403
    assert verified.status_code == 200
    assert verified.json()["verified_at"] is not None
    assert client.get(url).json()["prerequisites_met"] is True


def test_record_prerequisite_evidence_as_jury_member_is_403(client, world, people):
    response = as_user(client, people.jury).post(
        f"/api/enrolments/{world.enrolments[0].pk}/prerequisite-evidence",
        {"kind": "level", "value": 5, "description": "BTS"},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_record_prerequisite_evidence_without_a_figure_is_400_on_value(client, world, people):
    response = as_user(client, people.manager).post(
        f"/api/enrolments/{world.enrolments[0].pk}/prerequisite-evidence",
        {"kind": "ects", "description": "Relevé de notes"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["field"] == "value"


# --- accommodations and exemptions ---------------------------------------------------------------------
def test_create_accommodation_as_referent_returns_it_with_medical_details(client, world, people):
    response = as_user(client, people.referent).post(
        f"/api/enrolments/{world.enrolments[0].pk}/accommodations",
        {"extra_time_minutes": 20, "medical_details": MEDICAL, "assessment_ids": [world.assessment.pk]},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["medical_details"] == MEDICAL
    assert response.json()["assessments"] == ["E1"]
    assert MEDICAL not in json.dumps(list(AuditLogEntry.objects.values("changes")))


def test_create_accommodation_as_administrator_is_403(client, world, people):
    response = as_user(client, people.admin).post(
        f"/api/enrolments/{world.enrolments[0].pk}/accommodations",
        {"extra_time_minutes": 20},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_create_accommodation_as_manager_of_another_provider_is_404(client, world, people):
    response = as_user(client, people.other_manager).post(
        f"/api/enrolments/{world.enrolments[0].pk}/accommodations",
        {"extra_time_minutes": 20},
        content_type="application/json",
    )

    assert response.status_code == 404


def test_create_accommodation_with_no_condition_is_400(client, world, people):
    response = as_user(client, people.referent).post(
        f"/api/enrolments/{world.enrolments[0].pk}/accommodations", {}, content_type="application/json"
    )

    assert response.status_code == 400


def test_update_accommodation_from_a_stale_revision_is_409_with_what_is_stored(client, world, people):
    item = _accommodation(world, people)
    url = f"/api/enrolments/{world.enrolments[0].pk}/accommodations/{item.pk}"
    as_user(client, people.referent)
    first = client.put(url, {"extra_time_minutes": 45, "base_revision": 1}, content_type="application/json")

    second = client.put(url, {"extra_time_minutes": 60, "base_revision": 1}, content_type="application/json")

    assert first.status_code == 200
    assert first.json()["revision"] == 2
    assert second.status_code == 409
    assert second.json()["current"]["extra_time_minutes"] == 45
    assert "medical_details" not in second.json()["current"]


def test_update_accommodation_as_evaluator_is_403(client, world, people):
    item = _accommodation(world, people)
    world.assign(sitting=world.sittings[0])

    response = as_user(client, people.evaluator).put(
        f"/api/enrolments/{world.enrolments[0].pk}/accommodations/{item.pk}",
        {"extra_time_minutes": 10, "base_revision": 1},
        content_type="application/json",
    )

    assert response.status_code == 403


def test_propose_exemption_as_referent_is_201(client, world, people):
    response = as_user(client, people.referent).post(
        f"/api/enrolments/{world.enrolments[0].pk}/exemption-proposals",
        {
            "criterion_id": world.criteria[1].pk,
            "opinion": "Avis motivé",
            "keeps_overall_capability": True,
            "not_applicable_to_future_practice": True,
        },
        content_type="application/json",
    )

    assert response.status_code == 201
    assert (response.json()["criterion"]["code"], response.json()["status"]) == ("E1.2", "proposed")


def test_propose_exemption_without_both_conditions_is_400_on_the_missing_one(client, world, people):
    response = as_user(client, people.referent).post(
        f"/api/enrolments/{world.enrolments[0].pk}/exemption-proposals",
        {
            "criterion_id": world.criteria[1].pk,
            "opinion": "Avis",
            "keeps_overall_capability": True,
            "not_applicable_to_future_practice": False,
        },
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["field"] == "not_applicable_to_future_practice"


def test_propose_exemption_as_jury_member_is_403(client, world, people):
    response = as_user(client, people.jury).post(
        f"/api/enrolments/{world.enrolments[0].pk}/exemption-proposals",
        {
            "criterion_id": world.criteria[1].pk,
            "opinion": "Avis",
            "keeps_overall_capability": True,
            "not_applicable_to_future_practice": True,
        },
        content_type="application/json",
    )

    assert response.status_code == 403


# --- conflicts of interest ---------------------------------------------------------------------------
def test_declare_conflict_as_provider_manager_then_assigning_is_refused(client, world, people):
    response = as_user(client, people.manager).post(
        "/api/conflicts",
        {
            "person": world.evaluator.get_username(),
            "candidate_id": world.enrolments[0].candidate_id,
            "nature": "Formateur",
        },
        content_type="application/json",
    )
    assigned = as_user(client, people.admin).post(
        "/api/assignments",
        {"evaluator": world.evaluator.get_username(), "sitting_id": world.sittings[0].pk},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert response.json()["person"] == world.evaluator.get_username()
    assert assigned.status_code == 400
    assert assigned.json()["field"] == "evaluator"


def test_declare_conflict_as_evaluator_is_403(client, world, people):
    response = as_user(client, people.evaluator).post(
        "/api/conflicts",
        {
            "person": people.jury.get_username(),
            "candidate_id": world.enrolments[0].candidate_id,
            "nature": "x",
        },
        content_type="application/json",
    )

    assert response.status_code == 403


def test_declare_conflict_with_an_unknown_person_is_400_on_person(client, world, people):
    response = as_user(client, people.admin).post(
        "/api/conflicts",
        {"person": "nobody", "candidate_id": world.enrolments[0].candidate_id, "nature": "Formateur"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["field"] == "person"


def test_dates_are_iso(client, world, people):
    body = as_user(client, people.admin).get(f"/api/enrolments/{world.enrolments[0].pk}").json()

    assert datetime.date.fromisoformat(body["starts_on"]) == world.enrolments[0].starts_on
