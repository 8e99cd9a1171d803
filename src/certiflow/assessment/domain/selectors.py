"""Querysets of what a user may see, for list pages and the API. They agree with ``assessment.rules``
(tests check both on the same objects) and load what their pages show in a fixed number of queries."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from certiflow.assessment.models import Assignment, Sitting
from certiflow.candidates.domain.accommodations import AdaptedConditions, adapted_conditions
from certiflow.candidates.models import ConflictOfInterest, Enrolment, PrerequisiteEvidence, RoleGrant
from certiflow.candidates.rules import is_own_enrolment, managed_provider_ids
from certiflow.frameworks.models import Assessment


def visible_enrolments(user) -> QuerySet[Enrolment]:
    queryset = Enrolment.objects.select_related(
        "candidate", "framework__certification", "access_route", "provider", "cohort"
    ).prefetch_related(
        Prefetch("prerequisite_evidence", queryset=PrerequisiteEvidence.objects.order_by("id"))
    )
    if not (user and user.is_authenticated and user.is_active):
        return queryset.none()
    if user.is_staff:
        return queryset
    roles = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if RoleGrant.Role.DISABILITY_REFERENT in roles:
        return queryset
    visible = Q(candidate__user=user)
    if providers := managed_provider_ids(user):
        visible |= Q(provider_id__in=providers)
    if RoleGrant.Role.EVALUATOR in roles:
        assigned = Sitting.objects.filter(enrolment=OuterRef("pk")).filter(
            Q(assignments__evaluator=user) | Q(group__assignments__evaluator=user)
        )
        visible |= Exists(assigned)
    if RoleGrant.Role.JURY_MEMBER in roles:
        conflicted = ConflictOfInterest.objects.filter(person=user, candidate=OuterRef("candidate"))
        visible |= ~Exists(conflicted)
    return queryset.filter(visible)


def assignments_of(user) -> QuerySet[Assignment]:
    """The evaluator's own assignments, with what their list shows."""
    return (
        Assignment.objects.filter(evaluator=user)
        .select_related(
            "scheduled__session",
            "scheduled__assessment",
            "sitting__enrolment__candidate",
            "group",
            "evaluator",
        )
        .prefetch_related("group__sittings__enrolment__candidate")
        .order_by("status", "scheduled__starts_at", "id")
    )


def adapted_conditions_for(user, enrolment: Enrolment) -> list[tuple[Assessment, list[AdaptedConditions]]]:
    """The adapted conditions ``user`` may see for ``enrolment`` (DESIGN rule 5): the candidate sees
    all of their own; an evaluator those of the assessments they mark (alone or through a group);
    anyone else none. Medical details are never part of them."""
    sittings = enrolment.sittings.select_related("scheduled__assessment")
    if not is_own_enrolment(user, enrolment):
        sittings = sittings.filter(Q(assignments__evaluator=user) | Q(group__assignments__evaluator=user))
    assessments = sorted(
        {s.scheduled.assessment_id: s.scheduled.assessment for s in sittings}.values(),
        key=lambda a: a.position,
    )
    found = [
        (assessment, adapted_conditions(enrolment=enrolment, assessment=assessment))
        for assessment in assessments
    ]
    return [(assessment, items) for assessment, items in found if items]


def sees_published_results_only(user, enrolment: Enrolment) -> bool:
    """A candidate reading their own record sees the results of published sessions only; the staff
    who run the certification see results as they are marked."""
    return bool(is_own_enrolment(user, enrolment) and not user.is_staff)
