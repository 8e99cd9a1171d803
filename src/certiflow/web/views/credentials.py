"""What candidates receive after a signed deliberation, and how anyone checks it.

Public (no account: whoever holds a credential may check it, that is the point):
- the verifier: upload a credential (its JSON, or its PDF that carries it) or paste the JSON, and read
  each check; the page the QR code of a printed credential opens, with the credential's JSON;
- what verifiers read: the revocation lists (Bitstring Status Lists), each certifier's DID document
  (every key it ever signed with) and the achievements the credentials name.

Administrators issue the credentials of a signed deliberation (a background batch whose progress is
shown), download them all as a zip and revoke one with a reason. The list and the page of a credential,
with its PDF and JSON, follow ``credentials.view_credential`` (its candidate, the provider that prepared
them, administrators).

Every rule is the domain's (``certiflow.credentials.domain``): these views parse the input, check the
permissions (``credentials.*`` rules) and show what the domain answers.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from certiflow.common.domain.errors import Refused
from certiflow.credentials.domain import documents, export, issuance, keys, verification
from certiflow.credentials.domain.selectors import visible_credentials
from certiflow.credentials.models import IssuanceBatch, IssuedCredential, StatusList
from certiflow.frameworks.models import Block, Certifier, Framework
from certiflow.jury.models import Deliberation

from ._common import add_refusal, require

Verdict = verification.Verdict
PAGE_SIZE = 50
#: Spooled in memory up to this size, then on disk: a zip of a large jury does not sit in memory.
ZIP_IN_MEMORY = 16 * 2**20
STATUS_FILTERS = {
    "valid": gettext_lazy("not revoked"),
    "revoked": gettext_lazy("revoked"),
}


# --- forms -------------------------------------------------------------------------------------------
class VerifyForm(forms.Form):
    """A credential to check: a file (its JSON, or one of our PDFs) or its JSON pasted."""

    file = forms.FileField(
        label=gettext_lazy("Credential file (JSON or PDF)"),
        required=False,
        help_text=gettext_lazy("The JSON file of the credential, or the PDF certiflow issued with it."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".json,.jsonld,.pdf,application/json,application/pdf"}
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Or paste its JSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        if self.errors:
            return cleaned
        if upload and text:
            raise forms.ValidationError(
                _("Give either a file or the pasted JSON, not both: which one should be checked?")
            )
        if not upload and not text:
            raise forms.ValidationError(_("Choose a credential file, or paste the JSON of a credential."))
        data = upload.read(verification.MAX_BYTES + 1) if upload else text
        try:
            cleaned["document"] = verification.read_credential(data)
        except verification.UnreadableCredential as unreadable:
            self.add_error("file" if upload else "text", str(unreadable))
        return cleaned


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for the revocation"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Shown to whoever verifies the credential from now on."),
    )


# --- the verification report -------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """How the report reads as a whole: ``tone`` is the verdict of the banner, ``checks`` the checks
    that decide it (failed ones, or those that could not be made)."""

    tone: str
    headline: str
    checks: tuple[verification.Check, ...]


def _outcome(report: verification.Report) -> Outcome:
    if report.ok:
        return Outcome("passed", _("Authentic and valid: every check passed."), ())
    failed = tuple(c for c in report.checks if c.verdict == Verdict.FAILED)
    if failed:
        return Outcome(
            "failed",
            _("Not valid. Failed: %(checks)s.") % {"checks": ", ".join(c.label for c in failed)},
            failed,
        )
    unchecked = tuple(c for c in report.checks if c.verdict == Verdict.NOT_CHECKED)
    return Outcome(
        "not_checked",
        _("Not fully verified: some checks cannot be made here (%(checks)s).")
        % {"checks": ", ".join(c.label for c in unchecked)},
        unchecked,
    )


def _day(value: str) -> str:
    """An ISO date-time of the document as a date the reader reads (in the site's time zone)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "DATE_FORMAT")


def _report_context(report: verification.Report | None) -> dict:
    if report is None:
        return {"report": None}
    # The template reads the report's parts, never ``report.x``: Report.__getitem__ (tried first by the
    # template engine) raises StopIteration, not KeyError, for a name that is not a check.
    return {
        "report": True,
        "valid": report.ok,
        "checks": report.checks,
        "outcome": _outcome(report),
        "summary": report.summary,
        "valid_from": _day(report.summary.valid_from),
        "valid_until": _day(report.summary.valid_until),
    }


def _cors(response: HttpResponse) -> HttpResponse:
    """What verifiers read may be fetched from any web page (a wallet, another verifier)."""
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _json_file(text: str, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(credential: IssuedCredential, extension: str) -> str:
    return f"{export.stem(credential).replace('/', '-')}.{extension}"


# --- public: verifying -------------------------------------------------------------------------------
@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """« Vérifier une attestation ou un certificat »: the form, and once posted the report. With htmx
    the report (or the form's errors) replaces the form's area; without JavaScript the whole page."""
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    report = None
    if form.is_bound and form.is_valid():
        report = verification.verify(form.cleaned_data["document"])
    context = {"form": form, **_report_context(report)}
    template = "web/credentials/_verification.html" if request.htmx else "web/credentials/verify.html"
    return render(request, template, context, status=400 if form.errors else 200)


def _stored_or_none(credential_id) -> IssuedCredential | None:
    return (
        IssuedCredential.objects.select_related("block_decision__block", "candidate")
        .defer("pdf")
        .filter(pk=credential_id)
        .first()
    )


@login_not_required
@require_GET
def verify_stored(request: HttpRequest, credential_id) -> HttpResponse:
    """What the QR code of a printed credential opens: the stored credential of that reference,
    checked as any verifier would, with its JSON to download."""
    credential = _stored_or_none(credential_id)
    if credential is None:
        return render(request, "web/credentials/unknown.html", {"credential_id": credential_id}, status=404)
    report = verification.verify(credential.document)
    return render(
        request,
        "web/credentials/verify_stored.html",
        {"credential": credential, **_report_context(report)},
    )


@login_not_required
@require_GET
def verify_stored_json(request: HttpRequest, credential_id) -> HttpResponse:
    """The signed credential behind a QR code, byte for byte (whoever has the QR has the PDF)."""
    credential = _stored_or_none(credential_id)
    if credential is None:
        raise Http404
    return _cors(_json_file(credential.document, _filename(credential, "json")))


# --- public: what verifiers read ---------------------------------------------------------------------
@login_not_required
@require_GET
def status_list(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed revocation list, as the credentials' ``credentialStatus`` names it; never cached, so
    a revocation is seen at once."""
    document = get_object_or_404(StatusList.objects.only("document"), pk=pk).document
    response = HttpResponse(document.encode(), content_type="application/json; charset=utf-8")
    add_never_cache_headers(response)
    return _cors(response)


@login_not_required
@require_GET
def did_document(request: HttpRequest, pk: int) -> HttpResponse:
    """The certifier's ``did:web`` document: every key it ever had, active and retired."""
    certifier = get_object_or_404(Certifier, pk=pk)
    return _cors(
        JsonResponse(
            keys.did_web_document(certifier),
            content_type="application/did+json",
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
    )


@login_not_required
@require_GET
def achievement(request: HttpRequest, code: str, version: str, block_code: str | None = None) -> HttpResponse:
    """The Open Badges achievement a credential names as ``achievement.id``: exactly what it embeds."""
    framework = get_object_or_404(
        Framework.objects.select_related("certification"), certification__code=code, version=version
    )
    block = get_object_or_404(Block, framework=framework, code=block_code) if block_code else None
    achievements = documents.achievements_for(framework)
    data = achievements.blocks[block.pk] if block is not None else achievements.certification
    return _cors(JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2}))


# --- administrators: issuing from a deliberation -----------------------------------------------------
def _signed_deliberation_or_404(request: HttpRequest, pk: int) -> Deliberation:
    """A deliberation the user may see (404 otherwise, so its existence is not disclosed)."""
    deliberation = get_object_or_404(
        Deliberation.objects.select_related("session__framework__certification"), pk=pk
    )
    if not request.user.has_perm("jury.view_deliberation", deliberation):
        raise Http404
    return deliberation


@require_POST
def issuance_request(request: HttpRequest, pk: int) -> HttpResponse:
    """« Délivrer les attestations et certificats »: a batch, run in the background (inline on the
    default backend), whose progress page comes next."""
    deliberation = _signed_deliberation_or_404(request, pk)
    require(request, "credentials.issue", deliberation)
    try:
        batch = issuance.request_issuance(actor=request.user, deliberation=deliberation)
    except Refused as refusal:
        messages.error(request, f"{refusal.message} {refusal.hint}".strip())
        return redirect(f"{reverse('web:deliberation-detail', args=[pk])}#credentials")
    return redirect("web:issuance-batch", pk=pk, batch_pk=batch.pk)


def issuance_batch(request: HttpRequest, pk: int, batch_pk: int) -> HttpResponse:
    """A batch's progress; while it runs, htmx asks for the fragment every second (a refresh without
    JavaScript)."""
    deliberation = _signed_deliberation_or_404(request, pk)
    require(request, "credentials.issue", deliberation)
    batch = get_object_or_404(IssuanceBatch, pk=batch_pk, deliberation=deliberation)
    context = {
        "deliberation": deliberation,
        "batch": batch,
        "running": batch.status in (IssuanceBatch.Status.QUEUED, IssuanceBatch.Status.RUNNING),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "web/credentials/_batch_progress.html", context)
    return render(request, "web/credentials/batch.html", context)


@require_GET
def deliberation_zip(request: HttpRequest, pk: int) -> FileResponse:
    """Every credential of the deliberation, each as its JSON and its PDF, in one zip."""
    deliberation = _signed_deliberation_or_404(request, pk)
    require(request, "credentials.issue", deliberation)
    credentials = export.with_files(IssuedCredential.objects.filter(decision__deliberation=deliberation))
    if not credentials.exists():
        raise Http404
    archive = tempfile.SpooledTemporaryFile(max_size=ZIP_IN_MEMORY)  # noqa: SIM115 (FileResponse closes it)
    export.write_zip(credentials.iterator(chunk_size=50), archive)
    archive.seek(0)
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"attestations-deliberation-{deliberation.pk}.zip",
        content_type="application/zip",
    )


# --- the list and the page of a credential -----------------------------------------------------------
def credential_list(request: HttpRequest) -> HttpResponse:
    """The credentials the user may see, filtered by deliberation, status and candidate's name; plain
    GET parameters (the form works without JavaScript), with htmx only the results come back."""
    visible = visible_credentials(request.user)
    filters = {name: request.GET.get(name, "").strip() for name in ("q", "deliberation", "status")}
    credentials = visible
    if filters["q"]:
        for word in filters["q"].split()[:4]:
            credentials = credentials.filter(
                Q(candidate__last_name__icontains=word) | Q(candidate__first_name__icontains=word)
            )
    if filters["deliberation"].isdigit():
        credentials = credentials.filter(decision__deliberation_id=int(filters["deliberation"]))
    if filters["status"] == "revoked":
        credentials = credentials.filter(revoked_at__isnull=False)
    elif filters["status"] == "valid":
        credentials = credentials.filter(revoked_at__isnull=True)
    credentials = credentials.select_related(
        "decision__deliberation__session__framework__certification"
    ).order_by("-issued_at", "candidate__last_name", "candidate__first_name", "pk")
    page = Paginator(credentials, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "credentials": list(page.object_list),
        "filters": filters,
        "filtered": any(filters.values()),
        "query": query.urlencode(),
        "statuses": list(STATUS_FILTERS.items()),
        "can_issue": request.user.has_perm("credentials.issue"),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "web/credentials/_credential_results.html", context)
    context["deliberations"] = list(
        Deliberation.objects.filter(pk__in=visible.values("decision__deliberation_id"))
        .only("pk", "title", "meets_on")
        .order_by("-meets_on", "-pk")
    )
    return render(request, "web/credentials/credential_list.html", context)


def _credential_or_404(request: HttpRequest, credential_id, *, with_pdf: bool = False) -> IssuedCredential:
    """The credential if it exists (404 otherwise) and the user may see it (403 otherwise)."""
    credentials = IssuedCredential.objects.select_related(
        "candidate",
        "block_decision__block",
        "decision__enrolment",
        "decision__deliberation__session__framework__certification",
    )
    if not with_pdf:
        credentials = credentials.defer("pdf")
    credential = get_object_or_404(credentials, pk=credential_id)
    require(request, "credentials.view_credential", credential)
    return credential


def _detail_context(request: HttpRequest, credential: IssuedCredential, revoke_form=None) -> dict:
    user = request.user
    can_revoke = not credential.is_revoked and user.has_perm("credentials.revoke", credential)
    deliberation = credential.decision.deliberation
    return {
        "credential": credential,
        "certification": deliberation.session.framework.certification,
        "deliberation": deliberation,
        "deliberation_visible": user.has_perm("jury.view_deliberation", deliberation),
        "revoked_by": credential.revoked_by if credential.revoked_by_id else None,
        "replaced_by": credential.replaced_by if credential.replaced_by_id else None,
        "replaces": IssuedCredential.objects.filter(replaced_by=credential).only("pk", "issued_at").first(),
        "revoke_form": revoke_form or (RevokeForm(prefix="revoke") if can_revoke else None),
        **_report_context(verification.verify(credential.document)),
    }


def credential_detail(request: HttpRequest, credential_id) -> HttpResponse:
    credential = _credential_or_404(request, credential_id)
    return render(request, "web/credentials/credential_detail.html", _detail_context(request, credential))


@require_POST
def credential_revoke(request: HttpRequest, credential_id) -> HttpResponse:
    credential = _credential_or_404(request, credential_id)
    require(request, "credentials.revoke", credential)
    form = RevokeForm(request.POST, prefix="revoke")
    status = 400
    if form.is_valid():
        try:
            issuance.revoke(actor=request.user, credential=credential, reason=form.cleaned_data["reason"])
        except Refused as refusal:
            add_refusal(form, refusal)
            status = refusal.status
        else:
            messages.success(
                request,
                _("The credential is revoked: whoever verifies it from now on reads why."),
            )
            return redirect("web:credential-detail", credential_id=credential.pk)
        credential = _credential_or_404(request, credential_id)
    return render(
        request,
        "web/credentials/credential_detail.html",
        _detail_context(request, credential, revoke_form=form),
        status=status,
    )


@require_GET
def credential_pdf(request: HttpRequest, credential_id) -> HttpResponse:
    credential = _credential_or_404(request, credential_id, with_pdf=True)
    response = HttpResponse(bytes(credential.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(credential, "pdf")}"'
    return response


@require_GET
def credential_json(request: HttpRequest, credential_id) -> HttpResponse:
    credential = _credential_or_404(request, credential_id)
    return _json_file(credential.document, _filename(credential, "json"))
