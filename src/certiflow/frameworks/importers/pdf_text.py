"""The référentiel as text extracted from a PDF table (layout of seed 001).

The PDF holds one table per bloc with four columns (activities, competencies, evaluation modalities,
evaluation criteria); the text extraction flattens the columns one after another and wraps every line
at the width of its column. So a bloc reads::

    <page header: "Référentiels d’activités…", "REFERENTIEL D’ACTIVITES …", "MODALITÉS D’ÉVALUATION …">
    BLOC DE COMPÉTENCES 1 : title, wrapped until the first whitespace-only line
    context paragraph(s)
    A1. activity …            (separator ".", "-", "–" or ":")
    C1. competency …
    Mise en situation professionnelle réelle.        <- the modality heading: the evaluation column
    Modalité : description, with "o " sub-items
    ➢ deliverable • sub-item • sub-item
    - criterion …             <- the criteria column; whitespace-only lines separate its paragraphs

Two kinds of blank lines occur: empty lines are mere wraps (they can fall inside a sentence), while
lines holding only spaces separate the cells' paragraphs. A paragraph continues while the next line
starts in lower case or the previous one does not end a sentence.

Links (seed README: "sometimes explicit (grouped paragraphs), sometimes only implied by the table
row"): when the criteria of a modality come in as many paragraphs as the row has competencies,
paragraph i evaluates competency i; otherwise every criterion is linked to every competency of the
row, with one ``ambiguous_link`` warning. Competencies are linked to every activity of their bloc,
with a warning when there are several of each.

A bloc may hold several table rows (activities, competencies, modality, criteria, then again): a
competency code after the criteria opens a new row, and a second modality heading (a paragraph that
names a kind of evaluation, followed by "Modalité :" or a deliverable) opens a second modality.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .base import (
    CanonicalDocument,
    ImportRefused,
    ParseResult,
    check_numbering,
    classify_assessment_kind,
    detect_modes,
    fold,
    normalise_space,
)

LAYOUT = "pdf_text"

# --- line patterns -----------------------------------------------------------------------------------

_BLOC_RE = re.compile(
    r"^\s*BLOC\s+DE\s+COMP[ÉE]TENCES?\b\s*"
    r"(?:(?:N\s*[°O]\.?\s*)?(?P<number>\d+)\s*[:.\-–—]?|[:.\-–—])\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
_UPPER = "A-ZÀ-ÖØ-ÞŒ"
_CODE_RE = re.compile(
    rf"^\s*(?P<letter>[AC])(?P<number>\d{{1,3}})(?:\s*[.:)\-–—]+\s*|\s+(?=[{_UPPER}]))(?P<rest>.*)$"
)
_MODALITY_RE = re.compile(r"^\s*Modalit[ée]s?\s*:[\s:]*(?P<rest>.*)$", re.IGNORECASE)
_DELIVERABLE_RE = re.compile(r"^\s*[➢➤►▶\uf0d8]\s*(?P<rest>.*)$")
_CRITERION_RE = re.compile(r"^\s*[-–−]\s+(?P<rest>\S.*)$")
_TITLE_LINE_RE = re.compile(r"^\s*Intitul[ée]\s*:\s*(?P<rest>.*)$", re.IGNORECASE)
_QUOTED_RE = re.compile(r"«\s*(?P<title>.+?)\s*»")
_YEAR_RE = re.compile(r"(?:^|\D)(?P<year>(?:19|20)\d{2})\s*$")
_RNCP_RE = re.compile(r"\bRNCP\s?(?P<number>\d{3,6})\b")
# Folded (lower-case, accent-free) forms of the page header repeated before each bloc.
_HEADER_START_RE = re.compile(r"^referentiels? (?:d'activites?|de competences|d'evaluation)\b")
_HEADER_END_RE = re.compile(r"criteres d'evaluation$")
_HTML_CELL_RE = re.compile(r"</?(?:p|b|li|ul|i)\b[^>]*>", re.IGNORECASE)
# A modality heading glued to the end of a competency (no sentence end between them).
_GLUED_HEADING_RE = re.compile(r"^(?:mises? en situation|etudes? de (?:micro-)?cas|cas pratiques?)")
_SENTENCE_END_RE = re.compile(r"[.!?…][»)\]\"'’”]*$")

EMPTY = "empty"  # "" : a wrap inside a paragraph
SPACE = "space"  # only spaces: a paragraph break inside a cell
TEXT = "text"
ACTIVITY = "activity"
COMPETENCY = "competency"
MODALITY = "modality"
DELIVERABLE = "deliverable"
CRITERION = "criterion"
BLOC = "bloc"
HEADER = "header"
_BLANK = (EMPTY, SPACE)


@dataclass(frozen=True)
class _Line:
    no: int  # 1-based line number in the source
    raw: str
    kind: str
    code: str = ""  # "A1", "C12", or the bloc number
    rest: str = ""  # the text after the code or marker

    @property
    def text(self) -> str:
        return self.raw.strip()


def _tokenise(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for no, raw in enumerate(text.split("\n"), start=1):
        lines.append(_classify(no, raw))
    return _mark_headers(lines)


def _classify(no: int, raw: str) -> _Line:
    if raw == "":
        return _Line(no, raw, EMPTY)
    if not raw.strip():
        return _Line(no, raw, SPACE)
    if raw.lstrip().startswith("B") and (match := _BLOC_RE.match(raw)):
        return _Line(no, raw, BLOC, match.group("number") or "", match.group("rest"))
    if match := _CODE_RE.match(raw):
        kind = ACTIVITY if match.group("letter") == "A" else COMPETENCY
        code = f"{match.group('letter')}{match.group('number')}"
        return _Line(no, raw, kind, code, match.group("rest"))
    if match := _MODALITY_RE.match(raw):
        return _Line(no, raw, MODALITY, rest=match.group("rest"))
    if match := _DELIVERABLE_RE.match(raw):
        return _Line(no, raw, DELIVERABLE, rest=match.group("rest"))
    if match := _CRITERION_RE.match(raw):
        return _Line(no, raw, CRITERION, rest=match.group("rest"))
    return _Line(no, raw, TEXT, rest=raw)


def _mark_headers(lines: list[_Line]) -> list[_Line]:
    """Mark the page header: from its first line to the column titles ("… CRITÈRES D’ÉVALUATION").

    Without column titles the header ends before the next bloc heading or coded line, so a page break
    inside a bloc does not swallow its content.
    """
    marked: list[_Line] = []
    in_header = False
    for line in lines:
        folded = fold(line.raw)
        if line.kind == TEXT and _HEADER_START_RE.match(folded):
            in_header = True
        elif in_header and line.kind not in (TEXT, *_BLANK):
            in_header = False
        if in_header:
            marked.append(_Line(line.no, line.raw, HEADER))
            if _HEADER_END_RE.search(folded):
                in_header = False
        else:
            marked.append(line)
    return marked


def _ends_sentence(text: str) -> bool:
    return bool(_SENTENCE_END_RE.search(text.rstrip()))


def _starts_upper(text: str) -> bool:
    text = text.lstrip()
    return bool(text) and text[0].isupper()


def _join(parts: Iterable[str]) -> str:
    return normalise_space(" ".join(parts))


def _span(codes: list[str]) -> str:
    """``C1–C4`` for a run of three or more consecutive codes, else ``C1, C3, C7``."""
    matches = [re.fullmatch(r"([A-Z]+)(\d+)", code) for code in codes]
    if len(codes) > 2 and all(matches):
        prefixes = {m.group(1) for m in matches if m}
        numbers = [int(m.group(2)) for m in matches if m]
        if len(prefixes) == 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            return f"{codes[0]}–{codes[-1]}"
    return ", ".join(codes)


def _excerpt(text: str, limit: int = 80) -> str:
    text = normalise_space(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- what the parser collects ----------------------------------------------------------------------


@dataclass
class _Item:
    code: str
    line: int
    parts: list[str]
    generated: bool = False

    @property
    def text(self) -> str:
        return _join(self.parts)


@dataclass
class _Criterion:
    line: int
    parts: list[str]
    group: int


@dataclass
class _Assessment:
    code: str
    line: int
    title: str | None
    competencies: list[_Item]
    description: list[str] = field(default_factory=list)
    deliverables: list[_Item] = field(default_factory=list)
    criteria: list[_Criterion] = field(default_factory=list)
    groups: int = 0
    orphan: bool = False


@dataclass
class _Bloc:
    number: int
    line: int
    title: list[str] = field(default_factory=list)
    description: list[str] = field(default_factory=list)
    activities: list[_Item] = field(default_factory=list)
    competencies: list[_Item] = field(default_factory=list)
    assessments: list[_Assessment] = field(default_factory=list)
    code: str = ""


# --- entry points ----------------------------------------------------------------------------------


def looks_like(text: str) -> bool:
    """A "BLOC DE COMPÉTENCES" heading, then page-header column titles or A1./C1. codes, no HTML cells."""
    lines = text.split("\n")
    if any("\t" in line and _HTML_CELL_RE.search(line) for line in lines):
        return False
    tokens = [_classify(no, raw) for no, raw in enumerate(lines, start=1)]
    if not any(t.kind == BLOC for t in tokens):
        return False
    has_codes = any(t.kind == COMPETENCY for t in tokens)
    has_header = any(t.kind == TEXT and _HEADER_START_RE.match(fold(t.raw)) for t in tokens)
    return has_codes or has_header


def parse(text: str, *, name: str = "document") -> ParseResult:
    return _Parser(text, name).run()


# --- the parser ------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.lines = _tokenise(text.replace("\r\n", "\n").replace("\r", "\n"))
        self.result = ParseResult(layout=LAYOUT, document={})
        self.name = name
        self.assessment_count = 0

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.result.warn(code, message, line)

    def run(self) -> ParseResult:
        headings = [i for i, line in enumerate(self.lines) if line.kind == BLOC]
        if not headings:
            first = next((line.no for line in self.lines if line.kind not in _BLANK), 1)
            raise ImportRefused(
                _(
                    "No “BLOC DE COMPÉTENCES” heading was found: this is not a référentiel "
                    "in the PDF-text layout."
                ),
                line=first,
                hint=_(
                    "Check that the file is the text of the référentiel, with a line "
                    "“BLOC DE COMPÉTENCES 1 : …” before each bloc."
                ),
            )
        document: CanonicalDocument = {
            "code": None,
            "title": None,
            "version": None,
            "level": None,
            "certifiers": [],
            "rules": {"competency_policy": "all_criteria"},
            "blocks": [],
            "source": {"layout": LAYOUT, "name": self.name},
            "warnings": [],
        }
        self.result.document = document
        self.read_preamble(self.lines[: headings[0]], document)
        blocs: list[_Bloc] = []
        previous = 0
        for index, start in enumerate(headings):
            end = headings[index + 1] if index + 1 < len(headings) else len(self.lines)
            body = [line for line in self.lines[start + 1 : end] if line.kind != HEADER]
            heading = self.lines[start]
            number = int(heading.code) if heading.code else previous + 1
            if not heading.code:
                self.warn(
                    "missing_number",
                    _("This bloc heading has no number; it is taken as bloc %(n)s.") % {"n": number},
                    heading.no,
                )
            previous = number
            blocs.append(self.read_bloc(heading, number, body))
        self.assign_codes(blocs)
        document["blocks"] = [self.emit_bloc(bloc) for bloc in blocs]
        self.result.issues.sort(key=lambda issue: issue.line or 0)  # in reading order
        document["warnings"] = [str(issue) for issue in self.result.issues]
        return self.result

    # preamble: title, version, code ---------------------------------------------------------------
    def read_preamble(self, lines: list[_Line], document: CanonicalDocument) -> None:
        used: set[int] = set()
        title_text = ""
        title_line: int | None = None
        for index, line in enumerate(lines):
            if line.kind == TEXT and (match := _TITLE_LINE_RE.match(line.raw)):
                parts = [match.group("rest")]
                used.add(line.no)
                title_line = line.no
                following = index + 1
                # « … » may wrap over the next lines.
                while "«" in " ".join(parts) and "»" not in " ".join(parts) and following < len(lines):
                    if lines[following].kind == TEXT:
                        parts.append(lines[following].raw)
                        used.add(lines[following].no)
                    elif lines[following].kind not in _BLANK:
                        break
                    following += 1
                title_text = _join(parts)
                break
        if title_line is None:
            for line in lines:
                if line.kind == TEXT and _QUOTED_RE.search(line.raw):
                    title_text, title_line = normalise_space(line.raw), line.no
                    used.add(line.no)
                    break
        if title_text:
            quoted = _QUOTED_RE.search(title_text)
            year = _YEAR_RE.search(title_text)
            if quoted:
                document["title"] = quoted.group("title")
            else:
                bare = title_text[: year.start("year")] if year else title_text
                document["title"] = normalise_space(bare).rstrip(" -–—,") or None
                self.warn(
                    "missing_title",
                    _("The title is not between « and »; the whole line was taken as the title: check it."),
                    title_line,
                )
            if year:
                document["version"] = year.group("year")
        if document["title"] is None:
            self.warn(
                "missing_title",
                _(
                    "The document does not state the certification's title "
                    "(a line “Intitulé : … « title » …”)."
                ),
                None,
            )
        if document["version"] is None:
            self.warn(
                "no_version",
                _("The document does not state its version (a year at the end of the “Intitulé” line)."),
                title_line,
            )
        for line in lines:
            if line.kind not in _BLANK and line.kind != HEADER and (match := _RNCP_RE.search(line.raw)):
                document["code"] = f"RNCP{match.group('number')}"
                used.add(line.no)
                break
        self.warn_unread(line for line in lines if line.no not in used)

    def warn_unread(self, lines: Iterable[_Line]) -> None:
        """One ``unreadable`` warning per run of consecutive lines the parser cannot place."""
        run: list[_Line] = []
        for line in [*lines, None]:
            if line is not None and line.kind in (*_BLANK, HEADER):
                continue
            if line is not None and run and line.no == run[-1].no + 1:
                run.append(line)
                continue
            if run:
                self.warn(
                    "unreadable",
                    _(
                        "text that belongs to no bloc, activity, competency or criterion is ignored: "
                        "“%(text)s”."
                    )
                    % {"text": _excerpt(" ".join(r.raw for r in run))},
                    run[0].no,
                )
            run = [line] if line is not None else []

    # one bloc ------------------------------------------------------------------------------------
    def read_bloc(self, heading: _Line, number: int, lines: list[_Line]) -> _Bloc:
        bloc = _Bloc(number=number, line=heading.no)
        if not heading.rest.strip() and all(line.kind in _BLANK for line in lines):
            raise ImportRefused(
                _("Bloc %(n)s has a heading and nothing after it: the document looks truncated.")
                % {"n": number},
                line=heading.no,
                hint=_(
                    "Import the complete référentiel (every bloc with its activities, competencies "
                    "and criteria)."
                ),
            )
        i = self.read_title(bloc, heading, lines)
        # Context paragraph(s) up to the first coded line.
        while i < len(lines) and lines[i].kind not in (ACTIVITY, COMPETENCY):
            if lines[i].kind not in _BLANK:
                bloc.description.append(lines[i].raw)
            i += 1
        if i < len(lines) and lines[i].kind == COMPETENCY:
            self.warn(
                "no_activities",
                _("Bloc %(n)s lists no activity before its first competency.") % {"n": number},
                lines[i].no,
            )
        self.read_rows(bloc, lines, i)
        if not bloc.competencies:
            raise ImportRefused(
                _(
                    "Bloc %(n)s has no competency (no line starting with a code such as “C1.”): "
                    "the document looks truncated."
                )
                % {"n": number},
                line=heading.no,
                hint=_("Import the complete référentiel; each bloc lists its competencies C1, C2…"),
            )
        return bloc

    def read_title(self, bloc: _Bloc, heading: _Line, lines: list[_Line]) -> int:
        """The title wraps until a whitespace-only line, a new sentence or a coded line."""
        if heading.rest.strip():
            bloc.title.append(heading.rest)
        i = 0
        while i < len(lines):
            line = lines[i]
            if line.kind == EMPTY:
                i += 1
                continue
            if line.kind == SPACE:
                i += 1
                if bloc.title:
                    break
                continue
            new_sentence = bool(bloc.title) and _ends_sentence(bloc.title[-1]) and _starts_upper(line.text)
            if line.kind != TEXT or new_sentence:
                break
            bloc.title.append(line.raw)
            i += 1
        if not bloc.title:
            self.warn(
                "missing_title",
                _("Bloc %(n)s has no title; its code stands in for it.") % {"n": bloc.number},
                heading.no,
            )
        return i

    def read_rows(self, bloc: _Bloc, lines: list[_Line], i: int) -> None:
        """Activities, competencies, modalities and criteria, row after row."""
        state = "activities"
        row: list[_Item] = []
        row_assessed = False
        assessment: _Assessment | None = None
        target: list[str] | None = None  # where continuation text goes
        previous: _Line | None = None  # the last non-blank line read
        space_since = False
        while i < len(lines):
            line = lines[i]
            if line.kind in _BLANK:
                space_since = space_since or line.kind == SPACE
                i += 1
                continue
            if line.kind == ACTIVITY:
                item = _Item(line.code, line.no, [line.rest])
                bloc.activities.append(item)
                target, state = item.parts, "activities"
            elif line.kind == COMPETENCY:
                if row_assessed:
                    row, row_assessed = [], False
                item = _Item(line.code, line.no, [line.rest])
                bloc.competencies.append(item)
                row.append(item)
                i, assessment = self.read_competency(bloc, item, row, lines, i)
                if assessment is not None:
                    row_assessed = True
                    state = "evaluation"
                    target = assessment.description
                else:
                    state = "competencies"
                    target = item.parts
                previous = next(n for n in reversed(lines[:i]) if n.kind not in _BLANK)
                space_since = any(n.kind == SPACE for n in lines[lines.index(previous) : i])
                continue
            elif state == "activities" and target is not None:
                target.append(line.raw)
            elif line.kind == MODALITY:
                if assessment is None or assessment.criteria:
                    assessment = self.open_assessment(bloc, row, None, line.no)
                    row_assessed = True
                    self.warn_no_heading(bloc, line)
                target, state = assessment.description, "evaluation"
                target.append(line.rest)
            elif line.kind == DELIVERABLE:
                if assessment is None:
                    assessment = self.open_assessment(bloc, row, None, line.no)
                    row_assessed = True
                    self.warn_no_heading(bloc, line)
                elif state == "criteria":
                    self.warn(
                        "uncertain_boundary",
                        _("A deliverable comes after the criteria of %(e)s; it is kept with %(e)s: check it.")
                        % {"e": assessment.code},
                        line.no,
                    )
                deliverable = _Item("", line.no, [line.rest])
                assessment.deliverables.append(deliverable)
                target, state = deliverable.parts, "evaluation"
            elif line.kind == CRITERION:
                if assessment is None:
                    assessment = self.open_assessment(bloc, row, None, line.no)
                    assessment.orphan = True
                    row_assessed = True
                if assessment.orphan:
                    self.warn(
                        "orphan_criterion",
                        _(
                            "Criterion before any evaluation modality of bloc %(n)s: “%(text)s”; it is kept "
                            "in a modality %(code)s without title."
                        )
                        % {"n": bloc.number, "text": _excerpt(line.rest), "code": assessment.code},
                        line.no,
                    )
                if not assessment.criteria:
                    assessment.groups = 1
                elif space_since:
                    assessment.groups += 1
                criterion = _Criterion(line.no, [line.rest], assessment.groups)
                assessment.criteria.append(criterion)
                target, state = criterion.parts, "criteria"
            else:  # TEXT after the competencies: a continuation, or a new modality heading
                if assessment is None or target is None:  # not reachable: competencies open a modality
                    self.warn_unread([line])
                    previous, space_since, i = line, False, i + 1
                    continue
                new_paragraph = (
                    previous is not None
                    and _starts_upper(line.text)
                    and (_ends_sentence(previous.text) or space_since)
                )
                if new_paragraph:
                    end, paragraph = self.paragraph(lines, i)
                    follower = next((n for n in lines[end:] if n.kind not in _BLANK), None)
                    followers = (MODALITY,) if state == "evaluation" else (MODALITY, DELIVERABLE)
                    heads = follower is not None and follower.kind in followers
                    if heads and classify_assessment_kind(paragraph):
                        assessment = self.open_assessment(bloc, row, paragraph, line.no)
                        row_assessed = True
                        target, state = assessment.description, "evaluation"
                        previous, space_since, i = lines[end - 1], False, end
                        continue
                    if state == "criteria":
                        self.warn(
                            "uncertain_boundary",
                            _(
                                "This line does not start with “- ”; it is joined to criterion %(code)s: "
                                "check it."
                            )
                            % {"code": f"{assessment.code}.{len(assessment.criteria)}"},
                            line.no,
                        )
                target.append(line.raw)
            previous, space_since = line, False
            i += 1

    def read_competency(
        self, bloc: _Bloc, item: _Item, row: list[_Item], lines: list[_Line], i: int
    ) -> tuple[int, _Assessment | None]:
        """Read competency ``item`` from line ``i``; where the evaluation column starts, open its modality.

        Returns the index of the next line to read and the modality opened, if any.
        """
        j = i + 1
        while j < len(lines):
            kind = lines[j].kind
            if kind in (COMPETENCY, ACTIVITY, MODALITY, DELIVERABLE):
                break
            if kind == CRITERION and not self.dashes_inside_competencies(lines, j):
                break
            j += 1
        segment = lines[i + 1 : j]
        stop = lines[j] if j < len(lines) else None
        if stop is not None and stop.kind in (COMPETENCY, ACTIVITY):
            item.parts += [line.raw for line in segment if line.kind not in _BLANK]
            return j, None
        paragraphs = _paragraphs([lines[i], *segment])
        texts = [_join(line.raw for line in p) for p in paragraphs]
        heading = next((k for k in range(1, len(paragraphs)) if classify_assessment_kind(texts[k])), None)
        if heading is None and len(paragraphs) > 1:
            heading = len(paragraphs) - 1 if stop is not None and stop.kind == MODALITY else 1
        if heading is None:
            split = self.glued_heading(paragraphs[0])
            if split is not None:
                self.warn(
                    "uncertain_boundary",
                    _(
                        "The modality heading is not separated from competency %(code)s by the end of a "
                        "sentence; it was taken to start on this line: check it."
                    )
                    % {"code": item.code},
                    paragraphs[0][split].no,
                )
                paragraphs = [paragraphs[0][:split], paragraphs[0][split:]]
                heading = 1
        if heading is None:
            item.parts += [line.raw for line in segment if line.kind not in _BLANK]
            if stop is None:
                return j, None
            assessment = self.open_assessment(bloc, row, None, stop.no)
            if stop.kind == CRITERION:
                assessment.orphan = True
            else:
                self.warn_no_heading(bloc, stop)
            return j, assessment
        item.parts += [line.raw for p in paragraphs[:heading] for line in p][1:]
        if heading > 1:
            self.warn(
                "uncertain_boundary",
                _(
                    "A paragraph after competency %(code)s does not look like an evaluation modality; "
                    "it is kept as part of %(code)s: check where the evaluation column starts."
                )
                % {"code": item.code},
                paragraphs[1][0].no,
            )
        title = _join(line.raw for line in paragraphs[heading])
        assessment = self.open_assessment(bloc, row, title, paragraphs[heading][0].no)
        assessment.description += [line.raw for p in paragraphs[heading + 1 :] for line in p]
        return j, assessment

    @staticmethod
    def dashes_inside_competencies(lines: list[_Line], j: int) -> bool:
        """Whether the "- " line ``j`` is a sub-item of a competency (another competency follows it)."""
        for line in lines[j:]:
            if line.kind in (COMPETENCY, ACTIVITY):
                return True
            if line.kind in (MODALITY, DELIVERABLE):
                return False
        return False

    @staticmethod
    def glued_heading(paragraph: list[_Line]) -> int | None:
        """Index of the line where a modality heading starts inside a competency paragraph, if any."""
        for k in range(1, len(paragraph)):
            rest = _join(line.raw for line in paragraph[k:])
            if _starts_upper(paragraph[k].text) and _GLUED_HEADING_RE.match(fold(rest)):
                return k
        return None

    @staticmethod
    def paragraph(lines: list[_Line], i: int) -> tuple[int, str]:
        """The paragraph starting at line ``i``: (index after it, its text)."""
        parts = [lines[i].raw]
        j = i + 1
        last = lines[i]
        space = False
        while j < len(lines):
            line = lines[j]
            if line.kind in _BLANK:
                space = space or line.kind == SPACE
                j += 1
                continue
            if line.kind != TEXT or (_starts_upper(line.text) and (_ends_sentence(last.text) or space)):
                break
            parts.append(line.raw)
            last, space = line, False
            j += 1
        # Leave trailing blank lines for the caller, so a whitespace-only line still counts.
        while j > i + 1 and lines[j - 1].kind in _BLANK:
            j -= 1
        return j, _join(parts)

    def open_assessment(self, bloc: _Bloc, row: list[_Item], title: str | None, line: int) -> _Assessment:
        self.assessment_count += 1
        competencies = list(row or bloc.competencies)
        assessment = _Assessment(f"E{self.assessment_count}", line, title, competencies)
        bloc.assessments.append(assessment)
        return assessment

    def warn_no_heading(self, bloc: _Bloc, line: _Line) -> None:
        self.warn(
            "no_modality_heading",
            _(
                "In bloc %(n)s the evaluation column starts here, but no modality heading (such as "
                "“Mise en situation professionnelle réelle.”) can be told apart: modality %(code)s has no "
                "title; its code stands in for it."
            )
            % {"n": bloc.number, "code": f"E{self.assessment_count}"},
            line.no,
        )

    # codes, links and the canonical structure ------------------------------------------------------
    def assign_codes(self, blocs: list[_Bloc]) -> None:
        check_numbering(self.result, [(str(b.number), b.line) for b in blocs], what=_("Bloc"), prefix="")
        activities = [a for b in blocs for a in b.activities]
        competencies = [c for b in blocs for c in b.competencies]
        check_numbering(self.result, [(a.code, a.line) for a in activities], what=_("Activity"), prefix="A")
        check_numbering(
            self.result, [(c.code, c.line) for c in competencies], what=_("Competency"), prefix="C"
        )
        for bloc in blocs:
            bloc.code = f"BC{bloc.number:02d}"

    def emit_bloc(self, bloc: _Bloc) -> dict[str, Any]:
        activity_codes = [a.code for a in bloc.activities]
        if len(bloc.activities) > 1 and len(bloc.competencies) > 1:
            self.warn(
                "ambiguous_link",
                _(
                    "bloc %(bloc)s: %(na)s activities (%(a)s) for %(nc)s competencies (%(c)s): "
                    "which activity each competency serves cannot be decided; each competency is linked "
                    "to every activity of the bloc. Review the links."
                )
                % {
                    "bloc": bloc.code,
                    "na": len(bloc.activities),
                    "a": _span(activity_codes),
                    "nc": len(bloc.competencies),
                    "c": _span([c.code for c in bloc.competencies]),
                },
                bloc.line,
            )
        block: dict[str, Any] = {
            "code": bloc.code,
            "generated": True,
            "title": _join(bloc.title) or bloc.code,
            "description": _join(bloc.description),
            "activities": [self.emit_item(a, "text") for a in bloc.activities],
            "competencies": [
                {**self.emit_item(c, "text"), "activities": list(activity_codes)} for c in bloc.competencies
            ],
            "assessments": [],
        }
        for assessment in bloc.assessments:
            block["assessments"].append(self.emit_assessment(bloc, assessment))
        if not bloc.assessments:
            self.warn(
                "no_assessment",
                _(
                    "Bloc %(bloc)s has no evaluation modality and no criteria after its competencies: "
                    "the document may be truncated."
                )
                % {"bloc": bloc.code},
                bloc.competencies[-1].line,
            )
        return block

    def emit_item(self, item: _Item, key: str) -> dict[str, Any]:
        data: dict[str, Any] = {"code": item.code}
        if item.generated:
            data["generated"] = True
        data[key] = item.text
        if not data[key]:
            data[key] = item.code
            self.warn(
                "empty_text",
                _("%(code)s has no text in the document; its code stands in for it: write it in.")
                % {"code": item.code},
                item.line,
            )
        return data

    def emit_assessment(self, bloc: _Bloc, assessment: _Assessment) -> dict[str, Any]:
        code = assessment.code
        deliverables = [d.text for d in assessment.deliverables if d.text]
        description = _join(assessment.description)
        kind = classify_assessment_kind(assessment.title) if assessment.title else None
        if kind is None:
            kind = "other"
            self.warn(
                "unknown_kind",
                _("%(code)s: the kind of evaluation cannot be told from its title; recorded as “other”.")
                % {"code": code},
                assessment.line,
            )
        modes = detect_modes(" ".join([assessment.title or "", description, *deliverables]))
        if modes["individual"] is None:
            self.warn(
                "undetermined_mode",
                _("%(code)s: the document does not say whether it is individual or collective.")
                % {"code": code},
                assessment.line,
            )
        competencies = [c.code for c in assessment.competencies]
        criteria = []
        explicit = len(competencies) == 1 or assessment.groups == len(competencies)
        for number, criterion in enumerate(assessment.criteria, start=1):
            if len(competencies) == 1:
                linked = list(competencies)
            elif explicit:
                linked = [competencies[criterion.group - 1]]
            else:
                linked = list(competencies)
            text = _join(criterion.parts)
            criteria.append(
                {"code": f"{code}.{number}", "generated": True, "text": text, "competencies": linked}
            )
        if not criteria:
            self.warn(
                "no_criteria",
                _("%(code)s has no evaluation criteria in the document.") % {"code": code},
                assessment.line,
            )
        elif not explicit:
            self.warn(
                "ambiguous_link",
                ngettext(
                    "bloc %(bloc)s: %(n)s criteria in %(groups)s paragraph for %(nc)s competencies (%(c)s): "
                    "which criterion evaluates which competency cannot be decided; each criterion is linked "
                    "to every competency of the bloc. Review the links.",
                    "bloc %(bloc)s: %(n)s criteria in %(groups)s paragraphs for %(nc)s competencies (%(c)s): "
                    "which criterion evaluates which competency cannot be decided; each criterion is linked "
                    "to every competency of the bloc. Review the links.",
                    assessment.groups,
                )
                % {
                    "bloc": bloc.code,
                    "n": len(criteria),
                    "groups": assessment.groups,
                    "nc": len(competencies),
                    "c": _span(competencies),
                },
                assessment.criteria[0].line,
            )
        return {
            "code": code,
            "generated": True,
            "title": assessment.title or code,
            "kind": kind,
            **modes,
            "description": description,
            "deliverables": deliverables,
            "competencies": competencies,
            "criteria": criteria,
        }


def _paragraphs(lines: list[_Line]) -> list[list[_Line]]:
    """Non-blank lines grouped into paragraphs: a new one starts with a capital after a sentence end
    or after a whitespace-only line."""
    paragraphs: list[list[_Line]] = []
    space = False
    for line in lines:
        if line.kind in _BLANK:
            space = space or line.kind == SPACE
            continue
        if paragraphs and _starts_upper(line.text) and (_ends_sentence(paragraphs[-1][-1].text) or space):
            paragraphs.append([line])
        elif paragraphs:
            paragraphs[-1].append(line)
        else:
            paragraphs.append([line])
        space = False
    return paragraphs
