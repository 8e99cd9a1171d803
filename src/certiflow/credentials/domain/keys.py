"""Issuer keys: one Ed25519 identity per certifier, stored encrypted, rotated without breaking anything.

Every function that changes a key checks, writes in a transaction and audits (public key only: a private
key never reaches the audit log, a log line or an exception message).
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused
from certiflow.credentials.models import IssuerKey
from certiflow.credentials.vc import multikey
from certiflow.frameworks.models import Certifier


def _passphrase() -> bytes:
    return settings.CERTIFLOW_KEY_PASSPHRASE.encode()


def _new_key(*, actor: AbstractBaseUser | None, certifier: Certifier) -> IssuerKey:
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    key = IssuerKey.objects.create(
        certifier=certifier,
        public_key_multibase=multikey.encode_public_key(raw_public),
        encrypted_private_key=private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(_passphrase()),
        ),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor=actor, action="issuer_key.create", obj=key, changes={"did": key.did})
    return key


def active_key(*, certifier: Certifier, actor: AbstractBaseUser | None = None) -> IssuerKey:
    """The certifier's signing key, created on first use (issuing is what first needs one)."""
    with transaction.atomic():
        # Locking the certifier serialises two first issuances, so a certifier never gets two keys.
        Certifier.objects.select_for_update().get(pk=certifier.pk)
        key = IssuerKey.objects.filter(certifier=certifier, status=IssuerKey.Status.ACTIVE).first()
        return key or _new_key(actor=actor, certifier=certifier)


def rotate_key(*, actor: AbstractBaseUser | None, certifier: Certifier, reason: str) -> IssuerKey:
    """Retire the certifier's active key and create the one that signs from now on.

    What the retired key signed stays valid and verifiable: its ``did:key`` carries its public key, the
    registry and the certifier's DID document keep listing it, and it still signs its revocation list.
    """
    if not reason.strip():
        raise Refused(_("Say why the key is rotated (for instance: yearly rotation, staff change)."))
    with transaction.atomic():
        Certifier.objects.select_for_update().get(pk=certifier.pk)
        old = IssuerKey.objects.filter(certifier=certifier, status=IssuerKey.Status.ACTIVE).first()
        if old is not None:
            old.status, old.retired_at, old.retirement_reason = (
                IssuerKey.Status.RETIRED,
                timezone.now(),
                reason,
            )
            old.save(update_fields=["status", "retired_at", "retirement_reason"])
            audit.record(
                actor=actor, action="issuer_key.retire", obj=old, changes={"did": old.did}, reason=reason
            )
        return _new_key(actor=actor, certifier=certifier)


def private_key(key: IssuerKey) -> Ed25519PrivateKey:
    """The decrypted private key, kept in this process's memory only (decrypting costs a key derivation)."""
    return _decrypt(key.pk, bytes(key.encrypted_private_key))


@lru_cache(maxsize=64)
def _decrypt(key_id: int, encrypted: bytes) -> Ed25519PrivateKey:
    loaded = serialization.load_pem_private_key(encrypted, password=_passphrase())
    if not isinstance(loaded, Ed25519PrivateKey):
        raise TypeError(f"Issuer key {key_id} is not an Ed25519 key.")
    return loaded


def did_web(certifier: Certifier) -> str:
    """The certifier's stable identifier on the web; its document lists every key it ever had."""
    host = settings.CERTIFLOW_PUBLIC_URL.split("://", 1)[-1].replace(":", "%3A").replace("/", ":")
    return f"did:web:{host}:certifiers:{certifier.pk}"


def did_web_document(certifier: Certifier) -> dict:
    """The DID document served at ``/certifiers/<id>/did.json``: every key of the certifier, active and
    retired, as Multikey verification methods, each also known by its ``did:key``."""
    did = did_web(certifier)
    keys = list(IssuerKey.objects.filter(certifier=certifier).order_by("created_at", "pk"))
    methods = [
        {
            "id": f"{did}#{key.public_key_multibase}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
    ]
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "alsoKnownAs": [key.did for key in keys],
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
