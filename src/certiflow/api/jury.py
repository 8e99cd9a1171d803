"""Juries: the engine's proposals for a session, deliberations, their decisions and signed minutes.

Seeing a deliberation is ``jury.view_deliberation`` (administrators, the members of its jury), and
the list of deliberations ``jury.view_deliberation_list`` (those who may sit on a jury); a session's
proposals are seen by those who see one of its deliberations (administrators see every
session's). Recording a decision is ``jury.decide``, and the domain refuses it to a member who
declared a conflict of interest with the candidate (403), a decision that differs from the proposal
without a reason (400) and one taken on a stale revision (409 with what is stored now). The minutes
are a download once the deliberation is signed, with their SHA-256 in ``X-Content-SHA256`` and the
``ETag``.
"""

import datetime
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.functions import Length
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from certiflow.api.access import get_visible, require
from certiflow.api.schemas import (
    ERRORS,
    ConflictOut,
    DecisionIn,
    DecisionOut,
    DeliberationDetailOut,
    DeliberationFilters,
    DeliberationOut,
    ProposalOut,
    ProposalPageOut,
)
from certiflow.assessment.models import Session
from certiflow.candidates.models import Enrolment
from certiflow.common.domain.errors import Conflict, Refused
from certiflow.frameworks.models import Block
from certiflow.jury.domain.deliberations import record_decision
from certiflow.jury.domain.engine import presented_enrolments, proposals
from certiflow.jury.domain.selectors import visible_deliberations
from certiflow.jury.models import BlockDecision, Decision, Deliberation, JuryMember, Minutes

router = Router(tags=["jury"])

VIEW, DECIDE, MANAGE = "jury.view_deliberation", "jury.decide", "jury.manage_deliberation"
VIEW_LIST = "jury.view_deliberation_list"
MAX_PAGE = 500

PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The signed minutes (procès-verbal), as PDF.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _deliberations() -> QuerySet[Deliberation]:
    return Deliberation.objects.select_related("session").prefetch_related("members")


def _decisions() -> QuerySet[Decision]:
    return Decision.objects.select_related(
        "enrolment__candidate", "enrolment__access_route", "enrolment__provider", "decided_by"
    ).prefetch_related(
        Prefetch("blocks", queryset=BlockDecision.objects.select_related("block").order_by("block__position"))
    )


def _detail(deliberation: Deliberation) -> Deliberation:
    """``deliberation`` with its members, counts and minutes' fingerprint, as DeliberationDetailOut
    reads them."""
    decisions = Decision.objects.filter(deliberation=deliberation)
    proposed = dict(decisions.values_list("proposed_result").annotate(n=Count("pk")).order_by())
    results = Counter(dict(decisions.values_list("result").annotate(n=Count("pk")).order_by()))
    results.pop("", None)
    if deliberation.status == Deliberation.Status.PREPARING and not deliberation.rectifies_id:
        candidates = presented_enrolments(deliberation.session).count()  # decisions come at opening
    else:
        candidates = sum(proposed.values())
    members = list(
        JuryMember.objects.filter(deliberation=deliberation)
        .select_related("user", "confirmation")
        .order_by("-is_president", "id")
    )
    minutes = (
        Minutes.objects.filter(deliberation=deliberation).annotate(size=Length("pdf")).defer("pdf").first()
    )
    deliberation._api_members = members
    deliberation._api_counts = {
        "candidates": candidates,
        "decided": sum(results.values()),
        "undecided": candidates - sum(results.values()),
        "proposed": proposed,
        "results": dict(results),
        "confirmations": sum(getattr(m, "confirmation", None) is not None for m in members),
    }
    deliberation._api_minutes = (
        {"sha256": minutes.sha256, "size": minutes.size, "generated_at": minutes.generated_at}
        if minutes is not None
        else None
    )
    return deliberation


# --- proposals -----------------------------------------------------------------------------------------
def _sees_session(user, session: Session) -> bool:
    """Proposals are for administrators and the members of a deliberation of the session."""
    return (
        user.has_perm("jury.manage_deliberation", None)
        or visible_deliberations(user).filter(session=session).exists()
    )


@router.get("/sessions/{session_id}/proposals", response={200: ProposalPageOut, **ERRORS})
def list_proposals(
    request,
    session_id: int,
    on: datetime.date | None = None,
    limit: int = Query(100, ge=1, le=MAX_PAGE),
    offset: int = Query(0, ge=0),
):
    """The engine's proposal for each enrolment the session's deliberation decides on, by candidate
    name: the result, each bloc with its ground, and why it is not full certification. ``on``: the day
    capitalised blocs are counted for (default: today). A page of ``limit`` enrolments from ``offset``;
    each page costs a fixed number of queries."""
    session = Session.objects.filter(pk=session_id).first()
    if session is None or not _sees_session(request.auth, session):
        raise Http404
    on = on or timezone.localdate()
    presented = presented_enrolments(session)
    ids = list(presented.values_list("pk", flat=True)[offset : offset + limit])
    enrolments = Enrolment.objects.select_related("candidate", "access_route", "provider").in_bulk(ids)
    by_enrolment = {p.enrolment_id: p for p in proposals(ids, on=on)}
    return {
        "on": on,
        "items": [ProposalOut.build(by_enrolment[pk], enrolments[pk]) for pk in ids],
        "count": presented.count(),
    }


