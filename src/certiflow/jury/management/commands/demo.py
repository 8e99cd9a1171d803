from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from certiflow.assessment.domain.demo import (
    DEFAULT_CANDIDATES,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    build_demo,
)
from certiflow.common.domain.errors import Refused
from certiflow.jury.domain.demo import DELIBERATED, STAGES, build_deliberated_demo

EXIT_REFUSED = 2


class Command(BaseCommand):
    help = _(
        "Build a demonstration session on the seed certifications through the real domain: providers, "
        "candidates, accounts with a known password, accommodations, a scheduled session with evaluators "
        "(--stage enrolled), marked and submitted grids (--stage graded) and the jury's deliberation, "
        "signed with its minutes (--stage deliberated). Built once per database, in one transaction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stage", choices=STAGES, required=True, help=_("How far to take the session."))
        parser.add_argument(
            "--candidates",
            type=int,
            default=DEFAULT_CANDIDATES,
            help=_("Number of candidates (default: %(default)s)."),
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=_("Password of every demo account (default: %(default)s)."),
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=_("Random seed (the same seed builds the same data)."),
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help=_("Publish the session's results (with --stage graded or deliberated)."),
        )

    def handle(self, *args, stage, candidates, password, seed, publish, **options):
        out = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        err = Console(file=self.stderr._out, highlight=False, soft_wrap=True)
        step = 0

        def progress(message: str) -> None:
            nonlocal step
            step += 1
            out.print(f"[{step:>2}] {escape(message)}")

        settings = {"candidates": candidates, "password": password, "seed": seed, "publish": publish}
        deliberated = None
        try:
            if stage == DELIBERATED:
                report, deliberated = build_deliberated_demo(**settings, progress=progress)
            else:
                report = build_demo(stage=stage, **settings, progress=progress)
        except Refused as refusal:
            err.print(f"[red]{escape(_('Refused:'))}[/red] {escape(str(refusal))}")
            raise CommandError(_("Nothing was written."), returncode=EXIT_REFUSED) from refusal

        session = report.session
        out.print(
            _("Demo ready: « %(session)s » on %(framework)s, stage %(stage)s (session id %(id)s).")
            % {"session": session.title, "framework": report.framework, "stage": stage, "id": session.pk}
        )
        out.print(" · ".join(f"{name}: {value}" for name, value in report.counts.items()))
        for note in report.notes:
            out.print(escape(note))
        if deliberated is not None:
            out.print(
                escape(
                    _(
                        "Deliberation « %(title)s » (id %(id)s) signed; minutes: %(size)s bytes, "
                        "SHA-256 %(sha256)s."
                    )
                    % {
                        "title": deliberated.deliberation.title,
                        "id": deliberated.deliberation.pk,
                        "size": len(bytes(deliberated.minutes.pdf)),
                        "sha256": deliberated.minutes.sha256,
                    }
                )
            )
        table = Table(title=_("Accounts (password: %(password)s)") % {"password": report.password})
        table.add_column(_("username"))
        table.add_column(_("role"))
        table.add_column(_("password"))
        for account in report.accounts:
            table.add_row(
                account.username,
                escape(account.role),
                report.password if account.password_set else _("(unchanged)"),
            )
        out.print(table)
