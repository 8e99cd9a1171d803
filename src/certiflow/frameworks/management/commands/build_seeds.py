from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from certiflow.frameworks.domain.seeds import write_seed_fixtures


class Command(BaseCommand):
    help = _("Rebuild the seed fixtures from the source documents (for developers; review the diff).")

    def add_arguments(self, parser):
        parser.add_argument("documents_dir", nargs="?", default="../shared/seeds")

    def handle(self, *args, documents_dir, **options):
        for path in write_seed_fixtures(Path(documents_dir)):
            self.stdout.write(str(path))
