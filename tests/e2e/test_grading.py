"""An evaluator marking a grading grid in a real browser: htmx saves criterion by criterion, the
keyboard, a conflict between two tabs, and the same grid without JavaScript.

The pages are read in French, the language users get by default.
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from certiflow.assessment.models import Assignment, Mark
from tests.assessment.conftest import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
CRITERION_POST = re.compile(r"/grading/\d+/criteria/\d+/$")
COMMENT_E12 = "Le budget prévisionnel n’est pas chiffré."


# --- helpers ------------------------------------------------------------------------------------------
CONTROLS = "input:not([type=hidden]), select, textarea, button"
UNLABELLED_HIDDEN_CONTROLS = """controls => controls
    .filter(c => !c.checkVisibility())
    .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                 && !c.getAttribute('aria-labelledby') && !c.textContent.trim())
    .map(c => c.outerHTML)"""


def check_accessibility(page: Page) -> None:
    """Smoke check: one h1, and every form control has an accessible name. Chromium computes the
    names of visible controls; a hidden one (in a closed <details>) must at least have a label."""
    expect(page.locator("h1")).to_have_count(1)
    visible = page.locator(CONTROLS).filter(visible=True)
    for index in range(visible.count()):
        expect(visible.nth(index)).to_have_accessible_name(re.compile(r"\S"))
    assert page.locator(CONTROLS).evaluate_all(UNLABELLED_HIDDEN_CONTROLS) == []


def log_in(page: Page, live_server, user) -> None:
    """Log in through the login page (French, the default)."""
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    check_accessibility(page)
    page.get_by_label("Nom d'utilisateur").fill(user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def main_menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name=name).click()


def open_grid(page: Page, candidate) -> None:
    """Through « Mes corrections », to the candidate's grid."""
    main_menu(page, "Mes corrections")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes corrections")
    check_accessibility(page)
    page.get_by_role("link", name=str(candidate)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("E1")
    check_accessibility(page)


def criterion(page: Page, item):
    """The form of one criterion (found again after each htmx swap)."""
    return page.locator(f"form#criterion-{item.pk}")


def radio(page: Page, item, label: str):
    return criterion(page, item).get_by_label(label, exact=True)


def comment(page: Page, item):
    return criterion(page, item).get_by_label(re.compile("^Commentaire"))


def save_button(page: Page, item, name: str = "Enregistrer"):
    return criterion(page, item).get_by_role("button", name=f"{name} {item.code}")


def save_state(page: Page, item):
    return criterion(page, item).get_by_role("status")


def is_criterion_save(response) -> bool:
    return response.request.method == "POST" and bool(CRITERION_POST.search(response.url))


def record_posts(page: Page) -> list[str]:
    """The paths of the criterion saves the page sends, in order."""
    posts: list[str] = []

    def on_request(request) -> None:
        if request.method == "POST" and CRITERION_POST.search(request.url):
            posts.append(request.url.split("/", 3)[3])

    page.on("request", on_request)
    return posts


def marks_of(assignment) -> dict[str, tuple[str, str]]:
    return {m.criterion.code: (m.value, m.comment) for m in assignment.marks.select_related("criterion")}


# --- tests --------------------------------------------------------------------------------------------
def test_grading_grid_evaluator_marks_submits_with_htmx(page: Page, live_server):
    world = build_world()
    assignment = world.assign(sitting=world.sittings[0])
    e11, e12, e13 = world.criteria
    posts = record_posts(page)

    log_in(page, live_server, world.evaluator)
    open_grid(page, world.enrolments[0].candidate)
    for item in world.criteria:
        expect(radio(page, item, "acquis")).to_be_visible()
        expect(radio(page, item, "non acquis")).to_be_visible()
        expect(comment(page, item)).to_be_visible()
    expect(page.locator("#grid-status")).to_contain_text(re.compile(r"0 critères? évalués? sur 3"))
    page.evaluate("window.sameDocument = 'no reload'")

    # E1.1: a click on « acquis » saves by itself.
    radio(page, e11, "acquis").check()
    expect(save_state(page, e11)).to_contain_text("enregistré à")
    assert posts == [f"grading/{assignment.pk}/criteria/{e11.pk}/"]
    assert marks_of(assignment) == {"E1.1": ("met", "")}

    # E1.2: « non acquis » without a comment is not sent; leaving the typed comment saves it.
    radio(page, e12, "non acquis").check()
    page.wait_for_timeout(600)  # well past the 200 ms delay of the change trigger
    assert len(posts) == 1
    expect(save_state(page, e12)).to_have_text("")
    comment(page, e12).fill(COMMENT_E12)
    page.keyboard.press("Tab")
    expect(save_state(page, e12)).to_contain_text("enregistré à")
    expect(radio(page, e12, "non acquis")).to_be_checked()
    expect(comment(page, e12)).to_have_value(COMMENT_E12)
    assert len(posts) == 2
    assert marks_of(assignment)["E1.2"] == ("not_met", COMMENT_E12)

    # E1.3 with the keyboard only: arrows move the choice, then Enter on « Enregistrer ».
    radio(page, e13, "acquis").focus()
    page.keyboard.press("ArrowRight")
    expect(radio(page, e13, "non acquis")).to_be_checked()
    expect(radio(page, e13, "non acquis")).to_be_focused()
    page.wait_for_timeout(600)
    assert len(posts) == 2, "« non acquis » without a comment must not be sent"
    page.keyboard.press("ArrowLeft")
    expect(radio(page, e13, "acquis")).to_be_checked()
    expect(save_state(page, e13)).to_contain_text("enregistré à")
    # htmx replaced the form: focus must be back on the radio the user was on.
    expect(radio(page, e13, "acquis")).to_be_focused()
    page.keyboard.press("Tab")
    expect(comment(page, e13)).to_be_focused()
    page.keyboard.press("Tab")
    expect(save_button(page, e13)).to_be_focused()
    with page.expect_response(is_criterion_save) as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200
    expect(save_state(page, e13)).to_contain_text("enregistré à")
    expect(radio(page, e13, "acquis")).to_be_checked()

    assert page.evaluate("window.sameDocument") == "no reload"
    check_accessibility(page)

    # Submitting locks the grid.
    page.get_by_role("button", name="Soumettre la grille").click()
    expect(page.get_by_role("status").filter(has_text="Grille soumise")).to_be_visible()
    expect(page.locator("#grid-status")).to_contain_text("soumise")
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.locator("textarea[name=comment]")).to_have_count(0)
    expect(page.get_by_role("button", name="Soumettre la grille")).to_have_count(0)
    expect(criterion(page, e12)).to_contain_text(COMMENT_E12)
    check_accessibility(page)

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    assert assignment.submitted_at is not None
    assert marks_of(assignment) == {
        "E1.1": ("met", ""),
        "E1.2": ("not_met", COMMENT_E12),
        "E1.3": ("met", ""),
    }
    assert Mark.objects.get(assignment=assignment, criterion=e13).revision == 1


