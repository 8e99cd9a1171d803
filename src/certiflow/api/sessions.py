"""Sessions: creating them, scheduling assessments, seating enrolments and forming groups (assigning
evaluators is in :mod:`.grading`, beside the assignments).

Seeing a session is ``assessment.view_session``, changing one ``assessment.manage_sessions`` (both the
administrators' today). A change whose target is named in the body is first checked without an
object (may the user manage sessions at all? else 403), so ids in a refused body tell nothing.
"""

from django.db.models import Prefetch, QuerySet
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from certiflow.api.access import get_all_referenced, get_referenced, get_visible, require
from certiflow.api.schemas import (
    ERRORS,
    GroupIn,
    GroupOut,
    ScheduledIn,
    ScheduledOut,
    SeatIn,
    SeatOut,
    SessionDetailOut,
    SessionIn,
    SessionOut,
)
from certiflow.assessment.domain.sessions import (
    create_session,
    form_group,
    schedule_assessment,
    seat_enrolments,
)
from certiflow.assessment.models import Assignment, Group, ScheduledAssessment, Session, Sitting
from certiflow.candidates.models import Enrolment
from certiflow.frameworks.models import Assessment, Criterion, Framework

router = Router(tags=["sessions"])

VIEW, MANAGE = "assessment.view_session", "assessment.manage_sessions"


def _sessions() -> QuerySet[Session]:
    return Session.objects.select_related("framework__certification")


def _scheduled() -> QuerySet[ScheduledAssessment]:
    return ScheduledAssessment.objects.select_related("session", "assessment").prefetch_related(
        "collective_criteria",
        Prefetch("sittings", queryset=Sitting.objects.select_related("enrolment__candidate").order_by("id")),
        Prefetch("groups", queryset=Group.objects.prefetch_related("sittings")),
        Prefetch("assignments", queryset=Assignment.objects.select_related("evaluator")),
    )


def _session_detail(pk: int) -> Session:
    return _sessions().prefetch_related(Prefetch("scheduled", queryset=_scheduled())).get(pk=pk)


@router.get("/sessions", response={200: list[SessionOut], **ERRORS})
@paginate(LimitOffsetPagination, max_limit=500)
def list_sessions(request):
    """Every assessment session, the latest first (administrators)."""
    require(request.auth, VIEW)
    return _sessions()


@router.get("/sessions/{session_id}", response={200: SessionDetailOut, **ERRORS})
def get_session(request, session_id: int):
    """A session with its scheduled assessments, sittings, groups and assignments (administrators)."""
    session = get_visible(request.auth, _sessions(), session_id, perm=VIEW)
    return _session_detail(session.pk)


@router.post("/sessions", response={201: SessionDetailOut, **ERRORS})
def post_session(request, payload: SessionIn):
    """Create a session of one référentiel version."""
    require(request.auth, MANAGE)
    session = create_session(
        actor=request.auth,
        framework=get_referenced(Framework.objects.all(), payload.framework_id, field="framework_id"),
        title=payload.title,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, _session_detail(session.pk))


@router.post("/sessions/{session_id}/scheduled", response={201: ScheduledOut, **ERRORS})
def post_scheduled(request, session_id: int, payload: ScheduledIn):
    """Schedule an assessment of the session's référentiel: when, where, double marked or not."""
    session = get_visible(request.auth, _sessions(), session_id, perm=VIEW)
    require(request.auth, MANAGE, session)
    scheduled = schedule_assessment(
        actor=request.auth,
        session=session,
        assessment=get_referenced(Assessment.objects.all(), payload.assessment_id, field="assessment_id"),
        starts_at=payload.starts_at,
        place=payload.place,
        online=payload.online,
        duration_minutes=payload.duration_minutes,
        double_marking=payload.double_marking,
        collective_criteria=get_all_referenced(
            Criterion.objects.all(), payload.collective_criterion_ids, field="collective_criterion_ids"
        ),
    )
    return Status(201, _scheduled().get(pk=scheduled.pk))


def _visible_scheduled(user, scheduled_id: int) -> ScheduledAssessment:
    scheduled = get_visible(
        user,
        ScheduledAssessment.objects.select_related("session", "assessment"),
        scheduled_id,
        perm=VIEW,
        through=lambda s: s.session,
    )
    require(user, MANAGE, scheduled.session)
    return scheduled


@router.post("/scheduled/{scheduled_id}/sittings", response={200: SeatOut, **ERRORS})
def post_sittings(request, scheduled_id: int, payload: SeatIn):
    """Seat enrolments for a scheduled assessment; an enrolled candidate becomes « being assessed »."""
    scheduled = _visible_scheduled(request.auth, scheduled_id)
    enrolments = get_all_referenced(
        Enrolment.objects.select_related("candidate"), payload.enrolment_ids, field="enrolment_ids"
    )
    return {"seated": seat_enrolments(actor=request.auth, scheduled=scheduled, enrolments=enrolments)}


@router.post("/scheduled/{scheduled_id}/groups", response={201: GroupOut, **ERRORS})
def post_group(request, scheduled_id: int, payload: GroupIn):
    """Form a group of seated candidates for the collective criteria."""
    scheduled = _visible_scheduled(request.auth, scheduled_id)
    sittings = get_all_referenced(
        Sitting.objects.select_related("enrolment__candidate"), payload.sitting_ids, field="sitting_ids"
    )
    group = form_group(actor=request.auth, scheduled=scheduled, name=payload.name, sittings=sittings)
    return Status(201, Group.objects.prefetch_related("sittings").get(pk=group.pk))
