"""What candidates receive, and anyone checks, in a real browser (the credentials' « done means »):

the administrator issues the credentials of a signed deliberation from its page and gets the zip; the
certified candidate logs in and downloads their certificate as PDF and as JSON; an anonymous visitor
verifies that JSON (every check passes); the administrator revokes the certificate with a reason; the
visitor verifies the same file again: the revocation check fails with the reason, while the signature,
the issuer, the schema and the dates still pass (a revoked credential was genuine).

The pages are read in French, the language users get by default.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from certiflow.candidates.domain.people import link_user
from certiflow.credentials.models import IssuanceBatch, IssuedCredential
from tests.credentials.conftest import build_signed
from tests.e2e.test_deliberation import new_page, shoot
from tests.e2e.test_grading import check_accessibility
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REASON = "Décision rectifiée : la note de l'épreuve E2 avait été mal reportée."
#: Issuing renders each PDF in the request (the inline task backend): allow it time on a busy machine.
ISSUING = 120_000


def verify_file(page: Page, path: Path) -> None:
    """Give ``path`` to the verifier and wait for its report (htmx swaps it in, the page stays)."""
    page.locator("#id_file").set_input_files(path)
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect(page.locator("#report")).to_be_visible()


def test_issue_download_verify_revoke_and_verify_again(browser: Browser, live_server, tmp_path):
    signed = build_signed()
    world = signed.world
    candidate_user = UserFactory(first_name="Léa", last_name="Martin")
    link_user(actor=world.admin, candidate=signed.certified.candidate, user=candidate_user)
    deliberation = signed.deliberation

    # --- the administrator issues from the signed deliberation's page, then downloads the zip
    admin = new_page(browser, live_server, world.admin)
    admin.goto(f"{live_server.url}/deliberations/{deliberation.pk}/")
    section = admin.locator("#credentials")
    expect(section.get_by_role("heading", level=2)).to_have_text("Attestations et certificats")
    check_accessibility(admin)
    section.get_by_role("button", name="Délivrer les attestations et certificats").click()
    expect(admin.locator("#batch-progress")).to_have_attribute("data-status", "done", timeout=ISSUING)
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Délivrance des attestations")
    expect(admin.locator("#batch-count")).to_contain_text("2 / 2 décisions")
    expect(admin.locator("#batch-bar")).to_have_attribute("value", "2")
    check_accessibility(admin)
    shoot(admin, "credentials-batch-done")
    with admin.expect_download() as download:
        admin.locator("#zip-link").click()
    names = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())).namelist()
    assert len(names) == 2 * IssuedCredential.objects.count() == 8
    certificate = IssuedCredential.objects.get(candidate=signed.certified.candidate, kind="certificate")

    # --- the candidate downloads their certificate, as PDF and as JSON
    candidate = new_page(browser, live_server, candidate_user, accept_downloads=True)
    mine = candidate.locator("#my-credentials")
    expect(mine.get_by_role("heading", level=2)).to_have_text("Mes attestations et certificats")
    expect(mine.locator("tbody tr")).to_have_count(3)  # the certificate and both blocs
    check_accessibility(candidate)
    shoot(candidate, "credentials-portal")
    row = mine.locator(f"#credential-{certificate.pk}")
    expect(row).to_contain_text("Certificat")
    with candidate.expect_download() as pdf_download:
        row.locator(".pdf-download").click()
    pdf = Path(pdf_download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf == bytes(certificate.pdf)
    with candidate.expect_download() as json_download:
        row.locator(".json-download").click()
    json_path = tmp_path / json_download.value.suggested_filename
    json_download.value.save_as(json_path)
    assert json_path.suffix == ".json"
    assert json_path.read_text(encoding="utf-8") == certificate.document
    candidate.context.close()

    # --- an anonymous visitor verifies the JSON: every check passes
    visitor = browser.new_context().new_page()
    visitor.goto(f"{live_server.url}/verify/")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Vérifier une attestation ou un certificat")
    check_accessibility(visitor)
    visitor.evaluate("window.sameDocument = 'no reload'")
    verify_file(visitor, json_path)
    expect(visitor.locator("#verdict")).to_have_attribute("data-tone", "passed")
    expect(visitor.locator("#verdict")).to_contain_text("Authentique et valide")
    expect(visitor.locator("#checks tbody tr")).to_have_count(6)
    expect(visitor.locator("#checks tbody tr[data-verdict=passed]")).to_have_count(6)
    expect(visitor.locator("#summary")).to_contain_text("Léa")
    assert visitor.evaluate("window.sameDocument") == "no reload"  # htmx swapped the report in
    check_accessibility(visitor)
    shoot(visitor, "credentials-verified")

    # --- the administrator revokes the certificate with a reason
    admin.goto(f"{live_server.url}/credentials/")
    check_accessibility(admin)
    admin.locator(f"#credential-{certificate.pk} a").click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Certificat")
    check_accessibility(admin)
    admin.locator("#revoke-form button[type=submit]").click()  # no reason: refused
    expect(admin.locator("#revoke-form .error-summary")).to_be_visible()
    admin.locator("#id_revoke-reason").fill(REASON)
    admin.locator("#revoke-form button[type=submit]").click()
    expect(admin.locator("#revoked")).to_contain_text(REASON)
    expect(admin.locator("#revoke-form")).to_have_count(0)
    expect(admin.locator("#check-revocation")).to_have_attribute("data-verdict", "failed")
    check_accessibility(admin)
    shoot(admin, "credentials-revoked")
    admin.context.close()

    # --- the visitor verifies the same file again: revoked, with the reason; still genuine
    verify_file(visitor, json_path)
    expect(visitor.locator("#verdict")).to_have_attribute("data-tone", "failed")
    revocation = visitor.locator("#check-revocation")
    expect(revocation).to_have_attribute("data-verdict", "failed")
    expect(revocation).to_contain_text(REASON)
    expect(revocation).to_contain_text("Échouée")
    for name in ("format", "schema", "signature", "issuer", "dates"):
        expect(visitor.locator(f"#check-{name}")).to_have_attribute("data-verdict", "passed")
    assert visitor.evaluate("window.sameDocument") == "no reload"
    check_accessibility(visitor)
    shoot(visitor, "credentials-verified-revoked")

    # ... and so does the page its QR code opens
    visitor.goto(f"{live_server.url}/verify/{certificate.pk}/")
    expect(visitor.locator("#check-revocation")).to_have_attribute("data-verdict", "failed")
    expect(visitor.locator("#check-signature")).to_have_attribute("data-verdict", "passed")
    visitor.context.close()


def test_batch_progress_follows_the_batch_without_reloading(browser: Browser, live_server):
    signed = build_signed()
    batch = signed.issue()
    # Shown as if it were still running, then finished: the page follows it by itself.
    IssuanceBatch.objects.filter(pk=batch.pk).update(status=IssuanceBatch.Status.RUNNING, done=1)
    admin = new_page(browser, live_server, signed.world.admin)
    admin.goto(f"{live_server.url}/deliberations/{signed.deliberation.pk}/issuance/{batch.pk}/")
    expect(admin.locator("#batch-count")).to_contain_text("1 / 2 décisions")
    expect(admin.locator("#batch-count")).to_have_attribute("role", "status")
    expect(admin.locator("#zip-link")).to_have_count(0)
    check_accessibility(admin)
    admin.evaluate("window.sameDocument = 'no reload'")

    IssuanceBatch.objects.filter(pk=batch.pk).update(status=IssuanceBatch.Status.DONE, done=2)

    expect(admin.locator("#batch-progress")).to_have_attribute("data-status", "done", timeout=10_000)
    expect(admin.locator("#batch-count")).to_contain_text("2 / 2 décisions")
    expect(admin.locator("#zip-link")).to_be_visible()
    assert admin.evaluate("window.sameDocument") == "no reload"
    admin.context.close()


def test_verify_without_javascript(browser: Browser, live_server, tmp_path):
    signed = build_signed()
    signed.issue()
    attestation = IssuedCredential.objects.get(candidate=signed.partial.candidate)
    pdf_path = tmp_path / "attestation.pdf"
    pdf_path.write_bytes(bytes(attestation.pdf))
    page = browser.new_context(java_script_enabled=False).new_page()

    page.goto(f"{live_server.url}/verify/")
    verify_file(page, pdf_path)

    expect(page).to_have_url(re.compile(r"/verify/$"))
    expect(page.locator("#verdict")).to_have_attribute("data-tone", "passed")
    expect(page.locator("#checks tbody tr[data-verdict=passed]")).to_have_count(6)
    check_accessibility(page)
    page.get_by_role("textbox", name="Ou collez son JSON").fill("ceci n'est pas du JSON")
    page.get_by_role("button", name="Vérifier", exact=True).click()
    expect(page.locator(".error-summary")).to_contain_text("JSON")
    expect(page.locator("#report")).to_have_count(0)
    page.context.close()
