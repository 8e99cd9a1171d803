"""Importer for the public RNCP fiche (the text of a France Compétences certification page).

The fiche is a web page whose tables were flattened into text (seed 003). What it gives:

- a summary ("L'essentiel"): level, NSF codes, Formacodes, expiry date of the registration, repeated once
  without its headings; the certifiers' table ("Nom légal Siret Nom commercial Site internet");
- titled sections whose heading ends with " :" (objectives, activities, "Compétences attestées",
  "Modalités d'évaluation", sectors, jobs, ROME codes, prerequisites, access routes, statistics, …);
- the blocs "RNCP39603BC01 - title", each with the two columns "Liste de compétences" and
  "Modalités d'évaluation" flattened one after the other, ended by "Pour plus d'information …".

What it does not give, and what this importer therefore reports instead of guessing: the title of the
certification (often only in the page header), which activity belongs to which bloc, which modality
evaluates which competency when a bloc has several, the evaluation criteria (they are in the
référentiel), whether the "X" of an access route was in the "Oui" or the "Non" column.

Codes the fiche does not give (activities, competencies, assessments) are generated and marked
``"generated": true``. Texts are kept exactly (whitespace normalised).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from .base import (
    ACCESS_ROUTES,
    ASSESSMENT_KIND_PATTERNS,
    ImportRefused,
    ParseResult,
    classify_access_route,
    classify_assessment_kind,
    detect_modes,
    fold,
    normalise_space,
)

LAYOUT = "rncp_fiche"

# --- patterns -------------------------------------------------------------------------------------

#: "RNCP39603BC01 - Définir un projet culturel" (the dash may be an en/em dash or a colon).
BLOC_HEADING_RE = re.compile(
    r"^(?P<code>(?P<prefix>RNCP\d{3,6})BC(?P<number>\d{1,3}))\s*[-–—:]\s*(?P<title>\S.*)$"
)
#: "RNCP39603 - Responsable de production de projets culturels": the page header of a fiche.
CERTIFICATION_HEADING_RE = re.compile(r"^(?P<code>RNCP\d{3,6})\s*[-–—:]\s*(?P<title>\S.*)$")
_EXPLICIT_CODE_RE = re.compile(r"^(?:[^:]*:\s*)?(?:n°\s*)?(?P<code>RNCP\d{3,6})$", re.IGNORECASE)
_TITLE_RE = re.compile(r"^intitul[ée](?:\s+de\s+la\s+certification)?\s*:\s*(?P<title>\S.*)$", re.IGNORECASE)
_TITLE_LABEL_RE = re.compile(r"^intitul[ée](?:\s+de\s+la\s+certification)?\s*:?$", re.IGNORECASE)
_VERSION_RE = re.compile(r"^(?:version|mill[ée]sime)\s*:\s*(?P<version>\S.*)$", re.IGNORECASE)
_LEVEL_RE = re.compile(r"^niveau\s+(?P<level>\d)\b", re.IGNORECASE)
_NSF_RE = re.compile(r"^(?P<code>\d{3}[a-z]?)\s*:\s*(?P<label>\S.*)$")
_FORMACODE_RE = re.compile(r"^(?P<code>\d{5})\s*:\s*(?P<label>\S.*)$")
_DATE_RE = re.compile(r"(?P<day>\d{2})[-/.](?P<month>\d{2})[-/.](?P<year>\d{4})")
_ROME_RE = re.compile(r"^(?:[•\-*–]\s*)?(?P<code>[A-Z]\d{4})\s*[-–:]\s*(?P<label>\S.*)$")
_REPLACES_RE = re.compile(r"^(?P<code>RNCP\d{3,6})\s+(?P<label>\S.*)$")
_SIRET_ROW_RE = re.compile(r"^(?P<name>.*?)\s*(?<!\d)(?P<siret>\d{14})(?!\d)\s*(?P<rest>.*)$")
_SIRET_SPACED_RE = re.compile(r"(?<!\d)(\d{3}\s\d{3}\s\d{3}\s\d{5})(?!\d)")
_URL_RE = re.compile(r"(?P<url>(?:https?://|www\.)\S+)\s*$", re.IGNORECASE)
_BULLET_RE = re.compile(r"^[•\-–*]\s*")
_ROUTE_MARK_RE = re.compile(r"^(?P<label>.*?)\s*(?<!\S)(?P<x>X)(?P<rest>(?:\s+-)*)\s*$")
_ROUTE_DASHES_RE = re.compile(r"^(?P<label>.*?\S)(?P<rest>(?:\s+-)+)\s*$")
_STAT_ROW_RE = re.compile(r"^(?:19|20)\d{2}\b")
_YEAR_RE = re.compile(r"\b(?P<year>\d)\s*(?:ere|er|eme|e|nde|de)\s+annee")
_NUMBER_WORDS = {
    "un": 1,
    "une": 1,
    "le": 1,
    "la": 1,
    "l'": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
}

# Section headings of the fiche (folded, without the trailing colon) and how their body is read.
_TEXT = "text"
_SECTION_HEADINGS: tuple[tuple[str, str], ...] = (
    ("activities", r"activites visees"),
    ("summary", r"competences attestees"),
    ("modalities", r"modalites d'evaluation"),
    ("rome", r"code\(s\) rome|codes? rome"),
    ("prerequisites_entry", r"le cas ech\w*,? pre-?requis a l'entree en formation"),
    ("prerequisites_validation", r"le cas ech\w*,? pre-?requis a la validation de la certification"),
    ("derogations", r"derogations? specifiques?"),
    ("routes", r"validite des composantes acquises|voies? d'acces(?: a la certification)?"),
    ("statistics", r"statistiques"),
    ("replaces", r"certification\(s\) anterieure\(s\)|certifications? anterieures?"),
    ("certifiers", r"certificateur\(s\)|certificateurs?"),
    (_TEXT, r"objectifs et contexte de la certification"),
    (_TEXT, r"description des modalites d'acquisition de la certification\b.*"),
    (_TEXT, r"secteurs? d'activites?"),
    (_TEXT, r"types? d'emplois accessibles"),
    (_TEXT, r"references? juridiques des reglementations d'activite"),
    (_TEXT, r"pre-?requis dis\w* pour les blocs de competences"),
    (_TEXT, r"lien internet vers le descriptif de la certification"),
    (_TEXT, r"liste des organismes preparant a la certification"),
    (_TEXT, r"certification\(s\) posterieure\(s\)|nouvelle\(s\) certification\(s\)"),
    (_TEXT, r"referentiel d'activites?, de competences et d'evaluation"),
    (_TEXT, r"liens? avec d'autres certifications professionnelles.*"),
    (_TEXT, r"base legale|references? au\(x\) texte\(s\) reglementaire\(s\).*|references? autres.*"),
    (_TEXT, r"references? des arretes et decisions.*|date de (?:decision|publication|l'arrete|effet).*"),
    (_TEXT, r"duree de l'enregistrement.*|historique des evolutions|informations hors statistiques"),
)
#: Section kinds after which a heading unknown to this importer ("Foo :" between blank lines) is
#: recognised as a new section; inside free text such a line is part of the text.
_GENERIC_HEADING_AFTER = {"top", "statistics", "replaces", "routes", "certifiers", "rome", "derogations"}

#: Labels of the summary ("L'essentiel") that carry no information of their own.
_SUMMARY_LABELS = {
    "l'essentiel",
    "nomenclature",
    "du niveau de qualification",
    "nomenclature du niveau de qualification",
    "code(s) nsf",
    "codes nsf",
    "formacode(s)",
    "formacodes",
    "date d'echeance",
    "de l'enregistrement",
    "date d'echeance de l'enregistrement",
}
_BLOC_END_RE = re.compile(r"^pour plus d'informations? sur les attendus")
_BLOC_COLUMNS_RE = re.compile(
    r"^(?:liste de competences|modalites d'evaluation)(?: modalites d'evaluation)?$"
)
_INFINITIVE_ENDINGS = ("er", "ir", "re", "oir")


# --- small helpers ----------------------------------------------------------------------------------


def _strip_colon(text: str) -> str:
    return re.sub(r"\s*:\s*$", "", text)


def _section_kind(line: str) -> str | None:
    folded = _strip_colon(fold(line))
    for kind, pattern in _SECTION_HEADINGS:
        if re.fullmatch(pattern, folded):
            return kind
    return None


def _starts_lower(text: str) -> bool:
    return bool(text) and text[0].isalpha() and text[0].islower()


def _first_word(text: str) -> str:
    words = fold(text).split()
    if words and words[0] in {"se", "s'"} and len(words) > 1:
        return words[1]
    if words and words[0].startswith("s'"):
        return words[0][2:]
    return words[0] if words else ""


def _looks_infinitive(text: str) -> bool:
    return _first_word(text).endswith(_INFINITIVE_ENDINGS)


def luhn_valid(number: str) -> bool:
    """The Luhn check every SIRET passes (La Poste's establishments use a digit sum multiple of 5)."""
    if not number.isdigit():
        return False
    if number.startswith("356000000"):
        return sum(int(d) for d in number) % 5 == 0
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def _months(amount: str, unit: str) -> int:
    return int(amount) * (1 if unit.startswith("mois") else 12)


@dataclass
class _Segment:
    """A titled part of the fiche: its heading, the kind of body it has and its lines."""

    kind: str
    heading: str | None
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)
    closed: bool = False


