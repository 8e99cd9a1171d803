"""``certiflow deliberate SESSION``: the proposals (--dry-run, as a table or JSON) and opening the
session's deliberation being prepared, with every problem printed when it cannot open."""

import datetime
import json
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.common.models import AuditLogEntry
from certiflow.jury.domain.deliberations import add_member, create_deliberation
from certiflow.jury.management.commands import deliberate
from certiflow.jury.models import CompositionRule, Decision, Deliberation, JuryRole
from tests.assessment.conftest import build_world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MEETS_ON = datetime.date(2025, 7, 3)


@dataclass
class Prepared:
    world: object
    deliberation: Deliberation
    president: object


@pytest.fixture
def prepared(db) -> Prepared:
    """Two candidates of one session: ARNAUD graded with every criterion met, BERNARD not marked; a
    deliberation being prepared with a president and one external professional, as the route's rule
    (two members, half professionals) wants."""
    world = build_world()
    for enrolment, name in zip(world.enrolments, ("Arnaud", "Bernard"), strict=True):
        enrolment.candidate.last_name = name
        enrolment.candidate.save()
    assignment = world.assign(sitting=world.sittings[0])
    for criterion in world.criteria:
        save_mark(
            actor=world.evaluator,
            assignment=assignment,
            criterion=criterion,
            value="met",
            comment="",
            base_revision=0,
        )
    submit_assignment(actor=world.evaluator, assignment=assignment)
    CompositionRule.objects.create(
        access_route=world.enrolments[0].access_route,
        members=2,
        min_professional_ratio=Decimal("0.50"),
        source=CompositionRule.Source.USER,
    )
    deliberation = create_deliberation(
        actor=world.admin, session=world.session, title="Jury de juillet", meets_on=MEETS_ON
    )
    president = UserFactory()
    add_member(
        actor=world.admin,
        deliberation=deliberation,
        user=president,
        role=JuryRole.DIRECTOR,
        is_professional=False,
        is_president=True,
    )
    return Prepared(world, deliberation, president)


def seat_professional(prepared: Prepared) -> None:
    add_member(
        actor=prepared.world.admin,
        deliberation=prepared.deliberation,
        user=UserFactory(),
        role=JuryRole.EXTERNAL_PROFESSIONAL,
        is_professional=True,
    )


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("deliberate", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args) -> tuple[CommandError, str]:
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("deliberate", *[str(a) for a in args], stdout=StringIO(), stderr=err)
    return raised.value, err.getvalue()


def written() -> tuple[int, int, int]:
    return (
        Decision.objects.count(),
        Deliberation.objects.exclude(status="preparing").count(),
        AuditLogEntry.objects.count(),
    )


# --- dry run -------------------------------------------------------------------------------------------
def test_dry_run_prints_a_table_of_proposals_with_counts_and_writes_nothing(prepared):
    before = written()

    out, err = run(prepared.world.session.pk, "--dry-run")

    assert "ARNAUD" in out
    assert "BERNARD" in out
    assert "formation_initiale" in out
    assert "certified" in out
    assert "incomplete" in out
    assert "BC01 ✓" in out
    assert "BC01 …" in out
    assert "pending: E1.1, E1.2, E1.3" in out
    assert out.rstrip().endswith("certified: 1 · incomplete: 1 · total: 2")
    assert "Nothing was written" in out
    assert "2 candidate(s)" in err
    assert "2025-07-03" in err  # the date of the deliberation being prepared
    assert written() == before


def test_dry_run_as_json_streams_every_proposal_then_the_counts(prepared):
    out, _err = run(prepared.world.session.pk, "--dry-run", "--format", "json", "--on", "2025-08-01")

    document = json.loads(out)
    assert (document["session"], document["on"]) == (prepared.world.session.pk, "2025-08-01")
    assert document["counts"] == {"certified": 1, "incomplete": 1}
    assert document["total"] == 2
    first, second = document["proposals"]
    assert first["candidate"]["last_name"] == "Arnaud"
    assert (first["route"], first["provider"]) == ("formation_initiale", prepared.world.provider.name)
    assert (first["result"], first["decision_result"]) == ("certified", "certified")
    assert first["blocks"][0] == {
        "block_id": prepared.world.block.pk,
        "code": "BC01",
        "status": "validated",
        "source": "graded",
        "graded_status": "validated",
        "ref": "",
    }
    assert second["reasons"] == [{"code": "pending", "detail": "E1.1, E1.2, E1.3"}]


def test_dry_run_without_a_deliberation_being_prepared_is_as_of_today(prepared):
    prepared.deliberation.delete()

    _out, err = run(prepared.world.session.pk, "--dry-run")

    assert datetime.date.today().isoformat() in err


