"""Administrators' pages for sessions: create, schedule assessments, seat candidates, form groups and
assign evaluators (every action through ``certiflow.assessment.domain.sessions``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.db.models import Count, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certiflow.assessment.domain.sessions import (
    assign_evaluator,
    create_session,
    form_group,
    publish_results,
    schedule_assessment,
)
from certiflow.assessment.models import Assignment, Group, ScheduledAssessment, Session, Sitting
from certiflow.candidates.models import Enrolment, RoleGrant
from certiflow.common.domain.errors import Refused
from certiflow.jury.domain.capitalisation import seat_missing_blocks

from ..forms import AssignForm, GroupForm, ScheduleForm, SeatForm, SessionForm
from ._common import add_refusal


@permission_required("assessment.view_session", raise_exception=True)
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = Session.objects.select_related("framework__certification").annotate(
        scheduled_count=Count("scheduled", distinct=True),
        sitting_count=Count("scheduled__sittings", distinct=True),
    )
    return render(request, "web/session_list.html", {"sessions": sessions})


@permission_required("assessment.manage_sessions", raise_exception=True)
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = create_session(actor=request.user, **form.cleaned_data)
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Session created. Now schedule its assessments."))
            return redirect("web:session-detail", pk=session.pk)
    return render(request, "web/session_form.html", {"form": form}, status=400 if form.errors else 200)


def _evaluators():
    return (
        get_user_model()
        .objects.filter(role_grants__role=RoleGrant.Role.EVALUATOR, is_active=True)
        .distinct()
        .order_by("username")
    )


def _session_context(session: Session, forms: dict | None = None) -> dict:
    assignments = Prefetch(
        "assignments", queryset=Assignment.objects.select_related("evaluator").order_by("rank")
    )
    scheduled = list(
        session.scheduled.select_related("assessment__block")
        .prefetch_related(
            "collective_criteria",
            Prefetch(
                "sittings",
                queryset=Sitting.objects.select_related("enrolment__candidate", "group")
                .prefetch_related(assignments)
                .order_by("enrolment__candidate__last_name"),
            ),
            Prefetch(
                "groups",
                queryset=Group.objects.prefetch_related(assignments, "sittings__enrolment__candidate"),
            ),
        )
        .order_by("starts_at")
    )
    for item in scheduled:
        for target in [*item.sittings.all(), *item.groups.all()]:
            assignments = target.assignments.all()
            target.needs_marker = len(assignments) < item.markers_required
            target.comparable = (
                item.double_marking and len(assignments) == 2 and all(a.is_locked for a in assignments)
            )
    seated = {s.enrolment_id for item in scheduled for s in item.sittings.all()}
    enrolments = list(
        Enrolment.objects.filter(framework=session.framework)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .select_related("candidate")
        .order_by("candidate__last_name", "candidate__first_name")
    )
    forms = forms or {}
    return {
        "session": session,
        "scheduled": scheduled,
        "schedule_form": forms.get("schedule") or ScheduleForm(framework=session.framework),
        "seat_forms": {
            item.pk: forms.get(("seat", item.pk))
            or SeatForm(
                enrolments=[
                    e for e in enrolments if e.pk not in {s.enrolment_id for s in item.sittings.all()}
                ],
                prefix=f"seat-{item.pk}",
            )
            for item in scheduled
        },
        "group_forms": {
            item.pk: forms.get(("group", item.pk))
            or GroupForm(
                sittings=[s for s in item.sittings.all() if s.group_id is None], prefix=f"group-{item.pk}"
            )
            for item in scheduled
            if item.collective_criteria.all()
        },
        "evaluators": list(_evaluators()),
        "unseated": [e for e in enrolments if e.pk not in seated],
    }


@permission_required("assessment.view_session", raise_exception=True)
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("framework__certification"), pk=pk)
    return render(request, "web/session_detail.html", _session_context(session))


@permission_required("assessment.manage_sessions", raise_exception=True)
@require_POST
def session_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session, pk=pk)
    form = ScheduleForm(request.POST, framework=session.framework)
    if form.is_valid():
        data = form.cleaned_data
        assessment = session.framework.assessments.get(pk=data["assessment"])
        try:
            schedule_assessment(
                actor=request.user,
                session=session,
                assessment=assessment,
                starts_at=data["starts_at"],
                place=data["place"],
                online=data["online"],
                duration_minutes=data["duration_minutes"],
                double_marking=data["double_marking"],
                collective_criteria=assessment.criteria.filter(pk__in=data["collective_criteria"]),
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("%(code)s scheduled.") % {"code": assessment.code})
            return redirect("web:session-detail", pk=session.pk)
    return render(
        request, "web/session_detail.html", _session_context(session, {"schedule": form}), status=400
    )


def _scheduled_or_404(session_pk: int, pk: int) -> ScheduledAssessment:
    return get_object_or_404(
        ScheduledAssessment.objects.select_related("session__framework", "assessment"),
        pk=pk,
        session_id=session_pk,
    )


@permission_required("assessment.manage_sessions", raise_exception=True)
@require_POST
def session_seat(request: HttpRequest, pk: int, scheduled_pk: int) -> HttpResponse:
    scheduled = _scheduled_or_404(pk, scheduled_pk)
    candidates = Enrolment.objects.filter(framework=scheduled.session.framework).select_related("candidate")
    form = SeatForm(request.POST, enrolments=candidates, prefix=f"seat-{scheduled.pk}")
    if form.is_valid():
        try:
            # A bloc the candidate already holds (capitalised, carried over, equivalence) is not
            # evaluated again (seed 003): only the missing blocs are.
            seating = seat_missing_blocks(
                actor=request.user,
                scheduled=scheduled,
                enrolments=candidates.filter(pk__in=form.cleaned_data["enrolments"]),
                on=timezone.localdate(scheduled.starts_at),
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("%(n)s candidates seated.") % {"n": seating.seated})
            if seating.skipped:
                messages.info(
                    request,
                    _("Not seated, because they already hold the bloc %(code)s: %(names)s.")
                    % {
                        "code": scheduled.assessment.block.code,
                        "names": ", ".join(str(e.candidate) for e in seating.skipped),
                    },
                )
            return redirect("web:session-detail", pk=pk)
    return render(
        request,
        "web/session_detail.html",
        _session_context(scheduled.session, {("seat", scheduled.pk): form}),
        status=400,
    )


@permission_required("assessment.manage_sessions", raise_exception=True)
@require_POST
def session_group(request: HttpRequest, pk: int, scheduled_pk: int) -> HttpResponse:
    scheduled = _scheduled_or_404(pk, scheduled_pk)
    sittings = scheduled.sittings.select_related("enrolment__candidate")
    form = GroupForm(request.POST, sittings=sittings, prefix=f"group-{scheduled.pk}")
    if form.is_valid():
        try:
            form_group(
                actor=request.user,
                scheduled=scheduled,
                name=form.cleaned_data["name"],
                sittings=sittings.filter(pk__in=form.cleaned_data["sittings"]),
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Group formed."))
            return redirect("web:session-detail", pk=pk)
    return render(
        request,
        "web/session_detail.html",
        _session_context(scheduled.session, {("group", scheduled.pk): form}),
        status=400,
    )


@permission_required("assessment.manage_sessions", raise_exception=True)
@require_POST
def session_assign(request: HttpRequest, pk: int, kind: str, target_pk: int) -> HttpResponse:
    model = {"sitting": Sitting, "group": Group}.get(kind)
    if model is None:
        raise Http404
    target = get_object_or_404(
        model.objects.select_related("scheduled"), pk=target_pk, scheduled__session_id=pk
    )
    form = AssignForm(request.POST, evaluators=_evaluators())
    if form.is_valid():
        try:
            assign_evaluator(
                actor=request.user,
                evaluator=form.cleaned_data["evaluator"],
                rank=form.cleaned_data["rank"],
                **{kind: target},
            )
        except Refused as refusal:
            messages.error(request, f"{refusal.message} {refusal.hint}".strip())
        else:
            messages.success(request, _("Evaluator assigned."))
    else:
        messages.error(request, _("Choose an evaluator."))
    return redirect("web:session-detail", pk=pk)


@permission_required("assessment.manage_sessions", raise_exception=True)
@require_POST
def session_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Publish the session's results to its candidates' portal."""
    session = get_object_or_404(Session, pk=pk)
    try:
        publish_results(actor=request.user, session=session)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Results published: candidates now see them in their portal."))
    return redirect("web:session-detail", pk=pk)
