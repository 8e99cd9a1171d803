"""The credentials' pages: the public verifier and what verifiers read (status lists, DID documents,
achievements), issuing from a signed deliberation and its progress, the zip, the list and the page of a
credential with its downloads and revocation, and the candidate's portal."""

from __future__ import annotations

import copy
import io
import json
import zipfile
from dataclasses import dataclass

import django.test
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certiflow.candidates.domain.accommodations import save_accommodation
from certiflow.candidates.domain.people import link_user
from certiflow.candidates.models import RoleGrant
from certiflow.common.models import AuditLogEntry
from certiflow.credentials.domain import issuance, pdfs
from certiflow.credentials.domain.issuance import create_batch
from certiflow.credentials.models import IssuanceBatch, IssuedCredential, IssuerKey, StatusList
from certiflow.credentials.vc.integrity import verify_proof
from tests.credentials.conftest import Signed, build_signed
from tests.factories import ProviderFactory, UserFactory, grant

MEDICAL = "Trouble dys diagnostiqué en 2019"
ADAPTED = "Secrétaire lecteur"
REASON = "Décision rectifiée : la note de l'épreuve E2 a été mal reportée."
CHECKS = ("format", "schema", "signature", "issuer", "dates", "revocation")


def url(name: str, *args) -> str:
    return reverse(f"web:{name}", args=args)


@pytest.fixture
def fast_pdfs(monkeypatch):
    """A one-line printed page: the certificate's layout is the PDF tests' business
    (tests/credentials/domain/test_pdfs.py) and takes seconds to lay out; the PDF issued still carries
    its signed credential.json, which is what these pages read."""
    monkeypatch.setattr(
        pdfs,
        "render_html",
        lambda printed, *, compact=False: (
            f'<html lang="fr"><p>{printed.kind} {printed.credential_id}</p></html>'
        ),
    )


# --- a signed deliberation, issued, and who looks at it ----------------------------------------------
@dataclass
class Cast:
    signed: Signed
    users: dict

    @property
    def admin(self):
        return self.signed.world.admin

    @property
    def deliberation(self):
        return self.signed.deliberation

    @property
    def certificate(self) -> IssuedCredential:
        return IssuedCredential.objects.get(candidate=self.signed.certified.candidate, kind="certificate")

    @property
    def partial_attestation(self) -> IssuedCredential:
        return IssuedCredential.objects.get(candidate=self.signed.partial.candidate)


def build_cast(*, issue: bool = True) -> Cast:
    """``build_signed``'s deliberation (one certified, one partial, one failed candidate), the certified
    and the partial candidates with their accounts, the provider's manager and another, a juror; the
    certified candidate has adapted conditions whose medical details must never show."""
    signed = build_signed()
    world = signed.world
    referent = grant(UserFactory(), RoleGrant.Role.DISABILITY_REFERENT)
    save_accommodation(
        actor=referent,
        enrolment=signed.certified,
        extra_time_minutes=30,
        assistance=ADAPTED,
        adapted_materials="",
        adapted_format="",
        medical_details=MEDICAL,
    )
    users = {
        "administrator": world.admin,
        "manager": grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, world.provider),
        "other_manager": grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, ProviderFactory()),
        "jury": world.jurors["lead"],
        "candidate": UserFactory(),
        "other_candidate": UserFactory(),
    }
    link_user(actor=world.admin, candidate=signed.certified.candidate, user=users["candidate"])
    link_user(actor=world.admin, candidate=signed.partial.candidate, user=users["other_candidate"])
    if issue:
        signed.issue()
    return Cast(signed=signed, users=users)


@pytest.fixture
def cast(db, fast_pdfs) -> Cast:
    return build_cast()


def upload(content: bytes | str, name: str = "credential.json") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def verdicts(html: str) -> dict[str, str]:
    """Each check's verdict as the report's rows say it."""
    found = {}
    for name in CHECKS:
        marker = f'id="check-{name}" data-verdict="'
        assert marker in html, name
        found[name] = html.split(marker, 1)[1].split('"', 1)[0]
    return found


