from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from certiflow.frameworks.exporters.canonical_json import export_framework
from certiflow.frameworks.importers.canonical import dump_canonical
from certiflow.frameworks.models import Framework


class Command(BaseCommand):
    help = _(
        "Export certifications as canonical JSON. CODE exports its newest version, CODE@VERSION one "
        "version; without CODE, every version of every certification, as a JSON array."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", metavar="CODE")
        parser.add_argument("--format", choices=["json"], default="json")
        parser.add_argument("-o", "--output", help=_("File to write (default: standard output)."))

    def handle(self, *args, codes, output, **options):
        if codes:
            frameworks = [self.find(code) for code in codes]
            payload = (
                export_framework(frameworks[0])
                if len(frameworks) == 1
                else [export_framework(f) for f in frameworks]
            )
        else:
            payload = [
                export_framework(f)
                for f in Framework.objects.select_related("certification").order_by(
                    "certification__code", "ordinal"
                )
            ]
        text = dump_canonical(payload)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    def find(self, spec: str) -> Framework:
        code, _sep, version = spec.partition("@")
        frameworks = Framework.objects.select_related("certification").filter(certification__code=code)
        if version:
            frameworks = frameworks.filter(version=version)
        framework = frameworks.order_by("-ordinal").first()
        if framework is None:
            known = ", ".join(
                f"{c}@{v}"
                for c, v in Framework.objects.order_by("certification__code", "ordinal").values_list(
                    "certification__code", "version"
                )
            )
            raise CommandError(
                _("No certification version %(spec)s. Known: %(known)s.")
                % {"spec": spec, "known": known or _("none")},
                returncode=2,
            )
        return framework
