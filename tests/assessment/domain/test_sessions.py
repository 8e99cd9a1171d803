import datetime

import pytest

from certiflow.assessment.domain.sessions import (
    assign_evaluator,
    create_session,
    form_group,
    schedule_assessment,
    seat_enrolments,
)
from certiflow.assessment.models import Assignment, Group, ScheduledAssessment, Session, Sitting
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.models import Enrolment, RoleGrant
from certiflow.common.domain.errors import Refused
from certiflow.common.models import AuditLogEntry
from tests.assessment.conftest import build_world
from tests.factories import (
    AssessmentFactory,
    CriterionFactory,
    EnrolmentFactory,
    UserFactory,
    grant,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


AT = datetime.datetime(2025, 6, 12, 14, 0, tzinfo=datetime.UTC)


def _second_assessment(world, **kwargs):
    assessment = AssessmentFactory(block=world.block, code="E2", **kwargs)
    CriterionFactory(assessment=assessment, code="E2.1").competencies.set([world.c1])
    return assessment


def _enrolment(world, **kwargs):
    first = world.enrolments[0]
    return EnrolmentFactory(
        framework=world.framework, access_route=first.access_route, provider=first.provider, **kwargs
    )


# --- create_session ---------------------------------------------------------------------------------
def test_create_session_is_audited(world):
    session = create_session(
        actor=world.admin,
        framework=world.framework,
        title=" Session de juin ",
        starts_on=datetime.date(2025, 6, 1),
        ends_on=datetime.date(2025, 6, 1),
    )

    assert session.title == "Session de juin"
    entry = AuditLogEntry.objects.get(action="session.create", object_id=str(session.pk))
    assert entry.changes["from"] == entry.changes["until"] == "2025-06-01"


@pytest.mark.parametrize(
    ("title", "ends_on", "field"),
    [("Juin", datetime.date(2025, 5, 31), "ends_on"), ("  ", datetime.date(2025, 6, 30), "title")],
)
def test_create_session_inconsistent_is_refused(world, title, ends_on, field):
    with pytest.raises(Refused) as raised:
        create_session(
            actor=world.admin,
            framework=world.framework,
            title=title,
            starts_on=datetime.date(2025, 6, 1),
            ends_on=ends_on,
        )

    assert raised.value.field == field
    assert Session.objects.count() == 1


# --- schedule_assessment ----------------------------------------------------------------------------
def test_schedule_assessment_records_it_and_audits(world):
    assessment = _second_assessment(world)

    scheduled = schedule_assessment(
        actor=world.admin,
        session=world.session,
        assessment=assessment,
        starts_at=AT,
        online=True,
        double_marking=True,
    )

    assert (scheduled.online, scheduled.place, scheduled.double_marking) == (True, "", True)
    entry = AuditLogEntry.objects.filter(action="session.schedule").latest("id")
    assert entry.changes == {
        "assessment": "E2",
        "at": AT.isoformat(),
        "place": "online",
        "double_marking": True,
        "collective_criteria": [],
    }


@pytest.mark.parametrize(
    "starts_at",
    [
        datetime.datetime(2025, 5, 31, 9, 0, tzinfo=datetime.UTC),
        datetime.datetime(2025, 7, 1, 9, 0, tzinfo=datetime.UTC),
    ],
)
def test_schedule_assessment_outside_the_session_dates_is_refused(world, starts_at):
    with pytest.raises(Refused) as raised:
        schedule_assessment(
            actor=world.admin,
            session=world.session,
            assessment=_second_assessment(world),
            starts_at=starts_at,
            place="Lyon",
        )

    assert raised.value.field == "starts_at"
    assert ScheduledAssessment.objects.count() == 1


def test_schedule_assessment_on_the_last_day_of_the_session_passes(world):
    last_day = datetime.datetime(2025, 6, 30, 9, 0, tzinfo=datetime.UTC)

    scheduled = schedule_assessment(
        actor=world.admin,
        session=world.session,
        assessment=_second_assessment(world),
        starts_at=last_day,
        place="Lyon",
    )

    assert scheduled.pk is not None


def test_schedule_assessment_compares_the_local_date(world):
    just_after_midnight_in_paris = datetime.datetime(2025, 5, 31, 22, 30, tzinfo=datetime.UTC)

    scheduled = schedule_assessment(
        actor=world.admin,
        session=world.session,
        assessment=_second_assessment(world),
        starts_at=just_after_midnight_in_paris,
        place="Lyon",
    )

    assert scheduled.pk is not None


def test_schedule_assessment_without_place_and_not_online_is_refused(world):
    with pytest.raises(Refused) as raised:
        schedule_assessment(
            actor=world.admin,
            session=world.session,
            assessment=_second_assessment(world),
            starts_at=AT,
            place="   ",
        )

    assert raised.value.field == "place"


def test_schedule_assessment_of_another_framework_is_refused(world):
    foreign = AssessmentFactory()

    with pytest.raises(Refused, match="not an assessment of this session"):
        schedule_assessment(
            actor=world.admin, session=world.session, assessment=foreign, starts_at=AT, place="Lyon"
        )


def test_schedule_assessment_collective_criteria_on_an_individual_assessment_is_refused(world):
    assessment = _second_assessment(world, collective=False, individual=True)

    with pytest.raises(Refused) as raised:
        schedule_assessment(
            actor=world.admin,
            session=world.session,
            assessment=assessment,
            starts_at=AT,
            place="Lyon",
            collective_criteria=list(assessment.criteria.all()),
        )

    assert raised.value.field == "collective_criteria"
    assert not ScheduledAssessment.objects.filter(assessment=assessment).exists()


def test_schedule_assessment_collective_criterion_of_another_assessment_is_refused(world):
    assessment = _second_assessment(world, collective=True)

    with pytest.raises(Refused, match="not a criterion of E2"):
        schedule_assessment(
            actor=world.admin,
            session=world.session,
            assessment=assessment,
            starts_at=AT,
            place="Lyon",
            collective_criteria=[world.criteria[0]],
        )


def test_schedule_assessment_twice_in_a_session_is_refused(world):
    with pytest.raises(Refused, match="already scheduled"):
        schedule_assessment(
            actor=world.admin, session=world.session, assessment=world.assessment, starts_at=AT, place="Lyon"
        )

    assert ScheduledAssessment.objects.count() == 1


# --- seat_enrolments --------------------------------------------------------------------------------
def test_seat_enrolments_moves_enrolled_to_assessing(world):
    enrolment = _enrolment(world)

    seated = seat_enrolments(actor=world.admin, scheduled=world.scheduled, enrolments=[enrolment])

    assert seated == 1
    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.ASSESSING
    assert Sitting.objects.filter(scheduled=world.scheduled, enrolment=enrolment).exists()
    status_entry = AuditLogEntry.objects.filter(action="enrolment.status", object_id=str(enrolment.pk)).get()
    assert status_entry.changes == {"status": ["enrolled", "assessing"]}
    seat_entry = AuditLogEntry.objects.filter(action="session.seat").latest("id")
    assert seat_entry.changes == {"assessment": "E1", "enrolments": [enrolment.pk]}


def test_seat_enrolments_again_is_idempotent(world):
    audit_before = AuditLogEntry.objects.count()

    seated = seat_enrolments(actor=world.admin, scheduled=world.scheduled, enrolments=world.enrolments)

    assert seated == 0
    assert Sitting.objects.filter(scheduled=world.scheduled).count() == 2
    assert AuditLogEntry.objects.count() == audit_before


def test_seat_enrolments_already_assessing_stays_assessing(world):
    enrolment = _enrolment(world, status=Enrolment.Status.ASSESSING)

    seat_enrolments(actor=world.admin, scheduled=world.scheduled, enrolments=[enrolment])

    assert Enrolment.objects.get(pk=enrolment.pk).status == Enrolment.Status.ASSESSING
    assert not AuditLogEntry.objects.filter(action="enrolment.status", object_id=str(enrolment.pk)).exists()


def test_seat_enrolments_withdrawn_candidate_is_refused_and_nobody_is_seated(world):
    fresh = _enrolment(world)
    withdrawn = _enrolment(world, status=Enrolment.Status.WITHDRAWN)

    with pytest.raises(Refused, match="withdrawn"):
        seat_enrolments(actor=world.admin, scheduled=world.scheduled, enrolments=[fresh, withdrawn])

    assert not Sitting.objects.filter(enrolment__in=[fresh, withdrawn]).exists()
    assert Enrolment.objects.get(pk=fresh.pk).status == Enrolment.Status.ENROLLED


def test_seat_enrolments_of_another_framework_is_refused(world):
    foreign = EnrolmentFactory()

    with pytest.raises(Refused, match="another version"):
        seat_enrolments(actor=world.admin, scheduled=world.scheduled, enrolments=[foreign])

    assert not Sitting.objects.filter(enrolment=foreign).exists()


# --- form_group -------------------------------------------------------------------------------------
@pytest.fixture
def collective(db):
    return build_world(collective=True, candidates=4)


def test_form_group_puts_the_sittings_together_and_audits(collective):
    group = form_group(
        actor=collective.admin,
        scheduled=collective.scheduled,
        name=" Groupe A ",
        sittings=collective.sittings[:2],
    )

    assert group.name == "Groupe A"
    assert set(group.sittings.all()) == set(collective.sittings[:2])
    entry = AuditLogEntry.objects.get(action="group.form")
    assert entry.changes == {"assessment": "E1", "members": [s.enrolment_id for s in collective.sittings[:2]]}


def test_form_group_without_collective_criteria_is_refused(world):
    with pytest.raises(Refused, match="no criteria marked per group"):
        form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings)

    assert not Group.objects.exists()


