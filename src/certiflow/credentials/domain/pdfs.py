"""The printable face of a credential: a certificate (parchemin) or a bloc attestation, as a PDF.

:func:`render_pdf` is pure: it takes a :class:`PrintedCredential` (plain data the issuing code builds)
and returns the PDF bytes, without touching the database. It renders ``credentials/pdf/certificate.html``
or ``credentials/pdf/block_attestation.html`` in French with WeasyPrint: an A4 page, tagged (headings,
the table of blocs, the QR code as a figure whose alternative text gives the verification URL), with the
document language and a title in its metadata. A certificate whose blocs overflow the page is laid out
again in a compact style, so that up to six blocs with long titles still fit on one page. The QR code is an inline SVG drawn by segno and encodes exactly
the verification URL, which is also printed as text, with the reference and the issuer's DID, so that a
reader can check the document by hand. When the signed credential is given, the PDF carries it as an
embedded file ``credential.json``.

The same data gives the same bytes: the PDF's dates (and the attachment's) come from ``issued_at``, it
carries no random identifier and WeasyPrint fetches nothing (every URL is refused, so a URL in the data,
such as the certifier's website, is only ever printed).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import segno
from django.template.loader import render_to_string
from django.utils import dateformat, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from certiflow.common.domain import pdf

#: Certificates and attestations are French legal records, whatever the language of whoever issues them.
LANGUAGE = "fr"
#: Dates on the documents are the certifier's local dates.
TIME_ZONE = ZoneInfo("Europe/Paris")
#: The name of the embedded verifiable credential.
ATTACHMENT_NAME = "credential.json"
#: Error correction of the QR code: level M (15 %) survives a worn or badly scanned print.
QR_ERROR = "m"
#: A code registered in the Répertoire national des certifications professionnelles.
RNCP_CODE = re.compile(r"RNCP\d+")


class Kind(StrEnum):
    """What a credential PDF is: the certificate of the whole certification, or one bloc's attestation."""

    CERTIFICATE = "certificate"
    BLOCK_ATTESTATION = "block_attestation"


TEMPLATES = {
    Kind.CERTIFICATE: "credentials/pdf/certificate.html",
    Kind.BLOCK_ATTESTATION: "credentials/pdf/block_attestation.html",
}


#: Raised when the template asks for an external resource (nothing is fetched).
PdfRenderingError = pdf.PdfRenderingError


@dataclass(frozen=True)
class PrintedBlock:
    """A bloc of competencies as printed: its code, its title as in the référentiel, how it was obtained."""

    code: str
    title: str
    #: How the bloc was obtained, already translated ("évaluation", "VAE"…); empty: say nothing.
    ground: str = ""


@dataclass(frozen=True)
class PrintedCredential:
    """Everything a certificate or a bloc attestation prints, as plain data."""

    kind: str  # a Kind
    credential_id: str
    verification_url: str
    certifier_name: str
    certifier_siret: str
    certifier_website: str
    certification_title: str
    rncp_code: str
    level: int | None
    candidate_first_name: str
    candidate_last_name: str
    candidate_birth_date: datetime.date | None
    #: A certificate: every bloc of the référentiel; an attestation: exactly one.
    blocks: tuple[PrintedBlock, ...]
    jury_date: datetime.date
    jury_place: str
    issued_at: datetime.datetime
    #: An attestation: the last day the bloc can be capitalised; a certificate: None.
    valid_until: datetime.date | None
    issuer_did: str
    #: The reference of the document this one replaces (rectification), if any.
    replaces: str = ""
    #: The signed verifiable credential, embedded in the PDF as ``credential.json`` when given.
    credential_json: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in list(Kind):
            raise ValueError(f"unknown kind of credential: {self.kind!r}")
        if self.kind == Kind.BLOCK_ATTESTATION and len(self.blocks) != 1:
            raise ValueError("a bloc attestation prints exactly one bloc")
        if timezone.is_naive(self.issued_at):
            raise ValueError("issued_at must be an aware datetime")


