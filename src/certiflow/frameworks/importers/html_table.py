"""The référentiel as an HTML table dumped row by row (layout of seed 000).

Each table row is one line of four tab-separated cells (activities, competencies, evaluation
modalities, evaluation criteria) holding ``<p>``, ``<b>``, ``<i>``, ``<ul><li>`` markup. The page header
(``## …`` lines and the two column-title rows) repeats before each row. A row whose first cell is
``BLOC DE COMPÉTENCES N : title`` opens a bloc.

Links (seed README: "sometimes only implied by the table row"): what sits in the same row is linked;
where a row holds several activities, modalities or competencies, the finer link cannot be decided
from the document and every item of the row is linked to every other, with one warning for the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.utils.translation import gettext as _

from .base import (
    ImportRefused,
    ParseResult,
    check_numbering,
    classify_assessment_kind,
    detect_modes,
    fold,
    normalise_space,
)

LAYOUT = "html_table"

_BLOC_RE = re.compile(r"^BLOC DE COMP[ÉE]TENCES\s+(\d+)\s*:\s*(.+)$", re.IGNORECASE)
_TITLE_RE = re.compile(r"^#+\s*R[ÉE]F[ÉE]RENTIELS? DE LA CERTIFICATION\s*«\s*(.+?)\s*»", re.IGNORECASE)
_CODED_RE = {
    "A": re.compile(r"^A(\d+)\s*[-–:.]\s*"),
    "C": re.compile(r"^C(\d+)\s*[-–:.]?\s*:?\s*"),
    "E": re.compile(r"^E(\d+)\s*[-–:.]\s*"),
}
_WEAK_KINDS = {"portfolio", "oral", "written"}
_HEADER_WORDS = ("referentiel d'activites", "referentiel de competences", "modalites d'evaluation")


def looks_like(text: str) -> bool:
    rows = [line for line in text.split("\n") if line.count("\t") == 3]
    marked = [row for row in rows if re.search(r"<(p|b|li)\b", row)]
    return bool(marked) and any(_BLOC_RE.match(_strip_tags(row.split("\t")[0])) for row in rows)


# --- a small tree of the cell markup ------------------------------------------------------------


@dataclass
class _Node:
    tag: str  # "p" or "li" (or "root")
    parts: list[str] = field(default_factory=list)
    bold: list[str] = field(default_factory=list)  # text inside <b> at this level, in order
    children: list[_Node] = field(default_factory=list)
    starts_bold: bool = False

    @property
    def text(self) -> str:
        return normalise_space("".join(self.parts))

    @property
    def lead(self) -> str:
        """The bold text the paragraph starts with (where codes and headings are written)."""
        return normalise_space(self.bold[0]) if self.starts_bold and self.bold else ""


class _CellParser(HTMLParser):
    """Turns a cell's markup into paragraphs and (nested) list items; unknown tags keep their text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack: list[_Node] = [self.root]
        self.loose = _Node("p")  # text outside any <p>/<li>
        self.in_bold = 0
        self.errors: list[str] = []

    @property
    def current(self) -> _Node:
        return self.stack[-1]

    def handle_starttag(self, tag, attrs):
        if tag in ("p", "li"):
            self._flush_loose()
            node = _Node(tag)
            self.current.children.append(node)
            self.stack.append(node)
        elif tag in ("b", "strong"):
            node = self.current
            if not node.text and not node.bold:
                node.starts_bold = True
            node.bold.append("")
            self.in_bold += 1
        elif tag == "br":
            self.current.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("p", "li"):
            if len(self.stack) > 1 and self.current.tag == tag:
                self.stack.pop()
            else:
                self.errors.append(tag)
        elif tag in ("b", "strong"):
            self.in_bold = max(0, self.in_bold - 1)

    def handle_data(self, data):
        node = self.current
        if node is self.root:
            if data.strip():
                self.loose.parts.append(data)
            return
        node.parts.append(data)
        if self.in_bold and node.bold:
            node.bold[-1] += data

    def _flush_loose(self) -> None:
        if self.loose.text:
            self.root.children.append(self.loose)
            self.loose = _Node("p")

    def close(self):
        super().close()
        self._flush_loose()
        if len(self.stack) > 1:
            self.errors.append(f"<{self.stack[-1].tag}> not closed")


