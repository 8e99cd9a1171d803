"""The evaluator's pages: their assignments, the grading grid (saved criterion by criterion, with htmx
or by plain form posts), evidence, submission; the administrator's reopening; double-marking
comparison and reconciliation."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certiflow.assessment.domain.grading import (
    GridCriterion,
    attach_file,
    attach_link,
    build_grid,
    criteria_for,
    in_grid,
    remove_evidence,
    reopen_assignment,
    save_mark,
    submit_assignment,
)
from certiflow.assessment.domain.results import compare_markings, may_compare, reconcile
from certiflow.assessment.domain.selectors import assignments_of
from certiflow.assessment.models import Assignment, Evidence, Group, Sitting
from certiflow.candidates.domain.prerequisites import check_prerequisites
from certiflow.common.domain.errors import Conflict, Refused
from certiflow.frameworks.models import Criterion

from ..forms import EvidenceUploadForm, MarkForm, ReasonForm, ReconcileForm
from ._common import add_refusal, require


def assignment_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/assignment_list.html", {"assignments": list(assignments_of(request.user))})


def _assignment_or_404(request: HttpRequest, pk: int) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related(
            "scheduled__session__framework__certification",
            "scheduled__assessment__block",
            "sitting__enrolment__candidate",
            "sitting__enrolment__access_route",
            "sitting__enrolment__framework__certification",
            "group",
            "evaluator",
        ),
        pk=pk,
    )
    if not request.user.has_perm("assessment.view_assignment", assignment):
        raise Http404
    return assignment


def _candidates(assignment: Assignment) -> list:
    sittings = (
        [assignment.sitting]
        if assignment.sitting_id
        else list(
            assignment.group.sittings.select_related(
                "enrolment__candidate", "enrolment__access_route", "enrolment__framework__certification"
            ).prefetch_related("enrolment__prerequisite_evidence")
        )
    )
    return [{"enrolment": s.enrolment, "prerequisites": check_prerequisites(s.enrolment)} for s in sittings]


def _grid_context(request: HttpRequest, assignment: Assignment, states: dict | None = None) -> dict:
    grid = build_grid(assignment)
    can_grade = request.user.has_perm("assessment.grade_assignment", assignment) and not assignment.is_locked
    seen: set[int] = set()
    sections = []
    for section in grid.sections:
        items = []
        for item in section.criteria:
            state = _criterion_state(item, (states or {}).get(item.criterion.pk, {}))
            items.append((item, item.criterion.pk not in seen, state))
            seen.add(item.criterion.pk)
        sections.append((section, items))
    return {
        "assignment": assignment,
        "grid": grid,
        "sections": sections,
        "evidence": list(assignment.evidence.select_related("criterion")),
        "candidates": _candidates(assignment),
        "can_grade": can_grade,
        "can_reopen": assignment.is_locked
        and request.user.has_perm("assessment.reopen_assignment", assignment),
        "evidence_form": EvidenceUploadForm(criteria=grid.criteria) if can_grade else None,
        "reopen_form": ReasonForm(),
        "compare_url": reverse(
            "web:double-marking",
            args=[
                "sitting" if assignment.sitting_id else "group",
                assignment.sitting_id or assignment.group_id,
            ],
        )
        if assignment.scheduled.double_marking
        and may_compare(user=request.user, sitting=assignment.sitting, group=assignment.group)
        else None,
    }


def _criterion_state(item, state: dict) -> dict:
    """What the criterion's form shows: the values the user just posted (when refused or in
    conflict), else the stored mark; and the revision the next save is based on."""
    mark = state.get("mark") or item.mark
    form = state.get("form")
    conflict = state.get("conflict")
    posted = form is not None and not state.get("saved")
    return {
        **state,
        "mark": mark,
        "value": form.data.get("value", "") if posted else (mark.value if mark else ""),
        "comment": form.data.get("comment", "") if posted else (mark.comment if mark else ""),
        "base_revision": conflict.current["revision"] if conflict else (mark.revision if mark else 0),
    }


def grading_grid(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_or_404(request, pk)
    return render(request, "web/grading_grid.html", _grid_context(request, assignment))


@require_POST
def criterion_save(request: HttpRequest, pk: int, criterion_pk: int) -> HttpResponse:
    """Save one criterion. With htmx the criterion's fragment comes back (saved, refused or in
    conflict); without JavaScript the page reloads at the criterion."""
    assignment = _assignment_or_404(request, pk)
    require(request, "assessment.grade_assignment", assignment)
    criterion = Criterion.objects.filter(pk=criterion_pk).first()
    if criterion is None or not in_grid(assignment, criterion):
        raise Http404
    form = MarkForm(request.POST)
    state: dict = {"form": form}
    status = 200
    if form.is_valid():
        try:
            state["mark"] = save_mark(
                actor=request.user,
                assignment=assignment,
                criterion=criterion,
                value=form.cleaned_data["value"],
                comment=form.cleaned_data["comment"],
                base_revision=form.cleaned_data["base_revision"],
            )
            state["saved"] = True
        except Conflict as conflict:
            state["conflict"] = conflict
            status = 409
        except Refused as refusal:
            add_refusal(form, refusal)
            status = 400
    else:
        status = 400
    if request.htmx:
        # Only this criterion's form is sent back; the rest of the page stays as it is.
        item = GridCriterion(
            criterion=criterion,
            mark=state.get("mark")
            or assignment.marks.select_related("updated_by").filter(criterion=criterion).first(),
            evidence=list(assignment.evidence.filter(criterion=criterion)),
        )
        context = {
            "assignment": assignment,
            "can_grade": not assignment.is_locked or bool(state.get("saved")),
        }
        return render(
            request,
            "web/_criterion.html",
            {**context, "item": item, "state": _criterion_state(item, state)},
            status=status,
        )
    if status == 200:
        messages.success(request, _("%(code)s saved.") % {"code": criterion.code})
        return redirect(f"{reverse('web:grading-grid', args=[assignment.pk])}#criterion-{criterion.pk}")
    context = _grid_context(request, assignment, states={criterion.pk: state})
    return render(request, "web/grading_grid.html", context, status=status)


@require_POST
def grid_submit(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_or_404(request, pk)
    require(request, "assessment.grade_assignment", assignment)
    try:
        submit_assignment(actor=request.user, assignment=assignment)
    except Refused as refusal:
        messages.error(request, f"{refusal.message} {refusal.hint}".strip())
    else:
        messages.success(request, _("Grid submitted. It is now locked."))
    return redirect("web:grading-grid", pk=assignment.pk)


@require_POST
def grid_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_or_404(request, pk)
    require(request, "assessment.reopen_assignment", assignment)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the grid is reopened."))
        return redirect("web:grading-grid", pk=assignment.pk)
    try:
        reopen_assignment(actor=request.user, assignment=assignment, reason=form.cleaned_data["reason"])
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Grid reopened; the evaluator can change it again."))
    return redirect("web:grading-grid", pk=assignment.pk)


@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = _assignment_or_404(request, pk)
    require(request, "assessment.grade_assignment", assignment)
    criteria = criteria_for(assignment)
    form = EvidenceUploadForm(request.POST, request.FILES, criteria=criteria)
    if form.is_valid():
        data = form.cleaned_data
        criterion = next((c for c in criteria if str(c.pk) == data["criterion"]), None)
        try:
            if data["file"]:
                attach_file(
                    actor=request.user,
                    assignment=assignment,
                    upload=data["file"],
                    criterion=criterion,
                    description=data["description"],
                )
            else:
                attach_link(
                    actor=request.user,
                    assignment=assignment,
                    url=data["url"],
                    criterion=criterion,
                    description=data["description"],
                )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Evidence attached."))
            return redirect(f"{reverse('web:grading-grid', args=[assignment.pk])}#evidence")
    context = _grid_context(request, assignment)
    context["evidence_form"] = form
    return render(request, "web/grading_grid.html", context, status=400)


def evidence_download(request: HttpRequest, pk: int, evidence_pk: int) -> FileResponse:
    """Evidence files are never public: each download checks the user may see the assignment."""
    assignment = _assignment_or_404(request, pk)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, assignment=assignment)
    if not evidence.file:
        raise Http404
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@require_POST
def evidence_remove(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    assignment = _assignment_or_404(request, pk)
    require(request, "assessment.grade_assignment", assignment)
    evidence = get_object_or_404(Evidence, pk=evidence_pk, assignment=assignment)
    try:
        remove_evidence(actor=request.user, evidence=evidence)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Evidence removed."))
    return redirect(f"{reverse('web:grading-grid', args=[assignment.pk])}#evidence")


@require_http_methods(["GET", "POST"])
def double_marking(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Both markings side by side, criterion by criterion, with reconciliation forms."""
    target = get_object_or_404(Sitting if kind == "sitting" else Group, pk=pk)
    sitting, group = (target, None) if kind == "sitting" else (None, target)
    if not may_compare(user=request.user, sitting=sitting, group=group):
        raise Http404
    error = None
    if request.method == "POST":
        form = ReconcileForm(request.POST)
        comparisons = {c.criterion.pk: c for c in compare_markings(sitting=sitting, group=group)}
        criterion = comparisons.get(int(request.POST.get("criterion", 0) or 0))
        if criterion is None:
            raise Http404
        if form.is_valid():
            try:
                reconcile(
                    actor=request.user,
                    criterion=criterion.criterion,
                    value=form.cleaned_data["value"],
                    comment=form.cleaned_data["comment"],
                    sitting=sitting,
                    group=group,
                )
            except Refused as refusal:
                error = refusal.message
            else:
                messages.success(
                    request, _("Agreed result recorded for %(code)s.") % {"code": criterion.criterion.code}
                )
                return redirect("web:double-marking", kind=kind, pk=pk)
        else:
            error = _("Choose the agreed result and say how the markers agreed.")
    comparisons = compare_markings(sitting=sitting, group=group)
    return render(
        request,
        "web/double_marking.html",
        {
            "target": target,
            "kind": kind,
            "comparisons": comparisons,
            "disagreements": sum(c.disagree and not c.reconciliation for c in comparisons),
            "error": error,
        },
        status=400 if error else 200,
    )
