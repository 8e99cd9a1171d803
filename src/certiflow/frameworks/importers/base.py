"""What every importer shares: decoding, whitespace, the warning type, the refusal, the result.

An importer turns the text of a document into the canonical référentiel structure of DESIGN.md (a
plain ``dict`` that serialises to the canonical JSON) and a list of warnings. Importers never write to
the database and never guess silently: anything they cannot decide is a warning, anything they cannot
read at all is an :class:`ImportRefused`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

#: Documents larger than this are refused before any parsing (a référentiel is a few hundred KB).
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024

CanonicalDocument = dict[str, Any]


@dataclass(frozen=True)
class ImportIssue:
    """One thing the importer could not decide, with where it was found (1-based line, if known)."""

    code: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


class ImportRefused(Exception):
    """The document cannot be imported at all; nothing has been written."""

    def __init__(self, message: str, *, line: int | None = None, hint: str = "") -> None:
        self.message = message
        self.line = line
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = self.message
        if self.line is not None:
            text = _("line %(line)s: %(message)s") % {"line": self.line, "message": text}
        if self.hint:
            text = f"{text} {self.hint}"
        return text


@dataclass
class ParseResult:
    """The canonical document an importer produced, the layout it recognised and its warnings."""

    layout: str
    document: CanonicalDocument
    issues: list[ImportIssue] = field(default_factory=list)

    def warn(self, code: str, message: str, line: int | None = None) -> None:
        self.issues.append(ImportIssue(code=code, message=message, line=line))


# --- text ---------------------------------------------------------------------------------------

_SPACE_RE = re.compile(r"\s+")


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (including non-breaking spaces) to one space and strip.

    This is the only change importers make to the words of a document (DESIGN.md: texts are kept
    exactly, whitespace normalised).
    """
    return _SPACE_RE.sub(" ", text.replace("\u00a0", " ")).strip()


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced form of ``text``, for matching headings and keywords."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return normalise_space(stripped).lower()


# --- bytes → text ---------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Bytes that Windows-1252 maps to typographic characters French documents use (’ « » – — … œ €);
# their presence in a non-UTF-8 file is what lets us tell Windows-1252 from Latin-1 or a binary.
#: What French text writes outside ASCII. A file that is not UTF-8 is read as Windows-1252 only when
#: its non-ASCII characters are mostly these, so text from another code page is not silently corrupted.
#: (Counting letters instead would refuse tables — rosters of dates and e-mails — that are plainly French.)
_FRENCH_NON_ASCII = frozenset("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ’‘“”«»–—…€°")


def decode_document(raw: bytes, *, name: str = "document") -> tuple[str, str]:
    """Decode the bytes of an uploaded document; return ``(text, encoding)``.

    UTF-8 (with or without BOM) and UTF-16/32 with a BOM are decoded as such. A file that is not valid
    UTF-8 is decoded as Windows-1252 only when it reads as text (letters, no control bytes); anything
    else is refused, because a wrong guess would corrupt every accented word of the référentiel.
    Line endings are normalised to ``\\n``.
    """
    if not raw.strip():
        raise ImportRefused(
            _("%(name)s is empty.") % {"name": name},
            hint=_("Choose the file that contains the référentiel or the RNCP fiche."),
        )
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise ImportRefused(
            _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"name": name, "size": len(raw), "limit": MAX_DOCUMENT_BYTES},
            hint=_("A référentiel is a text document of a few hundred kilobytes; check the file."),
        )
    encoding = ""
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            encoding = codec
            break
    if encoding:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                _(
                    "%(name)s starts with a %(codec)s byte-order mark but is not valid %(codec)s (byte %(pos)s)."
                )
                % {"name": name, "codec": encoding.upper(), "pos": exc.start},
                hint=_("Save the document again as UTF-8."),
            ) from exc
    else:
        if b"\x00" in raw:
            raise ImportRefused(
                _("%(name)s is a binary file, not a text document.") % {"name": name},
                hint=_(
                    "Export the référentiel as text (UTF-8) or copy the text of the RNCP fiche "
                    "into a .txt file."
                ),
            )
        try:
            text = raw.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError as exc:
            text, encoding = _decode_windows_1252(raw, name=name, utf8_error=exc)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    controls = [c for c in text if unicodedata.category(c) == "Cc" and c not in "\n\t\f"]
    if controls:
        line = text[: text.index(controls[0])].count("\n") + 1
        raise ImportRefused(
            _("%(name)s contains control characters (U+%(code)04X): it is not a text document.")
            % {"name": name, "code": ord(controls[0])},
            line=line,
            hint=_("Export the référentiel as text (UTF-8)."),
        )
    return text, encoding


