"""What was delivered to candidates: each credential, exactly as signed and printed, and the batches that
issued them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certiflow.candidates.models import Candidate
from certiflow.credentials.models.keys import IssuerKey, StatusList
from certiflow.jury.models import BlockDecision, Decision, Deliberation


class ImmutableRecordError(RuntimeError):
    """A delivered credential was about to be changed or deleted; only its revocation may be recorded."""


class IssuanceBatch(models.Model):
    """One request to issue the credentials of a signed deliberation, run as a background task.

    ``done`` counts the decisions handled so far, out of ``total``: the progress shown on the page and in
    the command line. Running a batch again issues nothing twice (issuance is idempotent per decision).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    deliberation = models.ForeignKey(Deliberation, on_delete=models.PROTECT, related_name="issuance_batches")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("decisions to handle"), default=0)
    done = models.PositiveIntegerField(_("decisions handled"), default=0)
    issued = models.PositiveIntegerField(_("credentials issued"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("issuance batch")
        verbose_name_plural = _("issuance batches")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.deliberation} — {self.get_status_display()} {self.done}/{self.total}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)


class IssuedCredential(models.Model):
    """A certificate (parchemin) or a bloc attestation delivered to a candidate.

    ``document`` is the signed Open Badges 3.0 credential as text, byte for byte what the candidate
    downloads; ``pdf`` its printed form. Both are immutable: after creation only the revocation fields and
    ``replaced_by`` may be written, once (DESIGN: signed records are immutable).
    """

    class Kind(models.TextChoices):
        CERTIFICATE = "certificate", _("certificate")
        BLOCK_ATTESTATION = "block_attestation", _("bloc attestation")

    #: The fields a delivered credential may still receive.
    REVOCATION_FIELDS = frozenset({"revoked_at", "revoked_by", "revocation_reason", "replaced_by"})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="credentials")
    block_decision = models.ForeignKey(
        BlockDecision, on_delete=models.PROTECT, null=True, blank=True, related_name="credentials"
    )
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="credentials")
    key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="credentials")
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField(_("index in the status list"))
    document = models.TextField(_("signed credential (JSON)"))
    pdf = models.BinaryField(_("PDF"))
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64)
    issued_at = models.DateTimeField(_("issued at"))
    batch = models.ForeignKey(
        IssuanceBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="credentials"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revocation_reason = models.TextField(_("reason for the revocation"), blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        verbose_name = _("issued credential")
        verbose_name_plural = _("issued credentials")
        ordering = ["candidate", "kind", "issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"],
                condition=Q(kind="certificate"),
                name="credential_one_certificate_per_decision",
            ),
            models.UniqueConstraint(
                fields=["block_decision"],
                condition=Q(kind="block_attestation"),
                name="credential_one_attestation_per_block_decision",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="credential_unique_status_entry"
            ),
            models.CheckConstraint(
                condition=Q(kind="certificate", block_decision__isnull=True)
                | Q(kind="block_attestation", block_decision__isnull=False),
                name="credential_attestation_has_its_bloc",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.pk}"

    def save(self, *args, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and (
            update_fields is None or not set(update_fields) <= self.REVOCATION_FIELDS
        ):
            raise ImmutableRecordError(
                f"Credential {self.pk} was delivered: only its revocation can be recorded."
            )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(f"Credential {self.pk} was delivered and cannot be deleted; revoke it.")

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
