"""Who may do what with people, enrolments and accommodations (object permissions, django-rules).

Roles (issue 3): administrators are the certifier's staff users; provider managers, evaluators,
disability referents and jury members hold a :class:`RoleGrant`; a candidate is a user linked to a
:class:`Candidate`. Who may *see* an enrolment also depends on evaluators' assignments, which this app
does not know: that permission is composed in ``assessment.rules``.
"""

from __future__ import annotations

import rules

from certiflow.candidates.models import Provider, RoleGrant
from certiflow.frameworks.rules import is_administrator


def _holds(user, role: str) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    cache = getattr(user, "_certiflow_roles", None)
    if cache is None:
        cache = set(RoleGrant.objects.filter(user=user).values_list("role", "provider_id"))
        user._certiflow_roles = cache
    return any(held == role for held, _provider in cache)


def managed_provider_ids(user) -> set[int]:
    """The providers a user manages (empty for every other role)."""
    _holds(user, RoleGrant.Role.PROVIDER_MANAGER)
    roles = getattr(user, "_certiflow_roles", set())
    return {provider for held, provider in roles if held == RoleGrant.Role.PROVIDER_MANAGER}


@rules.predicate
def is_provider_manager(user) -> bool:
    return _holds(user, RoleGrant.Role.PROVIDER_MANAGER)


@rules.predicate
def is_evaluator(user) -> bool:
    return _holds(user, RoleGrant.Role.EVALUATOR)


@rules.predicate
def is_disability_referent(user) -> bool:
    return _holds(user, RoleGrant.Role.DISABILITY_REFERENT)


@rules.predicate
def is_jury_member(user) -> bool:
    return _holds(user, RoleGrant.Role.JURY_MEMBER)


@rules.predicate
def manages_provider(user, obj) -> bool:
    """``obj`` is a provider, or anything with a ``provider_id`` (an enrolment, a cohort)."""
    provider_id = obj.pk if isinstance(obj, Provider) else getattr(obj, "provider_id", None)
    return provider_id is not None and provider_id in managed_provider_ids(user)


@rules.predicate
def is_own_enrolment(user, enrolment) -> bool:
    if enrolment is None or not (user.is_authenticated and user.is_active):
        return False
    owner = enrolment.candidate.user_id
    return owner is not None and owner == user.pk


rules.add_perm("candidates.manage_providers", is_administrator)
# A provider manager imports their own provider's candidates; administrators import for any provider.
rules.add_perm("candidates.import_roster", is_administrator | is_provider_manager)
rules.add_perm("candidates.manage_enrolment", is_administrator | manages_provider)
rules.add_perm("candidates.record_prerequisite", is_administrator | manages_provider)
rules.add_perm("candidates.verify_prerequisite", is_administrator)
rules.add_perm("candidates.declare_conflict", is_administrator | is_provider_manager)
# DESIGN rule 5 (seed 003): medical details are seen by the referent alone — not even administrators.
rules.add_perm("candidates.view_medical_details", is_disability_referent)
rules.add_perm("candidates.record_accommodation", is_disability_referent)
# That a candidate has an accommodation (not what it is) shows in lists for the referent and administrators.
rules.add_perm("candidates.view_accommodation_flag", is_administrator | is_disability_referent)
rules.add_perm("candidates.propose_exemption", is_disability_referent)
# DESIGN rule 5: the jury sees the referent's opinion (never the medical details).
rules.add_perm(
    "candidates.view_exemption_opinions", is_administrator | is_disability_referent | is_jury_member
)