def _decode_windows_1252(raw: bytes, *, name: str, utf8_error: UnicodeDecodeError) -> tuple[str, str]:
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError:
        text = ""
    non_ascii = [c for c in text if ord(c) > 0x7F]
    if text and sum(c in _FRENCH_NON_ASCII for c in non_ascii) >= 0.8 * len(non_ascii):
        return text, "windows-1252"
    line = raw[: utf8_error.start].count(b"\n") + 1
    raise ImportRefused(
        _(
            "%(name)s is neither UTF-8 nor recognisably Windows-1252 (byte 0x%(byte)02X at offset %(pos)s); "
            "its encoding cannot be told reliably."
        )
        % {"name": name, "byte": raw[utf8_error.start], "pos": utf8_error.start},
        line=line,
        hint=_("Save the document as UTF-8 and import it again."),
    )


# --- vocabulary shared by the layouts -------------------------------------------------------------

#: Assessment kinds, from the words the documents use for an evaluation modality. Order matters:
#: the first match wins, so the more specific phrases come first.
ASSESSMENT_KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    ("real_situation", r"situation professionnelle (?:reelle|en entreprise)"),
    ("simulated_situation", r"situations? professionnelles? (?:simulee|reconstitu|reconstruit)"),
    ("simulated_situation", r"mises? en situation"),
    ("business_case", r"business case"),
    ("case_study", r"etudes? de (?:micro-)?cas|cas pratiques?"),
    ("role_play", r"jeux? de role"),
    ("professional_project", r"projets? professionnels?"),
    ("field_survey", r"enquetes?"),
    ("portfolio", r"dossier|portfolio|livrables?"),
    ("oral", r"soutenance|entretien|oral"),
    ("written", r"ecrit|examen"),
)


def classify_assessment_kind(text: str) -> str | None:
    """The kind of an evaluation modality from its wording, or ``None`` when no known phrase occurs."""
    folded = fold(text)
    for kind, pattern in ASSESSMENT_KIND_PATTERNS:
        if re.search(pattern, folded):
            return kind
    return None


def detect_modes(text: str) -> dict[str, bool | None]:
    """Individual/collective and written/oral as the wording states them.

    ``individual`` is ``None`` when the text says neither "individuel" nor "collectif": the importer
    must then warn rather than pick one.
    """
    folded = fold(text)
    individual = bool(re.search(r"individuel", folded))
    collective = bool(re.search(r"collecti|en equipe|en groupe", folded))
    return {
        "individual": True if individual else (False if collective else None),
        "collective": collective,
        "written": bool(re.search(r"ecrit|redig|redaction|note |dossier", folded)),
        "oral": bool(re.search(r"oral|soutenance|entretien|restitution|presentation", folded)),
    }


ACCESS_ROUTES: tuple[tuple[str, str], ...] = (
    ("formation_initiale", r"eleve ou d'etudiant|formation initiale"),
    ("apprentissage", r"apprentissage"),
    ("contrat_professionnalisation", r"professionnalisation"),
    ("formation_continue", r"formation continue"),
    ("candidature_individuelle", r"candidature individuelle"),
    ("vae", r"par experience|\bvae\b|validation des acquis"),
)


def classify_access_route(label: str) -> str | None:
    folded = fold(label)
    for route, pattern in ACCESS_ROUTES:
        if re.search(pattern, folded):
            return route
    return None


def code_number(code: str) -> int | None:
    """The number at the end of a code (``A12`` → 12, ``RNCP39603BC04`` → 4)."""
    match = re.search(r"(\d+)$", code)
    return int(match.group(1)) if match else None


def check_numbering(
    result: ParseResult, codes: list[tuple[str, int | None]], *, what: str, prefix: str
) -> None:
    """Warn about gaps and disorder in a sequence of codes like A1, A2, A4 (never renumbered).

    A code used twice is refused outright: two items under one code cannot both be graded, and which
    one the document means cannot be decided.
    """
    seen: dict[str, int | None] = {}
    previous: int | None = None
    for code, line in codes:
        if code in seen:
            raise ImportRefused(
                _("%(what)s %(code)s appears twice (first on line %(first)s).")
                % {"what": what, "code": code, "first": seen[code]},
                line=line,
                hint=_("Correct the document so that each code is used once, then import it again."),
            )
        seen[code] = line
        number = code_number(code)
        if number is None:
            continue
        if previous is not None and number > previous + 1:
            missing = ", ".join(f"{prefix}{n}" for n in range(previous + 1, number))
            result.warn(
                "numbering_gap",
                _("%(what)s numbering jumps from %(prev)s to %(code)s: %(missing)s missing in the document.")
                % {"what": what, "prev": f"{prefix}{previous}", "code": code, "missing": missing},
                line,
            )
        elif previous is not None and number <= previous:
            result.warn(
                "numbering_order",
                _("%(what)s %(code)s comes after %(prev)s: the document's order is kept.")
                % {"what": what, "code": code, "prev": f"{prefix}{previous}"},
                line,
            )
        previous = number if previous is None else max(previous, number)
