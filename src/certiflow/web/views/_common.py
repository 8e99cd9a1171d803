"""What every page module needs: loading an object the user may see, and showing a refusal."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from certiflow.assessment.domain.selectors import visible_enrolments
from certiflow.candidates.models import Enrolment
from certiflow.common.domain.errors import Refused


def enrolment_or_404(request: HttpRequest, pk: int) -> Enrolment:
    """The enrolment if the user may see it; 404 otherwise, so its existence is not disclosed."""
    enrolment = visible_enrolments(request.user).filter(pk=pk).first()
    if enrolment is None:
        raise Http404
    return enrolment


def require(request: HttpRequest, permission: str, obj=None) -> None:
    if not request.user.has_perm(permission, obj):
        raise PermissionDenied


def add_refusal(form, refusal: Refused) -> None:
    """Show a domain refusal on the form field it names, or on the form as a whole."""
    message = f"{refusal.message} {refusal.hint}".strip()
    field = refusal.field if refusal.field in getattr(form, "fields", {}) else None
    form.add_error(field, message)
