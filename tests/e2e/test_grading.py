"""An evaluator marking a grading grid in a real browser: htmx saves criterion by criterion, the
keyboard, a conflict between two tabs, and the same grid without JavaScript.

The pages are driven in English (through the language switch): the French catalogue does not
translate the grading pages yet, so English is the only language whose labels are stable.
"""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from certiflow.assessment.models import Assignment, Mark
from tests.assessment.conftest import build_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
CRITERION_POST = re.compile(r"/grading/\d+/criteria/\d+/$")


# --- helpers ------------------------------------------------------------------------------------------
def log_in(page: Page, live_server, user) -> None:
    """Log in through the login page, in English."""
    page.goto(f"{live_server.url}/")
    if page.locator("html").get_attribute("lang") != "en":
        page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check_accessibility(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def check_accessibility(page: Page) -> None:
    """Smoke check: one h1, and every form control has an accessible name (computed by Chromium)."""
    expect(page.locator("h1")).to_have_count(1)
    controls = page.locator("input:not([type=hidden]), select, textarea, button")
    for index in range(controls.count()):
        expect(controls.nth(index)).to_have_accessible_name(re.compile(r"\S"))


def open_grid(page: Page, candidate) -> None:
    """From anywhere, through « My grading », to the candidate's grid."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My grading").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My grading")
    check_accessibility(page)
    page.get_by_role("link", name=str(candidate)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("E1")
    check_accessibility(page)


def criterion(page: Page, item):
    """The form of one criterion (re-resolved after each htmx swap)."""
    return page.locator(f"form#criterion-{item.pk}")


def radio(page: Page, item, label: str):
    return criterion(page, item).get_by_label(label, exact=True)


def comment(page: Page, item):
    return criterion(page, item).get_by_label(re.compile("^Comment"))


def save_state(page: Page, item):
    return criterion(page, item).get_by_role("status")


def record_posts(page: Page) -> list[str]:
    """The URLs of the criterion saves the page sends, in order."""
    posts: list[str] = []
    page.on(
        "request",
        lambda request: (
            posts.append(request.url) if request.method == "POST" and CRITERION_POST.search(request.url) else None
        ),
    )
    return posts


def save_url(assignment, item) -> str:
    return f"/grading/{assignment.pk}/criteria/{item.pk}/"


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
        expect(radio(page, item, "met")).to_be_visible()
        expect(radio(page, item, "not met")).to_be_visible()
        expect(comment(page, item)).to_be_visible()
    expect(page.locator("#grid-status")).to_contain_text("0 of 3 criteria marked")
    page.evaluate("window.__sameDocument = 'no reload happened'")

    # E1.1: a click on « met » saves by itself.
    radio(page, e11, "met").check()
    expect(save_state(page, e11)).to_contain_text("saved at")
    assert posts == [f"{live_server.url}{save_url(assignment, e11)}"]
    assert marks_of(assignment) == {"E1.1": ("met", "")}

    # E1.2: « not met » without a comment is not sent; leaving the typed comment saves it.
    radio(page, e12, "not met").check()
    page.wait_for_timeout(600)  # well past the 200 ms delay of the change trigger
    assert len(posts) == 1
    expect(save_state(page, e12)).to_have_text("")
    comment(page, e12).fill("Le budget prévisionnel n’est pas chiffré.")
    page.keyboard.press("Tab")
    expect(save_state(page, e12)).to_contain_text("saved at")
    expect(radio(page, e12, "not met")).to_be_checked()
    expect(comment(page, e12)).to_have_value("Le budget prévisionnel n’est pas chiffré.")
    assert len(posts) == 2
    assert marks_of(assignment)["E1.2"] == ("not_met", "Le budget prévisionnel n’est pas chiffré.")

    # E1.3 with the keyboard only: arrows move the choice, then Enter on « Save ».
    radio(page, e13, "met").focus()
    page.keyboard.press("ArrowRight")
    expect(radio(page, e13, "not met")).to_be_checked()
    expect(radio(page, e13, "not met")).to_be_focused()
    page.wait_for_timeout(600)
    assert len(posts) == 2, "« not met » without a comment must not be sent"
    page.keyboard.press("ArrowLeft")
    expect(radio(page, e13, "met")).to_be_checked()
    expect(save_state(page, e13)).to_contain_text("saved at")
    # htmx swapped the form; focus must come back to the radio the user was on.
    expect(radio(page, e13, "met")).to_be_focused()
    page.keyboard.press("Tab")
    expect(comment(page, e13)).to_be_focused()
    page.keyboard.press("Tab")
    save_button = criterion(page, e13).get_by_role("button", name="Save E1.3")
    expect(save_button).to_be_focused()
    with page.expect_response(lambda r: r.request.method == "POST" and CRITERION_POST.search(r.url)) as saved:
        page.keyboard.press("Enter")
    assert saved.value.status == 200
    expect(save_state(page, e13)).to_contain_text("saved at")
    expect(radio(page, e13, "met")).to_be_checked()

    expect(page.locator("#grid-status")).to_contain_text("draft")
    assert page.evaluate("window.__sameDocument") == "no reload happened"
    check_accessibility(page)

    # Submitting locks the grid.
    page.get_by_role("button", name="Submit the grid").click()
    expect(page.get_by_role("status").filter(has_text="Grid submitted")).to_be_visible()
    expect(page.locator("#grid-status")).to_contain_text("submitted")
    expect(page.get_by_role("radio")).to_have_count(0)
    expect(page.locator("textarea[name=comment]")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit the grid")).to_have_count(0)
    expect(criterion(page, e12)).to_contain_text("Le budget prévisionnel n’est pas chiffré.")
    check_accessibility(page)

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    assert assignment.submitted_at is not None
    assert marks_of(assignment) == {
        "E1.1": ("met", ""),
        "E1.2": ("not_met", "Le budget prévisionnel n’est pas chiffré."),
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

    radio(tab_a, e11, "met").check()
    expect(save_state(tab_a, e11)).to_contain_text("saved at")
    assert Mark.objects.get(assignment=assignment, criterion=e11).value == Mark.Value.MET

    # Tab B still shows the grid as it was before tab A saved.
    radio(tab_b, e11, "not met").check()
    comment(tab_b, e11).fill("Aucune source de financement identifiée.")
    with tab_b.expect_response(lambda r: r.request.method == "POST" and CRITERION_POST.search(r.url)) as sent:
        criterion(tab_b, e11).get_by_role("button", name="Save E1.1").click()
    assert sent.value.status == 409

    conflict = criterion(tab_b, e11).get_by_role("alert")
    expect(conflict).to_contain_text("E1.1 was changed by")
    expect(conflict.locator("dt", has_text="Their value").locator("+ dd")).to_have_text("✓ met")
    expect(conflict.locator("dt", has_text="Your value").locator("+ dd")).to_have_text(
        "✗ not met — Aucune source de financement identifiée."
    )
    # What tab B typed is still there, ready to be saved again.
    expect(radio(tab_b, e11, "not met")).to_be_checked()
    expect(comment(tab_b, e11)).to_have_value("Aucune source de financement identifiée.")
    check_accessibility(tab_b)
    mark = Mark.objects.get(assignment=assignment, criterion=e11)
    assert (mark.value, mark.comment, mark.revision) == ("met", "", 1)

    criterion(tab_b, e11).get_by_role("button", name="Save my value anyway").click()
    expect(save_state(tab_b, e11)).to_contain_text("saved at")
    expect(criterion(tab_b, e11).get_by_role("alert")).to_have_count(0)
    mark.refresh_from_db()
    assert (mark.value, mark.comment, mark.revision) == ("not_met", "Aucune source de financement identifiée.", 2)
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

    radio(page, e11, "met").check()
    criterion(page, e11).get_by_role("button", name="Save E1.1").click()

    expect(page).to_have_url(re.compile(rf"/grading/{assignment.pk}/#criterion-{e11.pk}$"))
    expect(page.get_by_role("status").filter(has_text="E1.1 saved.")).to_be_visible()
    expect(radio(page, e11, "met")).to_be_checked()
    expect(save_state(page, e11)).to_have_text("draft saved")
    expect(page.locator("#grid-status")).to_contain_text("1 of 3 criteria marked")
    check_accessibility(page)
    assert marks_of(assignment) == {"E1.1": ("met", "")}

    # « not met » without a comment: the page comes back with the error at the criterion.
    radio(page, e12, "not met").check()
    criterion(page, e12).get_by_role("button", name="Save E1.2").click()
    expect(criterion(page, e12).get_by_role("alert")).to_contain_text("Say why the criterion E1.2 is not met")
    expect(radio(page, e12, "not met")).to_be_checked()
    check_accessibility(page)
    assert marks_of(assignment) == {"E1.1": ("met", "")}
    context.close()
