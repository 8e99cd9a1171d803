import hashlib
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certiflow.assessment.domain import grading
from certiflow.assessment.domain.grading import (
    attach_file,
    attach_link,
    build_grid,
    remove_evidence,
    reopen_assignment,
    save_mark,
    submit_assignment,
)
from certiflow.assessment.models import Assignment, Evidence, Mark
from certiflow.common.domain.errors import Conflict, NotAllowed, Refused
from certiflow.common.models import AuditLogEntry
from tests.factories import CriterionFactory


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


# --- evidence ---------------------------------------------------------------------------------------
def _pdf_bytes() -> bytes:
    """A real one-page PDF (header, catalog, pages, page, xref, trailer)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png_bytes() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_attach_file_real_pdf_is_stored_hashed_and_audited(world, media):
    assignment = world.assign(sitting=world.sittings[0])
    content = _pdf_bytes()

    item = attach_file(
        actor=world.evaluator,
        assignment=assignment,
        upload=SimpleUploadedFile("dossier.pdf", content, content_type="application/pdf"),
        description="Dossier écrit du candidat",
    )

    assert (item.original_name, item.content_type, item.size) == (
        "dossier.pdf",
        "application/pdf",
        len(content),
    )
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.criterion is None
    stored = Path(item.file.path)
    assert stored.is_relative_to(media)
    assert stored.read_bytes() == content
    entry = AuditLogEntry.objects.get(action="evidence.attach")
    assert entry.changes == {"evidence": "dossier.pdf", "criterion": None, "sha256": item.sha256}


def test_attach_file_real_png_about_one_criterion_appears_in_the_grid(world, media):
    assignment = world.assign(sitting=world.sittings[0])

    item = attach_file(
        actor=world.evaluator,
        assignment=assignment,
        upload=SimpleUploadedFile("Photo.PNG", _png_bytes(), content_type="image/png"),
        criterion=world.criteria[1],
    )

    assert (item.content_type, item.criterion) == ("image/png", world.criteria[1])
    grid = build_grid(Assignment.objects.get(pk=assignment.pk))
    by_code = {i.criterion.code: i.evidence for s in grid.sections for i in s.criteria}
    assert by_code["E1.2"] == [item]
    assert by_code["E1.1"] == []
    assert grid.general_evidence == []


def test_attach_file_keeps_only_the_file_name_of_the_upload(world, media):
    assignment = world.assign(sitting=world.sittings[0])

    item = attach_file(
        actor=world.evaluator,
        assignment=assignment,
        upload=SimpleUploadedFile("../../etc/dossier.pdf", _pdf_bytes()),
    )

    assert item.original_name == "dossier.pdf"
    assert Path(item.file.path).is_relative_to(media)


@pytest.mark.parametrize("name", ["script.exe", "notes.txt", "archive.zip", "sans-extension"])
def test_attach_file_of_a_type_not_accepted_is_refused(world, media, name):
    assignment = world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused, match="not accepted") as raised:
        attach_file(
            actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile(name, _pdf_bytes())
        )

    assert raised.value.field == "file"
    assert not Evidence.objects.exists()
    assert _stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("dossier.pdf", b"<html><body>pas un PDF</body></html>"),
        ("photo.png", _pdf_bytes()),
        ("rapport.docx", _png_bytes()),
        ("photo.jpg", b""),
    ],
)
def test_attach_file_whose_content_does_not_match_its_name_is_refused(world, media, name, content):
    assignment = world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused, match="not a real") as raised:
        attach_file(actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile(name, content))

    assert raised.value.field == "file"
    assert not Evidence.objects.exists()
    assert _stored_files(media) == []


def test_attach_file_over_the_size_limit_is_refused(world, media, monkeypatch):
    monkeypatch.setattr(grading, "MAX_EVIDENCE_BYTES", 200)
    assignment = world.assign(sitting=world.sittings[0])
    content = _pdf_bytes() + b"%" + b"x" * 300 + b"\n"

    with pytest.raises(Refused, match="limited to") as raised:
        attach_file(
            actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile("gros.pdf", content)
        )

    assert raised.value.field == "file"
    assert not Evidence.objects.exists()
    assert _stored_files(media) == []


def test_attach_file_over_20_mb_is_refused(world, media):
    assignment = world.assign(sitting=world.sittings[0])
    content = _pdf_bytes() + b"%" + b"0" * (20 * 1024 * 1024)

    with pytest.raises(Refused, match="limited to 20 MB"):
        attach_file(
            actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile("scan.pdf", content)
        )

    assert _stored_files(media) == []


def test_attach_file_at_the_size_limit_is_accepted(world, media, monkeypatch):
    content = _pdf_bytes()
    monkeypatch.setattr(grading, "MAX_EVIDENCE_BYTES", len(content))
    assignment = world.assign(sitting=world.sittings[0])

    item = attach_file(
        actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile("juste.pdf", content)
    )

    assert item.size == len(content)


def test_attach_file_about_a_criterion_outside_the_grid_is_refused(world, media):
    assignment = world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused, match="not a criterion of this grid"):
        attach_file(
            actor=world.evaluator,
            assignment=assignment,
            upload=SimpleUploadedFile("dossier.pdf", _pdf_bytes()),
            criterion=CriterionFactory(),
        )

    assert not Evidence.objects.exists()


def test_attach_file_by_another_user_is_not_allowed(world, media):
    assignment = world.assign(sitting=world.sittings[0])

    with pytest.raises(NotAllowed):
        attach_file(
            actor=world.second_evaluator,
            assignment=assignment,
            upload=SimpleUploadedFile("d.pdf", _pdf_bytes()),
        )

    assert not Evidence.objects.exists()


def test_attach_link_records_a_web_address(world):
    assignment = world.assign(sitting=world.sittings[0])

    item = attach_link(
        actor=world.evaluator,
        assignment=assignment,
        url=" https://videos.example.org/soutenance-42 ",
        criterion=world.criteria[0],
        description="Vidéo de la soutenance",
    )

    assert (item.url, item.file.name, item.criterion) == (
        "https://videos.example.org/soutenance-42",
        "",
        world.criteria[0],
    )
    assert AuditLogEntry.objects.get(action="evidence.attach").changes["evidence"] == item.url


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.org/f.pdf", "dossier du candidat", ""])
def test_attach_link_that_is_not_a_web_address_is_refused(world, url):
    assignment = world.assign(sitting=world.sittings[0])

    with pytest.raises(Refused) as raised:
        attach_link(actor=world.evaluator, assignment=assignment, url=url)

    assert raised.value.field == "url"
    assert not Evidence.objects.exists()


def test_remove_evidence_deletes_the_file_once_committed(world, media, django_capture_on_commit_callbacks):
    assignment = world.assign(sitting=world.sittings[0])
    item = attach_file(
        actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile("d.pdf", _pdf_bytes())
    )
    stored = Path(item.file.path)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        remove_evidence(actor=world.evaluator, evidence=item)
        assert stored.exists()  # not before the commit

    assert len(callbacks) == 1
    assert not stored.exists()
    assert not Evidence.objects.exists()
    entry = AuditLogEntry.objects.get(action="evidence.remove")
    assert entry.changes == {"evidence": "d.pdf", "sha256": hashlib.sha256(_pdf_bytes()).hexdigest()}


def test_remove_evidence_link_schedules_no_file_deletion(world, django_capture_on_commit_callbacks):
    assignment = world.assign(sitting=world.sittings[0])
    item = attach_link(actor=world.evaluator, assignment=assignment, url="https://example.org/a")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        remove_evidence(actor=world.evaluator, evidence=item)

    assert callbacks == []
    assert not Evidence.objects.exists()


def test_remove_evidence_by_another_user_is_not_allowed(world, media):
    assignment = world.assign(sitting=world.sittings[0])
    item = attach_file(
        actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile("d.pdf", _pdf_bytes())
    )

    with pytest.raises(NotAllowed):
        remove_evidence(actor=world.second_evaluator, evidence=item)

    assert Evidence.objects.count() == 1
    assert Path(item.file.path).exists()


def test_evidence_on_a_locked_grid_is_refused(world, media, django_capture_on_commit_callbacks):
    assignment = world.assign(sitting=world.sittings[0])
    item = attach_file(
        actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile("d.pdf", _pdf_bytes())
    )
    _mark_all(world, assignment)
    submit_assignment(actor=world.evaluator, assignment=assignment)

    with pytest.raises(Refused, match="locked"):
        attach_file(
            actor=world.evaluator, assignment=assignment, upload=SimpleUploadedFile("e.pdf", _pdf_bytes())
        )
    with pytest.raises(Refused, match="locked"):
        attach_link(actor=world.evaluator, assignment=assignment, url="https://example.org/a")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Refused, match="locked"),
    ):
        remove_evidence(actor=world.evaluator, evidence=item)

    assert callbacks == []
    assert list(Evidence.objects.all()) == [item]
    assert _stored_files(media) == [Path(item.file.path)]
