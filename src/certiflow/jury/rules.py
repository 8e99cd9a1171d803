"""Who may do what in juries and deliberations (object permissions, django-rules).

Administrators (the certifier's staff) prepare deliberations, compose juries, record equivalences and
start rectifications; they may also record decisions as the jury's secretary. The members of a
deliberation's jury see it and record its decisions (except on a candidate they declared a conflict
with, checked in the domain); its president closes it; each member confirms it.
"""

from __future__ import annotations

import rules

from certiflow.candidates.domain.people import has_conflict
from certiflow.candidates.rules import is_jury_member, manages_provider
from certiflow.frameworks.rules import is_administrator
from certiflow.jury.models import JuryMember


def _seat(user, deliberation) -> JuryMember | None:
    if deliberation is None or not (user and user.is_authenticated and user.is_active):
        return None
    cache = getattr(deliberation, "_certiflow_seats", None)
    if cache is None:
        cache = {m.user_id: m for m in deliberation.members.all()}
        deliberation._certiflow_seats = cache
    return cache.get(user.pk)


@rules.predicate
def is_member(user, deliberation) -> bool:
    return _seat(user, deliberation) is not None


@rules.predicate
def is_president(user, deliberation) -> bool:
    seat = _seat(user, deliberation)
    return seat is not None and seat.is_president


rules.add_perm("jury.view_deliberation", is_administrator | is_member)
rules.add_perm("jury.manage_deliberation", is_administrator)
rules.add_perm("jury.decide", is_administrator | is_member)
rules.add_perm("jury.close_deliberation", is_president)
rules.add_perm("jury.confirm_deliberation", is_member)
# An equivalence is presented by the candidate through the certifier or their training provider.
rules.add_perm("jury.present_equivalence", is_administrator | manages_provider)


# --- additions for the web pages --------------------------------------------------------------------
@rules.predicate
def sits_on_a_jury(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return JuryMember.objects.filter(user=user).exists()


@rules.predicate
def sits_on_the_jury_of(user, decision) -> bool:
    """``decision`` is a :class:`~certiflow.jury.models.Decision`: the user sits on its deliberation."""
    return decision is not None and _seat(user, decision.deliberation) is not None


@rules.predicate
def has_conflict_with_candidate_of(user, decision) -> bool:
    """The user declared a conflict of interest with the candidate of ``decision`` (DESIGN rule 6: « a
    member who trained a candidate does not judge that candidate »), the same check the domain makes
    before any ruling or decision."""
    return decision is not None and has_conflict(
        person_id=user.pk, candidate_id=decision.enrolment.candidate_id
    )


# The list of deliberations: administrators, and whoever sits (or may sit) on a jury.
rules.add_perm("jury.view_deliberation_list", is_administrator | is_jury_member | sits_on_a_jury)
# Seeing a candidate's file in a deliberation (and ruling on it): never for someone in conflict with them.
rules.add_perm(
    "jury.judge_enrolment", (is_administrator | sits_on_the_jury_of) & ~has_conflict_with_candidate_of
)