def row(html: str, name: str) -> str:
    return html.split(f'id="check-{name}"', 1)[1].split("</tr>", 1)[0]


# --- verifying: the public form ----------------------------------------------------------------------
def test_verify_page_is_public_and_in_french(cast):
    page = django.test.Client().get(url("verify"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Vérifier une attestation ou un certificat</h1>" in html
    assert 'enctype="multipart/form-data"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert '<label for="id_file">' in html
    assert '<label for="id_text">' in html


def test_verify_uploaded_issued_json_passes_every_check(client, cast):
    certificate = cast.certificate

    response = client.post(url("verify"), {"file": upload(certificate.document)})

    html = response.content.decode()
    assert response.status_code == 200
    assert verdicts(html) == dict.fromkeys(CHECKS, "passed")
    assert 'data-tone="passed"' in html
    assert "Authentic and valid: every check passed." in html
    assert str(cast.signed.certified.candidate.first_name) in html.split('id="summary-subject"')[1]
    assert "ECAD CONSULTANTS - IESA ART&amp;CULTURE" in html
    assert "RNCP39603" in html
    assert "✔" in html


def test_verify_pasted_json_passes(client, cast):
    response = client.post(url("verify"), {"text": cast.partial_attestation.document})

    assert verdicts(response.content.decode()) == dict.fromkeys(CHECKS, "passed")


def test_verify_uploaded_issued_pdf_passes(client, cast):
    certificate = IssuedCredential.objects.get(pk=cast.certificate.pk)

    response = client.post(url("verify"), {"file": upload(bytes(certificate.pdf), "certificat.pdf")})

    assert response.status_code == 200
    assert verdicts(response.content.decode()) == dict.fromkeys(CHECKS, "passed")


def test_verify_tampered_name_fails_the_signature(client, cast):
    document = json.loads(cast.certificate.document)
    for identifier in document["credentialSubject"]["identifier"]:
        if identifier["identityType"] == "name":
            identifier["identityHash"] = "Jean IMPOSTEUR"

    response = client.post(url("verify"), {"file": upload(json.dumps(document))})

    html = response.content.decode()
    found = verdicts(html)
    assert found["signature"] == "failed"
    assert found["format"] == found["schema"] == "passed"
    assert 'data-tone="failed"' in html
    assert "✘" in row(html, "signature")
    assert "Jean IMPOSTEUR" in html  # what the document says, shown beside the verdict


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"file": b"this is not a credential"}, "file", "The file is not JSON"),
        ({"file": b"%PDF-1.7\n%%EOF"}, "file", "The PDF cannot be read"),
        ({"text": "[1, 2, 3]"}, "text", "The JSON is not an object, so it is not a credential."),
        ({}, None, "Choose a credential file, or paste the JSON of a credential."),
    ],
    ids=["garbage", "broken-pdf", "json-array", "nothing"],
)
def test_verify_unreadable_input_is_a_clear_error(client, db, data, field, message):
    if "file" in data:
        data = {"file": upload(data["file"], "document.pdf")}

    response = client.post(url("verify"), data)

    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert 'role="alert"' in html
    assert 'id="report"' not in html
    if field:
        assert f'id="id_{field}_error"' in html


def test_verify_a_pdf_without_credential_says_so(client, db):
    response = client.post(url("verify"), {"file": upload(pdfs.html_to_pdf("<p>Diplôme</p>"), "x.pdf")})

    assert response.status_code == 400
    assert "This PDF carries no credential" in response.content.decode()


def test_verify_file_and_text_together_is_refused(client, cast):
    document = cast.certificate.document

    response = client.post(url("verify"), {"file": upload(document), "text": document})

    assert response.status_code == 400
    assert "not both" in response.content.decode()


def test_verify_a_json_that_is_no_credential_fails_the_format(client, db):
    response = client.post(url("verify"), {"text": '{"name": "Diplôme"}'})

    found = verdicts(response.content.decode())
    assert found["format"] == "failed"
    assert {found[name] for name in CHECKS[1:]} == {"not_checked"}


