"""Grading endpoints: the evaluator's assignments and grid, marks with conflicts, evidence,
submission and reopening, and double marking (blind until both markers submitted)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.assessment.domain.sessions import form_group
from certiflow.assessment.models import Assignment, Evidence, Mark, Reconciliation
from certiflow.candidates.domain.accommodations import save_accommodation
from tests.api import (
    as_user,
    cast,
)
from tests.assessment.conftest import build_world

MEDICAL = "Trouble visuel, certificat du Dr Martin"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def people(world):
    return cast(world)


@pytest.fixture
def assignment(world):
    return world.assign(sitting=world.sittings[0])


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _mark(client, assignment, criterion, value="met", comment="", base_revision=0):
    return client.put(
        f"/api/assignments/{assignment.pk}/marks/{criterion.pk}",
        {"value": value, "comment": comment, "base_revision": base_revision},
        content_type="application/json",
    )


def _mark_all(world, assignment, evaluator, values=("met", "met", "met")):
    for criterion, value in zip(world.criteria, values, strict=True):
        comment = "" if value == "met" else "Insuffisant"
        save_mark(
            actor=evaluator,
            assignment=assignment,
            criterion=criterion,
            value=value,
            comment=comment,
            base_revision=0,
        )
    submit_assignment(actor=evaluator, assignment=assignment)


# --- lists and grid ----------------------------------------------------------------------------------
def test_list_assignments_shows_the_evaluator_their_own(client, world, people, assignment):
    world.assign(sitting=world.sittings[1], evaluator=world.second_evaluator)

    body = as_user(client, people.evaluator).get("/api/assignments").json()

    assert [item["id"] for item in body["items"]] == [assignment.pk]
    assert body["items"][0]["candidates"][0]["last_name"] == world.enrolments[0].candidate.last_name


def test_list_assignments_of_another_evaluator_for_an_administrator(client, world, people, assignment):
    url = f"/api/assignments?evaluator={world.evaluator.get_username()}"

    assert as_user(client, people.admin).get(url).json()["count"] == 1
    assert as_user(client, people.manager).get(url).json() == {"items": [], "count": 0}


def test_get_grid_as_the_evaluator_has_sections_deliverables_and_adapted_conditions(
    client, world, people, assignment
):
    save_accommodation(
        actor=people.referent,
        enrolment=world.enrolments[0],
        extra_time_minutes=30,
        assistance="",
        adapted_materials="Sujet en gros caractères",
        adapted_format="",
        medical_details=MEDICAL,
    )

    response = as_user(client, people.evaluator).get(f"/api/assignments/{assignment.pk}")

    assert response.status_code == 200
    body = response.json()
    assert [s["competency"]["code"] for s in body["sections"]] == ["C1", "C2"]
    assert [c["code"] for c in body["sections"][0]["criteria"]] == ["E1.1", "E1.2"]
    assert body["deliverables"] == ["Un dossier écrit"]
    assert body["adapted_conditions"] == [
        {
            "extra_time_minutes": 30,
            "assistance": "",
            "adapted_materials": "Sujet en gros caractères",
            "adapted_format": "",
        }
    ]
    assert (body["marked"], body["total"], body["complete"]) == (0, 3, False)
    assert MEDICAL not in response.content.decode()


def test_get_grid_as_administrator_is_200(client, people, assignment):
    assert as_user(client, people.admin).get(f"/api/assignments/{assignment.pk}").status_code == 200


@pytest.mark.parametrize("role", ["outsider", "candidate", "jury", "manager"])
def test_get_grid_of_someone_else_is_404(client, people, assignment, role):
    assert as_user(client, getattr(people, role)).get(f"/api/assignments/{assignment.pk}").status_code == 404


# --- marks -------------------------------------------------------------------------------------------
def test_put_mark_as_the_evaluator_saves_revision_1(client, world, people, assignment):
    response = _mark(as_user(client, people.evaluator), assignment, world.criteria[0])

    assert response.status_code == 200
    assert (response.json()["value"], response.json()["revision"]) == ("met", 1)


def test_put_mark_from_a_stale_revision_is_409_with_the_stored_mark(client, world, people, assignment):
    as_user(client, people.evaluator)
    _mark(client, assignment, world.criteria[0])

    response = _mark(client, assignment, world.criteria[0], value="not_met", comment="Hors sujet")

    assert response.status_code == 409
    body = response.json()
    assert (body["current"]["value"], body["current"]["revision"]) == ("met", 1)
    assert body["detail"]
    assert Mark.objects.get().value == "met"


def test_put_mark_not_met_without_comment_is_400_on_comment(client, world, people, assignment):
    response = _mark(as_user(client, people.evaluator), assignment, world.criteria[0], value="not_met")

    assert response.status_code == 400
    assert response.json()["field"] == "comment"


def test_put_mark_as_administrator_is_403(client, world, people, assignment):
    response = _mark(as_user(client, people.admin), assignment, world.criteria[0])

    assert response.status_code == 403
    assert not Mark.objects.exists()


def test_put_mark_as_evaluator_not_assigned_is_404(client, world, people, assignment):
    assert _mark(as_user(client, people.outsider), assignment, world.criteria[0]).status_code == 404


def test_put_mark_of_an_unknown_criterion_is_404(client, people, assignment):
    response = as_user(client, people.evaluator).put(
        f"/api/assignments/{assignment.pk}/marks/999999",
        {"value": "met", "base_revision": 0},
        content_type="application/json",
    )

    assert response.status_code == 404


# --- submit and reopen -------------------------------------------------------------------------------
def test_submit_incomplete_grid_is_400(client, people, assignment):
    assert (
        as_user(client, people.evaluator).post(f"/api/assignments/{assignment.pk}/submit").status_code == 400
    )


def test_submit_complete_grid_locks_it(client, world, people, assignment):
    as_user(client, people.evaluator)
    for criterion in world.criteria:
        _mark(client, assignment, criterion)

    response = client.post(f"/api/assignments/{assignment.pk}/submit")

    assert response.status_code == 200
    assert response.json()["status"] == "submitted"
    assert (
        _mark(
            client, assignment, world.criteria[0], value="not_met", comment="x", base_revision=1
        ).status_code
        == 400
    )


def test_submit_as_administrator_is_403(client, people, assignment):
    assert as_user(client, people.admin).post(f"/api/assignments/{assignment.pk}/submit").status_code == 403


def test_reopen_as_administrator_with_a_reason_unlocks(client, world, people, assignment):
    _mark_all(world, assignment, world.evaluator)

    response = as_user(client, people.admin).post(
        f"/api/assignments/{assignment.pk}/reopen",
        {"reason": "Erreur de saisie"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "draft"


def test_reopen_without_a_reason_is_400_on_reason(client, world, people, assignment):
    _mark_all(world, assignment, world.evaluator)

    response = as_user(client, people.admin).post(
        f"/api/assignments/{assignment.pk}/reopen", {"reason": " "}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "reason"


def test_reopen_as_the_evaluator_is_403(client, world, people, assignment):
    _mark_all(world, assignment, world.evaluator)

    response = as_user(client, people.evaluator).post(
        f"/api/assignments/{assignment.pk}/reopen", {"reason": "Oubli"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert Assignment.objects.get().status == "submitted"


# --- evidence ----------------------------------------------------------------------------------------
def test_attach_file_as_the_evaluator_is_201(client, world, people, assignment, media):
    response = as_user(client, people.evaluator).post(
        f"/api/assignments/{assignment.pk}/evidence",
        {
            "file": SimpleUploadedFile("rapport.pdf", PDF, content_type="application/pdf"),
            "criterion_id": world.criteria[0].pk,
            "description": "Rapport",
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["file_name"], body["criterion_id"]) == (
        "file",
        "rapport.pdf",
        world.criteria[0].pk,
    )
    assert len(body["sha256"]) == 64
    grid = client.get(f"/api/assignments/{assignment.pk}").json()
    assert grid["sections"][0]["criteria"][0]["evidence"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("who", "status"), [("evaluator", 200), ("admin", 200), ("outsider", 404), ("candidate", 404)]
)
def test_evidence_file_download_for_who_may_see_the_grid(client, people, assignment, media, who, status):
    as_user(client, people.evaluator).post(
        f"/api/assignments/{assignment.pk}/evidence",
        {"file": SimpleUploadedFile("rapport.pdf", PDF, content_type="application/pdf")},
    )
    evidence = Evidence.objects.get()

    response = as_user(client, getattr(people, who)).get(
        f"/api/assignments/{assignment.pk}/evidence/{evidence.pk}/file"
    )

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == PDF
        assert 'filename="rapport.pdf"' in response["Content-Disposition"]


def test_attach_file_whose_content_is_not_its_type_is_400_on_file(client, people, assignment, media):
    response = as_user(client, people.evaluator).post(
        f"/api/assignments/{assignment.pk}/evidence",
        {"file": SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")},
    )

    assert response.status_code == 400
    assert response.json()["field"] == "file"
    assert not Evidence.objects.exists()


def test_attach_file_as_evaluator_not_assigned_is_404(client, people, assignment, media):
    response = as_user(client, people.outsider).post(
        f"/api/assignments/{assignment.pk}/evidence",
        {"file": SimpleUploadedFile("rapport.pdf", PDF, content_type="application/pdf")},
    )

    assert response.status_code == 404


def test_attach_link_as_the_evaluator_is_201(client, people, assignment):
    response = as_user(client, people.evaluator).post(
        f"/api/assignments/{assignment.pk}/evidence/link",
        {"url": "https://videos.example.org/soutenance", "description": "Enregistrement"},
        content_type="application/json",
    )

    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["criterion_id"]) == ("link", None)


def test_attach_link_that_is_not_a_web_address_is_400_on_url(client, people, assignment):
    response = as_user(client, people.evaluator).post(
        f"/api/assignments/{assignment.pk}/evidence/link", {"url": "ftp://x"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "url"


def test_attach_link_as_administrator_is_403(client, people, assignment):
    response = as_user(client, people.admin).post(
        f"/api/assignments/{assignment.pk}/evidence/link",
        {"url": "https://example.org/x"},
        content_type="application/json",
    )

    assert response.status_code == 403


# --- double marking ----------------------------------------------------------------------------------
@pytest.fixture
def double(db):
    world = build_world(double_marking=True)
    first = world.assign(sitting=world.sittings[0])
    second = world.assign(sitting=world.sittings[0], evaluator=world.second_evaluator, rank=2)
    return world, first, second


def test_compare_before_both_submitted_is_403_for_a_marker(client, double):
    world, first, _second = double
    _mark_all(world, first, world.evaluator)

    response = as_user(client, world.evaluator).get(f"/api/double-marking/sittings/{world.sittings[0].pk}")

    assert response.status_code == 403


@pytest.mark.parametrize("who", ["evaluator", "second_evaluator", "admin"])
def test_compare_after_both_submitted_shows_the_disagreement(client, double, who):
    world, first, second = double
    _mark_all(world, first, world.evaluator)
    _mark_all(world, second, world.second_evaluator, values=("not_met", "met", "met"))

    response = as_user(client, getattr(world, who)).get(
        f"/api/double-marking/sittings/{world.sittings[0].pk}"
    )

    assert response.status_code == 200
    rows = response.json()
    assert [row["criterion"]["code"] for row in rows] == ["E1.1", "E1.2", "E1.3"]
    assert (rows[0]["first"]["value"], rows[0]["second"]["value"], rows[0]["disagree"]) == (
        "met",
        "not_met",
        True,
    )
    assert rows[1]["disagree"] is False


def test_compare_as_jury_member_or_another_evaluator_is_404(client, double):
    world, first, second = double
    _mark_all(world, first, world.evaluator)
    _mark_all(world, second, world.second_evaluator)
    people = cast(world)

    for user in (people.jury, people.outsider, people.manager):
        response = as_user(client, user).get(f"/api/double-marking/sittings/{world.sittings[0].pk}")
        assert response.status_code == 404


def test_reconcile_as_a_marker_records_the_agreed_result(client, double):
    world, first, second = double
    _mark_all(world, first, world.evaluator)
    _mark_all(world, second, world.second_evaluator, values=("not_met", "met", "met"))
    url = f"/api/double-marking/sittings/{world.sittings[0].pk}"
    as_user(client, world.second_evaluator)

    response = client.post(
        f"{url}/reconcile",
        {"criterion_id": world.criteria[0].pk, "value": "met", "comment": "Accord après échange"},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["reconciled_by"] == world.second_evaluator.get_username()
    assert client.get(url).json()[0]["reconciliation"]["value"] == "met"


def test_reconcile_as_jury_member_is_404(client, double):
    world, first, second = double
    _mark_all(world, first, world.evaluator)
    _mark_all(world, second, world.second_evaluator)

    response = as_user(client, cast(world).jury).post(
        f"/api/double-marking/sittings/{world.sittings[0].pk}/reconcile",
        {"criterion_id": world.criteria[0].pk, "value": "met", "comment": "x"},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert not Reconciliation.objects.exists()


def test_compare_group_markings_once_both_submitted(client, db):
    world = build_world(double_marking=True, collective=True)
    group = form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings)
    markings = [
        world.assign(group=group),
        world.assign(group=group, evaluator=world.second_evaluator, rank=2),
    ]
    for assignment in markings:
        save_mark(
            actor=assignment.evaluator,
            assignment=assignment,
            criterion=world.criteria[2],
            value="met",
            comment="",
            base_revision=0,
        )
        submit_assignment(actor=assignment.evaluator, assignment=assignment)
    url = f"/api/double-marking/groups/{group.pk}"

    allowed = as_user(client, world.admin).get(url)
    hidden = as_user(client, cast(world).outsider).get(url)

    assert allowed.status_code == 200
    assert [row["criterion"]["code"] for row in allowed.json()] == ["E1.3"]
    assert hidden.status_code == 404
