import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = _(
        "Create the administrator account if it does not exist. Password: $CERTIFLOW_ADMIN_PASSWORD, "
        "else generated and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("CERTIFLOW_ADMIN_USER", "admin"))

    @transaction.atomic
    def handle(self, *args, username, **options):
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(_("Administrator %(user)s already exists.") % {"user": username})
            return
        password = os.environ.get("CERTIFLOW_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(_("Administrator created: %(user)s") % {"user": username})
        if "CERTIFLOW_ADMIN_PASSWORD" not in os.environ:
            self.stdout.write(
                _("Password (shown once, write it down): %(password)s") % {"password": password}
            )
