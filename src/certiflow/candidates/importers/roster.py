"""Import candidates and their enrolments from a provider's roster, as schools keep them: a CSV or an
Excel workbook (.xlsx), one row per candidate, French or English column names.

Three steps, each usable alone (the web page shows the report before the user confirms):

1. :func:`parse_roster` reads the file — no database access. A file that cannot be read at all is
   refused whole (:class:`Refused`); a cell that cannot be read is an error on its row.
2. :func:`validate_roster` resolves every row against the registry and says what importing it would
   change — no writes.
3. :func:`import_roster` writes every valid row in one transaction, through the enrolment domain
   (which audits each change), or nothing at all.

Invariants: rows are numbered as the user sees them (the header is line/row 1); an e-mail address
identifies a candidate; an import never erases — an empty optional cell, or a missing optional
column, keeps what is stored; importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import PurePath
from typing import Any

import openpyxl
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Upper
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from certiflow.candidates.domain.enrolments import CandidateDetails, check_enrolment, enrol, save_candidate
from certiflow.candidates.domain.people import create_cohort
from certiflow.candidates.models import Candidate, Cohort, Enrolment, Provider
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused
from certiflow.frameworks.importers.base import ImportRefused, decode_document, fold, normalise_space
from certiflow.frameworks.models import AccessRoute, Certification, Framework

MAX_ROSTER_BYTES = 5 * 1024 * 1024
MAX_ROSTER_ROWS = 20_000
PROGRESS_EVERY = 100
DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class Column:
    """A column the importer understands: its key in :class:`RosterValues` and the header names it
    accepts (matched without case or accents), French first."""

    key: str
    names: tuple[str, ...]
    required: bool = False

    @property
    def label(self) -> str:
        return self.names[0]


COLUMNS: tuple[Column, ...] = (
    Column("last_name", ("nom", "nom de famille", "last name"), required=True),
    Column("first_name", ("prénom", "first name"), required=True),
    Column("email", ("email", "e-mail", "courriel", "adresse e-mail"), required=True),
    Column("birth_date", ("date de naissance", "birth date", "date of birth")),
    Column("reference", ("numéro", "n° étudiant", "numéro étudiant", "référence", "reference")),
    Column("certification", ("certification",), required=True),
    Column("version", ("version",)),
    Column("access_route", ("voie d'accès", "access route"), required=True),
    Column("cohort", ("promotion", "cohort")),
    Column("entry_year", ("année d'entrée", "entry year")),
    Column("starts_on", ("date de début", "start date"), required=True),
    Column("ends_on", ("date de fin", "end date")),
)
_COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}
_COLUMNS_BY_NAME = {fold(name): column for column in COLUMNS for name in column.names}


# --- what each step returns -----------------------------------------------------------------------


@dataclass(frozen=True)
class RosterValues:
    """The typed values of one row. A cell that is empty or could not be read gives ``""`` or
    ``None`` (its row then carries an error if the column is required or the cell was unreadable)."""

    last_name: str = ""
    first_name: str = ""
    email: str = ""
    birth_date: date | None = None
    reference: str = ""
    certification: str = ""
    version: str = ""
    access_route: str = ""
    cohort: str = ""
    entry_year: int | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@dataclass(frozen=True)
class RosterRow:
    """One row of the file: its number as the user sees it, the text of its cells by column key,
    the values read from them, and what is wrong with them (each message names the column, the
    value and how to fix it)."""

    number: int
    raw: Mapping[str, str]
    values: RosterValues
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class RosterParse:
    """A file read: which columns it has (key → header as written in the file), its rows, and
    warnings about the file as a whole (such as columns the importer ignores)."""

    filename: str
    format: str
    encoding: str
    columns: Mapping[str, str]
    rows: tuple[RosterRow, ...]
    warnings: tuple[str, ...] = ()

    def column_label(self, key: str) -> str:
        return self.columns.get(key) or _COLUMNS_BY_KEY[key].label


class Change(StrEnum):
    """What importing a row does to the candidate, or to the enrolment, as stored now."""

    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class RowPlan:
    """What importing a valid row writes. At most one of ``cohort`` (existing) and ``new_cohort``
    (a name to create for the provider and certification) is set."""

    candidate: CandidateDetails
    framework: Framework
    access_route: AccessRoute
    cohort: Cohort | None
    new_cohort: str
    entry_year: int | None
    starts_on: date
    ends_on: date | None
    candidate_change: Change
    enrolment_change: Change

    @property
    def change(self) -> Change:
        """The row's change as a whole: new when it creates an enrolment, else an update when it
        changes the candidate or the enrolment."""
        if self.enrolment_change is Change.NEW:
            return Change.NEW
        if Change.UPDATE in (self.candidate_change, self.enrolment_change):
            return Change.UPDATE
        return Change.UNCHANGED


@dataclass(frozen=True)
class ReportRow:
    """A row checked against the registry: its errors, or (when it has none) its plan."""

    number: int
    raw: Mapping[str, str]
    errors: tuple[str, ...] = ()
    plan: RowPlan | None = None

    @property
    def is_valid(self) -> bool:
        return self.plan is not None


@dataclass(frozen=True)
class RosterOutcome:
    """Counts of rows by change (``skipped``: invalid rows left out) and of cohorts created."""

    created: int
    updated: int
    unchanged: int
    skipped: int
    cohorts_created: int


@dataclass(frozen=True)
class RosterReport:
    """Every row of a parsed file checked against the registry for ``provider``."""

    parse: RosterParse
    provider: Provider
    rows: tuple[ReportRow, ...]

    @property
    def valid_rows(self) -> tuple[ReportRow, ...]:
        return tuple(row for row in self.rows if row.is_valid)

    @property
    def invalid_rows(self) -> tuple[ReportRow, ...]:
        return tuple(row for row in self.rows if not row.is_valid)

    @property
    def new_cohorts(self) -> tuple[tuple[Certification, str], ...]:
        """The cohorts importing would create, each once, in the order of the file."""
        found: dict[tuple[int, str], tuple[Certification, str]] = {}
        for row in self.valid_rows:
            if row.plan.new_cohort:
                certification = row.plan.framework.certification
                found.setdefault(
                    (certification.pk, fold(row.plan.new_cohort)), (certification, row.plan.new_cohort)
                )
        return tuple(found.values())

    @property
    def outcome(self) -> RosterOutcome:
        """What importing the valid rows (and skipping the others) would do."""
        changes = [row.plan.change for row in self.valid_rows]
        return RosterOutcome(
            created=changes.count(Change.NEW),
            updated=changes.count(Change.UPDATE),
            unchanged=changes.count(Change.UNCHANGED),
            skipped=len(self.invalid_rows),
            cohorts_created=len(self.new_cohorts),
        )


# --- 1. reading the file --------------------------------------------------------------------------


def parse_roster(*, data: bytes, filename: str) -> RosterParse:
    """Read a roster (.csv or .xlsx) without touching the database.

    Raises :class:`Refused` when the file cannot be read at all: unsupported type, empty, too large,
    undecodable, no header, a required column missing, no rows, too many rows.
    """
    extension = PurePath(filename).suffix.lower()
    if extension not in (".csv", ".xlsx"):
        raise Refused(
            _("%(name)s is not a CSV file or an Excel workbook: only .csv and .xlsx files can be imported.")
            % {"name": filename},
            hint=_("Save the list from your spreadsheet as « CSV UTF-8 » or as an Excel workbook (.xlsx)."),
            field="file",
        )
    if not data.strip():
        raise Refused(
            _("%(name)s is empty.") % {"name": filename},
            hint=_("Choose the file that lists the candidates, one per row, under a header row."),
            field="file",
        )
    if len(data) > MAX_ROSTER_BYTES:
        raise Refused(
            _("%(name)s is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"name": filename, "size": len(data), "limit": MAX_ROSTER_BYTES},
            hint=_("Split the list into several files and import them one after the other."),
            field="file",
        )
    if extension == ".csv":
        text, encoding = _decode_csv(data, filename=filename)
        records = _csv_records(text, filename=filename)
    else:
        encoding, records = "", _xlsx_records(data, filename=filename)
    with closing(records):
        return _parse_records(records, filename=filename, file_format=extension[1:], encoding=encoding)


def _decode_csv(data: bytes, *, filename: str) -> tuple[str, str]:
    """The text of a CSV and its encoding: UTF-8 (with or without BOM) or Windows-1252."""
    try:
        return decode_document(data, name=filename)
    except ImportRefused as refusal:
        raise Refused(
            refusal.message,
            hint=_(
                "Save the list from your spreadsheet as « CSV UTF-8 » (or as .xlsx); if it is an Excel "
                "workbook, name it .xlsx."
            ),
            field="file",
        ) from refusal


def _csv_records(text: str, *, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the record starts, cells) for each record; the delimiter (; , or tab) is
    the one the header line uses most. Quoting is strict: a quote left open would otherwise swallow
    the rest of the file into one cell."""
    header_line = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=header_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise Refused(
            _('%(name)s, line %(line)s: a value opens a quote (") that is not closed where the value ends.')
            % {"name": filename, "line": start},
            hint=_("Correct the quotes on that line, or save the list again from your spreadsheet."),
            field="file",
        ) from exc