def _parse_cell(markup: str) -> tuple[list[_Node], list[str]]:
    parser = _CellParser()
    parser.feed(markup)
    parser.close()
    return parser.root.children, parser.errors


def _strip_tags(markup: str) -> str:
    nodes, _errors = _parse_cell(markup)
    return " ".join(n.text for n in _flatten(nodes)) or normalise_space(re.sub(r"<[^>]+>", " ", markup))


def _flatten(nodes: list[_Node]) -> list[_Node]:
    out = []
    for node in nodes:
        out.append(node)
        out.extend(_flatten(node.children))
    return out


def _full_text(node: _Node) -> str:
    """The node's text followed by its nested items' texts, as one reads it."""
    return normalise_space(" ".join([node.text, *(_full_text(child) for child in node.children)]))


def _item_text(node: _Node) -> str:
    return re.sub(r"^[-–•]\s*", "", node.text)


# --- the parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.text = text
        self.result = ParseResult(
            layout=LAYOUT,
            document={
                "code": None,
                "title": None,
                "version": None,
                "level": None,
                "certifiers": [],
                "rules": {"competency_policy": "all_criteria"},
                "sections": {},
                "blocks": [],
                "source": {"layout": LAYOUT, "name": name},
                "warnings": [],
            },
        )
        self.doc = self.result.document
        self.block: dict | None = None
        self.codes: dict[str, list[tuple[str, int]]] = {"A": [], "C": [], "E": []}
        self.assessments: dict[str, dict] = {}
        self.notes: list[str] = []

    def warn(self, code: str, message: str, line: int | None) -> None:
        self.result.warn(code, message, line)

    def run(self) -> ParseResult:
        for number, line in enumerate(self.text.split("\n"), start=1):
            if "\t" in line:
                self.row(line, number)
            else:
                self.outside_table(line, number)
        if not self.doc["blocks"]:
            raise ImportRefused(
                _("No 'BLOC DE COMPÉTENCES' row was found in the table."),
                hint=_("Check that the document is the référentiel table with its bloc headings."),
            )
        for block in self.doc["blocks"]:
            if not block["competencies"]:
                raise ImportRefused(
                    _("Bloc %(code)s (%(title)s) has no competency: the document looks truncated.")
                    % {"code": block["code"], "title": block["title"]},
                    line=block.pop("_line"),
                    hint=_("Import the complete document."),
                )
            block.pop("_line", None)
        check_numbering(self.result, self.codes["A"], what=_("Activity"), prefix="A")
        check_numbering(self.result, self.codes["C"], what=_("Competency"), prefix="C")
        check_numbering(self.result, self.codes["E"], what=_("Evaluation modality"), prefix="E")
        if self.doc["title"] is None:
            self.warn("missing_title", _("The document does not state the certification's title."), None)
        if self.notes:
            self.doc["sections"]["Texte hors tableau"] = "\n".join(self.notes)
        self.doc["warnings"] = [str(issue) for issue in self.result.issues]
        return self.result

    def outside_table(self, line: str, number: int) -> None:
        text = normalise_space(line)
        if not text or re.match(r"^#+\s*ELEMENTS COMPLEMENTAIRES", text, re.IGNORECASE):
            return
        if match := _TITLE_RE.match(text):
            title = normalise_space(match.group(1))
            if self.doc["title"] and self.doc["title"] != title:
                self.warn(
                    "conflicting_title", _("A second, different title: %(title)s.") % {"title": title}, number
                )
            self.doc["title"] = self.doc["title"] or title
            return
        if re.search(r"<(p|b|li|ul)\b", text):
            raise ImportRefused(
                _("This line holds table markup but not the four tab-separated cells of a row."),
                line=number,
                hint=_("The document may be truncated or its tabs replaced by spaces; export it again."),
            )
        self.notes.append(text)

    def row(self, line: str, number: int) -> None:
        cells = line.split("\t")
        if len(cells) != 4:
            raise ImportRefused(
                _("This table row has %(n)s cells; a row of the référentiel has 4.") % {"n": len(cells)},
                line=number,
                hint=_("The document may be truncated or a cell may contain a tab; check this line."),
            )
        parsed = []
        for index, cell in enumerate(cells):
            nodes, errors = _parse_cell(cell)
            if errors:
                raise ImportRefused(
                    _("Cell %(cell)s has unbalanced markup (%(tags)s).")
                    % {"cell": index + 1, "tags": ", ".join(errors)},
                    line=number,
                    hint=_("The document may be truncated; import the complete table."),
                )
            parsed.append(nodes)
        plain = [fold(" ".join(n.text for n in _flatten(nodes))) for nodes in parsed]
        if not any(plain):
            return
        if any(word in plain[0] or word in plain[1] or word in plain[2] for word in _HEADER_WORDS) or (
            not plain[0] and not plain[1] and "modalites d'evaluation" in plain[2]
        ):
            return  # the repeated column titles
        bloc = _BLOC_RE.match(" ".join(n.text for n in parsed[0]))
        if bloc and not any(plain[1:]):
            self.open_block(int(bloc.group(1)), normalise_space(bloc.group(2)), number)
            return
        if self.block is None:
            raise ImportRefused(
                _("A table row comes before any 'BLOC DE COMPÉTENCES' heading."),
                line=number,
                hint=_("Each row of the référentiel belongs to a bloc; check the start of the document."),
            )
        activities = self.activities(parsed[0], number)
        competencies = self.competencies(parsed[1], number)
        assessments = self.assessments_of(parsed[2], number)
        self.criteria(parsed[3], assessments, number)
        self.link(activities, competencies, assessments, number)

    def open_block(self, number: int, title: str, line: int) -> None:
        code = f"BC{number:02d}"
        if any(b["code"] == code for b in self.doc["blocks"]):
            raise ImportRefused(
                _("Bloc %(n)s appears twice.") % {"n": number},
                line=line,
                hint=_("Each 'BLOC DE COMPÉTENCES' number must be unique."),
            )
        self.block = {
            "code": code,
            "generated": True,
            "title": title,
            "description": "",
            "activities": [],
            "competencies": [],
            "assessments": [],
            "_line": line,
        }
        self.doc["blocks"].append(self.block)

    # cell 1: activities -----------------------------------------------------------------------
    def activities(self, nodes: list[_Node], line: int) -> list[dict]:
        found: list[dict] = []
        context: list[str] = []
        for node in nodes:
            match = _CODED_RE["A"].match(node.lead) if node.tag == "p" else None
            if match:
                activity = {
                    "code": f"A{match.group(1)}",
                    "text": _CODED_RE["A"].sub("", node.text, count=1),
                    "description": "",
                }
                found.append(activity)
                self.block["activities"].append(activity)
                self.codes["A"].append((activity["code"], line))
                if context:
                    activity["description"] = "\n".join(context)
                    context = []
            else:
                context.append(_full_text(node))
        if context:
            if found:
                found[-1]["description"] = "\n".join(filter(None, [found[-1]["description"], *context]))
            else:
                self.block["description"] = "\n".join(filter(None, [self.block["description"], *context]))
        return found

    # cell 2: competencies ---------------------------------------------------------------------
    def competencies(self, nodes: list[_Node], line: int) -> list[dict]:
        found: list[dict] = []
        for node in nodes:
            match = _CODED_RE["C"].match(node.lead) if node.tag == "p" else None
            if match:
                text = _CODED_RE["C"].sub("", node.text, count=1)
                competency = {"code": f"C{match.group(1)}", "text": text.lstrip(": ").strip()}
                found.append(competency)
                self.block["competencies"].append(competency)
                self.codes["C"].append((competency["code"], line))
            elif found:
                # A list or an example paragraph continues the competency it follows (C4, C17, C24).
                found[-1]["text"] = normalise_space(f"{found[-1]['text']} {_full_text(node)}")
            else:
                self.warn(
                    "unreadable",
                    _("Text in the competencies cell before any competency code: “%(text)s”.")
                    % {"text": _full_text(node)[:120]},
                    line,
                )
        return found

    # cell 3: evaluation modalities -------------------------------------------------------------
    def assessments_of(self, nodes: list[_Node], line: int) -> list[dict]:
        found: list[dict] = []
        modality = ""
        for node in nodes:
            match = _CODED_RE["E"].match(node.lead) if node.tag == "p" else None
            if match:
                code = f"E{match.group(1)}"
                title = _CODED_RE["E"].sub("", node.lead, count=1).rstrip(" :").strip()
                rest = node.text.split(node.lead, 1)[1] if node.lead in node.text else ""
                assessment = {
                    "code": code,
                    "title": title,
                    "kind": None,
                    "modality": modality,
                    "individual": None,
                    "collective": False,
                    "written": False,
                    "oral": False,
                    "description": normalise_space(rest.lstrip(" :")),
                    "deliverables": [],
                    "competencies": [],
                    "criteria": [],
                    "_line": line,
                }
                found.append(assessment)
                self.codes["E"].append((code, line))
                if code not in self.assessments:
                    self.assessments[code] = assessment
                    self.block["assessments"].append(assessment)
            elif found:
                found[-1]["description"] = "\n".join(
                    filter(None, [found[-1]["description"], _full_text(node)])
                )
            else:
                modality = normalise_space(f"{modality} {_full_text(node)}")
        for assessment in found:
            self.describe(assessment, line)
        return found

    def describe(self, assessment: dict, line: int) -> None:
        description = assessment["description"]
        if "⇒" in description:
            before, *after = description.split("⇒")
            assessment["description"] = before.strip()
            assessment["deliverables"] = [normalise_space(part) for part in after if part.strip()]
        wording = " ".join([assessment["title"], description])
        # The modality's own title names its kind best ("Études de micro-cas"); where it only names
        # what is produced ("dossier", "oral"), the row's heading ("Mise en situation …") is more telling.
        kinds = [
            classify_assessment_kind(t) for t in (assessment["title"], assessment["modality"], description)
        ]
        strong = [k for k in kinds if k and k not in _WEAK_KINDS]
        assessment["kind"] = strong[0] if strong else next((k for k in kinds if k), None)
        if assessment["kind"] is None:
            assessment["kind"] = "other"
            self.warn(
                "unknown_kind",
                _("%(code)s: the kind of evaluation cannot be told from its wording; recorded as 'other'.")
                % {"code": assessment["code"]},
                line,
            )
        assessment.update(detect_modes(" ".join([wording, *assessment["deliverables"]])))
        if assessment["individual"] is None:
            self.warn(
                "undetermined_mode",
                _("%(code)s: the document does not say whether it is individual or collective.")
                % {"code": assessment["code"]},
                line,
            )

    # cell 4: criteria --------------------------------------------------------------------------
    def criteria(self, nodes: list[_Node], row_assessments: list[dict], line: int) -> None:
        target: dict | None = None
        heading = ""
        for node in nodes:
            match = _CODED_RE["E"].match(node.lead) if node.tag == "p" else None
            if match:
                code = f"E{match.group(1)}"
                target = self.criteria_target(code, node, row_assessments, line)
                heading = ""
                after = node.text.split(node.lead, 1)[1] if node.lead in node.text else ""
                inline = re.split(r"(?:^|\s)-\s+", " " + after)
                if len(inline) > 2 and not inline[0].strip(" :"):
                    self.warn(
                        "inline_criteria",
                        _(
                            "The criteria of %(code)s are written in one paragraph, separated by dashes; "
                            "they were split at each ' - '."
                        )
                        % {"code": code},
                        line,
                    )
                    for piece in inline[1:]:
                        self.add_criterion(target, piece, "", line)
                else:
                    target["criteria_heading"] = normalise_space(_CODED_RE["E"].sub("", node.text, count=1))
                continue
            if target is None:
                self.warn(
                    "orphan_criterion",
                    _("Criterion text before any modality code in the criteria cell: “%(text)s”.")
                    % {"text": _full_text(node)[:120]},
                    line,
                )
                continue
            if node.tag == "p":
                if node.text.endswith(":"):
                    heading = node.text
                else:
                    self.warn(
                        "loose_criterion",
                        _(
                            "In the criteria of %(code)s, “%(text)s” is a paragraph between the lists; "
                            "it is kept as a criterion of its own."
                        )
                        % {"code": target["code"], "text": node.text},
                        line,
                    )
                    self.add_criterion(target, node.text, "", line)
                for child in node.children:
                    self.add_items(target, child, heading, line)
            else:
                self.add_items(target, node, heading, line)

    def add_items(self, target: dict, node: _Node, heading: str, line: int) -> None:
        if node.children:
            # An item with its own list ("La qualité de l'argumentaire :"): the sub-items are the
            # criteria; the item's words become their heading.
            sub_heading = normalise_space(f"{heading} {_item_text(node)}") if node.text else heading
            for child in node.children:
                self.add_items(target, child, sub_heading, line)
        elif node.text:
            self.add_criterion(target, _item_text(node), heading, line)

    def add_criterion(self, target: dict, text: str, heading: str, line: int) -> None:
        text = normalise_space(text)
        if not text:
            return
        criterion = {
            "code": f"{target['code']}.{len(target['criteria']) + 1}",
            "generated": True,
            "text": text,
        }
        if heading:
            criterion["heading"] = heading
        criterion["competencies"] = []
        target["criteria"].append(criterion)

    def criteria_target(self, code: str, node: _Node, row_assessments: list[dict], line: int) -> dict:
        for assessment in row_assessments:
            if assessment["code"] == code:
                return assessment
        if code in self.assessments:
            self.warn(
                "misplaced_criteria",
                _(
                    "Criteria for %(code)s are in a row where %(code)s is not described; they are attached to "
                    "%(code)s as described earlier."
                )
                % {"code": code},
                line,
            )
            return self.assessments[code]
        self.warn(
            "orphan_criterion",
            _(
                "Criteria for %(code)s, but no evaluation modality %(code)s is described; a modality %(code)s "
                "is created from the criteria heading. Review it."
            )
            % {"code": code},
            line,
        )
        assessment = {
            "code": code,
            "title": _CODED_RE["E"].sub("", node.lead, count=1).rstrip(" :").strip() or code,
            "kind": "other",
            "individual": None,
            "collective": False,
            "written": False,
            "oral": False,
            "description": "",
            "deliverables": [],
            "competencies": [],
            "criteria": [],
        }
        self.assessments[code] = assessment
        self.block["assessments"].append(assessment)
        row_assessments.append(assessment)
        return assessment

    # links --------------------------------------------------------------------------------------
    def link(
        self, activities: list[dict], competencies: list[dict], assessments: list[dict], line: int
    ) -> None:
        activity_codes = [a["code"] for a in activities]
        competency_codes = [c["code"] for c in competencies]
        for competency in competencies:
            competency["activities"] = list(activity_codes)
        if competencies and not activities:
            self.warn(
                "ambiguous_link",
                _("Competencies %(c)s have no activity in their row; they are linked to none.")
                % {"c": ", ".join(competency_codes)},
                line,
            )
        elif len(activities) > 1 and len(competencies) > 1:
            self.warn(
                "ambiguous_link",
                _(
                    "The row holds activities %(a)s and competencies %(c)s: which competency serves which "
                    "activity is not stated; each competency is linked to every activity of the row."
                )
                % {"a": ", ".join(activity_codes), "c": ", ".join(competency_codes)},
                line,
            )
        for assessment in assessments:
            assessment["competencies"] = list(competency_codes)
            for criterion in assessment["criteria"]:
                criterion["competencies"] = list(competency_codes)
            assessment.pop("_line", None)
            if not assessment["criteria"]:
                self.warn(
                    "no_criteria",
                    _("%(code)s has no evaluation criteria in the document.") % {"code": assessment["code"]},
                    line,
                )
        codes = ", ".join(a["code"] for a in assessments)
        if len(assessments) > 1 and len(competencies) > 1:
            self.warn(
                "ambiguous_link",
                _(
                    "The row holds modalities %(e)s and competencies %(c)s: which modality and which criterion "
                    "evaluates which competency is not stated; each is linked to every competency of the row."
                )
                % {"e": codes, "c": ", ".join(competency_codes)},
                line,
            )
        elif len(competencies) > 1 and any(a["criteria"] for a in assessments):
            self.warn(
                "ambiguous_link",
                _(
                    "The criteria of %(e)s evaluate competencies %(c)s, but which criterion evaluates which "
                    "competency is not stated; each criterion is linked to every competency of the row."
                )
                % {"e": codes, "c": ", ".join(competency_codes)},
                line,
            )
        for assessment in assessments:
            assessment.pop("modality", None)


def parse(text: str, *, name: str = "document") -> ParseResult:
    return _Parser(text, name).run()
