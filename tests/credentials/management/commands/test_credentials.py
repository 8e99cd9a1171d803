"""``certiflow credentials issue|export|revoke|rotate-key``: issuing a signed deliberation with its
progress (twice issues nothing more), exporting a JSON and a PDF per credential, revoking one, rotating a
certifier's key (what the old key signed still verifies; new credentials are signed by the new key)."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from certiflow.credentials.domain import export, keys
from certiflow.credentials.domain.verification import Verdict, verify
from certiflow.credentials.models import IssuanceBatch, IssuedCredential, IssuerKey
from certiflow.jury.domain.deliberations import open_deliberation, rectify
from certiflow.jury.models import Decision
from tests.credentials.conftest import Signed, build_signed
from tests.factories import UserFactory

ISSUER = "ECAD CONSULTANTS - IESA ART&CULTURE"


@dataclass
class Result:
    code: int
    out: str
    err: str
    error: str  # the CommandError's message (printed on stderr by the command line)


def run(*args) -> Result:
    out, err = StringIO(), StringIO()
    try:
        call_command("credentials", *map(str, args), stdout=out, stderr=err)
    except CommandError as error:
        return Result(error.returncode, out.getvalue(), err.getvalue(), str(error))
    return Result(0, out.getvalue(), err.getvalue(), "")


def one_line(text: str) -> str:
    """Rich wraps nothing (soft wrap) but a refusal on stderr may be wrapped: read it as one line."""
    return " ".join(text.split())


# --- issue -----------------------------------------------------------------------------------------------
def test_issue_prints_its_progress_and_a_second_run_issues_nothing(signed):
    admin = signed.world.admin

    first = run("issue", signed.deliberation.pk, "--as", admin.get_username())
    second = run("issue", signed.deliberation.pk)

    batch, again = IssuanceBatch.objects.order_by("pk")
    assert first.code == 0, first.err
    assert "Issuing" in first.out
    assert "2/2" in first.out  # the certified and the partial candidate; the failed one receives nothing
    assert first.out.strip().endswith(
        f"Batch {batch.pk} done: 2 decisions, 4 credentials issued (already issued ones are not issued again)."
    )
    assert (batch.status, batch.issued, batch.requested_by) == ("done", 4, admin)
    assert second.code == 0, second.err
    assert f"Batch {again.pk} done: 2 decisions, 0 credentials issued" in second.out
    assert (again.issued, again.requested_by) == (0, None)
    assert IssuedCredential.objects.count() == 4


def test_issue_refused_writes_nothing_and_exits_2(signed):
    signed.world.certification.certifiers.clear()

    result = run("issue", signed.deliberation.pk)

    assert (result.code, result.error) == (2, "Nothing was written.")
    assert one_line(result.err).startswith(
        "Refused: Certification RNCP39603 must have exactly one certifier to sign its credentials"
    )
    assert not IssuanceBatch.objects.exists()


def test_issue_of_an_unknown_deliberation_or_as_a_non_administrator_exits_2(signed):
    unknown = run("issue", 999999)
    not_admin = run("issue", signed.deliberation.pk, "--as", UserFactory(username="curieux").username)

    assert (unknown.code, unknown.error) == (2, "No deliberation 999999.")
    assert (not_admin.code, not_admin.error) == (2, "curieux is not an active administrator.")
    assert not IssuanceBatch.objects.exists()


# --- on issued credentials ---------------------------------------------------------------------------------
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


def files_in(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())


class TestExport:
    def test_export_writes_a_json_and_a_pdf_per_credential(self, issued, tmp_path):
        result = run("export", tmp_path / "diplomes")

        directory = tmp_path / "diplomes"
        credentials = list(IssuedCredential.objects.all())
        assert result.code == 0, result.err
        assert f"4 credentials written to {directory} (a JSON and a PDF each)." in result.out
        assert "Exporting" in result.out
        expected = sorted(f"{export.stem(c)}.{ext}" for c in credentials for ext in ("json", "pdf"))
        assert files_in(directory) == expected
        for credential in credentials:
            stem = directory / export.stem(credential)
            assert stem.with_name(f"{stem.name}.json").read_text(encoding="utf-8") == credential.document
            assert stem.with_name(f"{stem.name}.pdf").read_bytes() == bytes(credential.pdf)
            assert verify(stem.with_name(f"{stem.name}.pdf").read_bytes()).ok
        certified = issued.certified.candidate
        assert {path.split("/")[0] for path in expected} == {
            f"{export._slug(c.candidate.last_name)}-{export._slug(c.candidate.first_name)}-{c.candidate_id}"
            for c in credentials
        }
        assert any(path.startswith(f"{export._slug(certified.last_name)}-") for path in expected)

    def test_export_filters_by_session_and_deliberation(self, issued, tmp_path):
        session, deliberation = issued.deliberation.session_id, issued.deliberation.pk

        of_session = run("export", tmp_path / "session", "--session", session)
        other_session = run("export", tmp_path / "autre", "--session", session + 1000)
        of_deliberation = run("export", tmp_path / "jury", "--deliberation", deliberation)
        other_deliberation = run("export", tmp_path / "aucun", "--deliberation", deliberation + 1000)

        assert len(files_in(tmp_path / "session")) == len(files_in(tmp_path / "jury")) == 8
        assert files_in(tmp_path / "autre") == files_in(tmp_path / "aucun") == []
        assert "4 credentials written" in of_session.out
        assert "4 credentials written" in of_deliberation.out
        assert "0 credentials written" in other_session.out
        assert "0 credentials written" in other_deliberation.out

    def test_export_names_a_revoked_credential_so(self, issued, tmp_path):
        credential = IssuedCredential.objects.get(candidate=issued.partial.candidate)
        run("revoke", credential.pk, "--reason", "Bloc attribué par erreur.")

        run("export", tmp_path)

        assert f"bloc-rncp39603bc01-{credential.pk}-revoked.json" in {
            path.name for path in tmp_path.rglob("*")
        }


class TestRevoke:
    def test_revoke_then_the_credential_verifies_as_revoked(self, issued):
        credential = IssuedCredential.objects.get(candidate=issued.certified.candidate, kind="certificate")
        admin = issued.world.admin

        result = run("revoke", credential.pk, "--reason", "Identité erronée.", "--as", admin.get_username())

        assert result.code == 0, result.err
        assert f"Credential {credential.pk} revoked; its status list is re-signed." in result.out
        credential.refresh_from_db()
        assert (credential.revocation_reason, credential.revoked_by) == ("Identité erronée.", admin)
        report = verify(credential.document)
        assert report["revocation"].verdict == Verdict.FAILED
        assert report["signature"].verdict == Verdict.PASSED
        others = IssuedCredential.objects.exclude(pk=credential.pk)
        assert all(verify(other.document).ok for other in others)

    def test_revoke_twice_or_without_a_reason_is_refused_exit_2(self, issued):
        credential = IssuedCredential.objects.get(candidate=issued.partial.candidate)
        run("revoke", credential.pk, "--reason", "Erreur de saisie.")

        twice = run("revoke", credential.pk, "--reason", "Encore.")
        blank = run("revoke", IssuedCredential.objects.exclude(pk=credential.pk).first().pk, "--reason", " ")

        assert (twice.code, twice.error) == (2, "Nothing was written.")
        assert "Refused: This credential was already revoked on " in one_line(twice.err)
        assert blank.code == 2
        assert "Say why the credential is revoked" in one_line(blank.err)
        assert IssuedCredential.objects.filter(revoked_at__isnull=False).count() == 1

    def test_revoke_an_unknown_or_malformed_id_exits_2(self, issued):
        unknown_id = uuid.uuid4()

        unknown = run("revoke", unknown_id, "--reason", "x")
        malformed = run("revoke", "pas-un-uuid", "--reason", "x")

        assert (unknown.code, unknown.error) == (2, f"No credential {unknown_id}.")
        assert (malformed.code, malformed.error) == (2, "pas-un-uuid is not a credential id.")

    def test_revoke_as_a_non_administrator_exits_2(self, issued):
        credential = IssuedCredential.objects.first()

        result = run(
            "revoke", credential.pk, "--reason", "x", "--as", UserFactory(username="curieux").username
        )

        assert (result.code, result.error) == (2, "curieux is not an active administrator.")
        credential.refresh_from_db()
        assert not credential.is_revoked


class TestRotateKey:
    def test_rotate_key_keeps_old_credentials_valid_and_signs_new_ones_with_the_new_key(self, issued):
        world = issued.world
        certifier = world.certification.certifiers.get()
        old_key = IssuerKey.objects.get(certifier=certifier)
        old = list(IssuedCredential.objects.all())

        result = run(
            "rotate-key", certifier.pk, "--reason", "Rotation annuelle.", "--as", world.admin.get_username()
        )

        new_key = IssuerKey.objects.get(certifier=certifier, status="active")
        assert result.code == 0, result.err
        assert result.out.strip() == f"{ISSUER} now signs with {new_key.did}."
        old_key.refresh_from_db()
        assert (old_key.status, old_key.retirement_reason) == ("retired", "Rotation annuelle.")
        assert new_key.pk != old_key.pk

        # What the old key signed still verifies, and says the key was retired.
        for credential in old:
            report = verify(credential.document)
            assert report.ok, report.as_dict()
            assert "retired on" in report["issuer"].message

        # A new issuance (a rectification of the partial candidate's decision) signs with the new key.
        rectification = rectify(
            actor=world.admin,
            deliberation=issued.deliberation,
            enrolments=[issued.partial],
            reason="Le critère E2.2 avait été mal reporté.",
            meets_on=datetime.date(2025, 7, 10),
        )
        rectification = open_deliberation(actor=world.admin, deliberation=rectification)
        world.decide(
            rectification,
            issued.partial,
            result=Decision.Result.CERTIFIED,
            validated=world.blocks,
            reason="Le procès-verbal d'évaluation montre E2.2 atteint.",
        )
        world.sign(rectification)  # revokes the superseded attestation, with the old key's list
        assert run("issue", rectification.pk).code == 0
        new = list(IssuedCredential.objects.filter(decision__deliberation=rectification))
        assert len(new) == 3
        for credential in new:
            assert credential.key == new_key
            proof = json.loads(credential.document)["proof"][0]
            assert proof["verificationMethod"] == new_key.verification_method
            report = verify(credential.document)
            assert report.ok, report.as_dict()
            assert "its current key" in report["issuer"].message
        superseded = IssuedCredential.objects.get(
            candidate=issued.partial.candidate, decision__deliberation=issued.deliberation
        )
        assert verify(superseded.document)["revocation"].verdict == Verdict.FAILED

        # The certifier's DID document lists both keys.
        document = keys.did_web_document(certifier)
        assert document["alsoKnownAs"] == [old_key.did, new_key.did]
        assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [
            old_key.public_key_multibase,
            new_key.public_key_multibase,
        ]
        assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]

    def test_rotate_key_refused_without_a_reason_or_for_an_unknown_certifier(self, issued):
        certifier = issued.world.certification.certifiers.get()

        blank = run("rotate-key", certifier.pk, "--reason", "  ")
        unknown = run("rotate-key", 999999, "--reason", "Rotation annuelle.")

        assert blank.code == 2
        assert "Say why the key is rotated" in one_line(blank.err)
        assert (unknown.code, unknown.error) == (2, "No certifier 999999.")
        assert IssuerKey.objects.filter(certifier=certifier).count() == 1
