"""A person browsing the registry and importing a référentiel, in a real browser."""

import re

import pytest
from playwright.sync_api import Page, expect

from certiflow.frameworks.domain.seeds import load_seed_documents
from certiflow.frameworks.models import Framework
from tests.conftest import SEED_001
from tests.factories import AdministratorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def log_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/")
    page.get_by_label(re.compile("Nom d.utilisateur|Username")).fill(username)
    page.get_by_label(re.compile("Mot de passe|Password")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Se connecter|Log in")).click()


def test_an_administrator_browses_a_certification_in_french_and_english(page: Page, live_server):
    load_seed_documents()
    admin = AdministratorFactory()

    log_in(page, live_server, admin.username)
    page.get_by_role("navigation", name=re.compile("Navigation principale|Main")).get_by_role(
        "link", name="Certifications"
    ).click()
    page.get_by_role("link", name="RNCP39603").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Responsable de production de projets culturels"
    )
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#bloc-RNCP39603BC02")).to_contain_text(
        "Etablir le budget prévisionnel du projet culturel"
    )
    # From a modality, follow a competency it covers.
    page.locator("#eval-E1").get_by_role("link", name="C1", exact=True).click()
    expect(page).to_have_url(re.compile("#comp-C1$"))
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Access routes and jury composition")).to_be_visible()


def test_an_administrator_imports_a_referentiel_after_the_preview(page: Page, live_server):
    admin = AdministratorFactory()

    log_in(page, live_server, admin.username)
    page.get_by_role("link", name=re.compile("Importer|Import")).click()
    page.locator("input[type=file]").set_input_files(str(SEED_001))
    page.get_by_role("button", name=re.compile("Lire le document|Read the document")).click()

    expect(page.locator(".warning-list li")).to_have_count(6)
    page.get_by_label(re.compile("Code de la certification|Certification code")).fill("ICART-MIC")
    page.get_by_role("button", name=re.compile("^(Importer|Import)$")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Manager de l’ingénierie culturelle")
    assert Framework.objects.get().version == "2024"


def test_search_filters_the_list_without_reloading(page: Page, live_server):
    load_seed_documents()
    admin = AdministratorFactory()
    log_in(page, live_server, admin.username)
    page.get_by_role("navigation", name=re.compile("Navigation principale|Main")).get_by_role(
        "link", name="Certifications"
    ).click()

    page.get_by_label(re.compile("Rechercher|Search")).fill("ICART")

    expect(page.locator("#certification-rows tr")).to_have_count(1)
    expect(page.locator("#certification-rows")).to_contain_text("ICART-MIC")
