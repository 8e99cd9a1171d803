"""``certiflow deliberate SESSION``: the engine's proposals for a session, or opening its deliberation.

``--dry-run`` prints the proposal for every enrolment the session's deliberation decides on (a table,
or JSON streamed as it is computed) with the count per result, and writes nothing. Without it, the
session's deliberation being prepared is opened as the administrator named by ``--as``: the domain
checks the jury's composition and conflicts of interest and creates one undecided decision per
candidate with the proposal (DESIGN rules 6 and 7); every problem that stops it is printed.
"""

import datetime
import json
import re
from collections import Counter
from dataclasses import asdict

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from certiflow.assessment.models import Session
from certiflow.candidates.models import Enrolment, Provider
from certiflow.common.domain.errors import Refused
from certiflow.jury.domain.deliberations import CannotOpen, open_deliberation
from certiflow.jury.domain.engine import Proposal, Reason, presented_enrolments, session_proposals
from certiflow.jury.models import Deliberation

EXIT_REFUSED = 2
#: A line on stderr every so many candidates while proposals are computed.
PROGRESS_EVERY = 1000
#: How the table shows a bloc's proposed status.
MARKS = {"validated": "✓", "failed": "✗", "pending": "…", "to_decide": "?"}
RESULTS = ("certified", "partial", "not_certified", "incomplete")
BLOC_NUMBER = re.compile(r"BC\d+$")
#: The table's width when the output is not a terminal (a file, a pipe, a log).
WIDTH_OFF_TERMINAL = 160


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(_("« %(value)s » is not a date (YYYY-MM-DD).") % {"value": value}) from None


def _short(code: str) -> str:
    """RNCP39603BC01 → BC01: the certification's part is the same on every line."""
    found = BLOC_NUMBER.search(code)
    return found.group(0) if found else code


def _reason(reason: Reason) -> str:
    """A reason as the table shows it: the code, with the criteria or blocs it names; the texts of
    unmet prerequisites are long and are in the JSON output."""
    if reason.code == "prerequisites" or not reason.detail:
        return reason.code
    return f"{reason.code}: {', '.join(_short(code) for code in reason.detail.split(', '))}"


