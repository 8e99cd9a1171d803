"""Criterion results from marks: single and double marking, reconciliation, groups, several sessions."""

import datetime

import pytest
from django.utils import timezone

from certiflow.assessment.domain.grading import criteria_for, save_mark, submit_assignment
from certiflow.assessment.domain.results import (
    DISAGREEMENT,
    MET,
    NOT_MET,
    PENDING,
    compare_markings,
    criterion_results,
    may_compare,
    reconcile,
)
from certiflow.assessment.domain.sessions import form_group, schedule_assessment, seat_enrolments
from certiflow.assessment.models import Assignment, Mark, Reconciliation, Session
from certiflow.candidates.models import RoleGrant
from certiflow.common.domain.errors import NotAllowed, Refused
from certiflow.common.models import AuditLogEntry
from tests.assessment.conftest import build_world
from tests.factories import CriterionFactory, EnrolmentFactory, SessionFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def mark(assignment, values, *, submit=True):
    """Mark the assignment's criteria in order with ``values`` ("met"/"not_met"), then submit."""
    assignment = Assignment.objects.get(pk=assignment.pk)
    for criterion, value in zip(criteria_for(assignment), values, strict=True):
        save_mark(
            actor=assignment.evaluator,
            assignment=assignment,
            criterion=criterion,
            value=value,
            comment="" if value == MET else "Budget absent du dossier",
            base_revision=0,
        )
    if submit:
        submit_assignment(actor=assignment.evaluator, assignment=assignment)
    return assignment


def statuses(world, enrolment):
    mine = criterion_results([enrolment.pk])[enrolment.pk]
    return [mine[c.pk].status for c in world.criteria]


@pytest.fixture
def double(db):
    return build_world(double_marking=True)


# --- single marking ---------------------------------------------------------------------------------
def test_criterion_results_sitting_without_assignment_is_pending(world):
    assert statuses(world, world.enrolments[0]) == [PENDING, PENDING, PENDING]


def test_criterion_results_draft_is_pending(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, NOT_MET], submit=False)

    assert statuses(world, world.enrolments[0]) == [PENDING, PENDING, PENDING]


def test_criterion_results_submitted_single_marking_gives_the_values(world):
    assignment = mark(world.assign(sitting=world.sittings[0]), [MET, NOT_MET, MET])

    results = criterion_results([e.pk for e in world.enrolments])

    mine = results[world.enrolments[0].pk]
    assert [mine[c.pk].status for c in world.criteria] == [MET, NOT_MET, MET]
    assert mine[world.criteria[0].pk].assignment_ids == (assignment.pk,)
    assert mine[world.criteria[0].pk].sitting_id == world.sittings[0].pk
    assert mine[world.criteria[0].pk].reconciled is False
    assert statuses(world, world.enrolments[1]) == [PENDING, PENDING, PENDING]


def test_criterion_results_unsat_enrolment_is_absent(world):
    other = EnrolmentFactory(framework=world.framework, access_route=world.enrolments[0].access_route)

    assert criterion_results([other.pk]) == {}


# --- double marking ---------------------------------------------------------------------------------
def test_criterion_results_double_marking_one_submitted_is_pending(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, MET],
        submit=False,
    )

    assert statuses(double, double.enrolments[0]) == [PENDING, PENDING, PENDING]


def test_criterion_results_double_marking_agreement_and_disagreement(double):
    first = mark(double.assign(sitting=double.sittings[0]), [MET, NOT_MET, MET])
    second = mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, NOT_MET, NOT_MET],
    )

    mine = criterion_results([double.enrolments[0].pk])[double.enrolments[0].pk]

    assert [mine[c.pk].status for c in double.criteria] == [MET, NOT_MET, DISAGREEMENT]
    assert mine[double.criteria[0].pk].assignment_ids == (first.pk, second.pk)


def test_reconcile_gives_the_agreed_value_and_keeps_both_marks(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
    )
    criterion = double.criteria[2]

    reconcile(
        actor=double.evaluator,
        sitting=double.sittings[0],
        criterion=criterion,
        value=NOT_MET,
        comment="Après échange : le budget prévisionnel manque.",
    )

    result = criterion_results([double.enrolments[0].pk])[double.enrolments[0].pk][criterion.pk]
    assert (result.status, result.reconciled) == (NOT_MET, True)
    assert len(result.assignment_ids) == 2
    assert sorted(Mark.objects.filter(criterion=criterion).values_list("assignment__rank", "value")) == [
        (1, MET),
        (2, NOT_MET),
    ]
    entry = AuditLogEntry.objects.get(action="mark.reconcile")
    assert entry.changes == {
        "criterion": criterion.code,
        "before": None,
        "after": [NOT_MET, "Après échange : le budget prévisionnel manque."],
    }


