from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from certiflow.frameworks.models import Certification


class Command(BaseCommand):
    help = _("List the certifications in the registry with their versions.")

    def handle(self, *args, **options):
        table = Table(_("Code"), _("Title"), _("Level"), _("Versions"), _("Blocs"), _("Valid until"))
        certifications = Certification.objects.prefetch_related("frameworks").annotate(
            n_blocks=Count("frameworks__blocks")
        )
        for certification in certifications:
            versions = ", ".join(f.version for f in certification.frameworks.all())
            table.add_row(
                certification.code,
                certification.title,
                str(certification.level or "—"),
                versions,
                str(certification.n_blocks),
                certification.valid_until.isoformat() if certification.valid_until else "—",
            )
        Console(file=self.stdout._out, soft_wrap=True).print(table)
