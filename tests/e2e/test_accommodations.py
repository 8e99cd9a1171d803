"""The disability referent records an accommodation; the evaluator sees the adapted conditions on the
grid and the candidate's page, never the medical details (DESIGN rule 5), in a real browser.

Read in French like test_grading.py, whose helpers this module uses.
"""

import pytest
from playwright.sync_api import Page, expect

from certiflow.candidates.models import Accommodation, RoleGrant
from tests.assessment.conftest import build_world
from tests.e2e.test_grading import check_accessibility, log_in, main_menu, open_grid
from tests.factories import UserFactory, grant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MEDICAL = "Dyslexie sévère"


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")


def assert_no_medical_details(page: Page) -> None:
    """Neither shown nor hidden anywhere in the page's HTML."""
    expect(page.locator("body")).not_to_contain_text("Dyslexie")
    html = page.content()
    assert "Dyslexie" not in html
    assert "Informations médicales" not in html


def test_accommodation_referent_records_and_evaluator_sees_only_adapted_conditions(page: Page, live_server):
    world = build_world()
    enrolment = world.enrolments[0]
    candidate = enrolment.candidate
    sitting = next(s for s in world.sittings if s.enrolment_id == enrolment.pk)
    referent = grant(UserFactory(), RoleGrant.Role.DISABILITY_REFERENT)

    # The referent records the accommodation from the candidate's page.
    log_in(page, live_server, referent)
    page.goto(f"{live_server.url}/candidates/{enrolment.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(candidate))
    expect(page.get_by_text("Aucun aménagement enregistré.")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Enregistrer un aménagement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enregistrer un aménagement")
    check_accessibility(page)
    page.get_by_label("Temps supplémentaire (minutes)").fill("30")
    page.get_by_label("Assistance d'un tiers").fill("Secrétaire lecteur")
    page.get_by_label("Informations médicales").fill(MEDICAL)
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/candidates/{enrolment.pk}/")
    expect(page.get_by_role("status")).to_contain_text("Aménagement enregistré.")
    recorded = page.locator("h2#accommodations ~ section.assessment")
    expect(recorded).to_have_count(1)
    expect(recorded.locator("dt", has_text="Temps supplémentaire").locator("+ dd")).to_have_text("30 minutes")
    expect(recorded.locator("dt", has_text="Assistance").locator("+ dd")).to_have_text("Secrétaire lecteur")
    expect(recorded.get_by_text(MEDICAL)).to_be_hidden()
    recorded.get_by_text("Informations médicales (vous seul y avez accès)").click()
    expect(recorded.get_by_text(MEDICAL)).to_be_visible()
    check_accessibility(page)
    accommodation = Accommodation.objects.get(enrolment=enrolment)
    assert (accommodation.extra_time_minutes, accommodation.assistance, accommodation.medical_details) == (
        30,
        "Secrétaire lecteur",
        MEDICAL,
    )
    assert accommodation.recorded_by == referent
    log_out(page)

    # The evaluator marking that candidate sees the adapted conditions, not the medical details.
    world.assign(sitting=sitting)
    log_in(page, live_server, world.evaluator)
    open_grid(page, candidate)
    adapted = page.get_by_role("region", name="Conditions adaptées à appliquer")
    expect(adapted.locator("dt", has_text="Temps supplémentaire").locator("+ dd")).to_have_text("30 minutes")
    expect(adapted.locator("dt", has_text="Assistance").locator("+ dd")).to_have_text("Secrétaire lecteur")
    assert_no_medical_details(page)

    main_menu(page, "Candidats")
    check_accessibility(page)
    assert_no_medical_details(page)
    page.get_by_role("link", name=str(candidate)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(str(candidate))
    expect(page.get_by_role("heading", name="Conditions adaptées à appliquer")).to_be_visible()
    expect(page.locator("dl.adapted")).to_contain_text("30 minutes")
    expect(page.locator("dl.adapted")).to_contain_text("Secrétaire lecteur")
    expect(page.get_by_role("link", name="Enregistrer un aménagement")).to_have_count(0)
    check_accessibility(page)
    assert_no_medical_details(page)

    # Nor can they open the referent's form by its address.
    response = page.goto(f"{live_server.url}/candidates/{enrolment.pk}/accommodations/{accommodation.pk}/")
    assert response.status in (403, 404)
    assert "Dyslexie" not in page.content()