def _xlsx_records(data: bytes, *, filename: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) for each row of the workbook's first sheet; the workbook is closed
    when the generator is (read-only workbooks keep their archive open)."""
    refusal = Refused(
        _("%(name)s is not a valid Excel workbook (.xlsx).") % {"name": filename},
        hint=_("Open it in your spreadsheet and save it again as .xlsx, or export it as CSV."),
        field="file",
    )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise refusal
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged package
        raise refusal from exc
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record wrong dimensions: read the rows themselves
        for number, values in enumerate(sheet.iter_rows(min_row=1, min_col=1, values_only=True), 1):
            yield number, [_cell_text(value) for value in values]
    except Exception as exc:  # a damaged sheet fails only when its rows are read
        raise refusal from exc
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    """A workbook cell as text: dates as ISO (which the date columns read), whole numbers without
    a decimal part (a student number or a year of entry typed as a number)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_records(
    records: Iterable[tuple[int, Sequence[str]]], *, filename: str, file_format: str, encoding: str
) -> RosterParse:
    """The header, then each row that is not blank; refuses a file without header or rows, or with
    too many rows."""
    records = iter(records)
    header = next(records, None)
    if header is None or not any(cell.strip() for cell in header[1]):
        raise Refused(
            _("%(name)s has no header: its first line must name the columns.") % {"name": filename},
            hint=_accepted_columns_hint(),
            field="file",
        )
    positions, columns, warnings = _read_header(header[1], filename=filename)
    rows = []
    for number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == MAX_ROSTER_ROWS:
            raise Refused(
                _("%(name)s has more than %(limit)s rows.") % {"name": filename, "limit": MAX_ROSTER_ROWS},
                hint=_("Split the list into several files and import them one after the other."),
                field="file",
            )
        rows.append(_parse_row(number, cells, positions=positions, columns=columns))
    if not rows:
        raise Refused(
            _("%(name)s has a header but no candidate.") % {"name": filename},
            hint=_("Add one row per candidate under the header."),
            field="file",
        )
    return RosterParse(
        filename=filename,
        format=file_format,
        encoding=encoding,
        columns=columns,
        rows=tuple(rows),
        warnings=tuple(warnings),
    )