def test_form_group_of_one_is_refused(collective):
    with pytest.raises(Refused, match="at least two") as raised:
        form_group(
            actor=collective.admin, scheduled=collective.scheduled, name="A", sittings=collective.sittings[:1]
        )

    assert raised.value.field == "sittings"


def test_form_group_with_a_sitting_of_another_assessment_is_refused(collective):
    other = build_world(collective=True, candidates=1)

    with pytest.raises(Refused, match="seated for this assessment"):
        form_group(
            actor=collective.admin,
            scheduled=collective.scheduled,
            name="A",
            sittings=[collective.sittings[0], other.sittings[0]],
        )

    assert not Group.objects.exists()


def test_form_group_with_a_member_already_in_a_group_is_refused(collective):
    form_group(
        actor=collective.admin, scheduled=collective.scheduled, name="A", sittings=collective.sittings[:2]
    )
    sittings = list(Sitting.objects.filter(pk__in=[collective.sittings[1].pk, collective.sittings[2].pk]))

    with pytest.raises(Refused, match="Already in a group"):
        form_group(actor=collective.admin, scheduled=collective.scheduled, name="B", sittings=sittings)

    assert Group.objects.count() == 1
    assert Sitting.objects.get(pk=collective.sittings[2].pk).group_id is None


def test_form_group_with_a_name_already_used_is_refused(collective):
    form_group(
        actor=collective.admin, scheduled=collective.scheduled, name="A", sittings=collective.sittings[:2]
    )

    with pytest.raises(Refused) as raised:
        form_group(
            actor=collective.admin, scheduled=collective.scheduled, name="A", sittings=collective.sittings[2:]
        )

    assert raised.value.field == "name"
    assert Sitting.objects.filter(group__isnull=True).count() == 2


