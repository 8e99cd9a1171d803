import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.assessment.models import Assignment, Evidence, Mark
from tests.assessment.conftest import build_world
from tests.factories import CriterionFactory


@pytest.fixture
def world(db):
    return build_world()


def _save_url(assignment, criterion):
    return reverse("web:criterion-save", args=[assignment.pk, criterion.pk])


def test_grading_grid_shows_criteria_by_competency_to_the_evaluator(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    client.force_login(world.evaluator)

    response = client.get(reverse("web:grading-grid", args=[assignment.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("C1") < html.index("E1.1") < html.index("C2")
    assert html.count('id="criterion-') == 3  # E1.2 evaluates C1 and C2 but is marked once
    assert "Un dossier écrit" in html


def test_grading_grid_is_hidden_from_another_evaluator(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    client.force_login(world.second_evaluator)

    response = client.get(reverse("web:grading-grid", args=[assignment.pk]))

    assert response.status_code == 404


def test_criterion_save_without_javascript_redirects_to_the_criterion(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    criterion = world.criteria[0]
    client.force_login(world.evaluator)

    response = client.post(
        _save_url(assignment, criterion), {"value": "met", "comment": "", "base_revision": 0}
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"#criterion-{criterion.pk}")
    assert Mark.objects.get().value == "met"


def test_criterion_save_with_htmx_returns_the_saved_fragment(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    criterion = world.criteria[1]
    client.force_login(world.evaluator)

    response = client.post(
        _save_url(assignment, criterion),
        {"value": "not_met", "comment": "Budget absent", "base_revision": 0},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<form id="criterion-{criterion.pk}"')
    assert 'name="base_revision" value="1"' in html
    assert "Budget absent" in html


def test_criterion_save_not_met_without_comment_shows_the_error_and_writes_nothing(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    client.force_login(world.evaluator)

    response = client.post(
        _save_url(assignment, world.criteria[0]), {"value": "not_met", "comment": "", "base_revision": 0}
    )

    assert response.status_code == 400
    assert "Say why the criterion E1.1 is not met." in response.content.decode()
    assert not Mark.objects.exists()


def test_criterion_save_stale_revision_shows_both_values(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    criterion = world.criteria[0]
    save_mark(
        actor=world.evaluator,
        assignment=assignment,
        criterion=criterion,
        value="met",
        comment="",
        base_revision=0,
    )
    client.force_login(world.evaluator)

    response = client.post(
        _save_url(assignment, criterion),
        {"value": "not_met", "comment": "Objectifs flous", "base_revision": 0},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 409
    html = response.content.decode()
    assert "Their value" in html
    assert "Your value" in html
    assert "Objectifs flous" in html
    assert 'name="base_revision" value="1"' in html  # saving again knowingly overrides revision 1
    assert Mark.objects.get().value == "met"


def test_criterion_save_on_a_submitted_grid_is_refused(client, world):
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
    client.force_login(world.evaluator)

    response = client.post(
        _save_url(assignment, world.criteria[0]), {"value": "not_met", "comment": "x", "base_revision": 1}
    )

    assert response.status_code == 400
    assert "locked" in response.content.decode()
    assert set(Mark.objects.values_list("value", flat=True)) == {"met"}


def test_criterion_save_forged_post_for_a_criterion_outside_the_grid_is_404(client, world):
    assignment = world.assign(sitting=world.sittings[0])
    stranger = CriterionFactory()
    client.force_login(world.evaluator)

    response = client.post(
        _save_url(assignment, stranger), {"value": "met", "comment": "", "base_revision": 0}
    )

    assert response.status_code == 404
    assert not Mark.objects.exists()


def test_grid_submit_then_reopen_by_administrator(client, world):
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
    client.force_login(world.evaluator)
    client.post(reverse("web:grid-submit", args=[assignment.pk]))
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED

    assert client.post(reverse("web:grid-reopen", args=[assignment.pk]), {"reason": "x"}).status_code == 403
    client.force_login(world.admin)
    client.post(reverse("web:grid-reopen", args=[assignment.pk]), {"reason": "Erreur sur E1.2"})

    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.DRAFT


def test_assignment_list_constant_queries(client, world):
    for sitting in world.sittings:
        world.assign(sitting=sitting)
    client.force_login(world.evaluator)
    client.get(reverse("web:assignment-list"))

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:assignment-list"))
    more = build_world(candidates=5)
    for sitting in more.sittings:
        more.assign(sitting=sitting, evaluator=world.evaluator)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("web:assignment-list"))

    assert response.status_code == 200
    assert len(many) == len(few)


def test_evidence_upload_then_download_only_by_who_sees_the_grid(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assignment = world.assign(sitting=world.sittings[0])
    pdf = b"%PDF-1.4\n%%EOF\n"
    client.force_login(world.evaluator)
    client.post(
        reverse("web:evidence-add", args=[assignment.pk]),
        {"file": SimpleUploadedFile("grille.pdf", pdf), "criterion": world.criteria[0].pk},
    )
    evidence = Evidence.objects.get()
    url = reverse("web:evidence-download", args=[assignment.pk, evidence.pk])

    mine = client.get(url)
    client.force_login(world.second_evaluator)
    theirs = client.get(url)

    assert b"".join(mine.streaming_content) == pdf
    assert theirs.status_code == 404


def test_evidence_upload_of_a_disguised_file_is_refused(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assignment = world.assign(sitting=world.sittings[0])
    client.force_login(world.evaluator)

    response = client.post(
        reverse("web:evidence-add", args=[assignment.pk]),
        {"file": SimpleUploadedFile("grille.pdf", b"MZ\x90\x00 not a pdf")},
    )

    assert response.status_code == 400
    assert "is not a real .pdf file" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))
