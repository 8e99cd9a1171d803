from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from certiflow.frameworks.domain.seeds import load_seed_documents


class Command(BaseCommand):
    help = _("Load the seed certifications shipped with certiflow (idempotent).")

    def handle(self, *args, **options):
        for outcome in load_seed_documents():
            framework = outcome.framework
            state = _("loaded") if outcome.created else _("already present")
            self.stdout.write(f"{framework.certification.code} {framework.version}: {state}")
