"""Importing candidates and enrolments from a school's CSV or Excel file: upload, a row-by-row report,
then the import (all rows, or the valid ones when the user chooses to skip the others)."""

from __future__ import annotations

import base64
import uuid

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certiflow.candidates.domain.people import importable_providers
from certiflow.candidates.importers.roster import import_roster, parse_roster, validate_roster
from certiflow.common.domain.errors import Refused

from ..forms import RosterUploadForm
from ._common import require

#: The uploaded file waits in the user's session between the report and the confirmation.
SESSION_KEY = "certiflow.roster"


@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    require(request, "candidates.import_roster")
    providers = importable_providers(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None, providers=providers)
    refusal = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["roster"]
        data = upload.read()
        try:
            parse_roster(data=data, filename=upload.name)
        except Refused as exc:
            refusal = exc
        else:
            token = uuid.uuid4().hex
            request.session[SESSION_KEY] = {
                "token": token,
                "provider": form.cleaned_data["provider"].pk,
                "name": upload.name,
                "data": base64.b64encode(data).decode("ascii"),
            }
            return redirect("web:roster-preview", token=token)
    return render(
        request,
        "web/roster_upload.html",
        {"form": form, "refusal": refusal},
        status=400 if refusal or form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def roster_preview(request: HttpRequest, token: str) -> HttpResponse:
    require(request, "candidates.import_roster")
    staged = request.session.get(SESSION_KEY)
    if not staged or staged.get("token") != token:
        messages.error(request, _("This import has expired or was already done; upload the file again."))
        return redirect("web:roster-import")
    provider = importable_providers(request.user).filter(pk=staged["provider"]).first()
    if provider is None:
        return redirect("web:roster-import")
    report = validate_roster(
        parse=parse_roster(data=base64.b64decode(staged["data"]), filename=staged["name"]), provider=provider
    )
    refusal = None
    if request.method == "POST":
        try:
            outcome = import_roster(
                actor=request.user,
                report=report,
                provider=provider,
                skip_invalid=request.POST.get("skip_invalid") == "on",
            )
        except Refused as exc:
            refusal = exc
        else:
            del request.session[SESSION_KEY]
            messages.success(
                request,
                _(
                    "Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged, %(skipped)s skipped."
                )
                % {
                    "created": outcome.created,
                    "updated": outcome.updated,
                    "unchanged": outcome.unchanged,
                    "skipped": outcome.skipped,
                },
            )
            return redirect("web:enrolment-list")
    return render(
        request,
        "web/roster_preview.html",
        {"report": report, "provider": provider, "name": staged["name"], "refusal": refusal},
        status=400 if refusal else 200,
    )