def test_dry_run_reports_progress_on_stderr(prepared, monkeypatch):
    monkeypatch.setattr(deliberate, "PROGRESS_EVERY", 1)

    out, err = run(prepared.world.session.pk, "--dry-run", "--format", "json")

    assert "… 1 / 2 candidates" in err
    assert "… 2 / 2 candidates" in err
    assert len(json.loads(out)["proposals"]) == 2  # stdout stays pure JSON


def test_dry_run_refuses_a_date_that_is_not_one(prepared):
    error, _err = refused(prepared.world.session.pk, "--dry-run", "--on", "2025-13-01")

    assert "is not a date" in str(error)


def test_dry_run_and_as_together_are_refused(prepared):
    error, _err = refused(prepared.world.session.pk, "--dry-run", "--as", prepared.world.admin.username)

    assert "--dry-run" in str(error)


def test_unknown_session_is_refused(prepared):
    error, _err = refused(999999, "--dry-run")

    assert "No session has the id 999999" in str(error)


# --- opening -------------------------------------------------------------------------------------------
def test_opens_the_deliberation_being_prepared_as_the_administrator(prepared):
    seat_professional(prepared)

    out, err = run(prepared.world.session.pk, "--as", prepared.world.admin.username)

    prepared.deliberation.refresh_from_db()
    assert prepared.deliberation.status == "open"
    assert sorted(prepared.deliberation.decisions.values_list("proposed_result", flat=True)) == [
        "certified",
        "incomplete",
    ]
    assert f"(id {prepared.deliberation.pk}) is open: 2 candidate(s)" in out
    assert "certified: 1 · incomplete: 1" in out
    assert "Opening" in err


def test_opening_prints_json_when_asked(prepared):
    seat_professional(prepared)

    out, _err = run(prepared.world.session.pk, "--as", prepared.world.admin.username, "--format", "json")

    assert json.loads(out) == {
        "deliberation": prepared.deliberation.pk,
        "status": "open",
        "meets_on": "2025-07-03",
        "candidates": 2,
        "proposed": {"certified": 1, "incomplete": 1},
    }


def test_a_jury_that_breaks_the_rules_is_not_opened_and_every_problem_is_printed(prepared):
    before = written()

    error, err = refused(prepared.world.session.pk, "--as", prepared.world.admin.username)

    assert error.returncode == 2
    assert "The deliberation cannot open: 2 problem(s)." in err
    assert "The jury must have 2 members; it has 1 — route(s)" in err
    assert "At least 50 % of the members must be professionals; 0 of 1 are — route(s)" in err
    assert "The deliberation was not opened." in str(error)
    prepared.deliberation.refresh_from_db()
    assert prepared.deliberation.status == "preparing"
    assert written() == before


def test_opening_by_someone_who_is_not_an_administrator_is_refused(prepared):
    seat_professional(prepared)

    error, err = refused(prepared.world.session.pk, "--as", prepared.president.username)

    assert error.returncode == 2
    assert "Only an administrator opens a deliberation." in err
    prepared.deliberation.refresh_from_db()
    assert prepared.deliberation.status == "preparing"


def test_opening_needs_as(prepared):
    error, _err = refused(prepared.world.session.pk)

    assert "--as USERNAME" in str(error)
    assert "--dry-run" in str(error)


def test_opening_refuses_an_unknown_user(prepared):
    error, _err = refused(prepared.world.session.pk, "--as", "personne")

    assert "No active user is called « personne »" in str(error)


def test_on_goes_with_dry_run_only(prepared):
    error, _err = refused(
        prepared.world.session.pk, "--as", prepared.world.admin.username, "--on", "2025-07-01"
    )

    assert "--on goes with --dry-run" in str(error)


def test_a_session_with_no_deliberation_being_prepared_says_what_to_do(prepared):
    prepared.deliberation.delete()

    error, _err = refused(prepared.world.session.pk, "--as", prepared.world.admin.username)

    assert "has no deliberation being prepared: create one and compose its jury" in str(error)


def test_several_deliberations_being_prepared_need_a_choice(prepared):
    seat_professional(prepared)
    other = create_deliberation(
        actor=prepared.world.admin, session=prepared.world.session, title="Autre", meets_on=MEETS_ON
    )
    session, admin = prepared.world.session.pk, prepared.world.admin.username

    error, _err = refused(session, "--as", admin)
    unknown, _err = refused(session, "--as", admin, "--deliberation", 999999)
    run(session, "--as", admin, "--deliberation", prepared.deliberation.pk)

    assert f"2 deliberations being prepared (ids {prepared.deliberation.pk}, {other.pk})" in str(error)
    assert "--deliberation ID" in str(error)
    assert "no deliberation 999999 being prepared" in str(unknown)
    assert Deliberation.objects.get(pk=prepared.deliberation.pk).status == "open"
    assert Deliberation.objects.get(pk=other.pk).status == "preparing"
