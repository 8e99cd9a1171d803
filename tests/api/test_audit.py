"""The audit log endpoint: administrators read every change, filtered by object; nobody else."""

import json

import pytest

from certiflow.assessment.domain.grading import save_mark
from certiflow.candidates.domain.accommodations import save_accommodation
from tests.api import (
    as_user,
    cast,
)
from tests.assessment.conftest import build_world


@pytest.fixture
def world(db):
    return build_world()


def test_audit_as_administrator_lists_the_changes_of_one_object(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    save_mark(
        actor=world.evaluator,
        assignment=assignment,
        criterion=world.criteria[0],
        value="met",
        comment="",
        base_revision=0,
    )

    response = as_user(client, world.admin).get(
        f"/api/audit?object_type=assessment.assignment&object_id={assignment.pk}"
    )

    assert response.status_code == 200
    entries = response.json()["items"]
    assert [e["action"] for e in entries] == ["mark.save", "assignment.create"]
    assert entries[0]["actor"] == world.evaluator.get_username()
    assert entries[0]["changes"]["value"] == [None, "met"]


def test_audit_never_shows_medical_details(client, world):
    people = cast(world)
    save_accommodation(
        actor=people.referent,
        enrolment=world.enrolments[0],
        extra_time_minutes=15,
        assistance="",
        adapted_materials="",
        adapted_format="",
        medical_details="Épilepsie",
    )

    entries = as_user(client, world.admin).get("/api/audit?action=accommodation.create").json()["items"]

    assert len(entries) == 1
    assert "Épilepsie" not in json.dumps(entries, ensure_ascii=False)


@pytest.mark.parametrize("role", ["manager", "evaluator", "referent", "jury", "candidate"])
def test_audit_as_anyone_but_an_administrator_is_403(client, world, role):
    user = getattr(cast(world), role)

    assert as_user(client, user).get("/api/audit").status_code == 403
