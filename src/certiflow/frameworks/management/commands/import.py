import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from certiflow.frameworks.domain.imports import import_framework, prepare_document
from certiflow.frameworks.importers import ImportRefused, read_document
from certiflow.frameworks.importers.base import MAX_DOCUMENT_BYTES

from ._report import print_result

EXIT_WARNINGS, EXIT_REFUSED = 1, 2  # 0 when imported without warnings


def refused_label() -> str:
    return _("Refused:")


class Command(BaseCommand):
    help = _(
        "Import référentiels and RNCP fiches (exit 0: imported; 1: imported with warnings; "
        "2: refused, nothing written)."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        # Our --version is the référentiel's version label; it replaces Django's "print the version".
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--dry-run", action="store_true", help=_("Read and report; write nothing."))
        parser.add_argument("--code", help=_("Certification code to use when the document has no RNCP code."))
        parser.add_argument("--version", dest="version_label", help=_("Version label of this référentiel."))
        parser.add_argument("--title", help=_("Certification title when the document does not state it."))

    def handle(self, *args, paths, dry_run, code, version_label, title, **options):
        out = Console(file=self.stdout._out, highlight=False, soft_wrap=True)
        err = Console(file=self.stderr._out, highlight=False, soft_wrap=True)
        documents = []
        missing: list[str] = []
        try:
            for path in paths:
                raw = self.read(Path(path))
                for result in read_document(raw, name=Path(path).name):
                    try:
                        result.document = prepare_document(
                            result.document, code=code, version=version_label, title=title
                        )
                    except ImportRefused as refusal:
                        if not dry_run:
                            raise
                        # A dry run reports the whole document, then says what an import would need.
                        missing.append(f"{Path(path).name}: {refusal}")
                    documents.append((Path(path).name, result))
        except ImportRefused as refusal:
            err.print(f"[red]{refused_label()}[/red] {refusal}")
            raise CommandError(_("Nothing was imported."), returncode=EXIT_REFUSED) from refusal

        for name, result in documents:
            print_result(out, name, result)
        if dry_run:
            out.print(_("Dry run: nothing was written."))
            for note in missing:
                out.print(_("To import it: %(note)s") % {"note": note})
        else:
            try:
                self.write(documents, out, err)
            except ImportRefused as refusal:
                err.print(f"[red]{refused_label()}[/red] {refusal}")
                raise CommandError(_("Nothing was imported."), returncode=EXIT_REFUSED) from refusal
        if any(result.issues for _name, result in documents):
            sys.exit(EXIT_WARNINGS)

    def read(self, path: Path) -> bytes:
        if not path.is_file():
            raise ImportRefused(_("%(path)s: no such file.") % {"path": path})
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise ImportRefused(
                _("%(path)s is %(size)s bytes; the limit is %(limit)s bytes.")
                % {"path": path, "size": path.stat().st_size, "limit": MAX_DOCUMENT_BYTES}
            )
        return path.read_bytes()

    @transaction.atomic
    def write(self, documents, out: Console, err: Console) -> None:
        """All documents or none: one transaction around the whole command."""
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            console=err,
            transient=True,
            disable=not err.is_terminal,
        ) as bar:
            for name, result in documents:
                task = bar.add_task(name, total=len(result.document["blocks"]))
                outcome = import_framework(
                    document=result.document,
                    progress=lambda _code, done, total, task=task: bar.update(
                        task, completed=done, total=total
                    ),
                )
                framework = outcome.framework
                if outcome.created:
                    out.print(
                        _("→ imported as %(code)s version %(version)s.")
                        % {"code": framework.certification.code, "version": framework.version}
                    )
                else:
                    out.print(
                        _("→ already imported as %(code)s version %(version)s: nothing changed.")
                        % {"code": framework.certification.code, "version": framework.version}
                    )