# --- deliberations -------------------------------------------------------------------------------------
@router.get("/deliberations", response={200: list[DeliberationOut], **ERRORS})
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_deliberations(request, filters: Query[DeliberationFilters]):
    """The deliberations you may see (administrators: all; jury members: theirs), the latest first.
    403 for those who never sit on a jury (as the pages' list)."""
    require(request.auth, VIEW_LIST)
    return filters.filter(visible_deliberations(request.auth).select_related("session"))


@router.get("/deliberations/{deliberation_id}", response={200: DeliberationDetailOut, **ERRORS})
def get_deliberation(request, deliberation_id: int):
    """A deliberation with its jury (and who confirmed), counts of proposals and decisions, and its
    minutes' fingerprint once signed."""
    return _detail(get_visible(request.auth, _deliberations(), deliberation_id, perm=VIEW))


@router.get("/deliberations/{deliberation_id}/decisions", response={200: list[DecisionOut], **ERRORS})
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_decisions(request, deliberation_id: int):
    """One decision per candidate presented, by candidate name: the proposal it was taken on, the
    jury's result and reason, its blocs, who recorded it and when."""
    deliberation = get_visible(request.auth, _deliberations(), deliberation_id, perm=VIEW)
    return _decisions().filter(deliberation=deliberation)


@contextmanager
def _in_body_terms() -> Iterator[None]:
    """The domain names blocs by id and the field ``blocks``; this body names them by code in
    ``validated_blocks``: refusals and conflicts are told in the body's terms."""
    try:
        yield
    except Conflict as conflict:
        ids = conflict.current.get("blocks", [])
        codes = dict(Block.objects.filter(pk__in=ids).values_list("pk", "code"))
        conflict.current = {**conflict.current, "validated_blocks": [codes[pk] for pk in ids if pk in codes]}
        raise
    except Refused as refusal:
        if refusal.field == "blocks":
            refusal.field = "validated_blocks"
        raise


@router.put(
    "/deliberations/{deliberation_id}/decisions/{decision_id}",
    response={200: DecisionOut, 409: ConflictOut, **ERRORS},
)
def put_decision(request, deliberation_id: int, decision_id: int, payload: DecisionIn):
    """Record the jury's decision on one candidate. A result or blocs that differ from the proposal
    need a ``reason``. ``base_revision`` is the revision you read: if someone recorded a decision
    since, nothing is saved and 409 gives the stored one in ``current``."""
    deliberation = get_visible(request.auth, _deliberations(), deliberation_id, perm=VIEW)
    require(request.auth, DECIDE, deliberation)
    decision = get_object_or_404(
        Decision.objects.select_related("enrolment__candidate"), pk=decision_id, deliberation=deliberation
    )
    decision.deliberation = deliberation
    codes = list(dict.fromkeys(payload.validated_blocks))
    blocks = dict(
        Block.objects.filter(framework_id=decision.enrolment.framework_id, code__in=codes).values_list(
            "code", "pk"
        )
    )
    if unknown := [code for code in codes if code not in blocks]:
        raise Refused(
            _("The candidate's référentiel has no bloc %(codes)s.") % {"codes": ", ".join(unknown)},
            field="validated_blocks",
        )
    with _in_body_terms():
        record_decision(
            actor=request.auth,
            decision=decision,
            result=payload.result,
            validated_block_ids=blocks.values(),
            reason=payload.reason,
            base_revision=payload.base_revision,
        )
    return _decisions().get(pk=decision.pk)


@router.get(
    "/deliberations/{deliberation_id}/minutes", response={200: None, **ERRORS}, openapi_extra=PDF_RESPONSE
)
def get_minutes(request, deliberation_id: int):
    """Download the signed minutes (PDF). Their SHA-256 is in ``X-Content-SHA256`` and the ``ETag``;
    404 until the deliberation is signed."""
    deliberation = get_visible(request.auth, _deliberations(), deliberation_id, perm=VIEW)
    minutes = Minutes.objects.filter(
        deliberation=deliberation, deliberation__status=Deliberation.Status.CLOSED
    ).first()
    if minutes is None:
        raise Http404
    response = HttpResponse(bytes(minutes.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="proces-verbal-{deliberation.pk}.pdf"'
    response["X-Content-SHA256"] = minutes.sha256
    response["ETag"] = f'"{minutes.sha256}"'
    return response
