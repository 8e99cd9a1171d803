"""``certiflow demo``: a realistic session built through the domain, at the enrolled, graded, deliberated
or issued stage. The command lives in the credentials app, the highest layer it reaches; each stage's
logic is in its own app's ``domain/demo.py``."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from certiflow.assessment.domain.demo import (
    DEFAULT_CANDIDATES,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    build_demo,
)
from certiflow.common.domain.errors import Refused
from certiflow.credentials.domain.demo import ISSUED, STAGES, build_issued_demo
from certiflow.credentials.domain.documents import public_url, verification_url
from certiflow.jury.domain.demo import DELIBERATED, build_deliberated_demo

EXIT_REFUSED = 2


class IssuingBar:
    """The issuing batch's progress bar, shown from the first decision issued to the last."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar: Progress | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.bar.start()
            self.task = self.bar.add_task(_("Issuing"), total=total)
        self.bar.update(self.task, completed=done, total=total)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


class Command(BaseCommand):
    help = _(
        "Build a demonstration session on the seed certifications through the real domain: providers, "
        "candidates, accounts with a known password, accommodations, a scheduled session with evaluators "
        "(--stage enrolled), marked and submitted grids (--stage graded), the jury's deliberation, "
        "signed with its minutes (--stage deliberated), and its certificates and bloc attestations, "
        "signed (--stage issued). Built once per database, in one transaction."
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
            help=_("Publish the session's results (with --stage graded, deliberated or issued)."),
        )

    def handle(self, *args, stage, candidates, password, seed, publish, **options):
        out = Console(file=self.stdout._out, highlight=False, soft_wrap=True, emoji=False)
        err = Console(file=self.stderr._out, highlight=False, soft_wrap=True, emoji=False)
        step = 0

        def progress(message: str) -> None:
            nonlocal step
            step += 1
            out.print(f"[{step:>2}] {escape(message)}")

        settings = {"candidates": candidates, "password": password, "seed": seed, "publish": publish}
        deliberated = issued = None
        bar = IssuingBar(out)
        try:
            if stage == ISSUED:
                report, deliberated, issued = build_issued_demo(**settings, progress=progress, issuing=bar)
            elif stage == DELIBERATED:
                report, deliberated = build_deliberated_demo(**settings, progress=progress)
            else:
                report = build_demo(stage=stage, **settings, progress=progress)
        except Refused as refusal:
            err.print(f"[red]{escape(_('Refused:'))}[/red] {escape(str(refusal))}")
            raise CommandError(_("Nothing was written."), returncode=EXIT_REFUSED) from refusal
        finally:
            bar.close()

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
        if report.accounts:
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
        if issued is not None:
            self._print_issued(out, issued, deliberation=deliberated.deliberation)

    def _print_issued(self, out: Console, issued, *, deliberation) -> None:
        lines = [
            _(
                "Credentials issued (batch %(batch)s): %(total)s — certificates: %(certificates)s, "
                "bloc attestations: %(attestations)s."
            )
            % {
                "total": issued.total,
                "batch": issued.batch.pk,
                "certificates": issued.certificates,
                "attestations": issued.attestations,
            }
        ]
        if issued.certificate is not None:
            lines += [
                _("Candidate account with a certificate: %(username)s (its portal lists its credentials).")
                % {"username": issued.account},
                _("Certificate %(id)s: verify it at %(url)s, or drop its JSON or PDF on %(verify)s.")
                % {
                    "id": issued.certificate.pk,
                    "url": verification_url(issued.certificate.pk),
                    "verify": public_url("/verify/"),
                },
            ]
        else:
            lines.append(
                _("No demo candidate account holds a certificate; verify any credential at %(verify)s.")
                % {"verify": public_url("/verify/")}
            )
        lines.append(
            _(
                "Every credential as files (a JSON and a PDF each): "
                "certiflow credentials export DIR --deliberation %(id)s"
            )
            % {"id": deliberation.pk}
        )
        for line in lines:
            out.print(escape(line))