@dataclass
class _Item:
    kind: str  # "competency" or "modality"
    text: str
    line: int
    assessment_kind: str | None = None


class _Parser:
    def __init__(self, text: str, name: str) -> None:
        self.name = name
        self.lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        self.result = ParseResult(layout=LAYOUT, document={})
        # What the fiche says, collected section by section.
        self.title: str | None = None
        self.explicit_code: str | None = None
        self.version: str | None = None
        self.level: int | None = None
        self.valid_until: str | None = None
        self.certifiers: list[dict[str, Any]] = []
        self.codes: dict[str, list[str]] = {"nsf": [], "formacodes": [], "rome": [], "replaces": []}
        self.labels: dict[str, dict[str, str]] = {"nsf": {}, "formacodes": {}, "rome": {}, "replaces": {}}
        self.access_routes: list[dict[str, Any]] = []
        self.prerequisites: dict[str, list[Any]] = {"entry": [], "validation": [], "derogations": []}
        self.statistics: list[dict[str, Any]] = []
        self.statistics_seen = False
        self.sections: dict[str, str] = {}
        self.activities: list[dict[str, Any]] = []
        self.activities_line: int | None = None
        self.summaries: list[tuple[str, int]] = []
        self.summary_line: int | None = None
        self.vocabulary: list[tuple[re.Pattern[str], str | None, str]] = []
        self.blocks: list[dict[str, Any]] = []
        self.block_lines: dict[str, int] = {}
        self.block_prefixes: list[tuple[str, str, int]] = []
        self.modalities_line: int | None = None
        self.competency_count = 0
        self.assessment_count = 0
        self.individual_unknown_line: int | None = None
        self._last_segment: _Segment | None = None

    # --- segmentation -------------------------------------------------------------------------------

    def segment(self) -> list[_Segment]:
        segments = [_Segment(kind="top", heading=None, line=0)]
        for index, raw in enumerate(self.lines):
            number = index + 1
            line = normalise_space(raw)
            current = segments[-1]
            if not line:
                current.body.append((number, ""))
                continue
            bloc = BLOC_HEADING_RE.match(line)
            if bloc:
                segments.append(_Segment(kind="bloc", heading=line, line=number))
                continue
            kind = _section_kind(line)
            # Without its colon a heading is also a table caption ("Statistiques") or, in a bloc, the
            # header of a column; it only opens a section elsewhere.
            in_open_bloc = current.kind == "bloc" and not current.closed
            if (
                kind is not None
                and (line.endswith(":") or kind not in (current.kind, "bloc"))
                and not (in_open_bloc and kind == "modalities")
            ):
                segments.append(_Segment(kind=kind, heading=_strip_colon(line), line=number))
                continue
            if current.kind == "bloc" and _BLOC_END_RE.match(fold(line)):
                current.body.append((number, line))
                current.closed = True
                continue
            if self._is_generic_heading(index, line, current):
                segments.append(_Segment(kind=_TEXT, heading=_strip_colon(line), line=number))
                continue
            current.body.append((number, line))
        return segments

    def _is_generic_heading(self, index: int, line: str, current: _Segment) -> bool:
        """A titled section this importer does not know: "Heading :" alone between blank lines."""
        if not line.endswith(":") or len(line) < 3 or not line[0].isupper():
            return False
        if not (current.kind in _GENERIC_HEADING_AFTER or (current.kind == "bloc" and current.closed)):
            return False
        folded = _strip_colon(fold(line))
        if folded in _SUMMARY_LABELS or _TITLE_RE.match(line) or _TITLE_LABEL_RE.match(line):
            return False
        if len(line.split()) > 20 or re.search(r"[.;!?]\s", line):
            return False
        before = normalise_space(self.lines[index - 1]) if index > 0 else ""
        after = normalise_space(self.lines[index + 1]) if index + 1 < len(self.lines) else ""
        if before or after:
            return False
        if current.kind == "routes":
            # In the table of routes, a jury composition may open with "Le jury est composé … :".
            previous = next((text for _n, text in reversed(current.body) if text), "")
            mark = _ROUTE_MARK_RE.match(previous)
            if re.search(r"jury|membre|professionnel|compos", folded) or (
                mark and mark.group("label") and not mark.group("rest").strip()
            ):
                return False
        return True

    # --- the whole fiche ----------------------------------------------------------------------------

    def parse(self) -> ParseResult:
        segments = self.segment()
        self._last_segment = segments[-1]
        handlers = {
            "top": self.parse_top,
            "certifiers": self.parse_top,
            "activities": self.parse_activities,
            "summary": self.parse_summary,
            "modalities": self.parse_modalities,
            "bloc": self.parse_bloc,
            "rome": self.parse_rome,
            "prerequisites_entry": self.parse_prerequisites,
            "prerequisites_validation": self.parse_prerequisites,
            "derogations": self.parse_derogations,
            "routes": self.parse_routes,
            "statistics": self.parse_statistics,
            "replaces": self.parse_replaces,
            _TEXT: self.parse_text,
        }
        # The general "Modalités d'évaluation" section gives the vocabulary the blocs use: read it first.
        for segment in segments:
            if segment.kind == "modalities":
                self.read_vocabulary(segment)
        for segment in segments:
            handlers[segment.kind](segment)
        if not self.blocks:
            raise ImportRefused(
                _("%(name)s has no bloc of competencies (a heading like “RNCP12345BC01 - title”).")
                % {"name": self.name},
                line=self.modalities_line or self.summary_line or len(self.lines),
                hint=_(
                    "Copy the whole text of the RNCP fiche, including the blocs of competencies with their "
                    "competencies and evaluation modalities, then import it again."
                ),
            )
        self.finish()
        return self.result

    # --- summary, certifiers, title -----------------------------------------------------------------

    def parse_top(self, segment: _Segment) -> None:
        runs: dict[str, list[list[tuple[str, str, int]]]] = {
            "level": [],
            "nsf": [],
            "formacodes": [],
            "date": [],
        }
        last_kind: str | None = None
        in_certifiers = False
        expect_title = False
        for number, line in segment.body:
            if not line:
                in_certifiers = False
                continue
            folded = fold(line)
            if expect_title:
                expect_title = False
                self._set_title(line, number)
                continue
            if in_certifiers:
                self._read_certifier(line, number)
                continue
            if folded.startswith("nom legal") and "siret" in folded:
                in_certifiers = True
                continue
            if folded in _SUMMARY_LABELS or folded.startswith("icon"):
                continue
            entry = self._summary_entry(line)
            if entry is not None:
                kind, code, label = entry
                if kind != last_kind or not runs[kind]:
                    runs[kind].append([])
                runs[kind][-1].append((code, label, number))
                last_kind = kind
                continue
            if match := _TITLE_RE.match(line):
                self._set_title(match.group("title"), number)
                continue
            if _TITLE_LABEL_RE.match(line):
                expect_title = True
                continue
            if match := _VERSION_RE.match(line):
                self.version = match.group("version")
                continue
            if (match := CERTIFICATION_HEADING_RE.match(line)) and not BLOC_HEADING_RE.match(line):
                self._set_code(match.group("code"), number)
                self._set_title(match.group("title"), number)
                continue
            if match := _EXPLICIT_CODE_RE.match(line):
                self._set_code(match.group("code").upper(), number)
                continue
            self._unreadable(line, number)
        if expect_title:
            self.result.warn(
                "missing_title",
                _("The “Intitulé” label is not followed by the title of the certification."),
                segment.body[-1][0] if segment.body else None,
            )
        self._merge_summary_runs(runs)

    def _summary_entry(self, line: str) -> tuple[str, str, str] | None:
        if match := _LEVEL_RE.match(line):
            return "level", match.group("level"), line
        if match := _NSF_RE.match(line):
            return "nsf", match.group("code"), match.group("label")
        if match := _FORMACODE_RE.match(line):
            return "formacodes", match.group("code"), match.group("label")
        folded = fold(line)
        if match := _DATE_RE.fullmatch(line) or (
            folded.startswith("date d'echeance") and _DATE_RE.search(line)
        ):
            return "date", match.group(0), line
        return None

    def _merge_summary_runs(self, runs: dict[str, list[list[tuple[str, str, int]]]]) -> None:
        """The summary repeats: the first listing of each kind counts, identical repeats are dropped."""
        for kind, kind_runs in runs.items():
            if not kind_runs:
                continue
            first, *repeats = kind_runs
            if kind == "level":
                self.level = int(first[0][0])
            elif kind == "date":
                self.valid_until = self._iso_date(first[0][0], first[0][2])
            else:
                for code, label, number in first:
                    self._add_coded(kind, code, label, number)
            if kind in ("level", "date") and len(first) > 1:
                repeats = [[entry] for entry in first[1:]] + repeats
            for repeat in repeats:
                self._compare_repeat(kind, first, repeat)

    def _compare_repeat(
        self, kind: str, first: list[tuple[str, str, int]], repeat: list[tuple[str, str, int]]
    ) -> None:
        what = {
            "level": _("level"),
            "date": _("expiry date"),
            "nsf": _("NSF codes"),
            "formacodes": _("Formacodes"),
        }[kind]
        if kind in ("level", "date"):
            for code, label, number in repeat:
                if code != first[0][0]:
                    self.result.warn(
                        "summary_mismatch",
                        _(
                            "The summary of the fiche repeats the %(what)s as “%(repeat)s” but first gave "
                            "“%(first)s”; the first is kept."
                        )
                        % {"what": what, "repeat": label, "first": first[0][1]},
                        number,
                    )
            return
        if [(c, label) for c, label, _n in repeat] == [(c, label) for c, label, _n in first]:
            return
        known = dict(self.labels[kind])
        for code, label, number in repeat:
            if code not in known:
                self._add_coded(kind, code, label, number)
                self.result.warn(
                    "summary_mismatch",
                    _(
                        "The repeated summary of the fiche lists %(what)s %(code)s (“%(label)s”), which the "
                        "first listing does not give; it is added."
                    )
                    % {"what": what, "code": code, "label": label},
                    number,
                )
            elif known[code] != label:
                self.result.warn(
                    "summary_mismatch",
                    _(
                        "The repeated summary of the fiche labels %(what)s %(code)s “%(label)s” but the "
                        "first listing says “%(first)s”; the first is kept."
                    )
                    % {"what": what, "code": code, "label": label, "first": known[code]},
                    number,
                )
        missing = [code for code, _label, _n in first if code not in {c for c, _l, _n2 in repeat}]
        if missing:
            self.result.warn(
                "summary_mismatch",
                _("The repeated summary of the fiche leaves out %(what)s %(codes)s; they are kept.")
                % {"what": what, "codes": ", ".join(missing)},
                repeat[0][2],
            )

    def _add_coded(self, kind: str, code: str, label: str, number: int) -> None:
        if code in self.labels[kind]:
            if self.labels[kind][code] != label:
                self.result.warn(
                    "conflicting_label",
                    _(
                        "Code %(code)s is given twice with different labels (“%(first)s”, “%(label)s”); the "
                        "first is kept."
                    )
                    % {"code": code, "first": self.labels[kind][code], "label": label},
                    number,
                )
            return
        self.codes[kind].append(code)
        self.labels[kind][code] = label

    def _iso_date(self, text: str, number: int) -> str | None:
        match = _DATE_RE.search(text)
        try:
            return date(
                int(match.group("year")), int(match.group("month")), int(match.group("day"))
            ).isoformat()
        except (AttributeError, ValueError):
            self.result.warn(
                "invalid_date",
                _("“%(text)s” is not a valid date; the expiry date is left empty.") % {"text": text},
                number,
            )
            return None

    def _set_title(self, title: str, number: int) -> None:
        title = normalise_space(title)
        if self.title is not None and title != self.title:
            self.result.warn(
                "conflicting_title",
                _("The fiche gives a second title “%(title)s”; the first, “%(first)s”, is kept.")
                % {"title": title, "first": self.title},
                number,
            )
            return
        self.title = title

    def _set_code(self, code: str, number: int) -> None:
        if self.explicit_code is not None and code != self.explicit_code:
            self.result.warn(
                "code_mismatch",
                _("The fiche gives a second code %(code)s for the certification; %(first)s is kept.")
                % {"code": code, "first": self.explicit_code},
                number,
            )
            return
        self.explicit_code = code

    def _read_certifier(self, line: str, number: int) -> None:
        spaced = _SIRET_SPACED_RE.search(line)
        if spaced:
            line = line.replace(spaced.group(1), spaced.group(1).replace(" ", ""))
        match = _SIRET_ROW_RE.match(line)
        if not match or not match.group("name"):
            self.result.warn(
                "certifier_unreadable",
                _(
                    "The certifier row “%(text)s” has no 14-digit SIRET after the legal name; it is kept as "
                    "the name only."
                )
                % {"text": line},
                number,
            )
            self.certifiers.append({"name": line, "siret": None, "commercial_name": None, "website": None})
            return
        rest = match.group("rest")
        website = None
        if url := _URL_RE.search(rest):
            website = url.group("url")
            rest = rest[: url.start()].strip()
        siret = match.group("siret")
        if not luhn_valid(siret):
            self.result.warn(
                "invalid_siret",
                _("The SIRET %(siret)s of %(name)s fails the Luhn check: check it on the fiche.")
                % {"siret": siret, "name": match.group("name")},
                number,
            )
        self.certifiers.append(
            {"name": match.group("name"), "siret": siret, "commercial_name": rest or None, "website": website}
        )

    # --- activities, competencies in short, general modalities ---------------------------------------

    def _intro_and_items(self, segment: _Segment) -> tuple[str | None, list[tuple[str, int]]]:
        """A list announced by a sentence ending with a colon: one item per line."""
        lines = [(number, line) for number, line in segment.body if line]
        intro = None
        if lines and lines[0][1].endswith(":"):
            intro = lines.pop(0)[1]
        return intro, [(_BULLET_RE.sub("", line), number) for number, line in lines]

    def parse_activities(self, segment: _Segment) -> None:
        intro, items = self._intro_and_items(segment)
        if intro:
            self._add_section(segment.heading, intro, segment.line)
        if self.activities_line is None:
            self.activities_line = segment.line
        for text, _number in items:
            self.activities.append({"code": f"A{len(self.activities) + 1}", "generated": True, "text": text})

    def parse_summary(self, segment: _Segment) -> None:
        intro, items = self._intro_and_items(segment)
        if intro:
            self._add_section(segment.heading, intro, segment.line)
        if self.summary_line is None:
            self.summary_line = segment.line
        self.summaries.extend(items)

    def read_vocabulary(self, segment: _Segment) -> None:
        """The modality words the fiche lists: "Les modalités d'évaluation sont les suivantes : …"."""
        lines = [line for _number, line in segment.body if line]
        for index, line in enumerate(lines):
            folded = fold(line)
            if not re.search(r"modalites d'evaluation sont les suivantes|modalites d'evaluation :", folded):
                continue
            after = line.split(":", 1)[1].strip() if ":" in line else ""
            if not after and index + 1 < len(lines):
                after = lines[index + 1]
            for term in re.split(r"\s*(?:,|;|/|\bet\b)\s*", after):
                term = term.strip(" .")
                if not term:
                    continue
                words = []
                for word in fold(term).split():
                    stem = word[:-1] if len(word) > 3 and word[-1] in "sx" else word
                    words.append(re.escape(stem) + "[sx]?")
                pattern = re.compile(r"^(?:(?:une?|les?|la|des|l')\s*)?" + r"\s+".join(words) + r"\b")
                self.vocabulary.append((pattern, classify_assessment_kind(term), term))
            break

    def parse_modalities(self, segment: _Segment) -> None:
        if self.modalities_line is None:
            self.modalities_line = segment.line
        paragraphs = [line for _number, line in segment.body if line]
        self._add_section(segment.heading, "\n".join(paragraphs), segment.line)

    # --- blocs -------------------------------------------------------------------------------------

    @staticmethod
    def _paragraphs(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
        """The paragraphs of a bloc: one per line (a web page has no wrapped lines); a line that
        continues the sentence of the previous one is joined to it by the caller."""
        return [(number, line) for number, line in body if line]

    def modality_kind(self, text: str) -> tuple[bool, str | None]:
        """Whether a paragraph of a bloc is an evaluation modality, and its kind when known."""
        folded = fold(text)
        for pattern, kind, _term in self.vocabulary:
            if pattern.match(folded):
                return True, kind or classify_assessment_kind(text)
        for kind, pattern in ASSESSMENT_KIND_PATTERNS:
            if re.match(r"(?:(?:une?|les?|la|des|l')\s*)?(?:" + pattern + r")\b", folded):
                return True, kind
        opening = " ".join(folded.split()[:3])
        kind = classify_assessment_kind(opening)
        if kind and not _looks_infinitive(text):
            return True, kind
        return False, None

    def parse_bloc(self, segment: _Segment) -> None:
        match = BLOC_HEADING_RE.match(segment.heading or "")
        code, title = match.group("code"), match.group("title")
        items: list[_Item] = []
        ended = False
        modality_column = False  # the header of the second column given on its own line
        for number, text in self._paragraphs(segment.body):
            folded = fold(text)
            if ended:
                self._unreadable(text, number)
                continue
            if _BLOC_END_RE.match(folded):
                ended = True
                continue
            if _BLOC_COLUMNS_RE.match(_strip_colon(folded)):
                if not items:
                    continue
                if _strip_colon(folded) == "modalites d'evaluation":
                    modality_column = True
                    continue
            is_modality, kind = self.modality_kind(text)
            is_modality = is_modality or modality_column
            if items and (
                _starts_lower(text)
                or _BULLET_RE.match(text)
                or (items[-1].text.endswith(":") and not is_modality)
            ):
                items[-1].text = f"{items[-1].text} {text}"
                continue
            seen_modality = any(item.kind == "modality" for item in items)
            if is_modality or seen_modality:
                if not is_modality or kind is None:
                    self.result.warn(
                        "unclassified_modality",
                        _(
                            "Bloc %(bloc)s: “%(text)s” stands among the evaluation modalities but none of "
                            "its words tells its kind; it is kept as a modality of kind “other”: check that "
                            "it is not a competency."
                        )
                        % {"bloc": code, "text": text},
                        number,
                    )
                items.append(_Item("modality", text, number, kind or "other"))
                continue
            if _starts_lower(text):
                self.result.warn(
                    "lowercase_competency",
                    _("Bloc %(bloc)s starts with “%(text)s”, which reads like the end of a sentence.")
                    % {"bloc": code, "text": text},
                    number,
                )
            items.append(_Item("competency", text, number))
        competencies = [item for item in items if item.kind == "competency"]
        modalities = [item for item in items if item.kind == "modality"]
        if not competencies:
            raise ImportRefused(
                _("Bloc %(bloc)s has no competency: the fiche seems truncated.") % {"bloc": code},
                line=segment.line,
                hint=_(
                    "Copy the whole text of the RNCP fiche, with every bloc and its list of competencies."
                ),
            )
        if not ended and segment is self._last_segment:
            raise ImportRefused(
                _(
                    "Bloc %(bloc)s stops at the end of the document without the line “Pour plus "
                    "d'information …” that ends each bloc: the fiche seems truncated."
                )
                % {"bloc": code},
                line=segment.line,
                hint=_(
                    "Copy the whole text of the RNCP fiche, down to its last section, and import it again."
                ),
            )
        if code in self.block_lines:
            existing = next(block for block in self.blocks if block["code"] == code)
            if existing["title"] != title:
                raise ImportRefused(
                    _(
                        "Bloc %(bloc)s appears twice with different titles (“%(first)s” on line "
                        "%(first_line)s, “%(title)s”)."
                    )
                    % {
                        "bloc": code,
                        "first": existing["title"],
                        "first_line": self.block_lines[code],
                        "title": title,
                    },
                    line=segment.line,
                    hint=_(
                        "Correct the code or the title of one of the two blocs in the text and import it "
                        "again."
                    ),
                )
            same = [c["text"] for c in existing["competencies"]] == [c.text for c in competencies] and [
                a["title"] for a in existing["assessments"]
            ] == [m.text for m in modalities]
            if not same:
                raise ImportRefused(
                    _("Bloc %(bloc)s appears twice (line %(first_line)s) with different contents.")
                    % {"bloc": code, "first_line": self.block_lines[code]},
                    line=segment.line,
                    hint=_("Keep only one version of the bloc in the text and import it again."),
                )
            self.result.warn(
                "duplicate_bloc",
                _(
                    "Bloc %(bloc)s is repeated identically (first on line %(first_line)s); the repeat is "
                    "ignored."
                )
                % {"bloc": code, "first_line": self.block_lines[code]},
                segment.line,
            )
            return
        self.block_lines[code] = segment.line
        self.block_prefixes.append((code, match.group("prefix"), segment.line))
        block: dict[str, Any] = {
            "code": code,
            "title": title,
            "description": "",
            "activities": [],
            "competencies": [],
            "assessments": [],
        }
        codes = []
        for item in competencies:
            self.competency_count += 1
            competency_code = f"C{self.competency_count}"
            codes.append(competency_code)
            block["competencies"].append(
                {
                    "code": competency_code,
                    "generated": True,
                    "text": item.text,
                    "summary": None,
                    "activities": [],
                }
            )
        if not modalities:
            self.result.warn(
                "no_assessment",
                _("Bloc %(bloc)s lists no evaluation modality: add one in the interface.") % {"bloc": code},
                segment.line,
            )
        elif len(modalities) > 1:
            self.result.warn(
                "ambiguous_link",
                _(
                    "Bloc %(bloc)s has %(count)s evaluation modalities and the fiche does not say which "
                    "evaluates which competency: each is linked to all %(competencies)s competencies of the "
                    "bloc."
                )
                % {"bloc": code, "count": len(modalities), "competencies": len(codes)},
                segment.line,
            )
        for item in modalities:
            self.assessment_count += 1
            modes = detect_modes(item.text)
            if modes["individual"] is None and self.individual_unknown_line is None:
                self.individual_unknown_line = item.line
            block["assessments"].append(
                {
                    "code": f"E{self.assessment_count}",
                    "generated": True,
                    "title": item.text,
                    "kind": item.assessment_kind or "other",
                    "individual": modes["individual"],
                    "collective": modes["collective"],
                    "written": modes["written"],
                    "oral": modes["oral"],
                    "description": "",
                    "deliverables": [],
                    "competencies": list(codes),
                    "criteria": [],
                }
            )
        self.blocks.append(block)

    # --- ROME, replaced certifications -------------------------------------------------------------

    def parse_rome(self, segment: _Segment) -> None:
        for number, line in segment.body:
            if not line:
                continue
            if match := _ROME_RE.match(line):
                self._add_coded("rome", match.group("code"), match.group("label"), number)
            else:
                self._unreadable(line, number)

    def parse_replaces(self, segment: _Segment) -> None:
        heading = fold(segment.heading or "")
        for number, line in segment.body:
            folded = fold(line)
            if not line or folded == heading or folded.startswith("code de la fiche"):
                continue
            if match := _REPLACES_RE.match(line):
                self._add_coded("replaces", match.group("code"), match.group("label"), number)
            else:
                self._unreadable(line, number)

    # --- prerequisites -----------------------------------------------------------------------------

    def parse_prerequisites(self, segment: _Segment) -> None:
        which = "entry" if segment.kind == "prerequisites_entry" else "validation"
        groups: list[dict[str, Any]] = []
        routes: list[str] = []
        route_text: str | None = None
        current: dict[str, Any] | None = None
        condition: dict[str, Any] | None = None
        for number, line in segment.body:
            if not line:
                condition = None
                continue
            if _BULLET_RE.match(line):
                text = _BULLET_RE.sub("", line)
                if current is None:
                    current = self._prerequisite(routes, route_text, None, number)
                    groups.append(current)
                condition = self._condition(text, which)
                current["conditions"].append(condition)
                continue
            if condition is not None and _starts_lower(line):
                condition.update(
                    self._condition(f"{condition['text']} {line}", which, condition["alternative"])
                )
                continue
            heading_routes = self._heading_routes(line)
            if heading_routes:
                routes, route_text, current = heading_routes, _strip_colon(line), None
                continue
            current = self._prerequisite(routes, route_text, line, number)
            groups.append(current)
        for group in groups:
            number = group.pop("_line")
            if group["conditions"]:
                continue
            if group["case"] and group["case"].endswith(":"):
                self.result.warn(
                    "empty_prerequisite",
                    _("“%(case)s” announces prerequisites but none follows.") % {"case": group["case"]},
                    number,
                )
            elif group["case"]:
                group["conditions"].append(self._condition(group["case"], which))
                group["case"] = None
        for group in groups:
            if group["case"]:
                group["case"] = _strip_colon(group["case"])
        self.prerequisites[which].extend(groups)

    def _prerequisite(self, routes: list[str], route_text: str | None, case: str | None, number: int) -> dict:
        year = None
        if case and (match := _YEAR_RE.search(fold(case))):
            year = int(match.group("year"))
        return {
            "routes": list(routes),
            "route_text": route_text,
            "case": case,
            "year": year,
            "conditions": [],
            "_line": number,
        }

    def _heading_routes(self, line: str) -> list[str]:
        folded = fold(line)
        if re.search(r"\bannee|\bcursus\b|^cas \d|\bentree\b|\bintegration\b", folded):
            return []
        routes = [route for route, pattern in ACCESS_ROUTES if re.search(pattern, folded)]
        if "alternance" in folded:
            routes = [r for r in ("apprentissage", "contrat_professionnalisation") if r in routes] or [
                "apprentissage",
                "contrat_professionnalisation",
            ]
        return routes

    def _condition(self, text: str, which: str, alternative: bool | None = None) -> dict[str, Any]:
        text = normalise_space(text)
        folded = fold(text)
        if alternative is None:
            alternative = bool(re.match(r"ou\b", folded))

        def number(pattern: str) -> int | None:
            match = re.search(pattern, folded)
            return int(match.group(1)) if match else None

        experience = None
        for pattern in (
            r"experience professionnelle[^.;]*?\bde (\d+) (mois|ans?|annees?)",
            r"(\d+) (mois|ans?|annees?) d'experience",
        ):
            if match := re.search(pattern, folded):
                experience = _months(match.group(1), match.group(2))
                break
        programme = None
        if match := re.search(r"cursus de formation[^.;,]*? de (\d+) (mois|ans?|annees?)", folded):
            programme = _months(match.group(1), match.group(2))
        hours = number(r"(\d+)\s*(?:h|heures?)\b") if "factur" in folded else None
        return {
            "text": text,
            "alternative": alternative,
            "min_level": number(r"\bniveau (\d)\b"),
            "min_ects": number(r"(\d+)\s*credits? ects"),
            "min_experience_months": experience if which == "entry" else None,
            "programme_months": programme,
            "experience_months": experience if which == "validation" else None,
            "billed_hours": hours,
        }

    def parse_derogations(self, segment: _Segment) -> None:
        for _number, line in segment.body:
            if line:
                self.prerequisites["derogations"].append(_BULLET_RE.sub("", line))

    # --- access routes and juries ------------------------------------------------------------------

    def parse_routes(self, segment: _Segment) -> None:
        heading = fold(segment.heading or "")
        routes: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        in_jury = False
        verbatim: list[str] = []
        for number, line in segment.body:
            if verbatim:
                if line:
                    verbatim.append(line)
                continue
            if not line:
                continue
            folded = fold(line)
            if folded.startswith("voie d'acces a la certification") or folded.startswith("voies d'acces"):
                continue
            if folded == heading or folded.startswith("inscrite au cadre") or folded == "oui non":
                if routes or folded != heading:
                    if current is not None:
                        routes.append(current)
                        current = None
                    verbatim.append(line)
                continue
            if in_jury:
                if line in ("-", "–") or _DATE_RE.fullmatch(line):
                    if _DATE_RE.fullmatch(line):
                        current["modified_on"] = self._iso_date(line, number)
                    in_jury = False
                    continue
                mark = _ROUTE_MARK_RE.match(line)
                if not (mark and mark.group("label") and classify_access_route(mark.group("label"))):
                    current["jury_lines"].append(line)
                    continue
            route = self._route_line(line, number)
            if route is None:
                if current is not None and not current["jury_lines"] and not current["closed_cell"]:
                    current["jury_lines"].append(line)
                    in_jury = True
                else:
                    self._unreadable(line, number)
                continue
            if current is not None:
                routes.append(current)
            current = route
            in_jury = not route["closed_cell"]
        if current is not None:
            routes.append(current)
        kept_aside: list[str] = []
        for route in routes:
            finished = self._finish_route(route)
            if finished is not None:
                self.access_routes.append(finished)
            elif route.get("aside", True):
                kept_aside += [route["text"], *route["jury_lines"]]
        if kept_aside or verbatim:
            self._add_section(segment.heading, "\n".join(kept_aside + verbatim), segment.line)

    def _route_line(self, line: str, number: int) -> dict[str, Any] | None:
        mark = _ROUTE_MARK_RE.match(line)
        if mark and mark.group("label"):
            label, has_x, rest = mark.group("label"), True, mark.group("rest")
        else:
            dashes = _ROUTE_DASHES_RE.match(line)
            label, has_x, rest = (
                (dashes.group("label"), False, dashes.group("rest")) if dashes else (line, False, "")
            )
            if classify_access_route(label) is None:
                return None
        return {
            "text": line,
            "label": label,
            "has_x": has_x,
            "closed_cell": bool(rest.strip()),
            "jury_lines": [],
            "line": number,
        }

    def _finish_route(self, route: dict[str, Any]) -> dict[str, Any] | None:
        """The canonical access route, or ``None`` (with a warning) when it cannot be one."""
        label, number = route["label"], route["line"]
        code = classify_access_route(label)
        jury = "\n".join(route["jury_lines"]) or None
        if code is None:
            self.result.warn(
                "unknown_route",
                _(
                    "“%(label)s” is not an access route certiflow knows; its line and jury are kept in the "
                    "section text: add the route in the interface."
                )
                % {"label": label},
                number,
            )
            return None
        first = next((r for r in self.access_routes if r["route"] == code), None)
        if first is not None:
            same = first["label"] == label and first["jury"] == jury
            route["aside"] = not same
            self.result.warn(
                "duplicate_route",
                (
                    _(
                        "Access route “%(label)s” is listed a second time (as “%(first)s”); the repeat is "
                        "ignored."
                    )
                    if same
                    else _(
                        "Access route “%(label)s” is the same route as “%(first)s” but says something else; "
                        "the first is kept and this one is kept in the section text."
                    )
                )
                % {"label": label, "first": first["label"]},
                number,
            )
            return None
        if jury:
            is_open: bool | None = True
        elif route["has_x"]:
            is_open = None
            self.result.warn(
                "ambiguous_route",
                _(
                    "Access route “%(label)s”: the fiche's table lost the Oui/Non columns and gives no jury "
                    "composition, so whether this route is open is not known."
                )
                % {"label": label},
                number,
            )
        else:
            is_open = None
            self.result.warn(
                "route_unmarked",
                _("Access route “%(label)s” is ticked neither Oui nor Non: whether it is open is not known.")
                % {"label": label},
                number,
            )
        out: dict[str, Any] = {
            "route": code,
            "label": label,
            "open": is_open,
            "jury": jury,
            "jury_rules": self._jury_rules(jury, label, number) if jury else None,
        }
        if route.get("modified_on"):
            out["modified_on"] = route["modified_on"]
        return out

    def _jury_rules(self, jury: str, label: str, number: int) -> dict[str, Any] | None:
        folded = fold(jury)
        members = None
        if match := re.search(r"compose d[e'] ?(\d+|" + "|".join(_NUMBER_WORDS) + r") membres", folded):
            token = match.group(1)
            members = int(token) if token.isdigit() else _NUMBER_WORDS[token]
        ratio = None
        if match := re.search(r"(\d+(?:[.,]\d+)?) ?% (?:au moins )?(?:de|d')\s*professionnel", folded):
            ratio = float(match.group(1).replace(",", ".")) / 100
        elif re.search(r"(?:la )?moitie (?:au moins )?(?:de|d')\s*professionnel", folded):
            ratio = 0.5
        if members is None or ratio is None:
            self.result.warn(
                "jury_unreadable",
                _(
                    "Access route “%(label)s”: the number of jury members or the share of professionals "
                    "cannot be read from the composition; the text is kept, set the rules in the interface."
                )
                % {"label": label},
                number,
            )
            return None
        roles = [_BULLET_RE.sub("", line) for line in jury.split("\n") if _BULLET_RE.match(line)]
        parity = True if re.search(r"parite[^.]*(?:control|verifi|respect|assur)", folded) else None
        counts = []
        for role in roles:
            first = fold(role).split()[0] if role.split() else ""
            token = "l'" if first.startswith("l'") else first
            counts.append(int(token) if token.isdigit() else _NUMBER_WORDS.get(token))
        if roles and None not in counts and sum(counts) != members:
            self.result.warn(
                "jury_count_mismatch",
                _(
                    "Access route “%(label)s”: the jury has %(members)s members but its roles add up to "
                    "%(sum)s."
                )
                % {"label": label, "members": members, "sum": sum(counts)},
                number,
            )
        return {"members": members, "min_professional_ratio": ratio, "roles": roles, "parity_checked": parity}

    # --- statistics --------------------------------------------------------------------------------

    _STAT_COLUMNS = (
        ("certified_vae", r"nombre de certifies a la suite d'un parcours vae"),
        ("certified", r"nombre de certifies(?! a la suite)"),
        ("employment_rate_6m", r"taux d'insertion global a 6 mois"),
        ("employment_rate_6m_job", r"taux d'insertion dans le metier vise a 6 mois"),
        ("employment_rate_2y_job", r"taux d'insertion dans le metier vise a 2 ans"),
    )
    _STAT_DEFAULT = (
        "certified",
        "certified_vae",
        "employment_rate_6m",
        "employment_rate_6m_job",
        "employment_rate_2y_job",
    )

    def parse_statistics(self, segment: _Segment) -> None:
        self.statistics_seen = True
        heading = fold(segment.heading or "")
        columns: tuple[str, ...] = self._STAT_DEFAULT
        for number, line in segment.body:
            folded = fold(line)
            if not line or folded == heading:
                continue
            if folded.startswith("annee d'obtention"):
                columns = self._statistics_columns(folded, number)
                continue
            if not _STAT_ROW_RE.match(line):
                self._unreadable(line, number)
                continue
            cells = line.split()
            values = [self._stat_cell(cell) for cell in cells[1:]]
            if len(cells) != len(columns) + 1 or any(value is False for value in values):
                self.result.warn(
                    "statistics_row",
                    _(
                        "The statistics row “%(text)s” has %(count)s values where the table has "
                        "%(expected)s columns (or a value that is not a number); it is not imported."
                    )
                    % {"text": line, "count": len(cells) - 1, "expected": len(columns)},
                    number,
                )
                continue
            row: dict[str, Any] = {"year": int(cells[0])}
            row.update(dict.fromkeys(self._STAT_DEFAULT))
            row.update(zip(columns, values, strict=True))
            self._add_statistics_row(row, line, number)

    def _add_statistics_row(self, row: dict[str, Any], line: str, number: int) -> None:
        first = next((r for r in self.statistics if r["year"] == row["year"]), None)
        if first is not None:
            if first != row:
                self.result.warn(
                    "statistics_row",
                    _(
                        "The statistics table gives the year %(year)s twice with different figures; the "
                        "first row is kept and “%(text)s” is not imported."
                    )
                    % {"year": row["year"], "text": line},
                    number,
                )
            return
        for key, value in row.items():
            if isinstance(value, float):
                row[key] = round(value)
                self.result.warn(
                    "statistics_rounded",
                    _("The statistics row “%(text)s” has a decimal figure; it is rounded to %(value)s.")
                    % {"text": line, "value": row[key]},
                    number,
                )
            if key.startswith("employment_rate") and row[key] is not None and row[key] > 100:
                self.result.warn(
                    "statistics_row",
                    _("The statistics row “%(text)s” gives a rate above 100 %%; check the fiche.")
                    % {"text": line},
                    number,
                )
        self.statistics.append(row)

    def _statistics_columns(self, folded: str, number: int) -> tuple[str, ...]:
        found = []
        for key, pattern in self._STAT_COLUMNS:
            if match := re.search(pattern, folded):
                found.append((match.start(), key))
        announced = len(re.findall(r"\b(?:nombre|taux)\b", folded))
        if not found or announced != len(found):
            self.result.warn(
                "statistics_header",
                _(
                    "The columns of the statistics table are not the usual ones; they are read in the usual "
                    "order."
                ),
                number,
            )
            return self._STAT_DEFAULT
        return tuple(key for _start, key in sorted(found))

    @staticmethod
    def _stat_cell(cell: str) -> int | float | bool | None:
        if cell in ("-", "–", "NC", "nc", "N/A"):
            return None
        cell = cell.rstrip("%")
        if cell.isdigit():
            return int(cell)
        try:
            value = float(cell.replace(",", "."))
        except ValueError:
            return False
        return int(value) if value.is_integer() else value

    # --- free text -----------------------------------------------------------------------------------

    def parse_text(self, segment: _Segment) -> None:
        self._add_section(segment.heading, "\n".join(line for _n, line in segment.body if line), segment.line)

    def _add_section(self, heading: str | None, text: str, number: int) -> None:
        heading = heading or _("Section")
        if heading in self.sections and self.sections[heading] != text:
            if self.sections[heading] and text:
                self.result.warn(
                    "repeated_section",
                    _("The section “%(heading)s” appears twice with different texts; both are kept.")
                    % {"heading": heading},
                    number,
                )
                text = f"{self.sections[heading]}\n{text}"
            else:
                text = self.sections[heading] or text
        self.sections[heading] = text

    def _unreadable(self, line: str, number: int) -> None:
        self.result.warn(
            "unreadable",
            _(
                "“%(text)s” could not be placed in the structure of the fiche; add it in the interface if "
                "needed."
            )
            % {"text": line},
            number,
        )

    # --- the end: code, summaries, fiche-wide warnings, document -------------------------------------

    def finish(self) -> None:
        code = self._certification_code()
        self._attach_summaries()
        warn = self.result.warn
        if self.title is None:
            warn(
                "missing_title",
                _("The fiche does not state the title of the certification: give it when importing."),
                None,
            )
        if self.activities:
            warn(
                "activities_unattached",
                _(
                    "The fiche lists %(count)s activities without saying which bloc each belongs to: they "
                    "are kept at the level of the certification and no competency is linked to an activity."
                )
                % {"count": len(self.activities)},
                self.activities_line,
            )
        if self.individual_unknown_line is not None:
            warn(
                "individual_unknown",
                _(
                    "The fiche does not say whether the evaluation modalities are individual or collective; "
                    "set it in the interface."
                ),
                self.individual_unknown_line,
            )
        warn(
            "no_criteria",
            _(
                "An RNCP fiche gives no evaluation criteria: import the référentiel of the certification or "
                "add them in the interface."
            ),
            None,
        )
        if not self.statistics_seen:
            warn("no_statistics", _("The fiche has no statistics section."), None)
        self.result.document = {
            "code": code,
            "title": self.title,
            "version": self.version,
            "level": self.level,
            "certifiers": self.certifiers,
            "nsf": self.codes["nsf"],
            "formacodes": self.codes["formacodes"],
            "rome": self.codes["rome"],
            "valid_until": self.valid_until,
            "replaces": self.codes["replaces"],
            "labels": self.labels,
            "access_routes": self.access_routes,
            "prerequisites": self.prerequisites,
            "statistics": self.statistics,
            "rules": {"competency_policy": "all_criteria"},
            "sections": self.sections,
            "activities": self.activities,
            "blocks": self.blocks,
            "source": {"layout": LAYOUT, "name": self.name},
            "warnings": [str(issue) for issue in self.result.issues],
        }

    def _certification_code(self) -> str:
        prefixes = Counter(prefix for _code, prefix, _line in self.block_prefixes)
        code = self.explicit_code or prefixes.most_common(1)[0][0]
        for bloc, prefix, number in self.block_prefixes:
            if prefix != code:
                self.result.warn(
                    "code_mismatch",
                    _("Bloc %(bloc)s does not belong to %(code)s, the code of the certification.")
                    % {"bloc": bloc, "code": code},
                    number,
                )
        self._check_bloc_numbering()
        return code

    def _check_bloc_numbering(self) -> None:
        previous: int | None = None
        for bloc, _prefix, number in self.block_prefixes:
            value = int(BLOC_HEADING_RE.match(f"{bloc} - x").group("number"))
            if previous is not None and value != previous + 1:
                self.result.warn(
                    "numbering_gap" if value > previous else "numbering_order",
                    _("Bloc %(bloc)s follows bloc number %(previous)s: the fiche's numbering is kept.")
                    % {"bloc": bloc, "previous": previous},
                    number,
                )
            previous = value

    def _attach_summaries(self) -> None:
        competencies = [c for block in self.blocks for c in block["competencies"]]
        if not self.summaries:
            return
        if len(self.summaries) != len(competencies):
            self.result.warn(
                "summary_count",
                _(
                    "“Compétences attestées” lists %(short)s competencies but the blocs give %(full)s; the "
                    "short forms are not attached."
                )
                % {"short": len(self.summaries), "full": len(competencies)},
                self.summary_line,
            )
            return
        for competency, (short, number) in zip(competencies, self.summaries, strict=True):
            competency["summary"] = short
            if _first_word(short) != _first_word(competency["text"]):
                self.result.warn(
                    "summary_mismatch",
                    _("The short form “%(short)s” does not start like competency %(code)s (“%(text)s”).")
                    % {"short": short, "code": competency["code"], "text": competency["text"]},
                    number,
                )


# --- API ----------------------------------------------------------------------------------------------

_FICHE_MARKERS = (
    r"competences attestees :?",
    r"modalites d'evaluation :?",
    r"(?:nomenclature )?du niveau de qualification",
    r"code\(s\) nsf",
    r"formacode\(s\)",
    r"code\(s\) rome :?",
    r"date d'echeance(?: de l'enregistrement)?",
)


def looks_like(text: str) -> bool:
    """An RNCP fiche: at least one "RNCPnnnnnBCnn - title" heading and two headings of the fiche."""
    has_bloc = False
    markers: set[str] = set()
    for raw in text.splitlines():
        line = normalise_space(raw)
        if not line:
            continue
        if BLOC_HEADING_RE.match(line):
            has_bloc = True
            continue
        folded = fold(line)
        for marker in _FICHE_MARKERS:
            if re.fullmatch(marker, folded):
                markers.add(marker)
    return has_bloc and len(markers) >= 2


def parse(text: str, *, name: str = "document") -> ParseResult:
    """Read the text of an RNCP fiche into the canonical structure (see the module docstring)."""
    return _Parser(text, name).parse()
