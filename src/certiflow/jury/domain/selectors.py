"""What the jury's signed work means for one candidate: their decisions and the blocs they hold."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from certiflow.candidates.models import Candidate, Enrolment
from certiflow.jury.models import Decision, Deliberation, JuryMember, ValidatedBlock


def visible_deliberations(user) -> QuerySet[Deliberation]:
    """The deliberations ``jury.view_deliberation`` lets ``user`` see: every one for an administrator
    (they prepare them), else those whose jury they sit on. Pages and the API list these."""
    deliberations = Deliberation.objects.all()
    if user.has_perm("jury.manage_deliberation", None):
        return deliberations
    return deliberations.filter(Exists(JuryMember.objects.filter(deliberation=OuterRef("pk"), user=user)))


def signed_decisions(enrolment: Enrolment) -> QuerySet[Decision]:
    """The enrolment's decisions from signed deliberations, latest first; a decision a rectification
    superseded is left out (the rectifying one stands in its place)."""
    return (
        Decision.objects.filter(enrolment=enrolment, deliberation__status=Deliberation.Status.CLOSED)
        .exclude(superseded_by__deliberation__status=Deliberation.Status.CLOSED)
        .select_related("deliberation")
        .prefetch_related("blocks__block")
        .order_by("-deliberation__meets_on", "-pk")
    )


def live_validated_blocks(candidate: Candidate) -> QuerySet[ValidatedBlock]:
    """Every bloc the candidate holds (not revoked), with its validity, oldest first."""
    return (
        ValidatedBlock.objects.filter(candidate=candidate, revoked_by__isnull=True)
        .select_related("block__framework__certification")
        .order_by("obtained_on", "block__position")
    )