def test_grading_grid_conflict_shows_both_values(browser: Browser, live_server):
    world = build_world()
    assignment = world.assign(sitting=world.sittings[0])
    e11 = world.criteria[0]
    tab_a = browser.new_context().new_page()
    tab_b = browser.new_context().new_page()
    for tab in (tab_a, tab_b):
        log_in(tab, live_server, world.evaluator)
        open_grid(tab, world.enrolments[0].candidate)

    radio(tab_a, e11, "acquis").check()
    expect(save_state(tab_a, e11)).to_contain_text("enregistré à")
    assert Mark.objects.get(assignment=assignment, criterion=e11).value == Mark.Value.MET

    # Tab B still shows the grid as it was before tab A saved.
    radio(tab_b, e11, "non acquis").check()
    comment(tab_b, e11).fill("Aucune source de financement identifiée.")
    with tab_b.expect_response(is_criterion_save) as sent:
        save_button(tab_b, e11).click()
    assert sent.value.status == 409

    conflict = criterion(tab_b, e11).get_by_role("alert")
    expect(conflict).to_contain_text("E1.1 a été modifié par")
    expect(conflict.locator("dt", has_text="Valeur enregistrée").locator("+ dd")).to_have_text("✓ acquis")
    expect(conflict.locator("dt", has_text="Votre valeur").locator("+ dd")).to_have_text(
        "✗ non acquis — Aucune source de financement identifiée."
    )
    # What tab B typed is still there, ready to be saved again.
    expect(radio(tab_b, e11, "non acquis")).to_be_checked()
    expect(comment(tab_b, e11)).to_have_value("Aucune source de financement identifiée.")
    check_accessibility(tab_b)
    mark = Mark.objects.get(assignment=assignment, criterion=e11)
    assert (mark.value, mark.comment, mark.revision) == ("met", "", 1)

    save_button(tab_b, e11, "Enregistrer quand même ma valeur").click()
    expect(save_state(tab_b, e11)).to_contain_text("enregistré à")
    expect(criterion(tab_b, e11).get_by_role("alert")).to_have_count(0)
    mark.refresh_from_db()
    assert (mark.value, mark.comment, mark.revision) == (
        "not_met",
        "Aucune source de financement identifiée.",
        2,
    )
    tab_a.context.close()
    tab_b.context.close()


def test_grading_grid_works_without_javascript(browser: Browser, live_server):
    world = build_world()
    assignment = world.assign(sitting=world.sittings[0])
    e11, e12 = world.criteria[:2]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()

    log_in(page, live_server, world.evaluator)
    open_grid(page, world.enrolments[0].candidate)

    radio(page, e11, "acquis").check()
    save_button(page, e11).click()

    expect(page).to_have_url(re.compile(rf"/grading/{assignment.pk}/#criterion-{e11.pk}$"))
    expect(page.get_by_role("status").filter(has_text="Critère E1.1 enregistré.")).to_be_visible()
    expect(radio(page, e11, "acquis")).to_be_checked()
    expect(save_state(page, e11)).to_have_text("brouillon enregistré")
    expect(page.locator("#grid-status")).to_contain_text(re.compile(r"1 critères? évalués? sur 3"))
    check_accessibility(page)
    assert marks_of(assignment) == {"E1.1": ("met", "")}

    # « non acquis » without a comment: the page comes back with the error at the criterion.
    radio(page, e12, "non acquis").check()
    save_button(page, e12).click()
    expect(criterion(page, e12).get_by_role("alert")).to_contain_text(
        "Indiquez pourquoi le critère E1.2 n'est pas acquis"
    )
    expect(radio(page, e12, "non acquis")).to_be_checked()
    check_accessibility(page)
    assert marks_of(assignment) == {"E1.1": ("met", "")}
    context.close()
