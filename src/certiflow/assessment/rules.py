"""Who may see and do what in sessions and grading (object permissions, django-rules).

Who may see an enrolment depends on assignments, so it is decided here, where both are known:
administrators and disability referents see every enrolment; a provider manager their provider's;
an evaluator those they are assigned to (directly or through a group); a jury member any enrolment
but those of candidates they declared a conflict with; a candidate their own.
"""

from __future__ import annotations

import rules

from certiflow.assessment.models import Assignment
from certiflow.candidates.domain.people import has_conflict
from certiflow.candidates.rules import (
    is_disability_referent,
    is_evaluator,
    is_jury_member,
    is_own_enrolment,
    manages_provider,
)
from certiflow.frameworks.rules import is_administrator


@rules.predicate
def is_assigned_to_enrolment(user, enrolment) -> bool:
    return Assignment.objects.filter(evaluator=user, sitting__enrolment=enrolment).exists() or (
        Assignment.objects.filter(evaluator=user, group__sittings__enrolment=enrolment).exists()
    )


@rules.predicate
def has_conflict_with(user, enrolment) -> bool:
    return has_conflict(person_id=user.pk, candidate_id=enrolment.candidate_id)


@rules.predicate
def is_assignment_evaluator(user, assignment) -> bool:
    return assignment is not None and assignment.evaluator_id == user.pk


view_enrolment = (
    is_administrator
    | is_disability_referent
    | manages_provider
    | (is_evaluator & is_assigned_to_enrolment)
    | (is_jury_member & ~has_conflict_with)
    | is_own_enrolment
)

rules.add_perm("assessment.view_enrolment", view_enrolment)
rules.add_perm("assessment.manage_sessions", is_administrator)
rules.add_perm("assessment.view_session", is_administrator)
rules.add_perm("assessment.view_assignment", is_administrator | is_assignment_evaluator)
rules.add_perm("assessment.grade_assignment", is_evaluator & is_assignment_evaluator)
rules.add_perm("assessment.reopen_assignment", is_administrator)
rules.add_perm("assessment.view_audit", is_administrator)
