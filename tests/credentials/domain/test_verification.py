"""Verification: each check on its own, so an expired credential is not a forged one."""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certiflow.credentials.domain.issuance import revoke
from certiflow.credentials.domain.verification import Verdict, verify
from certiflow.credentials.models import IssuedCredential, StatusList
from certiflow.credentials.vc import integrity, multikey, statuslist

VECTOR = Path(__file__).resolve().parents[1] / "vc" / "test_vector" / "signed_credential.json"
NOW = datetime.datetime(2027, 1, 15, 12, tzinfo=datetime.UTC)


def _verdicts(report):
    return {check.name: check.verdict for check in report.checks}


def _leaves(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path, value


def _set(document, path, value):
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    return f"{value}x" if value else "x"


def _foreign_credential(*, status=None, valid_until=None):
    """An Open Badges credential of another issuer, signed with its own did:key."""
    key = Ed25519PrivateKey.generate()
    did = multikey.did_key(multikey.raw_public_key(key))
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:5b1f7a34-3c4a-4a59-9d40-0e4c3c0f3b8e",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": did, "type": ["Profile"], "name": "Université de Lille"},
        "validFrom": "2024-06-30T00:00:00Z",
        "name": "Licence professionnelle",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://univ-lille.example/achievements/lp",
                "type": ["Achievement"],
                "name": "Licence professionnelle Métiers de la culture",
                "description": "Diplôme national.",
                "criteria": {"narrative": "Avoir validé les 180 ECTS."},
            },
        },
    }
    if valid_until:
        document["validUntil"] = valid_until
    if status:
        document["credentialStatus"] = status
    return key, integrity.sign(
        document,
        private_key=key,
        verification_method=multikey.did_key_verification_method(multikey.raw_public_key(key)),
        created=datetime.datetime(2024, 6, 30, tzinfo=datetime.UTC),
    )


# --- our credentials -------------------------------------------------------------------------------------


def test_verify_issued_credential_passes_every_check(issued):
    credential = IssuedCredential.objects.first()

    report = verify(credential.document, now=NOW)

    assert set(_verdicts(report).values()) == {Verdict.PASSED}
    assert report.ok
    assert report.summary.issuer_name == "ECAD CONSULTANTS - IESA ART&CULTURE"
    assert "ECAD CONSULTANTS" in report["issuer"].message


def test_verify_detects_a_change_to_any_field(issued):
    # Every leaf of the signed content (not the proof) changed in turn: it never verifies as signed.
    credential = IssuedCredential.objects.filter(kind=IssuedCredential.Kind.CERTIFICATE).first()
    original = json.loads(credential.document)
    paths = [path for path, _value in _leaves(original) if path[0] != "proof"]
    undetected = []

    for path, value in _leaves(original):
        if path[0] == "proof":
            continue
        tampered = copy.deepcopy(original)
        _set(tampered, path, _changed(value))
        report = verify(tampered, now=NOW)
        # A changed type can stop verification at the format check; either way nothing passes as signed.
        if report.ok or report["signature"].verdict == Verdict.PASSED:
            undetected.append(path)

    assert len(paths) > 50
    assert undetected == []


def test_verify_detects_an_added_field(issued):
    document = json.loads(IssuedCredential.objects.first().document)
    document["credentialSubject"]["achievement"]["fieldOfStudy"] = "Arts du spectacle"

    assert verify(document, now=NOW)["signature"].verdict == Verdict.FAILED


def test_verify_detects_a_removed_field(issued):
    document = json.loads(IssuedCredential.objects.filter(kind="block_attestation").first().document)
    del document["validUntil"]

    report = verify(document, now=NOW)

    assert report["signature"].verdict == Verdict.FAILED


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("proofValue", "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKiHt"),
        ("created", "2020-01-01T00:00:00Z"),
        ("cryptosuite", "ecdsa-rdfc-2019"),
        ("proofPurpose", "authentication"),
    ],
)
def test_verify_detects_a_changed_proof(issued, field, value):
    document = json.loads(IssuedCredential.objects.first().document)
    document["proof"][0][field] = value

    assert verify(document, now=NOW)["signature"].verdict == Verdict.FAILED


def test_verify_detects_a_credential_re_signed_with_another_key(issued):
    # A forger keeps the issuer's identity but signs with their own key: the signature is valid for that
    # key, and the issuer check says the key is not the issuer's.
    document = json.loads(IssuedCredential.objects.first().document)
    del document["proof"]
    forger = Ed25519PrivateKey.generate()
    forged = integrity.sign(
        document,
        private_key=forger,
        verification_method=multikey.did_key_verification_method(multikey.raw_public_key(forger)),
        created=NOW,
    )

    report = verify(forged, now=NOW)

    assert _verdicts(report)["signature"] == Verdict.PASSED
    assert _verdicts(report)["issuer"] == Verdict.FAILED
    assert not report.ok


def test_verify_detects_a_changed_issuer_key(issued):
    document = json.loads(IssuedCredential.objects.first().document)
    other = multikey.did_key_verification_method(multikey.raw_public_key(Ed25519PrivateKey.generate()))
    document["proof"][0]["verificationMethod"] = other

    assert verify(document, now=NOW)["signature"].verdict == Verdict.FAILED


def test_verify_expired_attestation_fails_on_dates_alone(issued):
    # Seed 003: a bloc is « capitalisable durant toute la durée de la certification »: after the
    # registration end the attestation is expired, not forged.
    attestation = IssuedCredential.objects.filter(kind="block_attestation").first()

    report = verify(attestation.document, now=datetime.datetime(2032, 1, 2, tzinfo=datetime.UTC))

    assert [c.name for c in report.checks if c.verdict != Verdict.PASSED] == ["dates"]
    assert "Expired on 2031-12-31" in report["dates"].message