def _read_header(cells: Sequence[str], *, filename: str) -> tuple[dict[str, int], dict[str, str], list[str]]:
    """Map the header's cells to columns: (key → position, key → header as written, warnings)."""
    positions: dict[str, int] = {}
    columns: dict[str, str] = {}
    unknown: list[str] = []
    for position, cell in enumerate(cells):
        name = normalise_space(cell)
        if not name:
            continue
        column = _COLUMNS_BY_NAME.get(fold(name).rstrip(" *:"))
        if column is None:
            unknown.append(name)
        elif column.key in positions:
            raise Refused(
                _("%(name)s has two columns for « %(column)s »: « %(first)s » and « %(second)s ».")
                % {"name": filename, "column": column.label, "first": columns[column.key], "second": name},
                hint=_("Keep one of them and import the file again."),
                field="file",
            )
        else:
            positions[column.key] = position
            columns[column.key] = name
    if not positions:
        raise Refused(
            _("%(name)s has no header: its first line names none of the columns the import reads.")
            % {"name": filename},
            hint=_accepted_columns_hint(),
            field="file",
        )
    missing = [column for column in COLUMNS if column.required and column.key not in positions]
    if missing:
        raise Refused(
            ngettext(
                "%(name)s has no column %(columns)s.",
                "%(name)s has no columns %(columns)s.",
                len(missing),
            )
            % {"name": filename, "columns": ", ".join(_accepted_names(column) for column in missing)},
            hint=_("Add the column to the header (the first line) and fill it in for every candidate."),
            field="file",
        )
    warnings = [
        _("Column « %(column)s » is not one the import reads: it is ignored.") % {"column": name}
        for name in unknown
    ]
    return positions, columns, warnings


