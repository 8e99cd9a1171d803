"""Issuing after a signed deliberation (seed 003: « L'obtention de la certification est conditionnée à
la validation de l'ensemble des blocs de compétences » and « Chaque bloc de compétences est capitalisable
durant toute la durée de la certification »)."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from pypdf import PdfReader

from certiflow.common.domain.errors import Refused
from certiflow.common.models import AuditLogEntry
from certiflow.credentials.domain.issuance import create_batch, request_issuance, revoke, run_batch
from certiflow.credentials.domain.verification import Verdict, verify
from certiflow.credentials.models import IssuanceBatch, IssuedCredential, StatusList
from certiflow.credentials.models.issuance import ImmutableRecordError
from certiflow.credentials.vc import integrity, statuslist
from certiflow.jury.domain.deliberations import open_deliberation, rectify
from certiflow.jury.models import Decision
from tests.credentials.conftest import REGISTERED_UNTIL, with_certifier
from tests.jury.conftest import BC01_ONLY, build_jury_world

Kind = IssuedCredential.Kind


def _codes(credentials):
    return sorted((c.kind, c.block_decision.block.code if c.block_decision_id else "") for c in credentials)


def test_issue_certified_candidate_receives_the_certificate_and_each_bloc_attestation(issued):
    credentials = issued.credentials(issued.certified)

    assert _codes(credentials) == [
        (Kind.BLOCK_ATTESTATION, "RNCP39603BC01"),
        (Kind.BLOCK_ATTESTATION, "RNCP39603BC02"),
        (Kind.CERTIFICATE, ""),
    ]


def test_issue_partial_candidate_receives_only_the_validated_bloc(issued):
    assert _codes(issued.credentials(issued.partial)) == [(Kind.BLOCK_ATTESTATION, "RNCP39603BC01")]


def test_issue_failed_candidate_receives_nothing(issued):
    assert issued.credentials(issued.failed) == []


def test_issue_every_credential_validates_and_verifies(issued):
    reports = [verify(c.document) for c in IssuedCredential.objects.all()]

    assert len(reports) == 4
    assert all(report.ok for report in reports), [r.checks for r in reports if not r.ok]


def test_issue_twice_issues_nothing_more(issued):
    before = set(IssuedCredential.objects.values_list("pk", flat=True))

    batch = issued.issue()

    assert (batch.status, batch.done, batch.issued) == (IssuanceBatch.Status.DONE, 2, 0)
    assert set(IssuedCredential.objects.values_list("pk", flat=True)) == before


def test_create_batch_returns_the_unfinished_batch_instead_of_a_second_one(signed):
    first = create_batch(actor=signed.world.admin, deliberation=signed.deliberation)

    second = create_batch(actor=signed.world.admin, deliberation=signed.deliberation)

    assert second.pk == first.pk
    assert IssuanceBatch.objects.count() == 1


def test_run_batch_counts_progress_for_each_decision(signed):
    batch = create_batch(actor=signed.world.admin, deliberation=signed.deliberation)
    seen = []

    batch = run_batch(batch=batch, progress=lambda done, total: seen.append((done, total)))

    # The failed candidate's decision gives nothing to issue, so it is not counted.
    assert seen == [(1, 2), (2, 2)]
    assert (batch.status, batch.total, batch.done, batch.issued) == (IssuanceBatch.Status.DONE, 2, 2, 4)


def test_request_issuance_runs_the_task_once_committed(signed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = request_issuance(actor=signed.world.admin, deliberation=signed.deliberation)

    batch.refresh_from_db()
    assert batch.status == IssuanceBatch.Status.DONE
    assert IssuedCredential.objects.filter(batch=batch).count() == 4


def test_issue_refused_before_the_deliberation_is_signed(db):
    world = build_jury_world(candidates=1)
    deliberation = world.open()

    with pytest.raises(Refused, match="not signed yet"):
        create_batch(actor=world.admin, deliberation=deliberation)


def test_issue_refused_when_the_certification_has_no_certifier(signed):
    signed.world.certification.certifiers.clear()

    with pytest.raises(Refused, match="exactly one certifier"):
        create_batch(actor=signed.world.admin, deliberation=signed.deliberation)
    assert not IssuanceBatch.objects.exists()


def test_issue_failing_batch_ends_failed_with_its_message_and_resumes(signed):
    batch = create_batch(actor=signed.world.admin, deliberation=signed.deliberation)
    certifier = signed.world.certification.certifiers.get()
    signed.world.certification.certifiers.clear()

    batch = run_batch(batch=batch)

    assert batch.status == IssuanceBatch.Status.FAILED
    assert "exactly one certifier" in batch.error
    signed.world.certification.certifiers.add(certifier)
    assert run_batch(batch=batch).status == IssuanceBatch.Status.DONE
    assert IssuedCredential.objects.count() == 4


def test_issued_pdf_carries_its_credential_and_names_the_candidate(issued):
    certificate = issued.credentials(issued.certified, Kind.CERTIFICATE)[0]
    reader = PdfReader(io.BytesIO(bytes(certificate.pdf)))
    text = " ".join(page.extract_text() for page in reader.pages)

    assert reader.attachments["credential.json"][0].decode() == certificate.document
    assert issued.certified.candidate.last_name.upper() in text
    assert "RNCP39603BC01" in text
    assert str(certificate.pk) in text


def test_issued_pdf_verifies_like_its_json(issued):
    certificate = issued.credentials(issued.certified, Kind.CERTIFICATE)[0]

    assert verify(bytes(certificate.pdf)).ok


def test_issued_credential_cannot_be_changed_or_deleted(issued):
    credential = IssuedCredential.objects.first()
    credential.document = credential.document.replace("Léa", "Lea")

    with pytest.raises(ImmutableRecordError):
        credential.save()
    with pytest.raises(ImmutableRecordError):
        credential.delete()


def test_issue_audits_each_decision(issued):
    entries = AuditLogEntry.objects.filter(action="credentials.issue")

    assert sorted(int(e.object_id) for e in entries) == sorted(
        Decision.objects.filter(enrolment__in=[issued.certified, issued.partial]).values_list("pk", flat=True)
    )


# --- revocation ------------------------------------------------------------------------------------------


def test_revoke_sets_the_bit_and_re_signs_the_list(issued):
    credential = issued.credentials(issued.partial)[0]

    revoke(actor=issued.world.admin, credential=credential, reason="Fraude constatée après le jury")

    status_list = StatusList.objects.get(pk=credential.status_list_id)
    document = json.loads(status_list.document)
    assert statuslist.is_set(
        statuslist.decode(document["credentialSubject"]["encodedList"]), credential.status_index
    )
    assert integrity.verify_proof(document).valid
    credential.refresh_from_db()
    assert credential.revocation_reason == "Fraude constatée après le jury"


def test_revoked_credential_fails_on_revocation_alone(issued):
    credential = issued.credentials(issued.partial)[0]

    revoke(actor=issued.world.admin, credential=credential, reason="Fraude constatée après le jury")

    report = verify(credential.document)
    assert {c.name: c.verdict for c in report.checks} == {
        "format": Verdict.PASSED,
        "schema": Verdict.PASSED,
        "signature": Verdict.PASSED,
        "issuer": Verdict.PASSED,
        "dates": Verdict.PASSED,
        "revocation": Verdict.FAILED,
    }
    assert "Fraude constatée après le jury" in report["revocation"].message


def test_revoke_leaves_the_other_credentials_valid(issued):
    revoke(actor=issued.world.admin, credential=issued.credentials(issued.partial)[0], reason="Fraude")

    assert all(verify(c.document).ok for c in issued.credentials(issued.certified))


def test_revoke_without_a_reason_is_refused(issued):
    with pytest.raises(Refused, match="Say why"):
        revoke(actor=issued.world.admin, credential=IssuedCredential.objects.first(), reason="  ")


def test_revoke_twice_is_refused(issued):
    credential = IssuedCredential.objects.first()
    revoke(actor=issued.world.admin, credential=credential, reason="Erreur")

    with pytest.raises(Refused, match="already revoked"):
        revoke(actor=issued.world.admin, credential=credential, reason="Erreur")


# --- rectification ---------------------------------------------------------------------------------------


def test_rectification_revokes_and_re_issues(issued, django_capture_on_commit_callbacks):
    world = issued.world
    old = issued.credentials(issued.partial)[0]
    rectification = rectify(
        actor=world.admin,
        deliberation=issued.deliberation,
        enrolments=[issued.partial],
        reason="Le critère E2.2 avait été mal reporté",
        meets_on=datetime.date(2025, 7, 10),
    )
    rectification = open_deliberation(actor=world.admin, deliberation=rectification)
    world.decide(
        rectification,
        issued.partial,
        result=Decision.Result.CERTIFIED,
        validated=world.blocks,
        reason="Le procès-verbal d'évaluation montre E2.2 atteint",
    )

    with django_capture_on_commit_callbacks(execute=True):
        world.sign(rectification)

    old.refresh_from_db()
    assert old.is_revoked
    assert "Le critère E2.2" not in old.revocation_reason  # the reason names the rectifying jury
    assert "rectifying deliberation" in old.revocation_reason
    new = IssuedCredential.objects.filter(decision__deliberation=rectification)
    assert _codes(new) == [
        (Kind.BLOCK_ATTESTATION, "RNCP39603BC01"),
        (Kind.BLOCK_ATTESTATION, "RNCP39603BC02"),
        (Kind.CERTIFICATE, ""),
    ]
    assert old.replaced_by.decision.deliberation_id == rectification.pk
    assert verify(old.document)["revocation"].verdict == Verdict.FAILED
    assert all(verify(c.document).ok for c in new)


def test_rectification_of_an_unissued_deliberation_issues_nothing_by_itself(
    signed, django_capture_on_commit_callbacks
):
    world = signed.world
    rectification = rectify(
        actor=world.admin,
        deliberation=signed.deliberation,
        enrolments=[signed.partial],
        reason="Erreur de saisie",
        meets_on=datetime.date(2025, 7, 10),
    )
    rectification = open_deliberation(actor=world.admin, deliberation=rectification)
    world.decide(rectification, signed.partial)

    with django_capture_on_commit_callbacks(execute=True):
        world.sign(rectification)

    assert not IssuedCredential.objects.exists()


# --- capitalised blocs -----------------------------------------------------------------------------------


def test_capitalised_bloc_is_listed_on_the_certificate_but_not_attested_again(db):
    world = with_certifier(build_jury_world(candidates=1, valid_until=REGISTERED_UNTIL))
    (returning,) = world.enrolments
    world.hold(returning.candidate, world.blocks[1], valid_until=REGISTERED_UNTIL)
    world.grade(returning, BC01_ONLY)
    deliberation = world.open()
    world.decide(deliberation, returning)
    deliberation = world.sign(deliberation)

    run_batch(batch=create_batch(actor=world.admin, deliberation=deliberation))

    credentials = IssuedCredential.objects.filter(candidate=returning.candidate)
    assert _codes(credentials) == [(Kind.BLOCK_ATTESTATION, "RNCP39603BC01"), (Kind.CERTIFICATE, "")]
    certificate = credentials.get(kind=Kind.CERTIFICATE)
    text = PdfReader(io.BytesIO(bytes(certificate.pdf))).pages[0].extract_text()
    assert "RNCP39603BC02" in text
    assert "capitalisé" in text
