"""Reading documents into the canonical référentiel structure, whatever their layout.

:func:`read_document` is the one entry point: it decodes the bytes, recognises the layout and runs
the matching importer. Layouts are tried in a fixed order; a document none of them recognises is
refused with the list of layouts it was checked against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from types import ModuleType

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import canonical, html_table, pdf_text, rncp_fiche
from .base import ImportIssue, ImportRefused, ParseResult, decode_document

__all__ = [
    "LAYOUTS",
    "ImportIssue",
    "ImportRefused",
    "ParseResult",
    "detect_layout",
    "layout_label",
    "read_document",
]

#: The layouts certiflow reads, most specific first, with what a user would call them.
LAYOUTS: dict[str, tuple[ModuleType, str]] = {
    html_table.LAYOUT: (html_table, gettext_lazy("référentiel table exported as HTML rows")),
    rncp_fiche.LAYOUT: (rncp_fiche, gettext_lazy("public RNCP fiche page text")),
    pdf_text.LAYOUT: (pdf_text, gettext_lazy("référentiel text extracted from a PDF")),
}


def detect_layout(text: str) -> str | None:
    if canonical.looks_like_canonical(text):
        return "canonical_json"
    for layout, (module, _label) in LAYOUTS.items():
        if module.looks_like(text):
            return layout
    return None


def read_document(raw: bytes, *, name: str = "document") -> list[ParseResult]:
    """Parse one uploaded document; a canonical JSON array yields one result per certification.

    Raises :class:`ImportRefused` for anything that cannot be imported (empty, binary, oversized,
    undecodable, in no known layout, truncated). Never touches the database.
    """
    text, encoding = decode_document(raw, name=name)
    layout = detect_layout(text)
    if layout is None:
        known = "; ".join(str(label) for _module, label in LAYOUTS.values())
        raise ImportRefused(
            _("%(name)s is in none of the layouts certiflow reads (%(known)s; canonical JSON).")
            % {"name": name, "known": known},
            hint=_(
                "Check that it is a référentiel or an RNCP fiche, complete and as published; "
                "or convert it to the canonical JSON."
            ),
        )
    parse: Callable[..., ParseResult]
    if layout == "canonical_json":
        results = canonical.parse_canonical(text)
    else:
        parse = LAYOUTS[layout][0].parse
        results = [parse(text, name=name)]
    digest = hashlib.sha256(raw).hexdigest()
    for result in results:
        source = result.document.setdefault("source", {})
        if layout != "canonical_json" or not source:
            source.update({"layout": result.layout, "name": name, "sha256": digest, "encoding": encoding})
    return results


def layout_label(layout: str) -> str:
    """What a user calls a layout ("public RNCP fiche page text"), in the active language."""
    return str(LAYOUTS[layout][1]) if layout in LAYOUTS else _("canonical JSON")
