import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.assessment.domain.sessions import seat_enrolments
from certiflow.assessment.models import Assignment, ScheduledAssessment, Session
from certiflow.candidates.domain.people import declare_conflict
from certiflow.common.models import AuditLogEntry
from tests.assessment.conftest import build_world
from tests.factories import EnrolmentFactory, UserFactory


@pytest.fixture
def world(db):
    return build_world()


def test_session_create_then_schedule(client, world):
    client.force_login(world.admin)

    created = client.post(
        reverse("web:session-create"),
        {
            "framework": world.framework.pk,
            "title": "Session d'automne",
            "starts_on": "2025-10-01",
            "ends_on": "2025-10-15",
        },
    )
    session = Session.objects.get(title="Session d'automne")
    scheduled = client.post(
        reverse("web:session-schedule", args=[session.pk]),
        {"assessment": world.assessment.pk, "starts_at": "2025-10-02T09:00", "place": "Lyon"},
    )

    assert created.status_code == 302
    assert scheduled.status_code == 302
    assert ScheduledAssessment.objects.get(session=session).place == "Lyon"
    assert AuditLogEntry.objects.filter(action="session.schedule", object_id=str(session.pk)).exists()


def test_session_schedule_outside_the_session_dates_shows_the_error(client, world):
    client.force_login(world.admin)
    session = Session.objects.create(
        framework=world.framework,
        title="S",
        starts_on=datetime.date(2025, 10, 1),
        ends_on=datetime.date(2025, 10, 2),
        created_by=world.admin,
    )

    response = client.post(
        reverse("web:session-schedule", args=[session.pk]),
        {"assessment": world.assessment.pk, "starts_at": "2025-11-02T09:00", "place": "Lyon"},
    )

    assert response.status_code == 400
    assert "outside the session" in response.content.decode()
    assert not ScheduledAssessment.objects.filter(session=session).exists()


def test_session_assign_refuses_a_conflicted_evaluator_with_a_message(client, world):
    sitting = world.sittings[0]
    declare_conflict(
        actor=world.admin, person=world.evaluator, candidate=sitting.enrolment.candidate, nature="Formateur"
    )
    client.force_login(world.admin)

    response = client.post(
        reverse("web:session-assign", args=[world.session.pk, "sitting", sitting.pk]),
        {"evaluator": world.evaluator.pk, "rank": 1},
        follow=True,
    )

    assert "conflict of interest" in response.content.decode()
    assert not Assignment.objects.exists()


def test_session_seat_moves_candidates_to_being_assessed(client, world):
    newcomer = EnrolmentFactory(
        framework=world.framework, access_route=world.enrolments[0].access_route, provider=world.provider
    )
    client.force_login(world.admin)

    client.post(
        reverse("web:session-seat", args=[world.session.pk, world.scheduled.pk]),
        {f"seat-{world.scheduled.pk}-enrolments": [newcomer.pk]},
    )

    newcomer.refresh_from_db()
    assert newcomer.status == "assessing"


def test_session_detail_constant_queries(client, world):
    for sitting in world.sittings:
        world.assign(sitting=sitting)
    client.force_login(world.admin)
    url = reverse("web:session-detail", args=[world.session.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    extra = [
        EnrolmentFactory(
            framework=world.framework, access_route=world.enrolments[0].access_route, provider=world.provider
        )
        for _ in range(4)
    ]
    seat_enrolments(actor=world.admin, scheduled=world.scheduled, enrolments=extra)
    for sitting in world.scheduled.sittings.filter(assignments__isnull=True):
        world.assign(sitting=sitting)

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.status_code == 200
    assert len(many) == len(few)


def test_session_publish_shows_results_in_the_candidates_portal(client, world):
    enrolment = world.enrolments[0]
    candidate_user = UserFactory()
    enrolment.candidate.user = candidate_user
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
    client.force_login(candidate_user)
    before = client.get(reverse("web:portal")).content.decode()

    client.force_login(world.admin)
    client.post(reverse("web:session-publish", args=[world.session.pk]))
    client.force_login(candidate_user)
    after = client.get(reverse("web:portal")).content.decode()

    assert "✓ validated" not in before
    assert "✓ validated" in after
    assert AuditLogEntry.objects.filter(action="session.publish").count() == 1
