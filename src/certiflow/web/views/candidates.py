"""Candidates: the list each role may see, the candidate's page (prerequisites, accommodations,
progress matrix, schedule), and the referent's and administrators' actions on it."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certiflow.assessment.domain.progress import progress_matrix
from certiflow.assessment.domain.selectors import (
    adapted_conditions_for,
    sees_published_results_only,
    visible_enrolments,
)
from certiflow.candidates.domain.accommodations import (
    propose_exemption,
    save_accommodation,
)
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.domain.prerequisites import (
    check_prerequisites,
    record_evidence,
    verify_evidence,
)
from certiflow.candidates.models import Accommodation, Enrolment, PrerequisiteEvidence, RoleGrant
from certiflow.common.domain.errors import Conflict, Refused

from ..forms import AccommodationForm, ConflictForm, ExemptionProposalForm, PrerequisiteEvidenceForm
from ._common import add_refusal, enrolment_or_404, require

PAGE_SIZE = 50


def enrolment_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    enrolments = visible_enrolments(request.user)
    if search:
        enrolments = enrolments.filter(
            Q(candidate__last_name__icontains=search)
            | Q(candidate__first_name__icontains=search)
            | Q(candidate__email__icontains=search)
        )
    if status in Enrolment.Status.values:
        enrolments = enrolments.filter(status=status)
    shown_accommodations = request.user.has_perm("candidates.view_accommodation_flag")
    if shown_accommodations:
        enrolments = enrolments.prefetch_related("accommodations")
    rows = [
        {"enrolment": e, "prerequisites": check_prerequisites(e, list(e.prerequisite_evidence.all()))}
        for e in enrolments[:PAGE_SIZE]
    ]
    context = {
        "rows": rows,
        "search": search,
        "status": status,
        "statuses": Enrolment.Status.choices,
        "show_accommodations": shown_accommodations,
        "truncated": len(rows) == PAGE_SIZE,
    }
    template = "web/_enrolment_rows.html" if request.htmx else "web/enrolment_list.html"
    return render(request, template, context)


def _detail_context(request: HttpRequest, enrolment: Enrolment) -> dict:
    user = request.user
    prerequisites = check_prerequisites(enrolment, list(enrolment.prerequisite_evidence.all()))
    sittings = list(
        enrolment.sittings.select_related("scheduled__session", "scheduled__assessment", "group").order_by(
            "scheduled__starts_at"
        )
    )
    is_referent = user.has_perm("candidates.view_medical_details")
    can_declare_conflict = user.has_perm("candidates.declare_conflict", enrolment)
    accommodations = list(enrolment.accommodations.prefetch_related("assessments")) if is_referent else []
    adapted = [] if is_referent else adapted_conditions_for(user, enrolment)
    proposals = (
        list(enrolment.exemption_proposals.select_related("criterion", "proposed_by"))
        if user.has_perm("candidates.view_exemption_opinions")
        else []
    )
    return {
        "enrolment": enrolment,
        "candidate": enrolment.candidate,
        "prerequisites": prerequisites,
        "sittings": sittings,
        "matrix": progress_matrix(enrolment, published_only=sees_published_results_only(user, enrolment)),
        "is_referent": is_referent,
        "accommodations": accommodations,
        "adapted": adapted,
        "proposals": proposals,
        "conflicts": list(enrolment.candidate.conflicts.select_related("person"))
        if can_declare_conflict
        else [],
        "can_record_prerequisite": user.has_perm("candidates.record_prerequisite", enrolment),
        "can_verify": user.has_perm("candidates.verify_prerequisite"),
        "can_declare_conflict": can_declare_conflict,
        "evidence_form": PrerequisiteEvidenceForm(conditions=_figureless_conditions(prerequisites)),
    }


def _figureless_conditions(prerequisites) -> list[str]:
    texts: list[str] = []
    for case in prerequisites.entry + prerequisites.validation:
        texts += [c.text for c in case.conditions if c.text not in texts]
    return texts


def enrolment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = enrolment_or_404(request, pk)
    return render(request, "web/enrolment_detail.html", _detail_context(request, enrolment))


@require_POST
def prerequisite_record(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = enrolment_or_404(request, pk)
    require(request, "candidates.record_prerequisite", enrolment)
    context = _detail_context(request, enrolment)
    form = PrerequisiteEvidenceForm(request.POST, conditions=_figureless_conditions(context["prerequisites"]))
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_evidence(
                actor=request.user,
                enrolment=enrolment,
                kind=data["kind"],
                value=data["value"] if data["value"] is None else Decimal(data["value"]),
                condition=data["condition"] or "",
                description=data["description"],
                link=data["link"],
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request, _("Evidence recorded; it counts once an administrator has verified it.")
            )
            return redirect("web:enrolment-detail", pk=enrolment.pk)
    context["evidence_form"] = form
    return render(request, "web/enrolment_detail.html", context, status=400)


@require_POST
def prerequisite_verify(request: HttpRequest, pk: int, evidence_pk: int) -> HttpResponse:
    enrolment = enrolment_or_404(request, pk)
    require(request, "candidates.verify_prerequisite", enrolment)
    evidence = get_object_or_404(PrerequisiteEvidence, pk=evidence_pk, enrolment=enrolment)
    verify_evidence(actor=request.user, evidence=evidence)
    messages.success(request, _("Evidence verified."))
    return redirect("web:enrolment-detail", pk=enrolment.pk)


@require_http_methods(["GET", "POST"])
def accommodation_edit(request: HttpRequest, pk: int, accommodation_pk: int | None = None) -> HttpResponse:
    """The referent records or changes an accommodation; a concurrent change shows both versions."""
    enrolment = enrolment_or_404(request, pk)
    require(request, "candidates.record_accommodation", enrolment)
    accommodation = (
        get_object_or_404(Accommodation, pk=accommodation_pk, enrolment=enrolment)
        if accommodation_pk
        else None
    )
    assessments = list(enrolment.framework.assessments.order_by("block__position", "position"))
    initial = {}
    if accommodation:
        initial = {
            "extra_time_minutes": accommodation.extra_time_minutes,
            "assistance": accommodation.assistance,
            "adapted_materials": accommodation.adapted_materials,
            "adapted_format": accommodation.adapted_format,
            "medical_details": accommodation.medical_details,
            "assessments": [str(a.pk) for a in accommodation.assessments.all()],
            "base_revision": accommodation.revision,
        }
    form = AccommodationForm(request.POST or None, initial=initial, assessments=assessments)
    conflict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [a for a in assessments if str(a.pk) in data["assessments"]]
        try:
            save_accommodation(
                actor=request.user,
                enrolment=enrolment,
                accommodation=accommodation,
                base_revision=data["base_revision"],
                extra_time_minutes=data["extra_time_minutes"],
                assistance=data["assistance"],
                adapted_materials=data["adapted_materials"],
                adapted_format=data["adapted_format"],
                medical_details=data["medical_details"],
                assessments=chosen,
            )
        except Conflict as exc:
            conflict = exc
            accommodation.refresh_from_db()
            form.data = form.data.copy()
            form.data["base_revision"] = accommodation.revision
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Accommodation saved. Evaluators will see the adapted conditions."))
            return redirect("web:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "web/accommodation_form.html",
        {"enrolment": enrolment, "form": form, "accommodation": accommodation, "conflict": conflict},
        status=409 if conflict else 400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def exemption_propose(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = enrolment_or_404(request, pk)
    require(request, "candidates.propose_exemption", enrolment)
    criteria = list(
        enrolment.framework.criteria.select_related("assessment").order_by("assessment__position", "position")
    )
    form = ExemptionProposalForm(request.POST or None, criteria=criteria)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        criterion = next(c for c in criteria if str(c.pk) == data["criterion"])
        try:
            propose_exemption(
                actor=request.user,
                enrolment=enrolment,
                criterion=criterion,
                opinion=data["opinion"],
                keeps_overall_capability=data["keeps_overall_capability"],
                not_applicable_to_future_practice=data["not_applicable_to_future_practice"],
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Exemption proposed to the jury."))
            return redirect("web:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "web/exemption_form.html",
        {"enrolment": enrolment, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def conflict_declare(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = enrolment_or_404(request, pk)
    require(request, "candidates.declare_conflict", enrolment)
    people = (
        get_user_model()
        .objects.filter(
            role_grants__role__in=[RoleGrant.Role.EVALUATOR, RoleGrant.Role.JURY_MEMBER], is_active=True
        )
        .distinct()
        .order_by("username")
    )
    form = ConflictForm(request.POST or None, people=people)
    if request.method == "POST" and form.is_valid():
        try:
            declare_conflict(
                actor=request.user,
                person=form.cleaned_data["person"],
                candidate=enrolment.candidate,
                nature=form.cleaned_data["nature"],
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Conflict of interest declared."))
            return redirect("web:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "web/conflict_form.html",
        {"enrolment": enrolment, "form": form},
        status=400 if form.errors else 200,
    )