# --- assign_evaluator -------------------------------------------------------------------------------
def test_assign_evaluator_to_a_sitting_is_audited(world):
    assignment = world.assign(sitting=world.sittings[0])

    assert (assignment.evaluator, assignment.sitting, assignment.rank, assignment.status) == (
        world.evaluator,
        world.sittings[0],
        1,
        Assignment.Status.DRAFT,
    )
    assert assignment.scheduled == world.scheduled
    entry = AuditLogEntry.objects.get(action="assignment.create")
    assert entry.changes == {"evaluator": world.evaluator.get_username(), "rank": 1}


def test_assign_evaluator_who_is_not_an_evaluator_is_refused(world):
    with pytest.raises(Refused, match="not an evaluator") as raised:
        world.assign(sitting=world.sittings[0], evaluator=UserFactory())

    assert raised.value.field == "evaluator"
    assert not Assignment.objects.exists()


def test_assign_evaluator_with_a_declared_conflict_is_refused(world):
    # DESIGN rule 6 (seed 003): whoever trained a candidate does not judge them.
    declare_conflict(
        actor=world.admin, person=world.evaluator, candidate=world.enrolments[0].candidate, nature="L'a formé"
    )

    with pytest.raises(Refused, match="conflict of interest") as raised:
        world.assign(sitting=world.sittings[0])

    assert raised.value.field == "evaluator"
    assert not Assignment.objects.exists()
    assert world.assign(sitting=world.sittings[1]).pk is not None


