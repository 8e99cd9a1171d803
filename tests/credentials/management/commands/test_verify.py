"""``certiflow verify FILE``: each check on its own line, exit 0 only when every check passed, 1 when one
did not, 2 when the input cannot be read; our credentials (JSON and PDF), tampered, revoked and expired
ones, the specification's test vector, and a credential of another issuer signed with its own did:key."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO, StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from certiflow.credentials.domain.issuance import revoke
from certiflow.credentials.models import IssuedCredential
from certiflow.credentials.vc import integrity, multikey, statuslist
from tests.conftest import REPO_ROOT
from tests.credentials.conftest import REGISTERED_UNTIL, Signed, build_signed

VECTOR = REPO_ROOT / "tests" / "credentials" / "vc" / "test_vector" / "signed_credential.json"
LABELS = ["Format", "Schema", "Signature", "Issuer key", "Validity dates", "Revocation"]
CHECKS = ["format", "schema", "signature", "issuer", "dates", "revocation"]
ISSUER = "ECAD CONSULTANTS - IESA ART&CULTURE"


@dataclass
class Result:
    code: int
    out: str
    error: str  # the CommandError's message (printed on stderr by the command line)

    def marks(self) -> dict[str, str]:
        """``{label: ✔|✘|?}`` of the check lines."""
        found = {}
        for line in self.out.splitlines():
            mark, _, rest = line.strip().partition(" ")
            label = rest.split(":", 1)[0]
            if mark in "✔✘?" and label in LABELS:
                found[label] = mark
        return found

    def line(self, label: str) -> str:
        return next(
            line.strip() for line in self.out.splitlines() if line.strip()[2:].startswith(f"{label}:")
        )


def verify(*args) -> Result:
    out = StringIO()
    try:
        call_command("verify", *map(str, args), stdout=out, stderr=StringIO())
    except CommandError as error:
        return Result(error.returncode, out.getvalue(), str(error))
    return Result(0, out.getvalue(), "")


def command_line(*args, cwd: Path) -> subprocess.CompletedProcess:
    """The installed ``certiflow`` as a shell runs it, on a throw-away var directory (these runs read no
    database: the test vector names neither a did:key nor a status list)."""
    env = {**os.environ, "CERTIFLOW_VAR_DIR": str(cwd), "DJANGO_SETTINGS_MODULE": "certiflow.common.settings"}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "certiflow", "verify", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def written(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- our credentials -------------------------------------------------------------------------------------
@pytest.fixture(scope="class")
def _issued(django_db_setup, django_db_blocker) -> Iterator[Signed]:
    """A signed deliberation with its four credentials issued, built once for the class in a transaction
    rolled back after it; each test runs in a savepoint of it (pytest-django's ``db``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        signed = build_signed()
        signed.issue()
        yield signed
        transaction.set_rollback(True)


@pytest.fixture
def issued(_issued, db) -> Signed:
    return _issued


def certificate(issued: Signed) -> IssuedCredential:
    return IssuedCredential.objects.get(candidate=issued.certified.candidate, kind="certificate")


def attestation(issued: Signed) -> IssuedCredential:
    return IssuedCredential.objects.get(candidate=issued.partial.candidate)


class TestOurCredentials:
    def test_an_issued_credential_passes_and_every_check_is_printed(self, issued, tmp_path):
        credential = certificate(issued)
        path = written(tmp_path, "certificat.json", credential.document)

        result = verify(path)

        assert result.code == 0
        assert result.marks() == dict.fromkeys(LABELS, "✔")
        candidate = credential.candidate
        lines = result.out.splitlines()
        assert lines[0] == str(path)
        assert lines[1].strip() == "Certificat — Responsable de production de projets culturels"
        assert lines[2].strip() == f"awarded to {candidate.first_name} {candidate.last_name} by {ISSUER}"
        assert result.line("Issuer key") == (
            f"✔ Issuer key: Signed with a key of {ISSUER} registered here (its current key)."
        )
        assert result.line("Revocation").startswith("✔ Revocation: Not revoked (status list of ")
        assert lines[-1] == "VALID: every check passed."

    def test_the_pdf_of_an_issued_credential_passes(self, issued, tmp_path):
        path = written(tmp_path, "attestation.pdf", bytes(attestation(issued).pdf))

        result = verify(path)

        assert result.code == 0
        assert result.marks() == dict.fromkeys(LABELS, "✔")
        assert "Attestation de bloc de compétences — RNCP39603BC01" in result.out

    def test_a_tampered_credential_fails_its_signature_and_the_other_checks_are_reported(
        self, issued, tmp_path
    ):
        document = json.loads(certificate(issued).document)
        document["credentialSubject"]["identifier"][0]["identityHash"] = "Usurpatrice Anonyme"
        path = written(tmp_path, "falsifie.json", json.dumps(document, ensure_ascii=False))

        result = verify(path)

        assert result.code == 1
        assert result.error == "Not verified."
        assert result.marks() == {**dict.fromkeys(LABELS, "✔"), "Signature": "✘"}
        assert result.line("Signature").startswith("✘ Signature: The signature does not match the credential")
        assert "awarded to Usurpatrice Anonyme" in result.out
        assert result.out.splitlines()[-1] == "NOT VALID: see the checks marked ✘ or ?."

    def test_a_revoked_credential_fails_its_revocation_and_keeps_its_signature(self, issued, tmp_path):
        credential = certificate(issued)
        revoke(actor=issued.world.admin, credential=credential, reason="Identité du titulaire erronée.")
        credential.refresh_from_db()
        path = written(tmp_path, "revoque.json", credential.document)

        result = verify(path)

        assert result.code == 1
        assert result.marks() == {**dict.fromkeys(LABELS, "✔"), "Revocation": "✘"}
        assert result.line("Revocation") == (
            f"✘ Revocation: Revoked by its issuer on {timezone.localdate(credential.revoked_at)}: "
            "Identité du titulaire erronée."
        )

    def test_at_a_moment_after_a_bloc_attestation_s_end_only_its_dates_fail(self, issued, tmp_path):
        path = written(tmp_path, "bloc.json", attestation(issued).document)
        end = f"{REGISTERED_UNTIL}T23:59:59+01:00"

        expired = verify(path, "--at", "2032-01-01T00:00:00+01:00")
        last_day = verify(path, "--at", "2031-12-31T23:00:00+01:00")

        assert expired.code == 1
        assert expired.marks() == {**dict.fromkeys(LABELS, "✔"), "Validity dates": "✘"}
        assert expired.line("Validity dates").startswith(
            f"✘ Validity dates: Expired on {end} (it was valid from "
        )
        assert last_day.code == 0
        assert last_day.line("Validity dates").endswith(f"until {end}.")

    def test_format_json_prints_the_report(self, issued, tmp_path):
        valid = written(tmp_path, "certificat.json", certificate(issued).document)
        credential = attestation(issued)
        revoke(actor=issued.world.admin, credential=credential, reason="Bloc attribué par erreur.")
        revoked = written(tmp_path, "bloc.json", credential.document)

        passed = verify(valid, "--format", "json")
        failed = verify(revoked, "--format", "json")

        assert passed.code == 0
        report = json.loads(passed.out)
        assert set(report) == {"valid", "checks", "credential"}
        assert report["valid"] is True
        assert list(report["checks"]) == CHECKS
        assert {check["verdict"] for check in report["checks"].values()} == {"passed"}
        assert report["credential"]["issuer_name"] == ISSUER
        assert report["credential"]["credential_id"] == f"urn:uuid:{certificate(issued).pk}"
        assert failed.code == 1
        report = json.loads(failed.out)
        assert report["valid"] is False
        assert report["checks"]["revocation"]["verdict"] == "failed"
        assert "Bloc attribué par erreur." in report["checks"]["revocation"]["message"]

    def test_standard_input_is_read_for_a_dash(self, issued, monkeypatch):
        stdin = SimpleNamespace(buffer=BytesIO(certificate(issued).document.encode()))
        monkeypatch.setattr(sys, "stdin", stdin)

        result = verify("-")

        assert result.code == 0
        assert result.out.splitlines()[0] == "-"


# --- what cannot be read ---------------------------------------------------------------------------------
def test_a_missing_file_or_a_directory_is_a_clear_error_exit_2(tmp_path):
    missing = verify(tmp_path / "absent.json")
    directory = verify(tmp_path)

    assert (missing.code, missing.out) == (2, "")
    assert missing.error == f"Cannot read {tmp_path / 'absent.json'}: No such file or directory"
    assert (directory.code, directory.error) == (2, f"Cannot read {tmp_path}: Is a directory")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("ceci n'est pas un badge", "✘ Format: The file is not JSON: Expecting value at line 1, column 1."),
        ("[]", "✘ Format: The JSON is not an object, so it is not a credential."),
        (b"\xff\xfe\x00", "✘ Format: The file is not UTF-8 text (byte 0)."),
        (b"%PDF-1.7\n%%EOF\n", "✘ Format: The PDF cannot be read"),
        ('{"type": ["VerifiableCredential"]}', "✘ Format: This verifiable credential is not an Open Badges"),
    ],
)
def test_a_file_that_is_not_a_credential_fails_its_format_and_nothing_else_is_checked(
    tmp_path, content, problem
):
    result = verify(written(tmp_path, "document", content))

    assert result.code == 1
    assert result.line("Format").startswith(problem)
    assert result.marks() == {"Format": "✘", **dict.fromkeys(LABELS[1:], "?")}


