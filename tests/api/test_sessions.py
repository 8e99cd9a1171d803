"""Session endpoints: administrators see and organise sessions; nobody else sees them (404) or may
change them (403)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certiflow.assessment.models import Assignment, Sitting
from certiflow.candidates.models import Enrolment
from tests.api import (
    as_user,
    cast,
)
from tests.assessment.conftest import build_world
from tests.factories import AssessmentFactory, CriterionFactory, EnrolmentFactory


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def people(world):
    return cast(world)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


# --- reading -----------------------------------------------------------------------------------------
def test_list_sessions_as_administrator(client, world, people):
    body = as_user(client, people.admin).get("/api/sessions").json()

    assert body["count"] == 1
    assert body["items"][0]["framework"]["certification"] == world.framework.certification.code


def test_list_sessions_as_evaluator_is_403(client, people):
    assert as_user(client, people.evaluator).get("/api/sessions").status_code == 403


def test_get_session_as_administrator_shows_sittings_and_assignments(client, world, people):
    world.assign(sitting=world.sittings[0])

    body = as_user(client, people.admin).get(f"/api/sessions/{world.session.pk}").json()

    scheduled = body["scheduled"][0]
    assert scheduled["assessment"]["code"] == "E1"
    assert [s["enrolment_id"] for s in scheduled["sittings"]] == [e.pk for e in world.enrolments]
    assert scheduled["assignments"] == [
        {
            "id": Assignment.objects.get().pk,
            "evaluator": world.evaluator.get_username(),
            "sitting_id": world.sittings[0].pk,
            "group_id": None,
            "rank": 1,
            "status": "draft",
        }
    ]


def test_get_session_query_count_does_not_grow_with_its_sittings(client, world, people):
    as_user(client, people.admin)
    url = f"/api/sessions/{world.session.pk}"
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(3):
        enrolment = EnrolmentFactory(framework=world.framework, access_route=world.enrolments[0].access_route)
        sitting = Sitting.objects.create(scheduled=world.scheduled, enrolment=enrolment)
        world.assign(sitting=sitting)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)

    assert len(response.json()["scheduled"][0]["sittings"]) == 5
    assert len(before) == len(after)


@pytest.mark.parametrize("role", ["manager", "jury", "candidate"])
def test_get_session_as_anyone_but_an_administrator_is_404(client, world, people, role):
    assert as_user(client, getattr(people, role)).get(f"/api/sessions/{world.session.pk}").status_code == 404


# --- creating and scheduling ---------------------------------------------------------------------------
def test_create_session_as_provider_manager_is_403(client, world, people):
    response = _post(
        as_user(client, people.manager),
        "/api/sessions",
        {
            "framework_id": world.framework.pk,
            "title": "x",
            "starts_on": "2025-06-01",
            "ends_on": "2025-06-02",
        },
    )

    assert response.status_code == 403


def test_schedule_assessment_as_administrator_is_201(client, world, people):
    oral = AssessmentFactory(block=world.block, code="E2")
    criterion = CriterionFactory(assessment=oral, code="E2.1")

    response = _post(
        as_user(client, people.admin),
        f"/api/sessions/{world.session.pk}/scheduled",
        {
            "assessment_id": oral.pk,
            "starts_at": "2025-06-12T14:00:00+02:00",
            "online": True,
            "double_marking": True,
            "collective_criterion_ids": [],
        },
    )

    assert response.status_code == 201
    assert (response.json()["assessment"]["code"], response.json()["double_marking"]) == ("E2", True)
    assert criterion.assessment_id == oral.pk


def test_schedule_assessment_outside_the_session_is_400_on_starts_at(client, world, people):
    oral = AssessmentFactory(block=world.block, code="E2")

    response = _post(
        as_user(client, people.admin),
        f"/api/sessions/{world.session.pk}/scheduled",
        {"assessment_id": oral.pk, "starts_at": "2025-09-01T09:00:00Z", "place": "Lyon"},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "starts_at"


def test_schedule_assessment_as_referent_is_404(client, world, people):
    response = _post(
        as_user(client, people.referent),
        f"/api/sessions/{world.session.pk}/scheduled",
        {"assessment_id": world.assessment.pk, "starts_at": "2025-06-12T09:00:00Z", "place": "Lyon"},
    )

    assert response.status_code == 404


# --- seating and groups --------------------------------------------------------------------------------
def test_seat_enrolments_as_administrator_seats_the_new_ones(client, world, people):
    newcomer = EnrolmentFactory(framework=world.framework, access_route=world.enrolments[0].access_route)

    response = _post(
        as_user(client, people.admin),
        f"/api/scheduled/{world.scheduled.pk}/sittings",
        {"enrolment_ids": [world.enrolments[0].pk, newcomer.pk]},
    )

    assert response.status_code == 200
    assert response.json() == {"seated": 1}
    assert Enrolment.objects.get(pk=newcomer.pk).status == "assessing"


def test_seat_enrolments_with_an_unknown_enrolment_is_400(client, world, people):
    response = _post(
        as_user(client, people.admin),
        f"/api/scheduled/{world.scheduled.pk}/sittings",
        {"enrolment_ids": [999999]},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "enrolment_ids"


def test_seat_enrolments_as_jury_member_is_404(client, world, people):
    response = _post(
        as_user(client, people.jury),
        f"/api/scheduled/{world.scheduled.pk}/sittings",
        {"enrolment_ids": [world.enrolments[0].pk]},
    )

    assert response.status_code == 404


def test_form_group_as_administrator_is_201(client, db):
    world = build_world(collective=True)
    people = cast(world)

    response = _post(
        as_user(client, people.admin),
        f"/api/scheduled/{world.scheduled.pk}/groups",
        {"name": "Groupe A", "sitting_ids": [s.pk for s in world.sittings]},
    )

    assert response.status_code == 201
    assert sorted(response.json()["sitting_ids"]) == sorted(s.pk for s in world.sittings)


def test_form_group_of_one_candidate_is_400_on_sitting_ids(client, db):
    world = build_world(collective=True)
    people = cast(world)

    response = _post(
        as_user(client, people.admin),
        f"/api/scheduled/{world.scheduled.pk}/groups",
        {"name": "Groupe A", "sitting_ids": [world.sittings[0].pk]},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "sitting_ids"


def test_form_group_as_evaluator_is_404(client, world, people):
    response = _post(
        as_user(client, people.evaluator),
        f"/api/scheduled/{world.scheduled.pk}/groups",
        {"name": "Groupe A", "sitting_ids": [s.pk for s in world.sittings]},
    )

    assert response.status_code == 404


# --- assigning ---------------------------------------------------------------------------------------
def test_assign_evaluator_as_administrator_is_201(client, world, people):
    response = _post(
        as_user(client, people.admin),
        "/api/assignments",
        {"evaluator": world.evaluator.get_username(), "sitting_id": world.sittings[0].pk},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["evaluator"], body["rank"], body["status"]) == (world.evaluator.get_username(), 1, "draft")
    assert body["candidates"][0]["id"] == world.enrolments[0].candidate_id


def test_assign_second_marker_where_not_double_marked_is_400_on_rank(client, world, people):
    response = _post(
        as_user(client, people.admin),
        "/api/assignments",
        {"evaluator": world.evaluator.get_username(), "sitting_id": world.sittings[0].pk, "rank": 2},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "rank"


def test_assign_an_unknown_evaluator_is_400_on_evaluator(client, world, people):
    response = _post(
        as_user(client, people.admin),
        "/api/assignments",
        {"evaluator": "nobody", "sitting_id": world.sittings[0].pk},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "evaluator"


def test_assign_evaluator_as_provider_manager_is_403(client, world, people):
    response = _post(
        as_user(client, people.manager),
        "/api/assignments",
        {"evaluator": world.evaluator.get_username(), "sitting_id": world.sittings[0].pk},
    )

    assert response.status_code == 403
    assert not Assignment.objects.exists()
