"""``certiflow import_candidates FILE --provider SIRET``: import a provider's roster (CSV or .xlsx).

Exit codes: 0 imported (or a dry run found nothing wrong); 1 invalid rows were skipped, or a dry run
found some; 2 refused, nothing written.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn

from certiflow.candidates.importers.roster import (
    MAX_ROSTER_BYTES,
    Change,
    ReportRow,
    RosterOutcome,
    RosterReport,
    import_roster,
    parse_roster,
    validate_roster,
)
from certiflow.candidates.models import Provider
from certiflow.common.domain.errors import Refused

EXIT_INVALID_ROWS, EXIT_REFUSED = 1, 2


class Command(BaseCommand):
    help = _(
        "Import candidates and their enrolments from a provider's roster, CSV or Excel (.xlsx) "
        "(exit 0: imported; 1: invalid rows skipped, or found by a dry run; 2: refused, nothing written)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", metavar="FILE")
        parser.add_argument(
            "--provider", required=True, metavar="SIRET", help=_("SIRET of the training provider.")
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help=_(
                "Import the valid rows and skip the others (by default, one invalid row stops the import)."
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help=_("Check and report; write nothing."))

    def handle(self, *args, path, provider, skip_invalid, dry_run, **options):
        out = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        err = Console(file=self.stderr._out, highlight=False, soft_wrap=True)
        try:
            report = validate_roster(
                parse=parse_roster(data=read(Path(path)), filename=Path(path).name),
                provider=find_provider(provider),
            )
            print_report(out, report)
            if dry_run:
                print_dry_run(out, report, skip_invalid=skip_invalid)
                invalid = len(report.invalid_rows)
            else:
                outcome = write(report, skip_invalid=skip_invalid, progress_console=err)
                out.print(_("Imported:") + " " + summary_line(outcome))
                invalid = outcome.skipped
        except Refused as refusal:
            err.print(f"[red]{escape(_('Refused:'))}[/red] {escape(str(refusal))}")
            raise CommandError(_("Nothing was imported."), returncode=EXIT_REFUSED) from refusal
        if invalid:
            sys.exit(EXIT_INVALID_ROWS)


def read(path: Path) -> bytes:
    if not path.is_file():
        raise Refused(_("%(path)s: no such file.") % {"path": path})
    size = path.stat().st_size
    if size > MAX_ROSTER_BYTES:
        raise Refused(
            _("%(path)s is %(size)s bytes; the limit is %(limit)s bytes.")
            % {"path": path, "size": size, "limit": MAX_ROSTER_BYTES},
            hint=_("Split the list into several files and import them one after the other."),
        )
    return path.read_bytes()


def find_provider(siret: str) -> Provider:
    provider = Provider.objects.filter(siret=siret.replace(" ", "")).first()
    if provider is None:
        raise Refused(
            _("No training provider has the SIRET %(siret)s.") % {"siret": siret},
            hint=_("Check the number (14 digits), or record the provider first."),
        )
    return provider


def write(report: RosterReport, *, skip_invalid: bool, progress_console: Console) -> RosterOutcome:
    """Import with a progress bar on a terminal; the importer's transaction makes it all or nothing."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=progress_console,
        transient=True,
        disable=not progress_console.is_terminal,
    ) as bar:
        task = bar.add_task(report.parse.filename, total=len(report.valid_rows))
        return import_roster(
            actor=None,
            report=report,
            provider=report.provider,
            skip_invalid=skip_invalid,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def print_report(console: Console, report: RosterReport) -> None:
    parse = report.parse
    source = parse.format.upper() + (f", {parse.encoding}" if parse.encoding else "")
    console.print(
        f"[bold]{escape(parse.filename)}[/bold] ({source}) — {escape(str(report.provider))}: "
        + ngettext("%(n)s row", "%(n)s rows", len(report.rows)) % {"n": len(report.rows)}
    )
    for warning in parse.warnings:
        console.print(f"  [yellow]{escape(warning)}[/yellow]")
    for row in report.rows:
        console.print(f"  {_('row %(n)s') % {'n': row.number}}  {escape(row_status(row))}")
        for error in row.errors:
            console.print(f"    - {escape(error)}")
    for certification, name in report.new_cohorts:
        console.print(
            "  " + _("new cohort: %(name)s (%(code)s)") % {"name": escape(name), "code": certification.code}
        )


def print_dry_run(console: Console, report: RosterReport, *, skip_invalid: bool) -> None:
    console.print(_("Dry run: nothing was written."))
    if report.invalid_rows and not skip_invalid:
        console.print(
            ngettext(
                "Importing would be refused: %(n)s row is invalid (--skip-invalid imports the others).",
                "Importing would be refused: %(n)s rows are invalid (--skip-invalid imports the others).",
                len(report.invalid_rows),
            )
            % {"n": len(report.invalid_rows)}
        )
    else:
        console.print(_("Importing would give:") + " " + summary_line(report.outcome))


def row_status(row: ReportRow) -> str:
    if row.plan is None:
        return _("invalid")
    candidate = {
        Change.NEW: _("new candidate"),
        Change.UPDATE: _("candidate updated"),
        Change.UNCHANGED: _("candidate unchanged"),
    }[row.plan.candidate_change]
    enrolment = {
        Change.NEW: _("new enrolment"),
        Change.UPDATE: _("enrolment updated"),
        Change.UNCHANGED: _("enrolment unchanged"),
    }[row.plan.enrolment_change]
    return f"{candidate}, {enrolment} ({row.plan.framework}, {row.plan.access_route.get_route_display()})"


def summary_line(outcome: RosterOutcome) -> str:
    return " · ".join(
        [
            ngettext("%(n)s new", "%(n)s new", outcome.created) % {"n": outcome.created},
            ngettext("%(n)s updated", "%(n)s updated", outcome.updated) % {"n": outcome.updated},
            ngettext("%(n)s unchanged", "%(n)s unchanged", outcome.unchanged) % {"n": outcome.unchanged},
            ngettext("%(n)s invalid row skipped", "%(n)s invalid rows skipped", outcome.skipped)
            % {"n": outcome.skipped},
            ngettext("%(n)s cohort created", "%(n)s cohorts created", outcome.cohorts_created)
            % {"n": outcome.cohorts_created},
        ]
    )
