"""The registry pages: login required, French first, linked both ways, import for administrators only."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certiflow.frameworks.domain.seeds import load_seed_documents
from certiflow.frameworks.models import Certification, Framework, PendingImport
from tests.conftest import SEED_000, SEED_003
from tests.factories import AdministratorFactory, CertificationFactory, FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds():
    load_seed_documents()


@pytest.fixture
def user_client(client):
    client.force_login(UserFactory())
    return client


@pytest.fixture
def admin_client(client):
    client.force_login(AdministratorFactory())
    return client


@pytest.mark.parametrize("name", ["web:certification-list", "web:import-upload"])
def test_pages_redirect_anonymous_visitors_to_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_is_french_by_default():
    response = Client().get(reverse("login"))

    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert "Aller au contenu" in response.text


def test_language_switch_to_english():
    browser = Client()
    browser.force_login(UserFactory())
    assert '<html lang="fr">' in browser.get(reverse("web:certification-list")).text

    browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = browser.get(reverse("web:certification-list"))

    assert '<html lang="en">' in response.text
    assert "Certifications" in response.text
    assert "Log out" in response.text


def test_certification_list_shows_the_seeds(user_client, seeds):
    response = user_client.get(reverse("web:certification-list"))

    assert response.status_code == 200
    assert "RNCP39603" in response.text
    assert "Manager de l’ingénierie culturelle" in response.text


def test_certification_list_runs_a_constant_number_of_queries(user_client):
    FrameworkFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        user_client.get(reverse("web:certification-list"))
    FrameworkFactory.create_batch(20)

    with CaptureQueriesContext(connection) as many:
        response = user_client.get(reverse("web:certification-list"))

    assert response.text.count("<tr>") == 22 + 1
    assert len(many) == len(few)


def test_certification_list_search_answers_htmx_with_rows_only(user_client):
    CertificationFactory(code="RNCP11111", title="Régisseur")
    FrameworkFactory(certification=Certification.objects.get(code="RNCP11111"))
    FrameworkFactory()

    response = user_client.get(reverse("web:certification-list"), {"q": "régis"}, HTTP_HX_REQUEST="true")

    assert "<html" not in response.text
    assert response.text.count("<tr>") == 1
    assert "RNCP11111" in response.text


def test_certification_detail_shows_metadata_and_links_both_ways(user_client, seeds):
    response = user_client.get(reverse("web:certification-detail", args=["RNCP39603"]))

    text = response.text
    assert response.status_code == 200
    assert "33115405400091" in text
    assert "Techniques de l&#x27;image et du son" in text
    assert "RNCP37040" in text
    assert 'id="bloc-RNCP39603BC04"' in text
    # Competency → the modality covering it, and modality → competencies it covers.
    assert 'href="#comp-C1"' in text
    assert 'id="comp-C1"' in text
    assert "Le jury est composé de 4 membres" in text
    assert "<svg" in text  # the statistics chart


def test_certification_detail_criteria_link_to_their_competencies(user_client, seeds):
    response = user_client.get(reverse("web:certification-detail", args=["ICART-MIC"]), {"version": "1"})

    text = response.text
    assert 'id="crit-E1.1"' in text
    assert 'href="#crit-E1.1"' in text  # from the competencies it evaluates
    assert "diagnostic clair et exhaustif" in text
    assert "A5" in text  # the numbering-gap warning is shown for review


def test_certification_detail_of_unknown_code_is_404(user_client):
    assert user_client.get(reverse("web:certification-detail", args=["NOPE"])).status_code == 404


def test_import_page_is_refused_to_non_administrators(user_client):
    assert user_client.get(reverse("web:import-upload")).status_code == 403
    assert user_client.post(reverse("web:import-upload")).status_code == 403


def test_import_upload_preview_confirm(admin_client):
    with SEED_000.open("rb") as document:
        response = admin_client.post(reverse("web:import-upload"), {"document": document})
    pending = PendingImport.objects.get()
    assert response.status_code == 302
    assert not Certification.objects.exists()

    preview = admin_client.get(reverse("web:import-preview", args=[pending.pk]))
    assert "A5" in preview.text
    assert "BC04" in preview.text

    confirmed = admin_client.post(
        reverse("web:import-preview", args=[pending.pk]), {"code": "ICART-MIC", "version": "1", "title": ""}
    )
    assert confirmed.status_code == 302
    framework = Framework.objects.get()
    assert (framework.certification.code, framework.version) == ("ICART-MIC", "1")
    assert not PendingImport.objects.exists()


def test_import_confirm_without_code_is_refused_and_keeps_the_draft(admin_client):
    with SEED_000.open("rb") as document:
        admin_client.post(reverse("web:import-upload"), {"document": document})
    pending = PendingImport.objects.get()

    response = admin_client.post(
        reverse("web:import-preview", args=[pending.pk]), {"code": "", "version": ""}
    )

    assert response.status_code == 400
    assert "RNCP" in response.text
    assert PendingImport.objects.exists()
    assert not Certification.objects.exists()


def test_import_upload_of_a_binary_file_shows_the_error_and_writes_nothing(admin_client, tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF\x00\x01")

    with path.open("rb") as document:
        response = admin_client.post(reverse("web:import-upload"), {"document": document})

    assert response.status_code == 400
    assert "binaire" in response.text or "binary" in response.text
    assert not PendingImport.objects.exists()


def test_import_preview_of_another_administrators_draft_is_refused(admin_client):
    other = Client()
    other.force_login(AdministratorFactory())
    with SEED_003.open("rb") as document:
        other.post(reverse("web:import-upload"), {"document": document})
    pending = PendingImport.objects.get()

    assert admin_client.get(reverse("web:import-preview", args=[pending.pk])).status_code == 403
    assert admin_client.post(reverse("web:import-discard", args=[pending.pk])).status_code == 403


def test_import_discard_deletes_the_draft(admin_client):
    with SEED_003.open("rb") as document:
        admin_client.post(reverse("web:import-upload"), {"document": document})
    pending = PendingImport.objects.get()

    response = admin_client.post(reverse("web:import-discard", args=[pending.pk]))

    assert response.status_code == 302
    assert not PendingImport.objects.exists()


def test_forms_without_csrf_token_are_rejected(seeds):
    client = Client(enforce_csrf_checks=True)
    client.force_login(AdministratorFactory())

    with SEED_003.open("rb") as document:
        response = client.post(reverse("web:import-upload"), {"document": document})

    assert response.status_code == 403
    assert not PendingImport.objects.exists()


def test_browser_language_does_not_override_french():
    browser = Client()
    browser.force_login(UserFactory())

    response = browser.get(reverse("web:certification-list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="fr">' in response.text


def test_import_upload_over_the_size_limit_is_refused(admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certiflow.frameworks.importers.base import MAX_DOCUMENT_BYTES

    upload = SimpleUploadedFile("huge.txt", b"a" * (MAX_DOCUMENT_BYTES + 1), content_type="text/plain")

    response = admin_client.post(reverse("web:import-upload"), {"document": upload})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text
    assert not PendingImport.objects.exists()