def test_reconcile_again_updates_the_agreed_value_and_audits_before(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
    )
    criterion = double.criteria[2]
    reconcile(
        actor=double.admin,
        sitting=double.sittings[0],
        criterion=criterion,
        value=NOT_MET,
        comment="Premier avis",
    )

    reconcile(
        actor=double.admin, sitting=double.sittings[0], criterion=criterion, value=MET, comment="Second avis"
    )

    assert Reconciliation.objects.get().value == MET
    entry = AuditLogEntry.objects.filter(action="mark.reconcile").latest("id")
    assert entry.changes["before"] == [NOT_MET, "Premier avis"]


def test_may_compare_is_blind_until_both_markers_submitted(double):
    first = mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    second = double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2)

    before = [
        may_compare(user=u, sitting=double.sittings[0])
        for u in (double.admin, double.evaluator, double.second_evaluator)
    ]
    mark(second, [MET, MET, NOT_MET])
    after = [
        may_compare(user=u, sitting=double.sittings[0])
        for u in (double.admin, first.evaluator, second.evaluator)
    ]

    assert before == [False, False, False]
    assert after == [True, True, True]


def test_may_compare_other_users_may_not(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
    )
    third = grant(UserFactory(), RoleGrant.Role.EVALUATOR)

    assert may_compare(user=third, sitting=double.sittings[0]) is False
    assert may_compare(user=UserFactory(), sitting=double.sittings[0]) is False


def test_may_compare_single_marking_is_never_compared(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, MET])

    assert may_compare(user=world.admin, sitting=world.sittings[0]) is False


def test_reconcile_before_both_submitted_is_not_allowed(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
        submit=False,
    )

    with pytest.raises(NotAllowed):
        reconcile(
            actor=double.admin,
            sitting=double.sittings[0],
            criterion=double.criteria[2],
            value=MET,
            comment="Accord",
        )

    assert not Reconciliation.objects.exists()


def test_reconcile_by_someone_else_than_the_markers_is_not_allowed(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
    )
    third = grant(UserFactory(), RoleGrant.Role.EVALUATOR)

    with pytest.raises(NotAllowed):
        reconcile(
            actor=third, sitting=double.sittings[0], criterion=double.criteria[2], value=MET, comment="Accord"
        )

    assert not Reconciliation.objects.exists()


@pytest.mark.parametrize(
    ("value", "comment", "field"), [("met", "  ", "comment"), ("maybe", "Accord", "value")]
)
def test_reconcile_without_reason_or_with_unknown_value_is_refused(double, value, comment, field):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
    )

    with pytest.raises(Refused) as raised:
        reconcile(
            actor=double.admin,
            sitting=double.sittings[0],
            criterion=double.criteria[2],
            value=value,
            comment=comment,
        )

    assert raised.value.field == field


def test_reconcile_criterion_outside_the_grid_is_refused(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
    )
    foreign = CriterionFactory()

    with pytest.raises(Refused):
        reconcile(
            actor=double.admin, sitting=double.sittings[0], criterion=foreign, value=MET, comment="Accord"
        )


def test_compare_markings_lists_both_marks_per_criterion(double):
    mark(double.assign(sitting=double.sittings[0]), [MET, MET, MET])
    mark(
        double.assign(sitting=double.sittings[0], evaluator=double.second_evaluator, rank=2),
        [MET, MET, NOT_MET],
    )

    rows = compare_markings(sitting=double.sittings[0])

    assert [row.criterion.code for row in rows] == ["E1.1", "E1.2", "E1.3"]
    assert [row.disagree for row in rows] == [False, False, True]
    assert (rows[2].first.value, rows[2].second.value, rows[2].reconciliation) == (MET, NOT_MET, None)


# --- groups -----------------------------------------------------------------------------------------
def test_criterion_results_collective_criterion_applies_to_every_member(db):
    world = build_world(collective=True)
    group = form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings)
    group_assignment = world.assign(group=group)
    first = world.assign(sitting=world.sittings[0], evaluator=world.second_evaluator)
    second = world.assign(sitting=world.sittings[1], evaluator=world.second_evaluator)
    mark(group_assignment, [MET])  # E1.3, the collective criterion
    mark(first, [MET, MET])  # E1.1, E1.2
    mark(second, [NOT_MET, MET])

    results = criterion_results([e.pk for e in world.enrolments])

    one, two = (results[e.pk] for e in world.enrolments)
    collective = world.criteria[2].pk
    assert one[collective].status == two[collective].status == MET
    assert one[collective].assignment_ids == two[collective].assignment_ids == (group_assignment.pk,)
    assert [one[c.pk].status for c in world.criteria[:2]] == [MET, MET]
    assert [two[c.pk].status for c in world.criteria[:2]] == [NOT_MET, MET]


