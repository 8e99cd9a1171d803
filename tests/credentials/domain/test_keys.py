"""Issuer keys: encrypted at rest, one active per certifier, rotation keeps what was signed verifiable."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization

from certiflow.common.domain.errors import Refused
from certiflow.common.models import AuditLogEntry
from certiflow.credentials.domain import keys
from certiflow.credentials.domain.verification import verify
from certiflow.credentials.models import IssuedCredential, IssuerKey
from certiflow.credentials.vc import multikey
from tests.factories import CertifierFactory


def test_active_key_is_created_once(db):
    certifier = CertifierFactory()

    first = keys.active_key(certifier=certifier)
    second = keys.active_key(certifier=certifier)

    assert first.pk == second.pk
    assert first.did == f"did:key:{first.public_key_multibase}"
    assert first.public_key_multibase.startswith("z6Mk")


def test_private_key_is_stored_encrypted_and_never_in_the_audit_log(db):
    key = keys.active_key(certifier=CertifierFactory())
    private = keys.private_key(key)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    stored = bytes(key.encrypted_private_key)

    assert stored.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert raw not in stored
    assert raw.hex() not in stored.decode()
    logged = json.dumps(list(AuditLogEntry.objects.values("changes", "object_repr", "reason")))
    assert raw.hex() not in logged
    assert "PRIVATE KEY" not in logged
    assert stored.decode() not in repr(key)


def test_private_key_cannot_be_read_with_another_passphrase(db, settings):
    key = keys.active_key(certifier=CertifierFactory())
    settings.CERTIFLOW_KEY_PASSPHRASE = "not the passphrase"

    with pytest.raises(ValueError, match=r"(?i)incorrect password|bad decrypt"):
        keys.private_key(key)


def test_private_key_matches_the_published_public_key(db):
    key = keys.active_key(certifier=CertifierFactory())

    public = multikey.raw_public_key(keys.private_key(key))

    assert multikey.encode_public_key(public) == key.public_key_multibase


def test_rotate_key_retires_the_active_one(db):
    certifier = CertifierFactory()
    old = keys.active_key(certifier=certifier)

    new = keys.rotate_key(actor=None, certifier=certifier, reason="Rotation annuelle")

    old.refresh_from_db()
    assert (old.status, old.retirement_reason) == (IssuerKey.Status.RETIRED, "Rotation annuelle")
    assert new.status == IssuerKey.Status.ACTIVE
    assert keys.active_key(certifier=certifier).pk == new.pk


def test_rotate_key_without_a_reason_is_refused(db):
    with pytest.raises(Refused, match="Say why"):
        keys.rotate_key(actor=None, certifier=CertifierFactory(), reason="")


def test_rotation_keeps_issued_credentials_verifiable_and_new_ones_use_the_new_key(issued):
    certifier = issued.world.certification.certifiers.get()
    before = IssuedCredential.objects.first()

    new = keys.rotate_key(actor=issued.world.admin, certifier=certifier, reason="Changement de direction")

    report = verify(before.document)
    assert report.ok
    assert "retired on" in report["issuer"].message
    assert before.key_id != new.pk


def test_did_web_document_lists_every_key_of_the_certifier(db):
    certifier = CertifierFactory()
    old = keys.active_key(certifier=certifier)
    new = keys.rotate_key(actor=None, certifier=certifier, reason="Rotation annuelle")

    document = keys.did_web_document(certifier)

    did = keys.did_web(certifier)
    assert document["id"] == did
    assert document["alsoKnownAs"] == [old.did, new.did]
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [
        old.public_key_multibase,
        new.public_key_multibase,
    ]
    assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]


def test_did_web_encodes_the_port_of_the_public_address(db, settings):
    settings.CERTIFLOW_PUBLIC_URL = "https://certif.example.org:8443/app"
    certifier = CertifierFactory()

    assert keys.did_web(certifier) == f"did:web:certif.example.org%3A8443:app:certifiers:{certifier.pk}"
