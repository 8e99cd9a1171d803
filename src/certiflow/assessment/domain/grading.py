"""The grading grid: marking criteria, attaching evidence, submitting and reopening an assignment.

Invariants:
- only the assigned evaluator marks, and only while the assignment is a draft (submission locks it;
  an administrator reopens it with a reason);
- a criterion marked « not met » carries a comment (also a database constraint);
- every save names the revision it was based on: a stale revision raises :class:`Conflict` with the
  stored value, so two people never overwrite each other silently;
- every change is audited with before and after.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import PurePath

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certiflow.assessment.models import Assignment, Evidence, Mark
from certiflow.candidates.domain.accommodations import AdaptedConditions, adapted_conditions
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Conflict, NotAllowed, Refused
from certiflow.frameworks.models import Competency, Criterion

#: Evidence files: what the type claims must match what the first bytes are.
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".mp4": ("video/mp4", (b"ftyp",)),
}
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class GridCriterion:
    criterion: Criterion
    mark: Mark | None
    evidence: list[Evidence]


@dataclass(frozen=True)
class GridSection:
    """The criteria of one competency (a criterion linked to several appears under each)."""

    competency: Competency | None
    criteria: list[GridCriterion]


@dataclass(frozen=True)
class Grid:
    assignment: Assignment
    sections: list[GridSection]
    deliverables: list[str]
    adapted: list[AdaptedConditions]
    general_evidence: list[Evidence] = field(default_factory=list)

    @property
    def criteria(self) -> list[Criterion]:
        seen: dict[int, Criterion] = {}
        for section in self.sections:
            for item in section.criteria:
                seen.setdefault(item.criterion.pk, item.criterion)
        return list(seen.values())

    @property
    def marked(self) -> int:
        return len({item.criterion.pk for s in self.sections for item in s.criteria if item.mark})

    @property
    def complete(self) -> bool:
        return self.marked == len(self.criteria)


def criteria_for(assignment: Assignment) -> list[Criterion]:
    """The criteria this assignment marks: a group's are the collective criteria; a sitting's are
    the others when the candidate is in a group, and all of them when they sit alone."""
    scheduled = assignment.scheduled
    criteria = list(scheduled.assessment.criteria.order_by("position").prefetch_related("competencies"))
    collective = {c.pk for c in scheduled.collective_criteria.all()}
    if assignment.group_id is not None:
        return [c for c in criteria if c.pk in collective]
    if assignment.sitting.group_id is not None:
        return [c for c in criteria if c.pk not in collective]
    return criteria


def in_grid(assignment: Assignment, criterion: Criterion) -> bool:
    """Whether ``criterion`` is marked on this assignment (see :func:`criteria_for`), in one query."""
    scheduled = assignment.scheduled
    if criterion.assessment_id != scheduled.assessment_id:
        return False
    if assignment.group_id is None and assignment.sitting.group_id is None:
        return True
    collective = scheduled.collective_criteria.filter(pk=criterion.pk).exists()
    return collective if assignment.group_id is not None else not collective


def _lock(assignment: Assignment) -> Assignment:
    """The assignment, locked for this transaction, with what its audit label names."""
    return (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("scheduled__assessment", "sitting__enrolment__candidate", "group", "evaluator")
        .get(pk=assignment.pk)
    )


def build_grid(assignment: Assignment) -> Grid:
    """Everything the grading page shows, in a fixed number of queries."""
    criteria = criteria_for(assignment)
    marks = {m.criterion_id: m for m in assignment.marks.select_related("updated_by")}
    evidence_by_criterion: dict[int | None, list[Evidence]] = defaultdict(list)
    for item in assignment.evidence.all():
        evidence_by_criterion[item.criterion_id].append(item)
    sections: dict[int | None, GridSection] = {}
    for criterion in criteria:
        competencies = sorted(criterion.competencies.all(), key=lambda c: c.position) or [None]
        for competency in competencies:
            key = competency.pk if competency else None
            section = sections.setdefault(key, GridSection(competency=competency, criteria=[]))
            section.criteria.append(
                GridCriterion(
                    criterion=criterion,
                    mark=marks.get(criterion.pk),
                    evidence=evidence_by_criterion[criterion.pk],
                )
            )
    ordered = sorted(
        sections.values(), key=lambda s: (s.competency is None, s.competency.position if s.competency else 0)
    )
    sittings = [assignment.sitting] if assignment.sitting_id else list(assignment.group.sittings.all())
    adapted = [
        condition
        for sitting in sittings
        for condition in adapted_conditions(
            enrolment=sitting.enrolment, assessment=assignment.scheduled.assessment
        )
    ]
    return Grid(
        assignment=assignment,
        sections=ordered,
        deliverables=list(assignment.scheduled.assessment.deliverables or []),
        adapted=adapted,
        general_evidence=evidence_by_criterion[None],
    )


def _check_can_mark(actor: AbstractBaseUser, assignment: Assignment) -> None:
    if assignment.evaluator_id != actor.pk:
        raise NotAllowed(_("Only the evaluator assigned to this grid may mark it."))
    if assignment.is_locked:
        raise Refused(
            _("This grid was submitted on %(date)s and is locked.")
            % {"date": timezone.localtime(assignment.submitted_at).strftime("%d/%m/%Y %H:%M")},
            hint=_("Ask an administrator to reopen it, with a reason."),
        )


def _mark_state(mark: Mark | None) -> dict:
    if mark is None:
        return {"value": None, "comment": "", "revision": 0, "updated_by": None}
    return {
        "value": mark.value,
        "comment": mark.comment,
        "revision": mark.revision,
        "updated_by": mark.updated_by.get_username(),
        "updated_at": mark.updated_at.isoformat(),
    }


def save_mark(
    *,
    actor: AbstractBaseUser,
    assignment: Assignment,
    criterion: Criterion,
    value: str,
    comment: str,
    base_revision: int,
) -> Mark:
    """Save the mark of one criterion as a draft. ``base_revision`` is the revision the user saw (0
    for none); if the stored mark has moved on, :class:`Conflict` carries the stored value."""
    comment = comment.strip()
    if value not in Mark.Value.values:
        raise Refused(_("Choose met or not met."), field="value")
    if value == Mark.Value.NOT_MET and not comment:
        raise Refused(
            _("Say why the criterion %(code)s is not met.") % {"code": criterion.code}, field="comment"
        )
    with transaction.atomic():
        locked = _lock(assignment)
        _check_can_mark(actor, locked)
        if criterion.pk not in {c.pk for c in criteria_for(locked)}:
            raise Refused(
                _("%(code)s is not a criterion of this grid.") % {"code": criterion.code}, field="criterion"
            )
        mark = (
            Mark.objects.select_related("updated_by").filter(assignment=locked, criterion=criterion).first()
        )
        stored_revision = mark.revision if mark else 0
        if stored_revision != base_revision:
            raise Conflict(
                _("%(code)s was changed by %(user)s while you were marking it.")
                % {"code": criterion.code, "user": mark.updated_by.get_username() if mark else "?"},
                current=_mark_state(mark),
                hint=_("Compare the two values, then save yours again if it is still right."),
            )
        before = _mark_state(mark)
        if mark is None:
            mark = Mark.objects.create(
                assignment=locked, criterion=criterion, value=value, comment=comment, updated_by=actor
            )
        elif (mark.value, mark.comment) != (value, comment):
            mark.value, mark.comment, mark.updated_by = value, comment, actor
            mark.revision += 1
            mark.save()
        else:
            return mark
        audit.record(
            actor=actor,
            action="mark.save",
            obj=locked,
            changes={
                "criterion": criterion.code,
                "value": [before["value"], value],
                "comment": [before["comment"], comment],
            },
        )
    return mark


def submit_assignment(*, actor: AbstractBaseUser, assignment: Assignment) -> Assignment:
    """Submit a complete grid; it is locked from then on."""
    with transaction.atomic():
        locked = _lock(assignment)
        _check_can_mark(actor, locked)
        marked = set(locked.marks.values_list("criterion_id", flat=True))
        missing = [c.code for c in criteria_for(locked) if c.pk not in marked]
        if missing:
            raise Refused(
                _("Mark every criterion before submitting; still to mark: %(codes)s.")
                % {"codes": ", ".join(missing)}
            )
        locked.status, locked.submitted_at = Assignment.Status.SUBMITTED, timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        audit.record(
            actor=actor, action="assignment.submit", obj=locked, changes={"status": ["draft", "submitted"]}
        )
    return locked


def reopen_assignment(*, actor: AbstractBaseUser, assignment: Assignment, reason: str) -> Assignment:
    """Unlock a submitted grid. Administrators only, and always with a reason (it is audited)."""
    if not (actor.is_active and actor.is_staff):
        raise NotAllowed(_("Only an administrator can reopen a submitted grid."))
    if not reason.strip():
        raise Refused(_("Say why the grid is reopened."), field="reason")
    with transaction.atomic():
        locked = _lock(assignment)
        if not locked.is_locked:
            raise Refused(_("This grid is not submitted; there is nothing to reopen."))
        locked.status, locked.submitted_at = Assignment.Status.DRAFT, None
        locked.save(update_fields=["status", "submitted_at"])
        audit.record(
            actor=actor,
            action="assignment.reopen",
            obj=locked,
            changes={"status": ["submitted", "draft"]},
            reason=reason.strip(),
        )
    return locked


def attach_file(
    *,
    actor: AbstractBaseUser,
    assignment: Assignment,
    upload: UploadedFile,
    criterion: Criterion | None = None,
    description: str = "",
) -> Evidence:
    """Attach a file as evidence. Its extension must be an accepted type, its first bytes must be of
    that type, and it must not exceed :data:`MAX_EVIDENCE_BYTES`."""
    name = PurePath(upload.name or "").name
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_TYPES:
        raise Refused(
            _("%(name)s: files of this type are not accepted as evidence.") % {"name": name},
            hint=_("Accepted: %(types)s.") % {"types": ", ".join(sorted(EVIDENCE_TYPES))},
            field="file",
        )
    if upload.size > MAX_EVIDENCE_BYTES:
        raise Refused(
            _("%(name)s is %(size)s MB; evidence files are limited to %(max)s MB.")
            % {
                "name": name,
                "size": round(upload.size / 1024 / 1024, 1),
                "max": MAX_EVIDENCE_BYTES // 1024 // 1024,
            },
            hint=_("Compress it, or attach a link to where it is stored."),
            field="file",
        )
    content_type, signatures = EVIDENCE_TYPES[suffix]
    upload.seek(0)
    head = upload.read(16)
    probe = head[4:8] if suffix == ".mp4" else head
    if not any(probe.startswith(signature) for signature in signatures):
        raise Refused(
            _("%(name)s is not a real %(type)s file (its content does not match its name).")
            % {"name": name, "type": suffix},
            field="file",
        )
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return _attach(
        actor=actor,
        assignment=assignment,
        criterion=criterion,
        fields={
            "file": upload,
            "original_name": name,
            "content_type": content_type,
            "size": upload.size,
            "sha256": digest.hexdigest(),
            "description": description.strip()[:255],
        },
    )


def attach_link(
    *,
    actor: AbstractBaseUser,
    assignment: Assignment,
    url: str,
    criterion: Criterion | None = None,
    description: str = "",
) -> Evidence:
    url = url.strip()
    try:
        URLValidator(schemes=["https", "http"])(url)
    except ValidationError:
        raise Refused(
            _("« %(url)s » is not a web address (https://…).") % {"url": url}, field="url"
        ) from None
    return _attach(
        actor=actor,
        assignment=assignment,
        criterion=criterion,
        fields={"url": url, "description": description.strip()[:255]},
    )


def _attach(
    *, actor: AbstractBaseUser, assignment: Assignment, criterion: Criterion | None, fields: dict
) -> Evidence:
    with transaction.atomic():
        locked = _lock(assignment)
        _check_can_mark(actor, locked)
        if criterion is not None and not in_grid(locked, criterion):
            raise Refused(
                _("%(code)s is not a criterion of this grid.") % {"code": criterion.code}, field="criterion"
            )
        item = Evidence.objects.create(assignment=locked, criterion=criterion, uploaded_by=actor, **fields)
        audit.record(
            actor=actor,
            action="evidence.attach",
            obj=locked,
            changes={
                "evidence": str(item),
                "criterion": criterion.code if criterion else None,
                "sha256": item.sha256,
            },
        )
    return item


def remove_evidence(*, actor: AbstractBaseUser, evidence: Evidence) -> None:
    """Remove evidence from a draft grid. The file is deleted once the removal is committed."""
    with transaction.atomic():
        locked = _lock(evidence.assignment)
        _check_can_mark(actor, locked)
        audit.record(
            actor=actor,
            action="evidence.remove",
            obj=locked,
            changes={"evidence": str(evidence), "sha256": evidence.sha256},
        )
        stored = evidence.file.name if evidence.file else None
        storage = evidence.file.storage if evidence.file else None
        evidence.delete()
        if stored:
            transaction.on_commit(lambda: storage.delete(stored))