def test_reconcile_group_disagreement_gives_every_member_the_agreed_value(db):
    world = build_world(collective=True, double_marking=True)
    group = form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings)
    mark(world.assign(group=group), [MET])
    mark(world.assign(group=group, evaluator=world.second_evaluator, rank=2), [NOT_MET])
    collective = world.criteria[2]
    disagreed = criterion_results([e.pk for e in world.enrolments])

    reconcile(
        actor=world.second_evaluator,
        group=group,
        criterion=collective,
        value=MET,
        comment="Accord après échange",
    )

    agreed = criterion_results([e.pk for e in world.enrolments])
    assert [disagreed[e.pk][collective.pk].status for e in world.enrolments] == [DISAGREEMENT, DISAGREEMENT]
    assert [agreed[e.pk][collective.pk].status for e in world.enrolments] == [MET, MET]
    assert all(agreed[e.pk][collective.pk].reconciled for e in world.enrolments)


def test_criterion_results_collective_criterion_pending_until_the_group_is_marked(db):
    world = build_world(collective=True)
    group = form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings)
    world.assign(group=group)
    mark(world.assign(sitting=world.sittings[0], evaluator=world.second_evaluator), [MET, MET])

    assert statuses(world, world.enrolments[0]) == [MET, MET, PENDING]


def test_criterion_results_candidate_sitting_alone_marks_collective_criteria_individually(db):
    world = build_world(collective=True)
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, NOT_MET])

    assert statuses(world, world.enrolments[0]) == [MET, MET, NOT_MET]


# --- several sessions -------------------------------------------------------------------------------
def _resit(world, starts_on):
    session = SessionFactory(
        framework=world.framework,
        created_by=world.admin,
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=10),
    )
    scheduled = schedule_assessment(
        actor=world.admin,
        session=session,
        assessment=world.assessment,
        starts_at=datetime.datetime.combine(starts_on, datetime.time(9), tzinfo=datetime.UTC),
        place="Paris",
    )
    seat_enrolments(actor=world.admin, scheduled=scheduled, enrolments=[world.enrolments[0]])
    return scheduled.sittings.get()


def test_criterion_results_later_session_replaces_the_earlier_one(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, NOT_MET, NOT_MET])
    resit = _resit(world, datetime.date(2025, 9, 1))
    mark(world.assign(sitting=resit), [MET, MET, NOT_MET])

    mine = criterion_results([world.enrolments[0].pk])[world.enrolments[0].pk]

    assert [mine[c.pk].status for c in world.criteria] == [MET, MET, NOT_MET]
    assert {mine[c.pk].sitting_id for c in world.criteria} == {resit.pk}


def test_criterion_results_later_session_without_result_keeps_the_earlier_one(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, NOT_MET, MET])
    resit = _resit(world, datetime.date(2025, 9, 1))
    mark(world.assign(sitting=resit), [MET, MET, MET], submit=False)

    mine = criterion_results([world.enrolments[0].pk])[world.enrolments[0].pk]

    assert [mine[c.pk].status for c in world.criteria] == [MET, NOT_MET, MET]
    assert {mine[c.pk].sitting_id for c in world.criteria} == {world.sittings[0].pk}


def test_criterion_results_order_is_by_session_date_not_creation(world):
    # The resit is created after but dated before the main session: the main session (June) counts.
    resit = _resit(world, datetime.date(2025, 3, 1))
    mark(world.assign(sitting=resit), [NOT_MET, NOT_MET, NOT_MET])
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, MET])

    assert statuses(world, world.enrolments[0]) == [MET, MET, MET]


def test_criterion_results_published_only_hides_unpublished_sessions(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, MET])

    hidden = criterion_results([world.enrolments[0].pk], published_only=True)
    Session.objects.filter(pk=world.session.pk).update(results_published_at=timezone.now())
    shown = criterion_results([world.enrolments[0].pk], published_only=True)

    assert hidden == {}
    assert [shown[world.enrolments[0].pk][c.pk].status for c in world.criteria] == [MET, MET, MET]


def test_criterion_results_published_only_keeps_the_published_earlier_session(world):
    Session.objects.filter(pk=world.session.pk).update(results_published_at=timezone.now())
    mark(world.assign(sitting=world.sittings[0]), [MET, NOT_MET, MET])
    resit = _resit(world, datetime.date(2025, 9, 1))
    mark(world.assign(sitting=resit), [MET, MET, MET])

    published = criterion_results([world.enrolments[0].pk], published_only=True)[world.enrolments[0].pk]
    everything = criterion_results([world.enrolments[0].pk])[world.enrolments[0].pk]

    assert published[world.criteria[1].pk].status == NOT_MET
    assert everything[world.criteria[1].pk].status == MET


def test_criterion_results_constant_queries_for_many_enrolments(django_assert_max_num_queries, db):
    small = build_world(candidates=2)
    large = build_world(candidates=8)
    for world in (small, large):
        for sitting in world.sittings:
            mark(world.assign(sitting=sitting), [MET, MET, MET])

    with django_assert_max_num_queries(6):
        criterion_results([e.pk for e in small.enrolments])
    with django_assert_max_num_queries(6):
        criterion_results([e.pk for e in large.enrolments])