def _accepted_names(column: Column) -> str:
    return _("« %(label)s » (accepted names: %(names)s)") % {
        "label": column.label,
        "names": ", ".join(column.names),
    }


def _accepted_columns_hint() -> str:
    return _("The header names the columns, for example: %(columns)s.") % {
        "columns": "; ".join(column.label for column in COLUMNS)
    }


def _parse_row(
    number: int, cells: Sequence[str], *, positions: Mapping[str, int], columns: Mapping[str, str]
) -> RosterRow:
    raw = {
        key: (cells[position].strip() if position < len(cells) else "") for key, position in positions.items()
    }
    reader = _CellReader(raw=raw, columns=columns)
    values = RosterValues(
        last_name=reader.text("last_name", max_length=128),
        first_name=reader.text("first_name", max_length=128),
        email=reader.email("email"),
        birth_date=reader.date("birth_date"),
        reference=reader.text("reference", max_length=64),
        certification=reader.certification_code("certification"),
        version=reader.text("version", max_length=64),
        access_route=reader.text("access_route", max_length=255),
        cohort=reader.text("cohort", max_length=128),
        entry_year=reader.entry_year("entry_year"),
        starts_on=reader.date("starts_on"),
        ends_on=reader.date("ends_on"),
    )
    return RosterRow(number=number, raw=raw, values=values, errors=tuple(reader.errors))


_FRENCH_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_RNCP_CODE = re.compile(r"RNCP\s*(\d+)")


