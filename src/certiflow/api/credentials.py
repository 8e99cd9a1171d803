"""Credentials: verifying one (public), the certificates and bloc attestations each role may see, their
PDFs, revoking one, and issuing a signed deliberation's credentials.

Verifying is public, as the pages' ``/verify/``: anyone holding a credential may check it, so
``POST /verify`` needs no sign-in (and, changing nothing, no CSRF token). Everything else follows
``credentials.rules``: seeing a credential is ``credentials.view_credential`` (administrators, its
candidate, the provider that prepared the candidate; lists: ``visible_credentials``); revoking is
``credentials.revoke`` and issuing ``credentials.issue`` (administrators). A PDF is a download with its
SHA-256 in ``X-Content-SHA256`` and the ``ETag``, as the minutes are.
"""

import uuid

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from certiflow.api.access import get_visible, require
from certiflow.api.schemas import (
    ERRORS,
    CredentialDetailOut,
    CredentialFilters,
    CredentialOut,
    ErrorOut,
    IssuanceBatchOut,
    RevocationIn,
    VerificationOut,
)
from certiflow.common.domain.errors import Refused
from certiflow.credentials.domain import export
from certiflow.credentials.domain.issuance import request_issuance, revoke
from certiflow.credentials.domain.selectors import visible_credentials
from certiflow.credentials.domain.verification import UnreadableCredential, read_credential, verify
from certiflow.credentials.models import IssuanceBatch, IssuedCredential
from certiflow.jury.models import Deliberation

router = Router(tags=["credentials"])

VIEW, ISSUE, REVOKE = "credentials.view_credential", "credentials.issue", "credentials.revoke"
VIEW_DELIBERATION = "jury.view_deliberation"
MAX_PAGE = 500

VERIFY_BODY = {
    "requestBody": {
        "required": True,
        "description": "The credential exactly as its holder has it: its JSON object (the .json file), "
        "or one of our PDFs, which carry it as the attachment credential.json.",
        "content": {
            "application/json": {"schema": {"type": "object", "additionalProperties": True}},
            "application/pdf": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "The credential's PDF; it carries the signed JSON as the attachment credential.json.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _credentials(user) -> QuerySet[IssuedCredential]:
    """What ``user`` sees, with what :class:`CredentialOut` reads (the private key stays unread)."""
    return (
        visible_credentials(user)
        .select_related("key", "decision__deliberation__session__framework__certification")
        .defer("key__encrypted_private_key")
    )


def _credential(user, credential_id: uuid.UUID) -> IssuedCredential:
    """The credential ``credential_id`` if ``user`` may see it, else 404 (its document and PDF are
    read when first used)."""
    return get_visible(user, _credentials(user), credential_id, perm=VIEW)


# --- verifying (public) --------------------------------------------------------------------------------
@router.post(
    "/verify",
    auth=None,
    response={200: VerificationOut, 400: ErrorOut},
    openapi_extra=VERIFY_BODY,
)
def post_verify(request: HttpRequest):
    """Verify a credential, ours or another issuer's, as the public page and `certiflow verify` do:
    **no sign-in needed**. The body is the credential itself, as its holder has it: the JSON object
    (`Content-Type: application/json`) or one of our PDFs (`application/pdf`).

    The answer is 200 whatever the verdict: `valid` is true only when every check passed, and `checks`
    reports each one on its own (`format`, `schema`, `signature`, `issuer`, `dates`, `revocation`) as
    `passed`, `failed` or `not_checked`, with a message. Revocation is checked against our status lists;
    another issuer's list is not fetched (`not_checked`; `certiflow verify --status-list` checks it
    offline). 400 when the body is not a JSON object nor a PDF that carries one."""
    try:
        document = read_credential(request.body)
    except UnreadableCredential as error:
        raise Refused(
            str(error), hint=_("Send the credential's JSON object, or one of our PDFs (which carry it).")
        ) from error
    return verify(document).as_dict()


# --- credentials ---------------------------------------------------------------------------------------
@router.get("/credentials", response={200: list[CredentialOut], **ERRORS})
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_credentials(request, filters: Query[CredentialFilters]):
    """The credentials you may see (administrators: all; a candidate: theirs; a provider manager:
    those of the provider's candidates), by candidate name."""
    return filters.filter(_credentials(request.auth)).order_by(
        "candidate__last_name", "candidate__first_name", "candidate_id", "kind", "issued_at", "pk"
    )


@router.get("/credentials/{credential_id}", response={200: CredentialDetailOut, **ERRORS})
def get_credential(request, credential_id: uuid.UUID):
    """A credential's record and its signed Open Badges 3.0 document."""
    return _credential(request.auth, credential_id)


@router.get("/credentials/{credential_id}/pdf", response={200: None, **ERRORS}, openapi_extra=PDF_RESPONSE)
def get_credential_pdf(request, credential_id: uuid.UUID):
    """Download the credential's PDF, as delivered. Its SHA-256 is in `X-Content-SHA256` and the `ETag`."""
    credential = _credential(request.auth, credential_id)
    response = HttpResponse(bytes(credential.pdf), content_type="application/pdf")
    name = export.stem(credential).replace("/", "-")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["X-Content-SHA256"] = credential.pdf_sha256
    response["ETag"] = f'"{credential.pdf_sha256}"'
    return response


@router.post("/credentials/{credential_id}/revoke", response={200: CredentialOut, **ERRORS})
def post_revoke(request, credential_id: uuid.UUID, payload: RevocationIn):
    """Revoke a credential, with the reason shown to whoever verifies it: its status list is re-signed
    at once. 400 without a reason or when it is already revoked."""
    credential = _credential(request.auth, credential_id)
    require(request.auth, REVOKE, credential)
    revoke(actor=request.auth, credential=credential, reason=payload.reason)
    return _credentials(request.auth).get(pk=credential.pk)


# --- issuance ------------------------------------------------------------------------------------------
def _batches() -> QuerySet[IssuanceBatch]:
    return IssuanceBatch.objects.select_related("deliberation", "requested_by")


@router.post("/deliberations/{deliberation_id}/issuance", response={202: IssuanceBatchOut, **ERRORS})
def post_issuance(request, deliberation_id: int):
    """Issue the credentials of a signed deliberation: a certificate for each certified candidate and an
    attestation for each bloc its jury validated. The work runs in the background (or at once, on the
    inline task backend); follow it at `GET /issuance/{batch_id}`. Issuing is idempotent: what was
    issued is never issued twice, and an unfinished batch is answered instead of a new one. 400 when the
    deliberation is not signed or its certification has not exactly one certifier."""
    deliberation = get_visible(
        request.auth, Deliberation.objects.all(), deliberation_id, perm=VIEW_DELIBERATION
    )
    require(request.auth, ISSUE, deliberation)
    batch = request_issuance(actor=request.auth, deliberation=deliberation)
    return Status(202, _batches().get(pk=batch.pk))


@router.get("/issuance/{batch_id}", response={200: IssuanceBatchOut, **ERRORS})
def get_issuance(request, batch_id: int):
    """How far an issuance batch went, for those who see its deliberation."""
    return get_visible(
        request.auth, _batches(), batch_id, perm=VIEW_DELIBERATION, through=lambda batch: batch.deliberation
    )
