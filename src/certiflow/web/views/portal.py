"""The home page each role lands on, the candidate's portal and the audit log of an object."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from certiflow.assessment.domain.progress import progress_matrix
from certiflow.candidates.domain.accommodations import adapted_conditions
from certiflow.candidates.domain.prerequisites import check_prerequisites
from certiflow.candidates.models import Candidate, RoleGrant
from certiflow.common.models import AuditLogEntry
from certiflow.credentials.models import IssuedCredential
from certiflow.jury.domain.selectors import live_validated_blocks, signed_decisions
from certiflow.jury.models import JuryMember

AUDIT_PAGE = 200


def home(request: HttpRequest) -> HttpResponse:
    """Send each person to where their work is."""
    user = request.user
    if user.is_staff:
        return redirect("web:session-list")
    if Candidate.objects.filter(user=user).exists():
        return redirect("web:portal")
    roles = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    if roles == {RoleGrant.Role.EVALUATOR}:
        return redirect("web:assignment-list")
    if RoleGrant.Role.JURY_MEMBER in roles or JuryMember.objects.filter(user=user).exists():
        return redirect("web:deliberation-list")
    if roles:
        return redirect("web:enrolment-list")
    return redirect("web:certification-list")


def portal(request: HttpRequest) -> HttpResponse:
    """The candidate's own page: schedule, adapted conditions, published results, prerequisites, the
    jury's signed decisions with the blocs they hold (capitalised until the date shown), and the bloc
    attestations and certificates issued to them, to download."""
    candidate = Candidate.objects.filter(user=request.user).first()
    if candidate is None:
        raise Http404
    enrolments = list(
        candidate.enrolments.select_related("framework__certification", "access_route", "provider", "cohort")
        .prefetch_related("prerequisite_evidence")
        .order_by("-starts_on")
    )
    items = []
    for enrolment in enrolments:
        sittings = list(
            enrolment.sittings.select_related(
                "scheduled__session", "scheduled__assessment", "group"
            ).order_by("scheduled__starts_at")
        )
        items.append(
            {
                "enrolment": enrolment,
                "prerequisites": check_prerequisites(enrolment, list(enrolment.prerequisite_evidence.all())),
                "schedule": [
                    (s, adapted_conditions(enrolment=enrolment, assessment=s.scheduled.assessment))
                    for s in sittings
                ],
                "published": any(s.scheduled.session.results_published_at for s in sittings),
                "matrix": progress_matrix(enrolment, published_only=True),
                "decisions": list(signed_decisions(enrolment)),
            }
        )
    credentials = (
        IssuedCredential.objects.filter(candidate=candidate)
        .select_related("block_decision__block", "decision__deliberation__session__framework__certification")
        .defer("pdf", "document")
        .order_by("-issued_at", "-kind", "block_decision__block__position")
    )
    return render(
        request,
        "web/portal.html",
        {
            "candidate": candidate,
            "items": items,
            "validated_blocks": list(live_validated_blocks(candidate)),
            "credentials": list(credentials),
        },
    )


@permission_required("assessment.view_audit", raise_exception=True)
def audit_log(request: HttpRequest, object_type: str, object_id: str) -> HttpResponse:
    """Every change recorded on one object, newest first (DESIGN rule 10)."""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        raise Http404 from None
    obj = model._default_manager.filter(pk=object_id).first()
    entries = list(
        AuditLogEntry.objects.filter(object_type=object_type, object_id=object_id).select_related("actor")[
            :AUDIT_PAGE
        ]
    )
    if obj is None and not entries:
        raise Http404
    return render(
        request,
        "web/audit_log.html",
        {
            "object": obj,
            "object_type": object_type,
            "entries": entries,
            "truncated": len(entries) == AUDIT_PAGE,
        },
    )
