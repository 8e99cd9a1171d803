"""Which credentials a user sees, for lists (the same answer as ``rules.py`` for each object)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from certiflow.candidates.rules import managed_provider_ids
from certiflow.credentials.models import IssuedCredential
from certiflow.frameworks.rules import is_administrator


def visible_credentials(user) -> QuerySet[IssuedCredential]:
    credentials = IssuedCredential.objects.select_related(
        "candidate", "block_decision__block", "decision__deliberation"
    ).defer("pdf", "document")
    if not (user and user.is_authenticated and user.is_active):
        return credentials.none()
    if is_administrator(user):
        return credentials
    return credentials.filter(
        Q(candidate__user=user) | Q(decision__enrolment__provider_id__in=managed_provider_ids(user))
    )


def issuance_summary(deliberation) -> dict:
    """A deliberation's last issuance batch and its credentials counted by kind (two queries)."""
    Kind = IssuedCredential.Kind
    counts = IssuedCredential.objects.filter(decision__deliberation=deliberation).aggregate(
        total=Count("pk"),
        certificates=Count("pk", filter=Q(kind=Kind.CERTIFICATE)),
        attestations=Count("pk", filter=Q(kind=Kind.BLOCK_ATTESTATION)),
        revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
    )
    return {"batch": deliberation.issuance_batches.first(), **counts}
