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
    """``marks`` maps rank to (assignment id, assignment status, value)."""
    if reconciled is not None:
        return reconciled, tuple(a for a, _s, _v in marks.values()), True
    submitted = {rank: (a, v) for rank, (a, s, v) in marks.items() if s == Assignment.Status.SUBMITTED}
    if not double:
        if 1 in submitted:
            return submitted[1][1], (submitted[1][0],), False
        return PENDING, (), False
    if 1 in submitted and 2 in submitted:
        ids = (submitted[1][0], submitted[2][0])
        if submitted[1][1] == submitted[2][1]:
            return submitted[1][1], ids, False
        return DISAGREEMENT, ids, False
    return PENDING, (), False


def criterion_results(
    enrolment_ids: Iterable[int], *, published_only: bool = False
) -> dict[int, dict[int, CriterionResult]]:
    """{enrolment id: {criterion id: result}} for every criterion sat (unsat criteria are absent)."""
    sittings = list(
        Sitting.objects.filter(enrolment_id__in=list(enrolment_ids))
        .filter(Q(scheduled__session__results_published_at__isnull=False) if published_only else Q())
        .select_related("scheduled__session")
        .order_by("scheduled__session__starts_on", "scheduled__starts_at", "id")
    )
    if not sittings:
        return {}
    scheduled_ids = {s.scheduled_id for s in sittings}
    group_ids = {s.group_id for s in sittings if s.group_id}
    criteria_by_scheduled: dict[int, list[int]] = defaultdict(list)
    for scheduled_id, criterion_id in _criteria_of_scheduled(scheduled_ids):
        criteria_by_scheduled[scheduled_id].append(criterion_id)
    collective: dict[int, set[int]] = defaultdict(set)
    for scheduled_id, criterion_id in ScheduledAssessment.collective_criteria.through.objects.filter(
        scheduledassessment_id__in=scheduled_ids
    ).values_list("scheduledassessment_id", "criterion_id"):
        collective[scheduled_id].add(criterion_id)
    assignments = list(
        Assignment.objects.filter(
            Q(sitting__in=[s.pk for s in sittings]) | Q(group_id__in=group_ids)
        ).values_list("id", "sitting_id", "group_id", "rank", "status")
    )
    by_target: dict[tuple[str, int], dict[int, tuple[int, str]]] = defaultdict(dict)
    for assignment_id, sitting_id, group_id, rank, status in assignments:
        key = ("s", sitting_id) if sitting_id else ("g", group_id)
        by_target[key][rank] = (assignment_id, status)
    marks: dict[int, dict[int, str]] = defaultdict(dict)
    for assignment_id, criterion_id, value in Mark.objects.filter(
        assignment_id__in=[a[0] for a in assignments]
    ).values_list("assignment_id", "criterion_id", "value"):
        marks[assignment_id][criterion_id] = value
    reconciled: dict[tuple[str, int], dict[int, str]] = defaultdict(dict)
    for sitting_id, group_id, criterion_id, value in Reconciliation.objects.filter(
        Q(sitting__in=[s.pk for s in sittings]) | Q(group_id__in=group_ids)
    ).values_list("sitting_id", "group_id", "criterion_id", "value"):
        reconciled[("s", sitting_id) if sitting_id else ("g", group_id)][criterion_id] = value

    results: dict[int, dict[int, CriterionResult]] = defaultdict(dict)
    for sitting in sittings:
        double = sitting.scheduled.double_marking
        for criterion_id in criteria_by_scheduled[sitting.scheduled_id]:
            in_group = sitting.group_id is not None and criterion_id in collective[sitting.scheduled_id]
            key = ("g", sitting.group_id) if in_group else ("s", sitting.pk)
            ranked = {
                rank: (assignment_id, status, marks[assignment_id][criterion_id])
                for rank, (assignment_id, status) in by_target[key].items()
                if criterion_id in marks[assignment_id]
            }
            status, ids, was_reconciled = _decide(double, ranked, reconciled[key].get(criterion_id))
            previous = results[sitting.enrolment_id].get(criterion_id)
            # A later sitting replaces an earlier one only once it has a result of its own.
            if previous is None or status in (MET, NOT_MET):
                results[sitting.enrolment_id][criterion_id] = CriterionResult(
                    status=status, sitting_id=sitting.pk, assignment_ids=ids, reconciled=was_reconciled
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
