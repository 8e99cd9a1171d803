"""Signing keys of certifiers and the revocation lists they sign.

A private key never sits in the database in clear: :attr:`IssuerKey.encrypted_private_key` is an encrypted
PKCS#8 document (the passphrase comes from the environment, see ``settings.CERTIFLOW_KEY_PASSPHRASE``), and
nothing here has a ``__str__`` or ``__repr__`` that shows it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certiflow.frameworks.models import Certifier


class IssuerKey(models.Model):
    """An Ed25519 key pair of a certifier, known to the world as the ``did:key`` of its public key.

    Invariants: a certifier has at most one active key, which signs new credentials; a retired key signs
    nothing new but stays published (DID document, registry) so that what it signed stays verifiable, and
    it keeps signing the revocation list of its own credentials.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        RETIRED = "retired", _("retired")

    certifier = models.ForeignKey(Certifier, on_delete=models.PROTECT, related_name="issuer_keys")
    public_key_multibase = models.CharField(_("public key (Multikey)"), max_length=64, unique=True)
    encrypted_private_key = models.BinaryField(_("private key, encrypted (PKCS#8)"), editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retirement_reason = models.TextField(_("reason for the retirement"), blank=True)

    class Meta:
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")
        ordering = ["certifier", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["certifier"], condition=Q(status="active"), name="issuerkey_one_active_per_certifier"
            )
        ]

    def __str__(self) -> str:
        return self.did

    __repr__ = __str__

    @property
    def did(self) -> str:
        return f"did:key:{self.public_key_multibase}"

    @property
    def verification_method(self) -> str:
        return f"{self.did}#{self.public_key_multibase}"


class StatusList(models.Model):
    """A W3C Bitstring Status List of revocations, for the credentials signed by one key.

    ``bits`` is the list itself; ``document`` is the signed ``BitstringStatusListCredential`` the app
    serves, re-signed by the same key in the transaction of every revocation. Verifiers read the signed
    document, never ``bits``.
    """

    PURPOSE = "revocation"

    key = models.ForeignKey(IssuerKey, on_delete=models.PROTECT, related_name="status_lists")
    length = models.PositiveIntegerField(_("number of entries"))
    bits = models.BinaryField(_("bits"))
    document = models.TextField(_("signed status list credential"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")
        ordering = ["key", "id"]

    def __str__(self) -> str:
        return f"{self.PURPOSE} list {self.pk} of {self.key}"
