"""From marks to the result of each criterion for each enrolment, and double-marking reconciliation.

The result of a criterion for a sitting (DESIGN « double marking »):
- single marking: the submitted marker's value; a draft is still pending;
- double marking: the reconciled value when there is one; else the common value when both markers
  submitted and agree; else pending (a disagreement waits for reconciliation);
- a collective criterion of a candidate in a group takes the group's result;
- when an assessment was sat in several sessions, the latest session with a result counts.

Results are computed for many enrolments at once in a fixed number of queries; the progress matrix
and (later) the jury engine read them from here only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from certiflow.assessment.domain.grading import criteria_for
from certiflow.assessment.models import Assignment, Group, Mark, Reconciliation, ScheduledAssessment, Sitting
from certiflow.common.domain import audit
from certiflow.common.domain.errors import NotAllowed, Refused
from certiflow.frameworks.models import Criterion

MET, NOT_MET, PENDING, DISAGREEMENT = "met", "not_met", "pending", "disagreement"
_SUBMITTED = Assignment.Status.SUBMITTED.value


@dataclass(frozen=True)
class CriterionResult:
    """``status`` is met, not_met, pending or disagreement; ``sitting_id`` and ``assignment_ids``
    say where it comes from, ``reconciled`` whether an agreed result replaced two markings."""

    status: str
    sitting_id: int
    assignment_ids: tuple[int, ...] = ()
    reconciled: bool = False


def _decide(
    double: bool, marks: dict[int, tuple[int, str, str]], reconciled: str | None
) -> tuple[str, tuple[int, ...], bool]:
    """``marks`` maps rank to (assignment id, assignment status, value); only a submitted marking
    counts. Called once per criterion of every sitting: it reads the two ranks directly."""
    if reconciled is not None:
        return reconciled, tuple(a for a, _s, _v in marks.values()), True
    first = marks.get(1)
    if first is None or first[1] != _SUBMITTED:
        return PENDING, (), False
    if not double:
        return first[2], (first[0],), False
    second = marks.get(2)
    if second is None or second[1] != _SUBMITTED:
        return PENDING, (), False
    ids = (first[0], second[0])
    return (first[2] if first[2] == second[2] else DISAGREEMENT), ids, False


def criterion_results(
    enrolment_ids: Iterable[int], *, published_only: bool = False
) -> dict[int, dict[int, CriterionResult]]:
    """{enrolment id: {criterion id: result}} for every criterion sat (unsat criteria are absent).

    Built for whole sessions (the jury engine calls it per chunk of thousands of enrolments), so it
    reads plain tuples (``values_list``, no model instances) and finds the marks and reconciliations
    through a subquery on the enrolments' sittings rather than through Python lists of tens of
    thousands of sitting or assignment ids.
    """
    enrolment_ids = list(enrolment_ids)
    seated = Sitting.objects.filter(enrolment_id__in=enrolment_ids)
    if published_only:
        seated = seated.filter(scheduled__session__results_published_at__isnull=False)
    sittings = list(
        seated.order_by("scheduled__session__starts_on", "scheduled__starts_at", "id").values_list(
            "id", "enrolment_id", "scheduled_id", "group_id", "scheduled__double_marking"
        )
    )
    if not sittings:
        return {}
    scheduled_ids = {scheduled_id for _s, _e, scheduled_id, _g, _d in sittings}
    criteria_by_scheduled: dict[int, list[int]] = defaultdict(list)
    for scheduled_id, criterion_id in _criteria_of_scheduled(scheduled_ids):
        criteria_by_scheduled[scheduled_id].append(criterion_id)
    collective: dict[int, set[int]] = defaultdict(set)
    for scheduled_id, criterion_id in ScheduledAssessment.collective_criteria.through.objects.filter(
        scheduledassessment_id__in=scheduled_ids
    ).values_list("scheduledassessment_id", "criterion_id"):
        collective[scheduled_id].add(criterion_id)

    # What each target was marked, a sitting for its own criteria and a group for its collective
    # ones: {sitting or group id: {criterion id: {rank: (assignment id, assignment status, value)}}}.
    # An assignment with no mark on a criterion plays no part in that criterion's result, so reading
    # the marks with their assignment (one join) is enough. The sitting and the group parts are a
    # UNION ALL rather than one WHERE … OR …: each part uses its own index, in one round trip. The
    # sittings are a subquery (tens of thousands of ids need not travel); the groups, at most one per
    # sitting, are listed: as a subquery PostgreSQL scanned every grouped sitting of the database.
    sitting_ids = seated.values("id")
    group_ids = list({group_id for _s, _e, _sc, group_id, _d in sittings if group_id is not None})
    columns = ("assignment__sitting_id", "assignment__group_id", "assignment_id", "assignment__rank")
    columns += ("assignment__status", "criterion_id", "value")
    marks = (
        Mark.objects.filter(assignment__sitting_id__in=sitting_ids)
        .values_list(*columns)
        .union(Mark.objects.filter(assignment__group_id__in=group_ids).values_list(*columns), all=True)
    )
    Marked = dict[int, dict[int, dict[int, tuple[int, str, str]]]]
    by_sitting: Marked = {}
    by_group: Marked = {}
    for sitting_id, group_id, assignment_id, rank, status, criterion_id, value in marks:
        target = by_sitting.setdefault(sitting_id, {}) if sitting_id else by_group.setdefault(group_id, {})
        target.setdefault(criterion_id, {})[rank] = (assignment_id, status, value)
    columns = ("sitting_id", "group_id", "criterion_id", "value")
    agreements = (
        Reconciliation.objects.filter(sitting_id__in=sitting_ids)
        .values_list(*columns)
        .union(Reconciliation.objects.filter(group_id__in=group_ids).values_list(*columns), all=True)
    )
    agreed_by_sitting: dict[int, dict[int, str]] = {}
    agreed_by_group: dict[int, dict[int, str]] = {}
    for sitting_id, group_id, criterion_id, value in agreements:
        if sitting_id:
            agreed_by_sitting.setdefault(sitting_id, {})[criterion_id] = value
        else:
            agreed_by_group.setdefault(group_id, {})[criterion_id] = value

    # Once per criterion of every sitting (tens per candidate): the lookups that depend only on the
    # sitting are made once per sitting.
    results: dict[int, dict[int, CriterionResult]] = defaultdict(dict)
    nothing: dict = {}
    for sitting_id, enrolment_id, scheduled_id, group_id, double in sittings:
        mine = results[enrolment_id]
        own, own_agreed = by_sitting.get(sitting_id, nothing), agreed_by_sitting.get(sitting_id, nothing)
        grouped = collective[scheduled_id] if group_id is not None else ()
        team, team_agreed = nothing, nothing
        if grouped:
            team, team_agreed = by_group.get(group_id, nothing), agreed_by_group.get(group_id, nothing)
        for criterion_id in criteria_by_scheduled[scheduled_id]:
            # A collective criterion of a candidate in a group takes the group's result.
            if criterion_id in grouped:
                ranked, agreed = team.get(criterion_id, nothing), team_agreed.get(criterion_id)
            else:
                ranked, agreed = own.get(criterion_id, nothing), own_agreed.get(criterion_id)
            if agreed is not None and len(ranked) > 1:
                # A reconciled result names both markings in the order the markers were assigned.
                ranked = dict(sorted(ranked.items(), key=lambda item: item[1][0]))
            status, ids, was_reconciled = _decide(double, ranked, agreed)
            # A later sitting replaces an earlier one only once it has a result of its own.
            if status in (MET, NOT_MET) or criterion_id not in mine:
                mine[criterion_id] = CriterionResult(
                    status=status, sitting_id=sitting_id, assignment_ids=ids, reconciled=was_reconciled
                )
    return results


def _criteria_of_scheduled(scheduled_ids: set[int]) -> list[tuple[int, int]]:
    pairs = ScheduledAssessment.objects.filter(pk__in=scheduled_ids).values_list("pk", "assessment__criteria")
    return [(scheduled_id, criterion_id) for scheduled_id, criterion_id in pairs if criterion_id is not None]


@dataclass(frozen=True)
class Comparison:
    criterion: Criterion
    first: Mark | None
    second: Mark | None
    reconciliation: Reconciliation | None

    @property
    def disagree(self) -> bool:
        return bool(self.first and self.second and self.first.value != self.second.value)


def _target_assignments(*, sitting: Sitting | None, group: Group | None) -> dict[int, Assignment]:
    target = Q(sitting=sitting) if sitting is not None else Q(group=group)
    return {a.rank: a for a in Assignment.objects.filter(target).select_related("evaluator")}


def may_compare(
    *, user: AbstractBaseUser, sitting: Sitting | None = None, group: Group | None = None
) -> bool:
    """Marking is blind: the two markings are shown side by side only once both are submitted, to an
    administrator or to one of the two markers."""
    assignments = _target_assignments(sitting=sitting, group=group)
    both = len(assignments) == 2 and all(a.is_locked for a in assignments.values())
    if not (both and user.is_active):
        return False
    return user.is_staff or any(a.evaluator_id == user.pk for a in assignments.values())


def compare_markings(*, sitting: Sitting | None = None, group: Group | None = None) -> list[Comparison]:
    """Both markings of a double-marked sitting or group, criterion by criterion."""
    assignments = _target_assignments(sitting=sitting, group=group)
    first, second = assignments.get(1), assignments.get(2)
    criteria: dict[int, Criterion] = {}
    for assignment in (first, second):
        if assignment:
            criteria.update({c.pk: c for c in criteria_for(assignment)})
    marks = {
        (m.assignment_id, m.criterion_id): m
        for m in Mark.objects.filter(assignment__in=[a for a in (first, second) if a]).select_related(
            "updated_by"
        )
    }
    target = Q(sitting=sitting) if sitting is not None else Q(group=group)
    reconciliations = {
        r.criterion_id: r for r in Reconciliation.objects.filter(target).select_related("reconciled_by")
    }
    return [
        Comparison(
            criterion=criterion,
            first=marks.get((first.pk, criterion.pk)) if first else None,
            second=marks.get((second.pk, criterion.pk)) if second else None,
            reconciliation=reconciliations.get(criterion.pk),
        )
        for criterion in sorted(criteria.values(), key=lambda c: c.position)
    ]


def reconcile(
    *,
    actor: AbstractBaseUser,
    criterion: Criterion,
    value: str,
    comment: str,
    sitting: Sitting | None = None,
    group: Group | None = None,
) -> Reconciliation:
    """Record the agreed result of a double-marked criterion; both markings are kept as they are."""
    if value not in Mark.Value.values:
        raise Refused(_("Choose met or not met."), field="value")
    if not comment.strip():
        raise Refused(_("Say how the two markers agreed on this result."), field="comment")
    if not may_compare(user=actor, sitting=sitting, group=group):
        raise NotAllowed(
            _(
                "A reconciliation is recorded by an administrator or one of the two markers, once both have submitted."
            )
        )
    marked = {
        c.pk for a in _target_assignments(sitting=sitting, group=group).values() for c in criteria_for(a)
    }
    if criterion.pk not in marked:
        raise Refused(
            _("%(code)s is not a criterion of these markings.") % {"code": criterion.code}, field="criterion"
        )
    with transaction.atomic():
        reconciliation, created = Reconciliation.objects.select_for_update().get_or_create(
            sitting=sitting,
            group=group,
            criterion=criterion,
            defaults={"value": value, "comment": comment.strip(), "reconciled_by": actor},
        )
        before = None if created else [reconciliation.value, reconciliation.comment]
        if not created:
            reconciliation.value, reconciliation.comment, reconciliation.reconciled_by = (
                value,
                comment.strip(),
                actor,
            )
            reconciliation.save()
        audit.record(
            actor=actor,
            action="mark.reconcile",
            obj=sitting or group,
            changes={"criterion": criterion.code, "before": before, "after": [value, comment.strip()]},
        )
    return reconciliation