def _parse_date(value: str) -> date | None:
    """The date written DD/MM/YYYY or YYYY-MM-DD (how workbook dates reach here), else ``None``."""
    if match := _FRENCH_DATE.fullmatch(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO_DATE.fullmatch(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass
class _CellReader:
    """Reads the cells of one row by column key, collecting one error per unreadable cell."""

    raw: Mapping[str, str]
    columns: Mapping[str, str]
    errors: list[str] = field(default_factory=list)

    def text(self, key: str, *, max_length: int) -> str:
        value = normalise_space(self.raw.get(key, ""))
        if not value:
            self._require(key)
        elif len(value) > max_length:
            self.errors.append(
                _("%(column)s: « %(value)s » is longer than %(limit)s characters; shorten it.")
                % {"column": self.columns[key], "value": value, "limit": max_length},
            )
            return ""
        return value

    def email(self, key: str) -> str:
        value = self.text(key, max_length=254).lower()
        if not value:
            return ""
        try:
            validate_email(value)
        except ValidationError:
            self.errors.append(
                _("%(column)s: « %(value)s » is not an e-mail address; write it as name@example.fr.")
                % {"column": self.columns[key], "value": value},
            )
            return ""
        return value

    def certification_code(self, key: str) -> str:
        value = self.text(key, max_length=64).upper()
        match = _RNCP_CODE.fullmatch(value)
        return f"RNCP{match.group(1)}" if match else value

    def date(self, key: str) -> date | None:
        value = self.raw.get(key, "")
        if not value:
            self._require(key)
            return None
        parsed = _parse_date(value)
        if parsed is None:
            self.errors.append(
                _(
                    "%(column)s: « %(value)s » is not a date; write it as DD/MM/YYYY "
                    "(for example 05/09/2024) or YYYY-MM-DD."
                )
                % {"column": self.columns[key], "value": value},
            )
        return parsed

    def entry_year(self, key: str) -> int | None:
        value = self.raw.get(key, "")
        if not value:
            return None
        if value.isdigit() and 1 <= int(value) <= 5:
            return int(value)
        self.errors.append(
            _("%(column)s: « %(value)s » is not a year of entry; write a whole number from 1 to 5.")
            % {"column": self.columns[key], "value": value},
        )
        return None

    def _require(self, key: str) -> None:
        if _COLUMNS_BY_KEY[key].required:
            self.errors.append(_("%(column)s: empty; fill it in.") % {"column": self.columns[key]})


# --- 2. checking the rows against the registry ----------------------------------------------------


def validate_roster(*, parse: RosterParse, provider: Provider) -> RosterReport:
    """Check every row for ``provider``: certification, version, access route, cohort, the enrolment
    rules of :func:`check_enrolment`, e-mail addresses used twice in the file; and say for each valid
    row what importing it would change. Reads the database, writes nothing."""
    registry = _Registry.load(parse=parse, provider=provider)
    rows_by_email = _rows_by_email(parse.rows)
    return RosterReport(
        parse=parse,
        provider=registry.provider,
        rows=tuple(
            _check_row(row, parse=parse, registry=registry, same_email=rows_by_email[row.values.email])
            for row in parse.rows
        ),
    )


def _rows_by_email(rows: Iterable[RosterRow]) -> defaultdict[str, list[int]]:
    numbers: defaultdict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.values.email:
            numbers[row.values.email].append(row.number)
    return numbers


@dataclass
class _Registry:
    """What the rows refer to, loaded in a few queries. ``new_cohorts`` gathers the cohorts the file
    names that do not exist yet (keyed by certification and folded name → the spelling first met)."""

    provider: Provider
    certifications: dict[str, Certification]
    routes: dict[int, dict[str, AccessRoute]]
    candidates: dict[str, Candidate]
    enrolments: dict[tuple[str, int], Enrolment]
    cohorts: dict[tuple[int, str], Cohort]
    new_cohorts: dict[tuple[int, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls, *, parse: RosterParse, provider: Provider) -> _Registry:
        codes = {row.values.certification for row in parse.rows if row.values.certification}
        emails = {row.values.email for row in parse.rows if row.values.email}
        certifications = list(
            Certification.objects.annotate(upper_code=Upper("code"))
            .filter(upper_code__in=codes)
            .prefetch_related("frameworks", "access_routes")
        )
        enrolments = Enrolment.objects.filter(
            candidate__email__in=emails, framework__certification__in=certifications
        ).select_related("candidate", "access_route", "provider", "cohort")
        cohorts = Cohort.objects.filter(provider=provider, certification__in=certifications)
        return cls(
            provider=Provider.objects.prefetch_related("authorisations").get(pk=provider.pk),
            certifications={certification.upper_code: certification for certification in certifications},
            routes={certification.pk: _route_names(certification) for certification in certifications},
            candidates={
                candidate.email: candidate for candidate in Candidate.objects.filter(email__in=emails)
            },
            enrolments={
                (enrolment.candidate.email, enrolment.framework_id): enrolment for enrolment in enrolments
            },
            cohorts={(cohort.certification_id, fold(cohort.name)): cohort for cohort in cohorts},
        )

    def framework(self, certification: Certification, *, version: str, email: str) -> Framework | None:
        """The version the row names; else the one the candidate is enrolled in (the newest if
        several), so a re-import never enrols them again in a newer version; else the newest."""
        frameworks = list(certification.frameworks.all())
        if version:
            return next((f for f in frameworks if fold(f.version) == fold(version)), None)
        enrolled = [f for f in frameworks if (email, f.pk) in self.enrolments]
        return max(enrolled or frameworks, key=lambda f: f.ordinal, default=None)

    def route(self, certification: Certification, value: str) -> AccessRoute | None:
        return self.routes[certification.pk].get(fold(value))

    def cohort(self, certification: Certification, name: str) -> tuple[Cohort | None, str]:
        """(existing cohort, "") or (None, name of a cohort to create). Names match without case or
        accents, so « Promo 2024 » and « promo 2024 » are one cohort."""
        key = (certification.pk, fold(name))
        if key in self.cohorts:
            return self.cohorts[key], ""
        return None, self.new_cohorts.setdefault(key, name)


def _route_names(certification: Certification) -> dict[str, AccessRoute]:
    """The access routes of ``certification`` by every folded name a cell may give them: the route
    value (``formation_initiale``), its label in each language of the interface, the fiche's label."""
    names: dict[str, AccessRoute] = {}
    for route in certification.access_routes.all():
        labels = {route.route, route.route.replace("_", " "), route.label}
        for language, _language_name in settings.LANGUAGES:
            with translation.override(language):
                labels.add(str(AccessRoute.Route(route.route).label))
        names.update((fold(label), route) for label in labels)
    return names


def _check_row(
    row: RosterRow, *, parse: RosterParse, registry: _Registry, same_email: list[int]
) -> ReportRow:
    """The row's errors, or its plan: reading errors, duplicate e-mail and unknown references first;
    then, with everything resolved, the enrolment rules."""
    values = row.values
    label = parse.column_label
    errors = list(row.errors)
    others = [number for number in same_email if number != row.number]
    if others:
        errors.append(
            _(
                "%(column)s: %(email)s is also on row %(rows)s; each candidate must be on one row only. "
                "Remove or merge the duplicate rows."
            )
            % {"column": label("email"), "email": values.email, "rows": ", ".join(map(str, others))}
        )
    framework = route = None
    certification = registry.certifications.get(values.certification)
    if certification is None and values.certification:
        errors.append(
            _(
                "%(column)s: no certification « %(value)s » is registered. Check the code (as on the RNCP "
                "fiche, for example RNCP39603) or import the certification's référentiel first."
            )
            % {"column": label("certification"), "value": values.certification}
        )
    elif certification is not None:
        framework = registry.framework(certification, version=values.version, email=values.email)
        if framework is None:
            errors.append(_framework_error(certification, version=values.version, column=label("version")))
        route = registry.route(certification, values.access_route) if values.access_route else None
        if route is None and values.access_route:
            errors.append(
                _route_error(certification, value=values.access_route, column=label("access_route"))
            )
    if errors:
        return ReportRow(number=row.number, raw=row.raw, errors=tuple(errors))
    try:
        plan = _plan_row(values, framework=framework, route=route, registry=registry)
    except Refused as refusal:
        in_column = refusal.field in _ROSTER_FIELDS
        message = f"{label(refusal.field)}: {refusal}" if in_column else str(refusal)
        return ReportRow(number=row.number, raw=row.raw, errors=(message,))
    return ReportRow(number=row.number, raw=row.raw, plan=plan)


#: The fields :func:`check_enrolment` may refuse that are also roster columns, named in the message.
_ROSTER_FIELDS = frozenset({"access_route", "cohort", "ends_on"})


def _plan_row(
    values: RosterValues, *, framework: Framework, route: AccessRoute, registry: _Registry
) -> RowPlan:
    """What importing a fully resolved row writes. Empty optional cells keep what is stored. Raises
    :class:`Refused` when the enrolment rules refuse it or another provider holds the enrolment."""
    provider = registry.provider
    existing = registry.enrolments.get((values.email, framework.pk))
    if existing is not None and existing.provider_id != provider.pk:
        raise Refused(
            _(
                "%(email)s is already enrolled in %(framework)s, but not through this training provider; "
                "ask the certifier to transfer the enrolment."
            )
            % {"email": values.email, "framework": framework}
        )
    if values.cohort:
        cohort, new_cohort = registry.cohort(framework.certification, values.cohort)
    else:
        cohort, new_cohort = (existing.cohort if existing else None), ""
    entry_year = values.entry_year or (existing.entry_year if existing else None)
    ends_on = values.ends_on or (existing.ends_on if existing else None)
    check_enrolment(
        framework=framework,
        access_route=route,
        provider=provider,
        cohort=cohort,
        starts_on=values.starts_on,
        ends_on=ends_on,
    )
    candidate = registry.candidates.get(values.email)
    details = CandidateDetails(
        last_name=values.last_name,
        first_name=values.first_name,
        email=values.email,
        birth_date=values.birth_date or (candidate.birth_date if candidate else None),
        reference=values.reference or (candidate.reference if candidate else ""),
    )
    enrolment = {
        "access_route": route,
        "provider": provider,
        "cohort": cohort,
        "entry_year": entry_year,
        "starts_on": values.starts_on,
        "ends_on": ends_on,
    }
    return RowPlan(
        candidate=details,
        framework=framework,
        access_route=route,
        cohort=cohort,
        new_cohort=new_cohort,
        entry_year=entry_year,
        starts_on=values.starts_on,
        ends_on=ends_on,
        candidate_change=_candidate_change(candidate, details),
        enrolment_change=_enrolment_change(existing, enrolment, new_cohort=bool(new_cohort)),
    )


def _framework_error(certification: Certification, *, version: str, column: str) -> str:
    versions = [framework.version for framework in certification.frameworks.all()]
    if not versions:
        return _("%(code)s has no référentiel yet; import its référentiel first.") % {
            "code": certification.code
        }
    return _(
        "%(column)s: %(code)s has no version « %(value)s »; its versions are %(versions)s. "
        "Leave the cell empty to use the newest."
    ) % {"column": column, "code": certification.code, "value": version, "versions": ", ".join(versions)}


def _route_error(certification: Certification, *, value: str, column: str) -> str:
    routes = [route.get_route_display() for route in certification.access_routes.all()]
    if not routes:
        return _("%(code)s has no access route recorded; record its access routes first.") % {
            "code": certification.code
        }
    return _("%(column)s: « %(value)s » is not an access route of %(code)s; write one of: %(routes)s.") % {
        "column": column,
        "value": value,
        "code": certification.code,
        "routes": ", ".join(routes),
    }


def _candidate_change(candidate: Candidate | None, details: CandidateDetails) -> Change:
    if candidate is None:
        return Change.NEW
    stored = (candidate.last_name, candidate.first_name, candidate.birth_date, candidate.reference)
    wanted = (details.last_name, details.first_name, details.birth_date, details.reference)
    return Change.UNCHANGED if stored == wanted else Change.UPDATE


def _enrolment_change(existing: Enrolment | None, values: Mapping[str, Any], *, new_cohort: bool) -> Change:
    """Compared field by field as :func:`enrol` compares them; a cohort to create is a change."""
    if existing is None:
        return Change.NEW
    if new_cohort or any(getattr(existing, name) != value for name, value in values.items()):
        return Change.UPDATE
    return Change.UNCHANGED


# --- 3. writing -----------------------------------------------------------------------------------


def import_roster(
    *,
    actor: AbstractBaseUser | None,
    report: RosterReport,
    provider: Provider,
    skip_invalid: bool,
    progress: Callable[[int, int], None] | None = None,
) -> RosterOutcome:
    """Write the roster in one transaction: all of it, or (``skip_invalid``) its valid rows, then one
    ``roster.import`` audit entry on the provider with the file name and the counts.

    The rows are checked again inside the transaction, so what is written — and counted — is what is
    true when it is written, even if the registry changed since ``report`` was made. Raises
    :class:`Refused`, writing nothing, when a row is invalid and ``skip_invalid`` is false.
    ``progress(done, total)`` is called every :data:`PROGRESS_EVERY` rows and after the last.
    """
    with transaction.atomic():
        checked = validate_roster(parse=report.parse, provider=provider)
        invalid = checked.invalid_rows
        if invalid and not skip_invalid:
            raise Refused(
                ngettext(
                    "Row %(rows)s of %(name)s is invalid: nothing was imported.",
                    "Rows %(rows)s of %(name)s are invalid: nothing was imported.",
                    len(invalid),
                )
                % {"rows": ", ".join(str(row.number) for row in invalid), "name": report.parse.filename},
                hint=_("Correct them and import the file again, or import only the valid rows."),
            )
        cohorts = {
            (certification.pk, fold(name)): create_cohort(
                actor=actor, provider=checked.provider, certification=certification, name=name
            )
            for certification, name in checked.new_cohorts
        }
        rows = checked.valid_rows
        for done, row in enumerate(rows, 1):
            _write_row(actor=actor, plan=row.plan, provider=checked.provider, new_cohorts=cohorts)
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(rows)):
                progress(done, len(rows))
        outcome = checked.outcome
        audit.record(
            actor=actor,
            action="roster.import",
            obj=provider,
            changes={"filename": report.parse.filename, **asdict(outcome)},
        )
    return outcome


def _write_row(
    *,
    actor: AbstractBaseUser | None,
    plan: RowPlan,
    provider: Provider,
    new_cohorts: Mapping[tuple[int, str], Cohort],
) -> None:
    """Save the candidate, then enrol them; both audit what they change."""
    candidate, _created = save_candidate(actor=actor, details=plan.candidate)
    if plan.new_cohort:
        cohort = new_cohorts[(plan.framework.certification_id, fold(plan.new_cohort))]
    else:
        cohort = plan.cohort
    enrol(
        actor=actor,
        candidate=candidate,
        framework=plan.framework,
        access_route=plan.access_route,
        provider=provider,
        starts_on=plan.starts_on,
        cohort=cohort,
        entry_year=plan.entry_year,
        ends_on=plan.ends_on,
    )