def test_verify_with_htmx_returns_the_area_only(client, cast):
    response = client.post(
        url("verify"), {"file": upload(cast.certificate.document)}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="verification">')
    assert "<html" not in html
    assert 'id="report"' in html


# --- verifying: the QR code's page -------------------------------------------------------------------
def test_verify_stored_passes_for_anyone_with_the_json_link(cast):
    certificate = cast.certificate
    anonymous = django.test.Client()

    page = anonymous.get(url("verify-stored", certificate.pk))
    download = anonymous.get(url("verify-stored-json", certificate.pk))

    html = page.content.decode()
    assert page.status_code == 200
    assert verdicts(html) == dict.fromkeys(CHECKS, "passed")
    assert url("verify-stored-json", certificate.pk) in html
    assert download.status_code == 200
    assert download.content == certificate.document.encode()
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert download["Access-Control-Allow-Origin"] == "*"


def test_verify_stored_unknown_reference_is_404(db):
    anonymous = django.test.Client()
    unknown = "3f2a1b4c-0000-4000-8000-000000000000"

    page = anonymous.get(f"/verify/{unknown}/")
    download = anonymous.get(f"/verify/{unknown}/credential.json")

    assert page.status_code == 404
    assert f"Aucune attestation ni aucun certificat n'a la référence {unknown}" in page.content.decode()
    assert download.status_code == 404


def test_verify_stored_qr_address_is_the_one_printed(cast):
    from certiflow.credentials.domain import documents

    certificate = cast.certificate

    assert documents.verification_url(certificate.pk).endswith(url("verify-stored", certificate.pk))


def test_verify_a_revoked_credential_with_a_forged_id_is_a_report_not_an_error(client, cast):
    certificate = cast.certificate
    issuance.revoke(actor=cast.admin, credential=certificate, reason=REASON)
    document = json.loads(certificate.document)
    document["id"] = "urn:uuid:not-a-uuid"

    response = client.post(url("verify"), {"text": json.dumps(document)})

    found = verdicts(response.content.decode())
    assert response.status_code == 200
    assert (found["signature"], found["revocation"]) == ("failed", "failed")


# --- revoking ----------------------------------------------------------------------------------------
def test_revoke_then_the_public_page_shows_it_revoked_with_the_reason(client, cast):
    certificate = cast.certificate
    client.force_login(cast.admin)

    response = client.post(url("credential-revoke", certificate.pk), {"revoke-reason": REASON})
    followed = client.get(response["Location"]).content.decode()
    public = django.test.Client().get(url("verify-stored", certificate.pk)).content.decode()
    uploaded = client.post(url("verify"), {"file": upload(certificate.document)}).content.decode()

    assert response.status_code == 302
    assert response["Location"] == url("credential-detail", certificate.pk)
    assert "The credential is revoked" in followed
    assert 'id="revoke-form"' not in followed
    assert REASON.replace("'", "&#x27;") in followed
    for html in (public, uploaded):
        found = verdicts(html)
        assert found["revocation"] == "failed"
        assert {found[name] for name in CHECKS if name != "revocation"} == {"passed"}
    assert "Document révoqué par son émetteur le" in public
    assert REASON.replace("'", "&#x27;") in row(public, "revocation")
    assert AuditLogEntry.objects.filter(
        action="credential.revoke", object_id=str(certificate.pk), reason=REASON
    ).exists()


def test_revoke_without_a_reason_shows_the_error_and_writes_nothing(client, cast):
    certificate = cast.certificate
    client.force_login(cast.admin)

    response = client.post(url("credential-revoke", certificate.pk), {"revoke-reason": "  "})

    assert response.status_code == 400
    assert 'id="id_revoke-reason_error"' in response.content.decode()
    certificate.refresh_from_db()
    assert not certificate.is_revoked


def test_revoke_twice_is_refused_with_the_domain_message(client, cast):
    certificate = cast.certificate
    issuance.revoke(actor=cast.admin, credential=certificate, reason=REASON)
    client.force_login(cast.admin)

    response = client.post(url("credential-revoke", certificate.pk), {"revoke-reason": "Encore"})

    assert response.status_code == 400
    assert "This credential was already revoked on" in response.content.decode()


@pytest.mark.parametrize("role", ["candidate", "manager", "jury"])
def test_revoke_is_refused_to_anyone_but_administrators(client, cast, role):
    client.force_login(cast.users[role])

    response = client.post(url("credential-revoke", cast.certificate.pk), {"revoke-reason": REASON})

    assert response.status_code == 403
    assert not IssuedCredential.objects.get(pk=cast.certificate.pk).is_revoked


# --- what verifiers read -----------------------------------------------------------------------------
def test_status_list_is_public_signed_json_never_cached(cast):
    status_list = cast.certificate.status_list

    response = django.test.Client().get(f"/credentials/status/{status_list.pk}")

    document = json.loads(response.content)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "no-cache" in response["Cache-Control"]
    assert "BitstringStatusListCredential" in document["type"]
    assert verify_proof(document).valid
    assert json.loads(cast.certificate.document)["credentialStatus"]["statusListCredential"].endswith(
        f"/credentials/status/{status_list.pk}"
    )


def test_status_list_after_a_revocation_is_signed_again(client, cast):
    certificate = cast.certificate
    before = django.test.Client().get(url("status-list", certificate.status_list_id)).content
    issuance.revoke(actor=cast.admin, credential=certificate, reason=REASON)

    after = json.loads(django.test.Client().get(url("status-list", certificate.status_list_id)).content)

    assert after != json.loads(before)
    assert verify_proof(after).valid


def test_status_list_unknown_is_404(db):
    assert django.test.Client().get("/credentials/status/999").status_code == 404


def test_did_document_lists_every_key_of_the_certifier(cast):
    key = IssuerKey.objects.get()
    certifier = key.certifier

    response = django.test.Client().get(url("did-document", certifier.pk))

    document = json.loads(response.content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert document["id"].endswith(f":certifiers:{certifier.pk}")
    assert [m["publicKeyMultibase"] for m in document["verificationMethod"]] == [key.public_key_multibase]
    assert document["alsoKnownAs"] == [key.did]


def test_did_document_unknown_certifier_is_404(db):
    assert django.test.Client().get("/certifiers/999/did.json").status_code == 404


@pytest.mark.parametrize("kind", ["certificate", "block_attestation"])
def test_achievement_is_what_the_credentials_embed(cast, kind):
    credential = IssuedCredential.objects.filter(kind=kind).first()
    embedded = json.loads(credential.document)["credentialSubject"]["achievement"]
    path = embedded["id"].split("://", 1)[1].split("/", 1)[1]

    response = django.test.Client().get(f"/{path}")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert json.loads(response.content) == embedded


@pytest.mark.parametrize(
    "path",
    ["/achievements/RNCP00000/2024/", "/achievements/RNCP39603/1999/", "/achievements/RNCP39603/2024/BC99/"],
)
def test_achievement_unknown_is_404(cast, path):
    assert django.test.Client().get(path).status_code == 404


# --- issuing from the deliberation -------------------------------------------------------------------
def test_deliberation_page_offers_issuing_to_administrators_only(client, db, fast_pdfs):
    cast = build_cast(issue=False)
    client.force_login(cast.admin)
    admin_html = client.get(url("deliberation-detail", cast.deliberation.pk)).content.decode()
    client.force_login(cast.users["jury"])
    jury_html = client.get(url("deliberation-detail", cast.deliberation.pk)).content.decode()

    assert 'id="issue-form"' in admin_html
    assert "No credential issued yet for this deliberation." in admin_html
    assert 'id="credentials"' not in jury_html


def test_issue_from_the_deliberation_runs_the_batch_then_shows_it_done(
    client, db, fast_pdfs, django_capture_on_commit_callbacks
):
    cast = build_cast(issue=False)
    client.force_login(cast.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("issuance-request", cast.deliberation.pk))
    batch = IssuanceBatch.objects.get()
    page = client.get(response["Location"]).content.decode()
    detail = client.get(url("deliberation-detail", cast.deliberation.pk)).content.decode()

    assert response["Location"] == url("issuance-batch", cast.deliberation.pk, batch.pk)
    assert (batch.status, batch.done, batch.total, batch.issued) == ("done", 2, 2, 4)
    assert '<progress id="batch-bar" max="2" value="2">' in page
    assert "2 / 2 decisions" in page
    assert url("deliberation-zip", cast.deliberation.pk) in page
    assert "hx-trigger" not in page
    assert "http-equiv" not in page
    assert "4 credentials issued: 1 certificate(s), 3 bloc attestation(s)." in detail
    assert url("issuance-batch", cast.deliberation.pk, batch.pk) in detail


def test_batch_page_polls_while_queued_and_htmx_gets_the_fragment(client, db, fast_pdfs):
    cast = build_cast(issue=False)
    batch = create_batch(actor=cast.admin, deliberation=cast.deliberation)
    client.force_login(cast.admin)
    address = url("issuance-batch", cast.deliberation.pk, batch.pk)

    page = client.get(address).content.decode()
    fragment = client.get(address, headers={"HX-Request": "true"}).content.decode()

    assert 'hx-trigger="every 1s"' in page
    assert f'hx-get="{address}"' in page
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page
    assert 'role="status"' in page
    assert "0 / 2 decisions" in page
    assert fragment.lstrip().startswith('<div id="batch-progress"')
    assert "<html" not in fragment
    assert 'id="zip-link"' not in page


def test_batch_page_shows_the_error_of_a_failed_batch(client, db, fast_pdfs):
    cast = build_cast(issue=False)
    batch = create_batch(actor=cast.admin, deliberation=cast.deliberation)
    IssuanceBatch.objects.filter(pk=batch.pk).update(status="failed", error="Le disque est plein.")
    client.force_login(cast.admin)

    html = client.get(url("issuance-batch", cast.deliberation.pk, batch.pk)).content.decode()

    assert 'id="batch-error"' in html
    assert "Le disque est plein." in html
    assert "hx-trigger" not in html


def test_issue_refused_by_the_domain_shows_its_message(client, db, fast_pdfs):
    cast = build_cast(issue=False)
    cast.signed.world.certification.certifiers.clear()
    client.force_login(cast.admin)

    response = client.post(url("issuance-request", cast.deliberation.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("deliberation-detail", cast.deliberation.pk) + "#credentials"
    assert "must have exactly one certifier" in response.content.decode()
    assert not IssuanceBatch.objects.exists()


@pytest.mark.parametrize(("role", "status"), [("jury", 403), ("manager", 404), ("candidate", 404)])
def test_issue_and_batch_page_are_refused_to_other_roles(client, cast, role, status):
    batch = IssuanceBatch.objects.get()
    client.force_login(cast.users[role])

    assert client.post(url("issuance-request", cast.deliberation.pk)).status_code == status
    assert client.get(url("issuance-batch", cast.deliberation.pk, batch.pk)).status_code == status
    assert client.get(url("deliberation-zip", cast.deliberation.pk)).status_code == status


def test_zip_has_the_json_and_the_pdf_of_every_credential(client, cast):
    client.force_login(cast.admin)

    response = client.get(url("deliberation-zip", cast.deliberation.pk))

    # Reading the stream to its end closes the file (an explicit close() would also close the connection).
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(names) == 2 * IssuedCredential.objects.count() == 8
    assert sum(n.endswith(".json") for n in names) == sum(n.endswith(".pdf") for n in names) == 4


# --- the list ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("administrator", 4),
        ("manager", 4),
        ("other_manager", 0),
        ("jury", 0),
        ("candidate", 3),
        ("other_candidate", 1),
    ],
)
def test_credential_list_shows_what_each_role_may_see(client, cast, role, shown):
    client.force_login(cast.users[role])

    html = client.get(url("credential-list")).content.decode()

    assert html.count('<tr id="credential-') == shown


def test_credential_list_filters_by_status_name_and_deliberation(client, cast):
    issuance.revoke(actor=cast.admin, credential=cast.partial_attestation, reason=REASON)
    client.force_login(cast.admin)
    partial_name = cast.signed.partial.candidate.last_name

    revoked = client.get(url("credential-list"), {"status": "revoked"}).content.decode()
    valid = client.get(url("credential-list"), {"status": "valid"}).content.decode()
    by_name = client.get(url("credential-list"), {"q": partial_name}).content.decode()
    by_deliberation = client.get(url("credential-list"), {"deliberation": cast.deliberation.pk}).content
    nobody = client.get(url("credential-list"), {"q": "Personne"}).content.decode()

    assert revoked.count('<tr id="credential-') == 1
    assert f'id="credential-{cast.partial_attestation.pk}"' in revoked
    assert valid.count('<tr id="credential-') == 3
    assert by_name.count('<tr id="credential-') == 1
    assert by_deliberation.decode().count('<tr id="credential-') == 4
    assert "No credential matches these filters." in nobody


def test_credential_list_with_htmx_returns_the_results_only(client, cast):
    client.force_login(cast.admin)

    html = client.get(url("credential-list"), {"status": "valid"}, headers={"HX-Request": "true"}).content

    assert b"<html" not in html
    assert html.decode().count('<tr id="credential-') == 4


def test_credential_list_constant_queries_whatever_the_rows(client, cast):
    issuance.revoke(actor=cast.admin, credential=cast.partial_attestation, reason=REASON)
    client.force_login(cast.admin)
    client.get(url("credential-list"))
    with CaptureQueriesContext(connection) as one_row:
        html = client.get(url("credential-list"), {"status": "revoked"}).content.decode()
    assert html.count('<tr id="credential-') == 1

    with CaptureQueriesContext(connection) as every_row:
        html = client.get(url("credential-list")).content.decode()

    assert html.count('<tr id="credential-') == 4
    assert len(every_row) == len(one_row), "\n".join(
        q["sql"][:300] for q in every_row.captured_queries + one_row.captured_queries
    )


def test_credential_list_paginates(client, cast, monkeypatch):
    from certiflow.web.views import credentials

    monkeypatch.setattr(credentials, "PAGE_SIZE", 3)
    client.force_login(cast.admin)

    first = client.get(url("credential-list"), {"status": "valid"}).content.decode()
    second = client.get(url("credential-list"), {"status": "valid", "page": 2}).content.decode()

    assert first.count('<tr id="credential-') == 3
    assert 'href="?status=valid&amp;page=2"' in first
    assert second.count('<tr id="credential-') == 1
    assert "Page 2 of 2" in second


# --- the page of a credential and its files ----------------------------------------------------------
DETAIL_STATUS = {
    "administrator": 200,
    "manager": 200,
    "other_manager": 403,
    "jury": 403,
    "candidate": 200,
    "other_candidate": 403,
}


@pytest.mark.parametrize("role", list(DETAIL_STATUS))
def test_credential_page_and_files_per_role(client, cast, role):
    certificate = cast.certificate
    client.force_login(cast.users[role])

    page = client.get(url("credential-detail", certificate.pk))
    pdf = client.get(url("credential-pdf", certificate.pk))
    document = client.get(url("credential-json", certificate.pk))

    expected = DETAIL_STATUS[role]
    assert (page.status_code, pdf.status_code, document.status_code) == (expected,) * 3
    if expected == 200:
        assert pdf.content.startswith(b"%PDF")
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf["Content-Disposition"].endswith(f'certificate-{certificate.pk}.pdf"')
        assert document.content == certificate.document.encode()
        assert verdicts(page.content.decode()) == dict.fromkeys(CHECKS, "passed")


def test_credential_page_unknown_is_404_and_anonymous_logs_in(client, cast):
    unknown = "3f2a1b4c-0000-4000-8000-000000000000"
    anonymous = client.get(url("credential-detail", cast.certificate.pk))
    client.force_login(cast.admin)

    assert client.get(f"/credentials/{unknown}/").status_code == 404
    assert client.get(f"/credentials/{unknown}.pdf").status_code == 404
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))