def test_verify_certificate_has_no_end_date(issued):
    certificate = IssuedCredential.objects.filter(kind="certificate").first()

    report = verify(certificate.document, now=datetime.datetime(2040, 1, 1, tzinfo=datetime.UTC))

    assert report.ok


def test_verify_before_the_jury_date_is_not_valid_yet(issued):
    report = verify(
        IssuedCredential.objects.first().document, now=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )

    assert [c.name for c in report.checks if c.verdict != Verdict.PASSED] == ["dates"]


def test_verify_detects_a_tampered_status_list(issued):
    # Someone with access to the served list clears a revocation bit: the list's signature fails, so the
    # verifier cannot say « not revoked ».
    credential = IssuedCredential.objects.first()
    revoke(actor=issued.world.admin, credential=credential, reason="Fraude")
    status_list = StatusList.objects.get(pk=credential.status_list_id)
    document = json.loads(status_list.document)
    bits = bytearray(statuslist.decode(document["credentialSubject"]["encodedList"]))
    statuslist.set_bit(bits, credential.status_index, False)
    document["credentialSubject"]["encodedList"] = statuslist.encode(bytes(bits))
    StatusList.objects.filter(pk=status_list.pk).update(document=json.dumps(document))

    report = verify(credential.document, now=NOW)

    assert report["revocation"].verdict == Verdict.FAILED
    assert "altered" in report["revocation"].message


def test_verify_refuses_a_status_list_signed_by_another_issuer(issued):
    credential = IssuedCredential.objects.first()
    status_list = StatusList.objects.get(pk=credential.status_list_id)
    document = json.loads(status_list.document)
    del document["proof"]
    other = Ed25519PrivateKey.generate()
    did = multikey.did_key(multikey.raw_public_key(other))
    document["issuer"] = did
    forged = integrity.sign(
        document,
        private_key=other,
        verification_method=multikey.did_key_verification_method(multikey.raw_public_key(other)),
        created=NOW,
    )
    StatusList.objects.filter(pk=status_list.pk).update(document=json.dumps(forged))

    report = verify(credential.document, now=NOW)

    assert report["revocation"].verdict == Verdict.FAILED
    assert "not signed by the credential's issuer" in report["revocation"].message


# --- other issuers and inputs ----------------------------------------------------------------------------


def test_verify_other_issuer_with_a_did_key_passes(db):
    _key, credential = _foreign_credential()

    report = verify(json.dumps(credential), now=NOW)

    assert report.ok, report.checks
    assert "resolved offline" in report["issuer"].message


def test_verify_other_issuer_status_list_given_as_a_file(db):
    url = "https://univ-lille.example/status/1"
    key, credential = _foreign_credential(
        status={
            "id": f"{url}#7",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "7",
            "statusListCredential": url,
        }
    )
    bits = bytearray(statuslist.MIN_LENGTH // 8)
    statuslist.set_bit(bits, 7, True)
    status_list = integrity.sign(
        {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": credential["issuer"]["id"],
            "validFrom": "2024-07-01T00:00:00Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": statuslist.encode(bytes(bits)),
            },
        },
        private_key=key,
        verification_method=credential["proof"][0]["verificationMethod"],
        created=NOW,
    )

    without = verify(credential, now=NOW)
    given = verify(credential, now=NOW, status_lists={url: status_list})

    assert without["revocation"].verdict == Verdict.NOT_CHECKED
    assert given["revocation"].verdict == Verdict.FAILED
    assert given["signature"].verdict == Verdict.PASSED


def test_verify_spec_test_vector_signature_passes_and_issuer_is_not_checked_offline(db):
    # The specification's vector names its key under the issuer's https address: the signature can be
    # checked offline, the issuer's hold on the key only online.
    document = json.loads(VECTOR.read_text())
    document["proof"] = [document["proof"]]

    report = verify(document, now=NOW)

    assert _verdicts(report) == {
        "format": Verdict.PASSED,
        "schema": Verdict.PASSED,
        "signature": Verdict.PASSED,
        "issuer": Verdict.NOT_CHECKED,
        "dates": Verdict.PASSED,
        "revocation": Verdict.PASSED,
    }
    assert not report.ok


def test_verify_did_web_key_is_not_checked_offline(db):
    _key, credential = _foreign_credential()
    credential["proof"][0]["verificationMethod"] = "did:web:univ-lille.example#key-1"

    report = verify(credential, now=NOW)

    assert report["signature"].verdict == Verdict.NOT_CHECKED
    assert report["issuer"].verdict == Verdict.NOT_CHECKED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not an object"),
        (b"\xff\xfe", "not UTF-8"),
        (b"%PDF-1.7\n%%EOF", "PDF"),
        (json.dumps({"type": ["VerifiableCredential"]}), "not an Open Badges credential"),
        (json.dumps({"name": "x"}), "not a verifiable credential"),
    ],
)
def test_verify_unreadable_input_fails_format_with_a_specific_message(db, data, message):
    report = verify(data, now=NOW)

    assert report["format"].verdict == Verdict.FAILED
    assert message in report["format"].message
    assert {c.verdict for c in report.checks[1:]} == {Verdict.NOT_CHECKED}


def test_verify_schema_failure_is_reported_on_its_own(db):
    _key, credential = _foreign_credential()
    del credential["credentialSubject"]["achievement"]["criteria"]

    report = verify(credential, now=NOW)

    assert report["schema"].verdict == Verdict.FAILED
    assert "criteria" in report["schema"].message
    assert report["signature"].verdict == Verdict.FAILED  # the signed content changed too