def test_assign_evaluator_to_a_group_with_a_conflicted_member_is_refused(collective):
    group = form_group(
        actor=collective.admin, scheduled=collective.scheduled, name="A", sittings=collective.sittings[:2]
    )
    declare_conflict(
        actor=collective.admin,
        person=collective.evaluator,
        candidate=collective.enrolments[1].candidate,
        nature="Tuteur de stage",
    )

    with pytest.raises(Refused, match="conflict of interest"):
        collective.assign(group=group)

    assert not Assignment.objects.exists()
    assert collective.assign(group=group, evaluator=collective.second_evaluator).group == group


def test_assign_evaluator_second_marker_without_double_marking_is_refused(world):
    world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused, match="double marked") as raised:
        world.assign(sitting=world.sittings[0], evaluator=world.second_evaluator, rank=2)

    assert raised.value.field == "rank"


def test_assign_evaluator_second_marker_with_double_marking_passes(db):
    world = build_world(double_marking=True)
    world.assign(sitting=world.sittings[0])

    second = world.assign(sitting=world.sittings[0], evaluator=world.second_evaluator, rank=2)

    assert second.rank == 2
    assert Assignment.objects.filter(sitting=world.sittings[0]).count() == 2


@pytest.mark.parametrize("rank", [0, 3])
def test_assign_evaluator_rank_other_than_1_or_2_is_refused(db, rank):
    world = build_world(double_marking=True)

    with pytest.raises(Refused):
        world.assign(sitting=world.sittings[0], rank=rank)


def test_assign_evaluator_same_rank_twice_is_refused(db):
    world = build_world(double_marking=True)
    world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused, match="already has a marker"):
        world.assign(sitting=world.sittings[0], evaluator=world.second_evaluator, rank=1)

    assert Assignment.objects.count() == 1


def test_assign_evaluator_same_evaluator_as_both_markers_is_refused(db):
    world = build_world(double_marking=True)
    world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused, match="same evaluator twice"):
        world.assign(sitting=world.sittings[0], rank=2)

    assert Assignment.objects.count() == 1


@pytest.mark.parametrize("both", [True, False])
def test_assign_evaluator_needs_exactly_one_target(collective, both):
    group = form_group(
        actor=collective.admin, scheduled=collective.scheduled, name="A", sittings=collective.sittings[:2]
    )

    with pytest.raises(Refused, match="one candidate or to one group"):
        assign_evaluator(
            actor=collective.admin,
            evaluator=collective.evaluator,
            sitting=collective.sittings[2] if both else None,
            group=group if both else None,
        )


def test_assign_evaluator_role_granted_later_is_accepted(world):
    user = UserFactory()
    with pytest.raises(Refused):
        world.assign(sitting=world.sittings[0], evaluator=user)

    grant(user, RoleGrant.Role.EVALUATOR)

    assert world.assign(sitting=world.sittings[0], evaluator=user).evaluator == user