def test_credential_page_for_an_administrator_has_revoke_form_and_history(client, cast):
    certificate = cast.certificate
    client.force_login(cast.admin)

    html = client.get(url("credential-detail", certificate.pk)).content.decode()

    assert 'id="revoke-form"' in html
    assert '<label for="id_revoke-reason">' in html
    assert url("audit-log", "credentials.issuedcredential", certificate.pk) in html
    assert url("deliberation-detail", cast.deliberation.pk) in html
    assert url("verify-stored", certificate.pk) in html


def test_credential_page_for_the_candidate_has_no_revoke_form(client, cast):
    client.force_login(cast.users["candidate"])

    html = client.get(url("credential-detail", cast.certificate.pk)).content.decode()

    assert 'id="revoke-form"' not in html
    assert "audit" not in html
    assert url("deliberation-detail", cast.deliberation.pk) not in html


@pytest.mark.parametrize("role", ["administrator", "manager", "candidate"])
def test_no_disability_data_on_any_credential_page(client, cast, role):
    certificate = cast.certificate
    client.force_login(cast.users[role])

    pages = [
        client.get(url("credential-detail", certificate.pk)).content.decode(),
        client.get(url("credential-json", certificate.pk)).content.decode(),
        client.get(url("credential-list")).content.decode(),
        django.test.Client().get(url("verify-stored", certificate.pk)).content.decode(),
    ]

    for html in pages:
        assert MEDICAL not in html
        assert ADAPTED not in html


