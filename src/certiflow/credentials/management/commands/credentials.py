"""``certiflow credentials issue|export|revoke|rotate-key``: the credentials of signed deliberations
from the command line, with progress for the long ones."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from certiflow.common.domain.errors import Refused
from certiflow.credentials.domain import export, issuance, keys
from certiflow.credentials.models import IssuanceBatch, IssuedCredential
from certiflow.frameworks.models import Certifier
from certiflow.jury.models import Deliberation

EXIT_REFUSED = 2


class Command(BaseCommand):
    help = _("Issue, export and revoke credentials, and rotate a certifier's signing key.")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        issue = commands.add_parser(
            "issue", help=_("Issue the credentials of a signed deliberation (idempotent).")
        )
        issue.add_argument("deliberation", type=int, help=_("Deliberation id."))
        issue.add_argument(
            "--as", dest="username", help=_("Administrator who issues (recorded in the audit log).")
        )
        exporting = commands.add_parser(
            "export", help=_("Write every issued credential (JSON and PDF) into DIR.")
        )
        exporting.add_argument("directory", type=Path, metavar="DIR")
        exporting.add_argument("--session", type=int, help=_("Only the credentials of this session (id)."))
        exporting.add_argument(
            "--deliberation", type=int, help=_("Only the credentials of this deliberation (id).")
        )
        revoke = commands.add_parser(
            "revoke", help=_("Revoke a credential; the status list is re-signed at once.")
        )
        revoke.add_argument("credential", help=_("Credential id (the UUID printed on the PDF)."))
        revoke.add_argument("--reason", required=True, help=_("Why: shown to whoever verifies it."))
        revoke.add_argument("--as", dest="username", help=_("Administrator who revokes."))
        rotate = commands.add_parser(
            "rotate-key", help=_("Retire a certifier's signing key and create a new one.")
        )
        rotate.add_argument("certifier", type=int, help=_("Certifier id."))
        rotate.add_argument("--reason", required=True, help=_("Why the key is rotated."))
        rotate.add_argument("--as", dest="username", help=_("Administrator who rotates it."))

    def handle(self, *args, action, **options):
        self.out = Console(file=self.stdout._out, highlight=False, soft_wrap=True, emoji=False)
        try:
            getattr(self, f"_{action.replace('-', '_')}")(**options)
        except Refused as refusal:
            Console(file=self.stderr._out, highlight=False, emoji=False).print(
                f"[red]{escape(_('Refused:'))}[/red] {escape(str(refusal))}"
            )
            raise CommandError(_("Nothing was written."), returncode=EXIT_REFUSED) from refusal

    def _actor(self, username: str | None):
        if username is None:
            return None
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None or not user.has_perm("credentials.issue"):
            raise CommandError(
                _("%(user)s is not an active administrator.") % {"user": username}, returncode=EXIT_REFUSED
            )
        return user

    def _progress(self) -> Progress:
        return Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=self.out,
        )

    def _issue(self, *, deliberation, username, **options):
        found = Deliberation.objects.filter(pk=deliberation).first()
        if found is None:
            raise CommandError(_("No deliberation %(id)s.") % {"id": deliberation}, returncode=EXIT_REFUSED)
        batch = issuance.create_batch(actor=self._actor(username), deliberation=found)
        with self._progress() as bar:
            task = bar.add_task(_("Issuing"), total=batch.total or None)
            batch = issuance.run_batch(
                batch=batch, progress=lambda done, total: bar.update(task, completed=done, total=total)
            )
        if batch.status != IssuanceBatch.Status.DONE:
            raise CommandError(
                _("Batch %(id)s is %(status)s: %(error)s")
                % {"id": batch.pk, "status": batch.get_status_display(), "error": batch.error},
                returncode=EXIT_REFUSED,
            )
        self.out.print(
            escape(
                _(
                    "Batch %(id)s done: %(done)s decisions, %(issued)s credentials issued (already issued ones are not issued again)."
                )
                % {"id": batch.pk, "done": batch.done, "issued": batch.issued}
            )
        )

    def _export(self, *, directory: Path, session, deliberation, **options):
        credentials = IssuedCredential.objects.all()
        if session is not None:
            credentials = credentials.filter(decision__deliberation__session_id=session)
        if deliberation is not None:
            credentials = credentials.filter(decision__deliberation_id=deliberation)
        credentials = export.with_files(credentials)
        total = credentials.count()
        directory.mkdir(parents=True, exist_ok=True)
        with self._progress() as bar:
            task = bar.add_task(_("Exporting"), total=total)
            count = export.export_to(
                credentials.iterator(chunk_size=200),
                directory,
                progress=lambda n: bar.update(task, completed=n),
            )
        self.out.print(
            escape(
                _("%(count)s credentials written to %(dir)s (a JSON and a PDF each).")
                % {"count": count, "dir": directory}
            )
        )

    def _revoke(self, *, credential, reason, username, **options):
        try:
            found = IssuedCredential.objects.filter(pk=credential).first()
        except ValidationError as error:  # not a UUID
            raise CommandError(
                _("%(value)s is not a credential id.") % {"value": credential}, returncode=EXIT_REFUSED
            ) from error
        if found is None:
            raise CommandError(_("No credential %(id)s.") % {"id": credential}, returncode=EXIT_REFUSED)
        issuance.revoke(actor=self._actor(username), credential=found, reason=reason)
        self.out.print(
            escape(_("Credential %(id)s revoked; its status list is re-signed.") % {"id": found.pk})
        )

    def _rotate_key(self, *, certifier, reason, username, **options):
        found = Certifier.objects.filter(pk=certifier).first()
        if found is None:
            raise CommandError(_("No certifier %(id)s.") % {"id": certifier}, returncode=EXIT_REFUSED)
        key = keys.rotate_key(actor=self._actor(username), certifier=found, reason=reason)
        self.out.print(
            escape(_("%(certifier)s now signs with %(did)s.") % {"certifier": found.name, "did": key.did})
        )