def test_at_without_an_offset_is_refused_exit_2(tmp_path):
    result = verify(written(tmp_path, "c.json", "{}"), "--at", "2030-01-01T00:00:00")

    assert result.code == 2
    assert result.error.startswith("--at needs a date and time with its offset")


def test_an_unreadable_status_list_is_refused_exit_2(tmp_path):
    credential = written(tmp_path, "c.json", "{}")

    missing = verify(credential, "--status-list", tmp_path / "liste.json")
    garbage = verify(credential, "--status-list", written(tmp_path, "liste.json", "pas une liste"))

    assert (missing.code, garbage.code) == (2, 2)
    assert missing.error.startswith(f"Cannot read {tmp_path / 'liste.json'}")
    assert garbage.error.startswith(f"{tmp_path / 'liste.json'}: The file is not JSON")


def test_exit_codes_as_the_shell_sees_them(tmp_path):
    """The installed command, in its own language (French, the default): the specification's test
    vector is not verified (exit 1), a missing file cannot be read (exit 2, the reason on stderr)."""
    vector = command_line(VECTOR, cwd=tmp_path)
    missing = command_line(tmp_path / "absent.json", cwd=tmp_path)

    assert vector.returncode == 1, vector.stderr
    checks = [line.strip() for line in vector.stdout.splitlines()[3:9]]
    assert [line[0] for line in checks] == ["✔", "✘", "✔", "?", "✔", "✔"]
    assert "https://example.edu/issuers/565049" in checks[3]
    assert vector.stderr.startswith("CommandError: ")
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr.startswith("CommandError: ")
    assert str(tmp_path / "absent.json") in missing.stderr


