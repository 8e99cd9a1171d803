"""What the deliberation page shows of its credentials (the page belongs to the jury; this section is
the credentials app's): the last issuance batch and how many credentials were issued."""

from __future__ import annotations

from django import template
from django.db.models import Count, Q

from certiflow.credentials.models import IssuedCredential

register = template.Library()
Kind = IssuedCredential.Kind


@register.simple_tag
def issuance_summary(deliberation) -> dict:
    """The deliberation's last batch and its credentials counted by kind (two queries)."""
    counts = IssuedCredential.objects.filter(decision__deliberation=deliberation).aggregate(
        total=Count("pk"),
        certificates=Count("pk", filter=Q(kind=Kind.CERTIFICATE)),
        attestations=Count("pk", filter=Q(kind=Kind.BLOCK_ATTESTATION)),
        revoked=Count("pk", filter=Q(revoked_at__isnull=False)),
    )
    return {"batch": deliberation.issuance_batches.first(), **counts}
