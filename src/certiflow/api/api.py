"""The certiflow REST API: ``/api/``, its OpenAPI document at ``/api/openapi.json``, docs at ``/api/docs``.

Every endpoint but ``POST /verify`` (public, as verifying a credential is) needs a signed-in user: the
browser's Django session (with the CSRF token on changes) or HTTP Basic credentials for scripts
(:mod:`.security`). The pages' ``LoginRequiredMiddleware`` would
redirect an anonymous call to the login page; the API answers it 401 JSON instead, so its views are
marked ``login_not_required`` and ninja's authentication does the check.

Domain refusals become JSON answers here, in one place: ``Refused`` 400, ``NotAllowed`` 403,
``Conflict`` 409 with ``current``, with ``detail``, ``hint`` and ``field``; ``Http404`` 404. The
permission model is in the package's docstring (:mod:`certiflow.api`).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from certiflow.api import audit, credentials, enrolments, grading, jury, sessions
from certiflow.api.security import AUTHENTICATION
from certiflow.common.domain.errors import Conflict, Refused


class CertiflowAPI(NinjaAPI):
    @property
    def urls(self):
        """ninja's URL patterns, exempted from ``LoginRequiredMiddleware`` (the API authenticates
        every operation itself and answers 401; the OpenAPI document and docs are public)."""
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            login_not_required(pattern.callback)
        return patterns, app_name, namespace


api = CertiflowAPI(
    title="certiflow",
    version="1",
    description=(
        "Enrolments, sessions, grading, jury proposals, decisions and minutes, credentials (certificates "
        "and bloc attestations: issuing, revoking, PDFs) and the audit log of certiflow. Authenticate "
        "with the Django session (send the CSRF token in X-CSRFToken on changes) or HTTP Basic; only "
        "`POST /api/verify` is public (its body is the credential itself). A hidden object answers "
        "404; a refused change 400, 403 or 409 with `detail`, `hint` and `field`."
    ),
    urls_namespace="api",
    auth=AUTHENTICATION,
)
api.add_router("", enrolments.router)
api.add_router("", sessions.router)
api.add_router("", grading.router)
api.add_router("", jury.router)
api.add_router("", credentials.router)
api.add_router("", audit.router)


def _error(request: HttpRequest, status: int, detail: str, **extra) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "hint": "", "field": None, **extra}, status=status)


#: The domain names the object at fault; a request body names it by id.
BODY_FIELDS = {
    "assessments": "assessment_ids",
    "collective_criteria": "collective_criterion_ids",
    "criterion": "criterion_id",
    "enrolments": "enrolment_ids",
    "sittings": "sitting_ids",
}


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    """``Refused`` and its kinds: 400, ``NotAllowed`` 403, ``Conflict`` 409 with what is stored now."""
    extra = {"current": exc.current} if isinstance(exc, Conflict) else {}
    field = BODY_FIELDS.get(exc.field, exc.field) if exc.field else None
    return _error(request, exc.status, exc.message, hint=exc.hint, field=field, **extra)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found, or not yours to see."))


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, _("Sign in first: a session, or HTTP Basic credentials."))
    response["WWW-Authenticate"] = 'Basic realm="certiflow", charset="UTF-8"'
    return response
