from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CredentialsConfig(AppConfig):
    name = "certiflow.credentials"
    label = "credentials"
    verbose_name = _("Attestations, certificates and verifiable credentials")

    def ready(self) -> None:
        from certiflow.credentials.receivers import on_deliberation_signed
        from certiflow.jury.signals import deliberation_signed

        deliberation_signed.connect(on_deliberation_signed, dispatch_uid="credentials.on_deliberation_signed")
