"""``certiflow verify FILE``: check a credential offline, each check on its own line; exit 0 only when
every check passed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape

from certiflow.credentials.domain.verification import Verdict, read_credential, verify

#: Exit status when a check did not pass (or could not be made): distinct from usage errors (2).
EXIT_NOT_VERIFIED = 1
MARKS = {
    Verdict.PASSED: "[green]✔[/green]",
    Verdict.FAILED: "[red]✘[/red]",
    Verdict.NOT_CHECKED: "[yellow]?[/yellow]",
}


class Command(BaseCommand):
    help = _(
        "Verify a credential (its JSON, or one of our PDFs, which carry it) without the network: format, "
        "schema, signature, issuer key, validity dates and revocation, each reported on its own. Exits 0 "
        "only when every check passed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help=_("The credential: a .json file, a PDF that carries one, or - for standard input.")
        )
        parser.add_argument(
            "--status-list",
            action="append",
            default=[],
            metavar="FILE",
            help=_(
                "Another issuer's status list credential (JSON), to check revocation offline; repeatable."
            ),
        )
        parser.add_argument(
            "--at", help=_("Check the validity dates at this moment (ISO 8601) instead of now.")
        )
        parser.add_argument("--format", choices=["text", "json"], default="text", help=_("Output format."))

    def handle(self, *args, file, status_list, at, format, **options):
        data = self._read(file)
        lists = {}
        for path in status_list:
            try:
                document = read_credential(self._read(path))
            except ValueError as error:
                raise CommandError(
                    _("%(path)s: %(error)s") % {"path": path, "error": error}, returncode=2
                ) from error
            if isinstance(document.get("id"), str):
                lists[document["id"]] = document
        moment = None
        if at:
            moment = parse_datetime(at)
            if moment is None or moment.tzinfo is None:
                raise CommandError(
                    _("--at needs a date and time with its offset, e.g. 2027-01-01T00:00:00+01:00."),
                    returncode=2,
                )
        report = verify(data, now=moment, status_lists=lists)
        if format == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self._print(report, file)
        if not report.ok:
            raise CommandError(_("Not verified."), returncode=EXIT_NOT_VERIFIED)

    def _read(self, path: str) -> bytes:
        if path == "-":
            return sys.stdin.buffer.read()
        try:
            return Path(path).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}, returncode=2
            ) from error

    def _print(self, report, file: str) -> None:
        out = Console(file=self.stdout._out, highlight=False, soft_wrap=True, emoji=False)
        summary = report.summary
        out.print(escape(file))
        if summary.name:
            out.print(f"  {escape(summary.name)}")
        if summary.subject_name or summary.issuer_name:
            out.print(
                "  "
                + escape(
                    _("awarded to %(subject)s by %(issuer)s")
                    % {
                        "subject": summary.subject_name or "?",
                        "issuer": summary.issuer_name or summary.issuer_id or "?",
                    }
                )
            )
        for check in report.checks:
            out.print(f"  {MARKS[check.verdict]} {escape(check.label)}: {escape(check.message)}")
        out.print(
            _("VALID: every check passed.") if report.ok else _("NOT VALID: see the checks marked ✘ or ?.")
        )