class Command(BaseCommand):
    help = _(
        "Show the engine's proposals for a session (--dry-run, writes nothing), or open the session's "
        "deliberation being prepared as an administrator (--as): the jury's composition and conflicts "
        "of interest are checked, and every problem is listed."
    )

    def add_arguments(self, parser):
        parser.add_argument("session", type=int, help=_("The session's id."))
        parser.add_argument(
            "--dry-run", action="store_true", help=_("Print the proposals and write nothing.")
        )
        parser.add_argument(
            "--on",
            type=str,
            help=_(
                "With --dry-run: the day the proposals are computed for, YYYY-MM-DD (default: the date of "
                "the deliberation being prepared, else today)."
            ),
        )
        parser.add_argument(
            "--format", dest="output", choices=("table", "json"), default="table", help=_("Output format.")
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help=_("The administrator who opens the deliberation (required without --dry-run)."),
        )
        parser.add_argument(
            "--deliberation",
            type=int,
            metavar="ID",
            help=_("Which deliberation to open when the session has several being prepared."),
        )

    def handle(self, *args, session, dry_run, on, output, username, deliberation, **options):
        self.out = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        if not self.out.is_terminal:
            self.out.width = max(self.out.width, WIDTH_OFF_TERMINAL)  # a file or a pipe: no need to fold
        self.err = Console(file=self.stderr._out, highlight=False, soft_wrap=True)
        found = Session.objects.select_related("framework__certification").filter(pk=session).first()
        if found is None:
            raise CommandError(_("No session has the id %(id)s.") % {"id": session})
        day = _day(on) if on else None
        if dry_run:
            if username:
                raise CommandError(_("--as opens a deliberation; --dry-run writes nothing. Choose one."))
            self.dry_run(found, on=day or self.default_day(found), output=output)
        else:
            if day is not None:
                raise CommandError(
                    _("--on goes with --dry-run: a deliberation opens with the proposals as of its own date.")
                )
            if not username:
                raise CommandError(
                    _(
                        "Say who opens the deliberation with --as USERNAME (an administrator), or use "
                        "--dry-run to see the proposals without writing anything."
                    )
                )
            self.open_preparing(found, actor=self.actor(username), chosen=deliberation, output=output)

    # --- dry run --------------------------------------------------------------------------------------

    def default_day(self, session: Session) -> datetime.date:
        preparing = list(
            session.deliberations.filter(status=Deliberation.Status.PREPARING).values_list(
                "meets_on", flat=True
            )[:2]
        )
        return preparing[0] if len(preparing) == 1 else timezone.localdate()

    def dry_run(self, session: Session, *, on: datetime.date, output: str) -> None:
        total = presented_enrolments(session).count()
        providers = dict(Provider.objects.values_list("pk", "name"))
        counts: Counter[str] = Counter()
        self.err.print(
            _("Proposals for « %(session)s » (session %(id)s) as of %(day)s: %(total)s candidate(s).")
            % {"session": escape(session.title), "id": session.pk, "day": on.isoformat(), "total": total}
        )
        if output == "json":
            write = self.stdout._out.write
            # Streamed: one proposal per line as it is computed, the counts last.
            write(f'{{"session": {session.pk}, "on": "{on.isoformat()}", "proposals": [')
        else:
            # Codes, not labels: the table reads the same in every language (as the JSON does).
            table = Table("#", "candidate")
            table.add_column("route", no_wrap=True)
            table.add_column("result", no_wrap=True)
            table.add_column("blocs")
            table.add_column("reasons")
        for number, proposal in enumerate(session_proposals(session, on=on), start=1):
            counts[proposal.result] += 1
            enrolment = self.enrolment_of(proposal)
            if output == "json":
                write(
                    ("\n" if number == 1 else ",\n") + json.dumps(self.item(proposal, enrolment, providers))
                )
            else:
                table.add_row(
                    str(number),
                    escape(f"{enrolment.candidate.last_name.upper()} {enrolment.candidate.first_name}"),
                    enrolment.access_route.route,
                    proposal.result,
                    " ".join(f"{_short(b.code)} {MARKS.get(b.status, '?')}" for b in proposal.blocks),
                    escape("; ".join(_reason(r) for r in proposal.reasons)),
                )
            if number % PROGRESS_EVERY == 0:
                self.err.print(_("… %(done)s / %(total)s candidates") % {"done": number, "total": total})
        ordered = {result: counts[result] for result in RESULTS if counts[result]} | dict(counts)
        if output == "json":
            write(f'\n], "counts": {json.dumps(ordered)}, "total": {sum(counts.values())}}}\n')
            return
        self.out.print(table)
        self.out.print(
            _(
                "Blocs: ✓ validated · ✗ failed · … waiting for a result · ? equivalence to rule on. "
                "Details (prerequisites, grounds, providers): --format json. Nothing was written."
            )
        )
        self.out.print(
            " · ".join(
                [
                    *(f"{result}: {count}" for result, count in ordered.items()),
                    f"total: {sum(counts.values())}",
                ]
            )
        )

    @staticmethod
    def enrolment_of(proposal: Proposal) -> Enrolment:
        if proposal.matrix is not None:
            return proposal.matrix.enrolment  # loaded with its candidate and access route
        return Enrolment.objects.select_related("candidate", "access_route").get(pk=proposal.enrolment_id)

    @staticmethod
    def item(proposal: Proposal, enrolment: Enrolment, providers: dict[int, str]) -> dict:
        return {
            "enrolment_id": proposal.enrolment_id,
            "candidate": {
                "id": enrolment.candidate_id,
                "last_name": enrolment.candidate.last_name,
                "first_name": enrolment.candidate.first_name,
            },
            "route": enrolment.access_route.route,
            "provider": providers.get(enrolment.provider_id),
            "result": proposal.result,
            "decision_result": proposal.decision_result,
            "blocks": [asdict(b) for b in proposal.blocks],
            "reasons": [asdict(r) for r in proposal.reasons],
        }

    # --- opening -------------------------------------------------------------------------------------

    def actor(self, username: str):
        User = get_user_model()
        user = User.objects.filter(**{User.USERNAME_FIELD: username}, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user is called « %(name)s ».") % {"name": username})
        return user

    def open_preparing(self, session: Session, *, actor, chosen: int | None, output: str) -> None:
        preparing = list(session.deliberations.filter(status=Deliberation.Status.PREPARING).order_by("pk"))
        if chosen is not None:
            deliberation = next((d for d in preparing if d.pk == chosen), None)
            if deliberation is None:
                raise CommandError(
                    _("Session %(session)s has no deliberation %(id)s being prepared.")
                    % {"session": session.pk, "id": chosen}
                )
        elif not preparing:
            raise CommandError(
                _(
                    "Session %(session)s has no deliberation being prepared: create one and compose its jury "
                    "(in the administration), then run this command again."
                )
                % {"session": session.pk}
            )
        elif len(preparing) > 1:
            raise CommandError(
                _(
                    "Session %(session)s has %(count)s deliberations being prepared (ids %(ids)s): "
                    "choose one with --deliberation ID."
                )
                % {
                    "session": session.pk,
                    "count": len(preparing),
                    "ids": ", ".join(str(d.pk) for d in preparing),
                }
            )
        else:
            deliberation = preparing[0]
        self.err.print(
            _("Opening « %(title)s » (deliberation %(id)s): checking the jury, then computing the proposals…")
            % {"title": escape(deliberation.title), "id": deliberation.pk}
        )
        try:
            opened = open_deliberation(actor=actor, deliberation=deliberation)
        except CannotOpen as cannot:
            self.err.print(f"[red]{escape(cannot.message)}[/red]")
            for problem in cannot.problems:
                self.err.print(f"  - {escape(problem)}")
            raise CommandError(_("The deliberation was not opened."), returncode=EXIT_REFUSED) from cannot
        except Refused as refusal:
            self.err.print(f"[red]{escape(_('Refused:'))}[/red] {escape(str(refusal))}")
            raise CommandError(_("The deliberation was not opened."), returncode=EXIT_REFUSED) from refusal
        proposed = Counter(opened.decisions.values_list("proposed_result", flat=True))
        ordered = {result: proposed[result] for result in RESULTS if proposed[result]} | dict(proposed)
        if output == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "deliberation": opened.pk,
                        "status": opened.status,
                        "meets_on": opened.meets_on.isoformat(),
                        "candidates": sum(proposed.values()),
                        "proposed": ordered,
                    }
                )
            )
            return
        self.out.print(
            _(
                "Deliberation « %(title)s » (id %(id)s) is open: %(count)s candidate(s), "
                "proposals as of %(day)s."
            )
            % {
                "title": escape(opened.title),
                "id": opened.pk,
                "count": sum(proposed.values()),
                "day": opened.meets_on.isoformat(),
            }
        )
        self.out.print(" · ".join(f"{result}: {count}" for result, count in ordered.items()))