def render_pdf(printed: PrintedCredential) -> bytes:
    """The PDF of ``printed``: the same data gives the same bytes.

    A certificate is meant to fit on one page: when its blocs do not, it is laid out again in a compact
    style (tighter spacing, smaller type), kept if it takes fewer pages. Raises :class:`PdfRenderingError`
    if the template asks for any external resource.
    """
    document = layout(render_html(printed))
    if len(document.pages) > 1:
        compact = layout(render_html(printed, compact=True))
        if len(compact.pages) < len(document.pages):
            document = compact
    with translation.override(LANGUAGE):
        description = gettext("The verifiable credential of this document")
    return write_pdf(
        document,
        attachment=printed.credential_json,
        attachment_description=description,
        attached_at=printed.issued_at,
    )


def render_html(printed: PrintedCredential, *, compact: bool = False) -> str:
    """The self-contained HTML (inline style, inline SVG, no URL to fetch) that :func:`render_pdf` prints."""
    with translation.override(LANGUAGE):
        return render_to_string(TEMPLATES[Kind(printed.kind)], {**_context(printed), "compact": compact})


def qr_svg(url: str, *, title: str) -> SafeString:
    """The QR code of ``url`` as inline SVG; ``title`` becomes its alternative text in the tagged PDF."""
    qr = segno.make_qr(url, error=QR_ERROR, boost_error=False)
    # segno escapes the title; the size comes from the style sheet (omitsize keeps the viewBox only).
    return mark_safe(qr.svg_inline(title=title, omitsize=True, svgclass="qr", lineclass=None, border=4))  # noqa: S308


def french_date(day: datetime.date) -> str:
    """``day`` as written in French: « 12 juin 2026 », « 1er juin 2026 »."""
    with translation.override(LANGUAGE):
        return f"{'1er' if day.day == 1 else day.day} {dateformat.format(day, 'F Y')}"


def html_to_pdf(html: str) -> bytes:
    """Render ``html`` (self-contained: no URL is fetched) to tagged PDF bytes with WeasyPrint."""
    return write_pdf(layout(html))


def layout(html: str):
    """Lay ``html`` out in pages (a ``weasyprint.Document``), fetching no URL."""
    return pdf.layout(html, what="the credential PDF")


def write_pdf(
    document,
    *,
    attachment: str | None = None,
    attachment_description: str = "",
    attached_at: datetime.datetime | None = None,
) -> bytes:
    """The tagged PDF of a laid-out ``document``, embedding ``attachment`` as ``credential.json``.

    The attachment is dated ``attached_at`` (an aware datetime) so that the bytes do not depend on when
    the PDF is written; WeasyPrint would otherwise date it now.
    """
    import weasyprint

    attachments = []
    if attachment is not None:
        if attached_at is None or timezone.is_naive(attached_at):
            raise ValueError("an attachment needs an aware attached_at")
        # WeasyPrint writes the attachment's dates as UTC ("…Z") from the naive datetime it is given.
        attached_at = attached_at.astimezone(datetime.UTC).replace(tzinfo=None, microsecond=0)
        attachments.append(
            weasyprint.Attachment(
                string=attachment,
                name=ATTACHMENT_NAME,
                description=attachment_description,
                created=attached_at,
                modified=attached_at,
                relationship="Data",
            )
        )
    return document.write_pdf(pdf_tags=True, attachments=attachments)


def _context(printed: PrintedCredential) -> dict[str, Any]:
    """What the templates show; called in French."""
    issued_at = printed.issued_at.astimezone(TIME_ZONE)
    qr_title = gettext("QR code to verify this document at %(url)s") % {"url": printed.verification_url}
    return {
        "printed": printed,
        # Not "block": the {% block %} tag sets that name in the context.
        "bloc": printed.blocks[0] if printed.blocks else None,
        "candidate_name": f"{printed.candidate_first_name} {printed.candidate_last_name.upper()}",
        "birth_date": french_date(printed.candidate_birth_date) if printed.candidate_birth_date else "",
        "jury_date": french_date(printed.jury_date),
        "issued_on": french_date(issued_at.date()),
        "valid_until": french_date(printed.valid_until) if printed.valid_until else "",
        "grounds": any(block.ground for block in printed.blocks),
        "registered": bool(RNCP_CODE.fullmatch(printed.rncp_code)),
        # The PDF's creation date (W3C format, no fraction of a second): the issuing time.
        "created": issued_at.replace(microsecond=0).isoformat(),
        "qr": qr_svg(printed.verification_url, title=qr_title),
    }
