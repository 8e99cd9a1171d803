import pytest

from certiflow.assessment.domain.grading import build_grid, reopen_assignment, save_mark, submit_assignment
from certiflow.assessment.models import Assignment, Mark
from certiflow.common.domain.errors import Conflict, NotAllowed, Refused
from certiflow.common.models import AuditLogEntry


def test_save_mark_creates_a_draft_and_audits(world):
    assignment = world.assign(sitting=world.sittings[0])

    mark = save_mark(
        actor=world.evaluator,
        assignment=assignment,
        criterion=world.criteria[0],
        value="met",
        comment="",
        base_revision=0,
    )

    assert (mark.value, mark.revision) == ("met", 1)
    entry = AuditLogEntry.objects.filter(action="mark.save").get()
    assert entry.changes["value"] == [None, "met"]
    assert entry.actor == world.evaluator


def test_save_mark_not_met_without_comment_is_refused(world):
    assignment = world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused, match="Say why"):
        save_mark(
            actor=world.evaluator,
            assignment=assignment,
            criterion=world.criteria[0],
            value="not_met",
            comment=" ",
            base_revision=0,
        )

    assert not Mark.objects.exists()


def test_save_mark_with_stale_revision_is_a_conflict_showing_the_stored_value(world):
    assignment = world.assign(sitting=world.sittings[0])
    save_mark(
        actor=world.evaluator,
        assignment=assignment,
        criterion=world.criteria[0],
        value="met",
        comment="",
        base_revision=0,
    )

    with pytest.raises(Conflict) as raised:
        save_mark(
            actor=world.evaluator,
            assignment=assignment,
            criterion=world.criteria[0],
            value="not_met",
            comment="Pas de budget",
            base_revision=0,
        )

    assert raised.value.current["value"] == "met"
    assert Mark.objects.get().value == "met"


def test_save_mark_by_another_user_is_not_allowed(world):
    assignment = world.assign(sitting=world.sittings[0])

    with pytest.raises(NotAllowed):
        save_mark(
            actor=world.second_evaluator,
            assignment=assignment,
            criterion=world.criteria[0],
            value="met",
            comment="",
            base_revision=0,
        )


def test_submit_assignment_incomplete_grid_lists_missing_criteria(world):
    assignment = world.assign(sitting=world.sittings[0])
    save_mark(
        actor=world.evaluator,
        assignment=assignment,
        criterion=world.criteria[0],
        value="met",
        comment="",
        base_revision=0,
    )

    with pytest.raises(Refused, match=r"E1\.2, E1\.3"):
        submit_assignment(actor=world.evaluator, assignment=assignment)


def _mark_all(world, assignment, value="met"):
    for criterion in build_grid(assignment).criteria:
        save_mark(
            actor=assignment.evaluator,
            assignment=assignment,
            criterion=criterion,
            value=value,
            comment="" if value == "met" else "Insuffisant",
            base_revision=0,
        )


def test_submit_assignment_locks_the_grid(world):
    assignment = world.assign(sitting=world.sittings[0])
    _mark_all(world, assignment)

    submit_assignment(actor=world.evaluator, assignment=assignment)

    with pytest.raises(Refused, match="locked"):
        save_mark(
            actor=world.evaluator,
            assignment=assignment,
            criterion=world.criteria[0],
            value="not_met",
            comment="x",
            base_revision=1,
        )
    assert Mark.objects.filter(value="met").count() == 3


def test_reopen_assignment_needs_an_administrator_and_a_reason(world):
    assignment = world.assign(sitting=world.sittings[0])
    _mark_all(world, assignment)
    submit_assignment(actor=world.evaluator, assignment=assignment)

    with pytest.raises(NotAllowed):
        reopen_assignment(actor=world.evaluator, assignment=assignment, reason="Oubli")
    with pytest.raises(Refused, match="why"):
        reopen_assignment(actor=world.admin, assignment=assignment, reason="")
    reopened = reopen_assignment(actor=world.admin, assignment=assignment, reason="Erreur de saisie sur E1.2")

    assert reopened.status == Assignment.Status.DRAFT
    assert AuditLogEntry.objects.get(action="assignment.reopen").reason == "Erreur de saisie sur E1.2"


def test_build_grid_groups_criteria_by_competency(world):
    assignment = world.assign(sitting=world.sittings[0])

    grid = build_grid(assignment)

    assert [s.competency.code for s in grid.sections] == ["C1", "C2"]
    assert [[i.criterion.code for i in s.criteria] for s in grid.sections] == [
        ["E1.1", "E1.2"],
        ["E1.2", "E1.3"],
    ]
    assert grid.deliverables == ["Un dossier écrit"]
    assert len(grid.criteria) == 3
