from django.core.management.base import BaseCommand
from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _
from rich.console import Console
from rich.table import Table

from certiflow.frameworks.models import Certification, Framework


class Command(BaseCommand):
    help = _("List the certifications in the registry with their versions.")

    def handle(self, *args, **options):
        table = Table(
            _("Code"), _("Title"), _("Level"), _("Versions"), _("Blocs (newest version)"), _("Valid until")
        )
        newest = Framework.objects.order_by("ordinal").annotate(n_blocks=Count("blocks"))
        certifications = Certification.objects.prefetch_related(Prefetch("frameworks", queryset=newest))
        for certification in certifications:
            frameworks = list(certification.frameworks.all())
            versions = ", ".join(f.version for f in frameworks)
            table.add_row(
                certification.code,
                certification.title,
                str(certification.level or "—"),
                versions,
                str(frameworks[-1].n_blocks) if frameworks else "—",
                certification.valid_until.isoformat() if certification.valid_until else "—",
            )
        Console(file=self.stdout._out, soft_wrap=True).print(table)
