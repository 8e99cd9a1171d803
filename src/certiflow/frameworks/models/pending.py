import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PendingImport(models.Model):
    """A parsed document waiting for its uploader to confirm it after the preview.

    Holds the canonical structure and the warnings exactly as the importer produced them, so the
    confirmation writes what was previewed (the file is not parsed twice).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    name = models.CharField(_("document"), max_length=255)
    layout = models.CharField(_("layout"), max_length=32)
    document = models.JSONField(_("canonical document"))
    warnings = models.JSONField(_("warnings"), default=list)

    class Meta:
        verbose_name = _("pending import")
        verbose_name_plural = _("pending imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name