# --- the candidate's portal --------------------------------------------------------------------------
def test_portal_lists_the_candidates_credentials_with_downloads_in_french(cast):
    issuance.revoke(actor=cast.admin, credential=cast.certificate, reason=REASON)
    candidate = django.test.Client()
    candidate.force_login(cast.users["candidate"])

    html = candidate.get(url("portal")).content.decode()

    section = html.split('id="my-credentials"')[1].split("</section>")[0]
    assert "Mes attestations et certificats" in section
    assert section.count("<tr id=") == 3
    for credential in IssuedCredential.objects.filter(candidate=cast.signed.certified.candidate):
        assert url("credential-pdf", credential.pk) in section
        assert url("credential-json", credential.pk) in section
    assert "révoqué le" in section
    assert REASON.replace("'", "&#x27;") in section
    assert url("credential-pdf", cast.partial_attestation.pk) not in html


def test_portal_without_credentials_has_no_section(client, db, fast_pdfs):
    cast = build_cast(issue=False)
    client.force_login(cast.users["candidate"])

    assert 'id="my-credentials"' not in client.get(url("portal")).content.decode()


def test_navigation_links_the_verifier_for_everyone_and_the_list_for_administrators(client, cast):
    anonymous = django.test.Client().get(url("verify")).content.decode()
    client.force_login(cast.admin)
    admin = client.get(url("credential-list")).content.decode()
    client.force_login(cast.users["candidate"])
    candidate = client.get(url("portal")).content.decode()

    assert f'href="{url("verify")}"' in anonymous
    assert f'href="{url("credential-list")}"' not in anonymous
    assert f'href="{url("credential-list")}" aria-current="page"' in admin
    assert f'href="{url("credential-list")}"' not in candidate


def test_status_list_document_is_the_stored_one(cast):
    status_list = StatusList.objects.get()

    body = django.test.Client().get(url("status-list", status_list.pk)).content.decode()

    assert body == status_list.document


def test_verify_does_not_read_a_deep_copy_of_our_document_differently(client, cast):
    # The verifier reads what is given: the same credential re-serialised (compact JSON) passes too.
    document = copy.deepcopy(json.loads(cast.certificate.document))

    response = client.post(url("verify"), {"text": json.dumps(document, separators=(",", ":"))})

    assert verdicts(response.content.decode()) == dict.fromkeys(CHECKS, "passed")
