"""Which credentials a user sees, for lists (the same answer as ``rules.py`` for each object)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

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