@pytest.mark.django_db
def test_the_test_vector_signature_passes_and_its_issuer_is_not_checked():
    """The specification's eddsa-rdfc-2022 test vector: its signature checks, but its key is named under
    the issuer's web address, which only an online check could confirm; and the bundled Open Badges
    schema wants ``proof`` as an array where the vector has an object."""
    result = verify(VECTOR)

    assert result.code == 1
    assert result.marks() == {
        "Format": "✔",
        "Schema": "✘",
        "Signature": "✔",
        "Issuer key": "?",
        "Validity dates": "✔",
        "Revocation": "✔",
    }
    assert result.line("Signature").startswith(
        "✔ Signature: The signature (eddsa-rdfc-2022) matches the content, signed on 2010-01-01 19:23:24"
    )
    assert result.line("Issuer key") == (
        "? Issuer key: The key is named under the issuer's address https://example.edu/issuers/565049; "
        "that the issuer holds it can only be checked online."
    )
    assert result.line("Schema").endswith("at proof: is an object, not of type array")
    assert "awarded to ? by Example Corp" in result.out


# --- another issuer, with its own did:key ----------------------------------------------------------------
OTHER_LIST = "https://badges.example.org/status/7"


@dataclass
class OtherIssuer:
    key: Ed25519PrivateKey

    @property
    def did(self) -> str:
        return multikey.did_key(multikey.raw_public_key(self.key))

    def sign(self, document: dict) -> dict:
        return integrity.sign(
            document,
            private_key=self.key,
            verification_method=multikey.did_key_verification_method(multikey.raw_public_key(self.key)),
            created=datetime.datetime(2025, 1, 15, 10, tzinfo=datetime.UTC),
        )

    def credential(self, **extra) -> dict:
        """The test vector's badge, issued by this issuer."""
        document = {k: v for k, v in json.loads(VECTOR.read_text(encoding="utf-8")).items() if k != "proof"}
        document["issuer"] = {**document["issuer"], "id": self.did}
        return self.sign({**document, **extra})

    def status_list(self, *revoked: int) -> dict:
        bits = bytearray(statuslist.MIN_LENGTH // 8)
        for index in revoked:
            statuslist.set_bit(bits, index, True)
        return self.sign(
            {
                "@context": ["https://www.w3.org/ns/credentials/v2"],
                "id": OTHER_LIST,
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "issuer": self.did,
                "validFrom": "2025-01-15T10:00:00Z",
                "credentialSubject": {
                    "id": f"{OTHER_LIST}#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": statuslist.encode(bytes(bits)),
                },
            }
        )


@pytest.fixture
def other() -> OtherIssuer:
    return OtherIssuer(Ed25519PrivateKey.generate())


@pytest.mark.django_db
def test_another_issuer_s_did_key_credential_without_status_passes_every_check(tmp_path, other):
    path = written(tmp_path, "badge.json", json.dumps(other.credential()))

    result = verify(path)

    assert result.code == 0, result.out
    assert result.marks() == dict.fromkeys(LABELS, "✔")
    assert result.line("Issuer key") == (
        f"✔ Issuer key: Signed with the issuer's own key ({other.did}, resolved offline)."
    )
    assert result.line("Revocation") == (
        "✔ Revocation: The credential names no status list: its issuer cannot revoke it."
    )


@pytest.mark.django_db
def test_another_issuer_s_revocation_is_checked_against_the_status_list_given(tmp_path, other):
    entry = {
        "id": f"{OTHER_LIST}#42",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "42",
        "statusListCredential": OTHER_LIST,
    }
    path = written(tmp_path, "badge.json", json.dumps(other.credential(credentialStatus=entry)))
    clear = written(tmp_path, "liste.json", json.dumps(other.status_list(7)))
    revoked = written(tmp_path, "liste-revoque.json", json.dumps(other.status_list(7, 42)))

    offline = verify(path)
    given = verify(path, "--status-list", clear)
    revoking = verify(path, "--status-list", revoked)

    assert offline.code == 1
    assert offline.marks()["Revocation"] == "?"
    assert "give it as a file to check revocation" in offline.line("Revocation")
    assert given.code == 0
    assert given.marks() == dict.fromkeys(LABELS, "✔")
    assert revoking.code == 1
    assert revoking.line("Revocation") == "✘ Revocation: Revoked by its issuer."
