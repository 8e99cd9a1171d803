"""A whole deliberation in a real browser (DESIGN rule 7, seed 003): an administrator prepares it from a
graded session and composes its jury of four, opens it; a member records the decisions on the board
(one differing from the proposal, with the jury's reason); the president closes it with their
password, the three other members confirm with theirs, and the signed minutes are downloaded.

The pages are read in French, the language users get by default. Until the French catalogue has the
jury's messages, locators use ids, names and values, or patterns matching both languages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from certiflow.candidates.models import RoleGrant
from certiflow.jury.models import Deliberation, Minutes
from tests.assessment.conftest import build_world
from tests.e2e.test_grading import PASSWORD, check_accessibility, log_in
from tests.factories import UserFactory, grant
from tests.web.views.test_jury import JURY_RULES, grade

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

#: Set to a folder to keep screenshots of the pages (for a person to look at).
SCREENSHOTS = os.environ.get("CERTIFLOW_SCREENSHOTS")
REASON = "Le jury retient le dossier professionnel présenté en soutenance."


def shoot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def new_page(browser: Browser, live_server, user, **options) -> Page:
    page = browser.new_context(**options).new_page()
    log_in(page, live_server, user)
    return page


def open_deliberation_page(page: Page, deliberation: Deliberation) -> None:
    """From the landing page (jury members land on their deliberations) to the deliberation."""
    expect(page.locator("#deliberations")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("link", name=deliberation.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(deliberation.title)


def add_member(page: Page, user, role: str, *, professional=False, side="", president=False) -> None:
    form = page.locator("#member-form")
    form.locator("#id_member-user").select_option(str(user.pk))
    form.locator("#id_member-role").select_option(role)
    if professional:
        form.locator("#id_member-is_professional").check()
    if side:
        form.locator("#id_member-side").select_option(side)
    form.locator("#id_member-organisation").fill("Agence Lumière" if professional else "École")
    if president:
        form.locator("#id_member-is_president").check()
    form.locator("button[type=submit]").click()
    expect(page.locator("#members tbody")).to_contain_text(user.last_name)


def decision_form(page: Page):
    return page.locator("#decision-form")


def result_radio(page: Page, value: str):
    return decision_form(page).locator(f"input[name=decision-result][value={value}]")


def test_deliberation_end_to_end(browser: Browser, live_server):
    world = build_world(candidates=3)
    route = world.enrolments[0].access_route
    route.jury_rules = JURY_RULES
    route.save()
    certified, failed, third = world.enrolments
    grade(world, certified, ["met", "met", "met"])
    grade(world, failed, ["not_met", "met", "met"])
    grade(world, third, ["met", "met", "met"])
    people = {
        name: grant(UserFactory(first_name=first, last_name=last), RoleGrant.Role.JURY_MEMBER)
        for name, first, last in (
            ("president", "Hélène", "Directrice"),
            ("teacher", "Paul", "Enseignant"),
            ("employer", "Inès", "Employeuse"),
            ("employee", "Marc", "Salarié"),
        )
    }

    # --- the administrator prepares the deliberation from the session and composes the jury
    admin = new_page(browser, live_server, world.admin)
    admin.goto(f"{live_server.url}/sessions/{world.session.pk}/")
    admin.locator(f'a[href="/sessions/{world.session.pk}/deliberations/new/"]').click()
    check_accessibility(admin)
    admin.locator("#id_title").fill("Jury de juillet 2025")
    admin.locator("#id_meets_on").fill("2025-07-03")
    admin.locator("#id_place").fill("Paris, salle du conseil")
    admin.locator("#deliberation-form button[type=submit]").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Jury de juillet 2025")
    deliberation = Deliberation.objects.get()
    expect(admin.locator("#composition-check")).to_contain_text(re.compile("4 (members|membres)"))
    expect(admin.locator("#composition-rules")).to_contain_text("Le directeur de l'école")
    check_accessibility(admin)

    add_member(admin, people["president"], "director", president=True)
    add_member(admin, people["teacher"], "pedagogical_lead")
    add_member(admin, people["employer"], "external_professional", professional=True, side="employer")
    expect(admin.locator("#composition-check")).to_contain_text("3")  # « has 3 »: not ready yet
    add_member(admin, people["employee"], "external_professional", professional=True, side="employee")
    expect(admin.locator("#composition-ok")).to_be_visible()
    check_accessibility(admin)
    shoot(admin, "deliberation-preparing")

    admin.locator("#open-form button[type=submit]").click()
    expect(admin).to_have_url(re.compile(rf"/deliberations/{deliberation.pk}/board/$"))
    expect(admin.locator("#board-rows tr")).to_have_count(3)
    admin.context.close()

    # --- a member records the decisions on the board
    teacher = new_page(browser, live_server, people["teacher"])
    open_deliberation_page(teacher, deliberation)
    teacher.locator("#board-link").click()
    expect(teacher.locator("#board-count")).to_contain_text("3")
    check_accessibility(teacher)
    shoot(teacher, "board-open")

    # Filtering with htmx: the table changes, the page stays.
    teacher.evaluate("window.sameDocument = 'no reload'")
    teacher.locator("#f-proposal").select_option("not_certified")
    expect(teacher.locator("#board-rows tr")).to_have_count(1)
    expect(teacher.locator("#board-count")).to_contain_text(re.compile(r"1\D+3"))
    expect(teacher).to_have_url(re.compile(r"proposal=not_certified"))
    assert teacher.evaluate("window.sameDocument") == "no reload"
    teacher.locator("#f-proposal").select_option("")
    expect(teacher.locator("#board-rows tr")).to_have_count(3)

    # The first candidate, as proposed.
    teacher.get_by_role("link", name=str(certified.candidate)).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(str(certified.candidate))
    expect(result_radio(teacher, "certified")).to_be_checked()
    check_accessibility(teacher)
    decision_form(teacher).locator("button[type=submit]").click()
    expect(teacher.locator("#stored-decision")).to_be_visible()

    # The second: proposed failure, the jury certifies; without a reason it is refused.
    teacher.locator("a[rel=next]").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(str(failed.candidate))
    expect(teacher.locator("#proposal")).to_contain_text("BC01")
    expect(result_radio(teacher, "failed")).to_be_checked()
    shoot(teacher, "drill-down")
    result_radio(teacher, "certified").check()
    decision_form(teacher).locator("input[name=decision-blocks]").check()
    decision_form(teacher).locator("button[type=submit]").click()
    summary = decision_form(teacher).locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#id_decision-reason")
    expect(result_radio(teacher, "certified")).to_be_checked()
    check_accessibility(teacher)
    shoot(teacher, "drill-down-refused")
    assert not failed.jury_decisions.get().result
    summary.get_by_role("link").click()
    expect(teacher.locator("#id_decision-reason")).to_be_focused()
    teacher.locator("#id_decision-reason").fill(REASON)
    decision_form(teacher).locator("button[type=submit]").click()
    expect(teacher.locator("#stored-decision")).to_contain_text(REASON)

    # The third, as proposed; then back to the board.
    teacher.locator("a[rel=next]").click()
    decision_form(teacher).locator("button[type=submit]").click()
    expect(teacher.locator("#stored-decision")).to_be_visible()
    teacher.goto(f"{live_server.url}/deliberations/{deliberation.pk}/board/")
    differing = teacher.locator(f"#decision-{failed.jury_decisions.get().pk}")
    expect(differing.locator(".badge.differs")).to_be_visible()
    expect(teacher.locator("#board-rows .status.pending")).to_have_count(0)
    shoot(teacher, "board-decided")
    teacher.context.close()

    # --- the president closes with their password (a wrong one first)
    president = new_page(browser, live_server, people["president"])
    open_deliberation_page(president, deliberation)
    president.locator("#id_close-password").fill("not my password")
    president.locator("#close-form button[type=submit]").click()
    expect(president.locator("#close-form .error-summary")).to_be_visible()
    check_accessibility(president)
    president.locator("#id_close-password").fill(PASSWORD)
    president.locator("#close-form button[type=submit]").click()
    expect(president.locator("#confirmations")).to_be_visible()
    expect(president.locator("#confirm-form")).to_have_count(0)
    deliberation.refresh_from_db()
    assert deliberation.status == "closing"
    president.context.close()

    # --- each other member confirms with their password; the last one signs
    for name in ("teacher", "employer", "employee"):
        member = new_page(browser, live_server, people[name])
        open_deliberation_page(member, deliberation)
        check_accessibility(member)
        member.locator("#id_confirm-password").fill(PASSWORD)
        member.locator("#confirm-form button[type=submit]").click()
        expect(member.locator("#confirm-form")).to_have_count(0)
        if name != "employee":
            member.context.close()

    # --- signed: read only, and the minutes
    expect(member.locator("#minutes-download")).to_be_visible()
    minutes = Minutes.objects.get(deliberation=deliberation)
    expect(member.locator("#minutes")).to_contain_text(minutes.sha256)
    check_accessibility(member)
    shoot(member, "deliberation-signed")
    with member.expect_download() as download:
        member.locator("#minutes-download").click()
    assert download.value.suggested_filename == f"proces-verbal-{deliberation.pk}.pdf"
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf == bytes(minutes.pdf)
    member.locator("#board-link").click()
    expect(member.locator("#board-rows tr")).to_have_count(3)
    expect(member.locator("#board-rows a").first).to_be_visible()
    member.locator("#board-rows a").nth(1).click()
    expect(member.locator("#decision-form")).to_have_count(0)
    member.context.close()


def test_deliberation_board_and_decision_without_javascript(browser: Browser, live_server):
    from certiflow.jury.domain.deliberations import create_deliberation, open_deliberation
    from tests.web.views.test_jury import MEETS_ON, seat_jury

    world = build_world(candidates=2)
    route = world.enrolments[0].access_route
    route.jury_rules = JURY_RULES
    route.save()
    grade(world, world.enrolments[0], ["met", "met", "met"])
    grade(world, world.enrolments[1], ["met", "not_met", "met"])
    deliberation = create_deliberation(
        actor=world.admin, session=world.session, title="Jury", meets_on=MEETS_ON
    )
    people = seat_jury(world, deliberation)
    open_deliberation(actor=world.admin, deliberation=deliberation)

    page = new_page(browser, live_server, people[1], java_script_enabled=False)
    page.goto(f"{live_server.url}/deliberations/{deliberation.pk}/board/")
    page.locator("#f-proposal").select_option("partial")
    page.locator("#board-filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"proposal=partial"))
    expect(page.locator("#board-rows tr")).to_have_count(1)  # no candidate: the empty row
    expect(page.locator("#board-rows")).not_to_contain_text(str(world.enrolments[0].candidate))
    page.locator("#f-proposal").select_option("not_certified")
    page.locator("#board-filters button[type=submit]").click()
    page.get_by_role("link", name=str(world.enrolments[1].candidate)).click()
    page.locator("#decision-form input[name=decision-result][value=excused]").check()
    page.locator("#id_decision-reason").fill("Excusé pour raison médicale")
    page.locator("#decision-form button[type=submit]").click()
    expect(page.locator("#stored-decision")).to_contain_text("Excusé pour raison médicale")
    check_accessibility(page)
    decision = deliberation.decisions.get(enrolment=world.enrolments[1])
    assert (decision.result, decision.decided_by) == ("excused", people[1])
    page.context.close()
