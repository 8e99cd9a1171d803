"""Who may do what in juries and deliberations (object permissions, django-rules).

Administrators (the certifier's staff) prepare deliberations, compose juries, record equivalences and
start rectifications; they may also record decisions as the jury's secretary. The members of a
deliberation's jury see it and record its decisions (except on a candidate they declared a conflict
with, checked in the domain); its president closes it; each member confirms it.
"""

from __future__ import annotations

import rules

from certiflow.candidates.rules import manages_provider
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
