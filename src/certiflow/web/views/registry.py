"""Pages of the registry. Views read through selectors and change state through the domain; the
rules (who may import, what an import does) live in ``certiflow.frameworks``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django.views.i18n import set_language

from certiflow.frameworks.domain.imports import confirm_import, discard_import, stage_import
from certiflow.frameworks.domain.selectors import certifications_for_list, framework_tree
from certiflow.frameworks.importers import ImportRefused, layout_label
from certiflow.frameworks.importers.canonical import document_counts
from certiflow.frameworks.models import Certification, PendingImport

from ..charts import rate_chart
from ..forms import ConfirmForm, UploadForm

switch_language = login_not_required(set_language)


def certification_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()
    context = {"certifications": certifications_for_list(search=search), "search": search}
    template = "web/_certification_rows.html" if request.htmx else "web/certification_list.html"
    return render(request, template, context)


def certification_detail(request: HttpRequest, code: str) -> HttpResponse:
    certification = get_object_or_404(
        Certification.objects.prefetch_related("certifiers", "access_routes", "statistics", "frameworks"),
        code=code,
    )
    frameworks = list(certification.frameworks.all())
    if not frameworks:
        raise Http404
    version = request.GET.get("version")
    framework = next((f for f in frameworks if f.version == version), frameworks[-1])
    statistics = sorted(certification.statistics.all(), key=lambda row: row.year)
    return render(
        request,
        "web/certification_detail.html",
        {
            "certification": certification,
            "frameworks": frameworks,
            "framework": framework,
            "tree": framework_tree(framework),
            "statistics": statistics,
            "chart": rate_chart(statistics),
            "nomenclatures": [
                (_("NSF"), [(c, certification.label("nsf", c)) for c in certification.nsf]),
                (
                    _("Formacode"),
                    [(c, certification.label("formacodes", c)) for c in certification.formacodes],
                ),
                (_("ROME"), [(c, certification.label("rome", c)) for c in certification.rome]),
            ],
            "replaced": [(c, certification.label("replaces", c)) for c in certification.replaces],
        },
    )


@permission_required("frameworks.import_framework", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    refusal = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        try:
            pending = stage_import(raw=upload.read(), name=upload.name, actor=request.user)
        except ImportRefused as exc:
            refusal = exc
        else:
            if len(pending) > 1:
                messages.info(
                    request, _("The file holds %(n)s certifications; confirm each one.") % {"n": len(pending)}
                )
            return redirect("web:import-preview", pk=pending[0].pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/import_upload.html", {"form": form, "refusal": refusal}, status=status)


@permission_required("frameworks.import_framework", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, pk) -> HttpResponse:
    pending = get_object_or_404(PendingImport, pk=pk)
    if not request.user.has_perm("frameworks.confirm_import", pending):
        raise PermissionDenied
    form = ConfirmForm(
        request.POST or None,
        initial={
            "code": pending.document.get("code") or "",
            "version": pending.document.get("version") or "",
            "title": pending.document.get("title") or "",
        },
    )
    refusal = None
    if request.method == "POST" and form.is_valid():
        try:
            outcome = confirm_import(pending=pending, actor=request.user, **form.cleaned_data)
        except ImportRefused as exc:
            refusal = exc
        else:
            framework = outcome.framework
            if outcome.created:
                messages.success(
                    request,
                    _("Imported as %(code)s version %(version)s.")
                    % {"code": framework.certification.code, "version": framework.version},
                )
            else:
                messages.info(
                    request,
                    _("This document was already imported (%(code)s version %(version)s); nothing changed.")
                    % {"code": framework.certification.code, "version": framework.version},
                )
            url = reverse("web:certification-detail", args=[framework.certification.code])
            return redirect(f"{url}?version={framework.version}")
    return render(
        request,
        "web/import_preview.html",
        {
            "pending": pending,
            "form": form,
            "refusal": refusal,
            "counts": document_counts(pending.document),
            "document": pending.document,
            "layout": layout_label(pending.layout),
        },
        status=400 if refusal or form.errors else 200,
    )


@permission_required("frameworks.import_framework", raise_exception=True)
@require_POST
def import_discard(request: HttpRequest, pk) -> HttpResponse:
    pending = get_object_or_404(PendingImport, pk=pk)
    if not request.user.has_perm("frameworks.confirm_import", pending):
        raise PermissionDenied
    discard_import(pending=pending, actor=request.user)
    messages.info(request, _("Import cancelled; nothing was written."))
    return redirect("web:import-upload")
