"""Grading: assigning evaluators, an evaluator's assignments and grid, marks, evidence, submission,
reopening, and the comparison and reconciliation of double markings.

Assigning is ``assessment.manage_sessions``. Seeing an assignment is ``assessment.view_assignment``
(its evaluator, administrators); marking it ``assessment.grade_assignment`` (its evaluator alone);
reopening it ``assessment.reopen_assignment``. The grid shows the candidates' adapted conditions,
never medical details. Double markings are blind until both are submitted (``may_compare``); a user
who can see neither marking gets 404.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from certiflow.api.access import get_referenced, get_user, get_visible, require
from certiflow.api.schemas import (
    ERRORS,
    AssignIn,
    AssignmentOut,
    ComparisonOut,
    ConflictOut,
    EvidenceLinkIn,
    EvidenceOut,
    GridOut,
    MarkIn,
    MarkOut,
    ReconcileIn,
    ReconciliationOut,
    ReopenIn,
)
from certiflow.assessment.domain.grading import (
    attach_file,
    attach_link,
    build_grid,
    reopen_assignment,
    save_mark,
    submit_assignment,
)
from certiflow.assessment.domain.results import compare_markings, may_compare, reconcile
from certiflow.assessment.domain.selectors import assignments_of
from certiflow.assessment.domain.sessions import assign_evaluator
from certiflow.assessment.models import Assignment, Evidence, Group, Sitting
from certiflow.common.domain.errors import NotAllowed
from certiflow.frameworks.models import Criterion

router = Router(tags=["grading"])

VIEW, GRADE = "assessment.view_assignment", "assessment.grade_assignment"
MANAGE_SESSIONS = "assessment.manage_sessions"


def _assignments() -> QuerySet[Assignment]:
    return Assignment.objects.select_related(
        "evaluator", "scheduled__session", "scheduled__assessment", "sitting__enrolment__candidate", "group"
    ).prefetch_related("group__sittings__enrolment__candidate")


def _to_grade(user, assignment_id: int) -> Assignment:
    assignment = get_visible(user, _assignments(), assignment_id, perm=VIEW)
    require(user, GRADE, assignment)
    return assignment


@router.get("/assignments", response={200: list[AssignmentOut], **ERRORS})
@paginate(LimitOffsetPagination, max_limit=500)
def list_assignments(request, evaluator: str | None = None):
    """Your assignments, drafts first. ``evaluator``: another evaluator's, those you may see
    (administrators see all of them; anyone else sees none)."""
    if evaluator is None or evaluator == request.auth.get_username():
        return assignments_of(request.auth).select_related("evaluator")
    person = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: evaluator}).first()
    if person is None:
        return []
    return [a for a in assignments_of(person).select_related("evaluator") if request.auth.has_perm(VIEW, a)]


@router.post("/assignments", response={201: AssignmentOut, **ERRORS})
def post_assignment(request, payload: AssignIn):
    """Give an evaluator the marking of one sitting or one group (rank 2: the second marker)."""
    require(request.auth, MANAGE_SESSIONS)
    sitting = get_referenced(
        Sitting.objects.select_related("scheduled__session", "enrolment"),
        payload.sitting_id,
        field="sitting_id",
    )
    group = get_referenced(
        Group.objects.select_related("scheduled__session"), payload.group_id, field="group_id"
    )
    if sitting is not None or group is not None:
        require(request.auth, MANAGE_SESSIONS, (sitting or group).scheduled.session)
    assignment = assign_evaluator(
        actor=request.auth,
        evaluator=get_user(payload.evaluator, field="evaluator"),
        sitting=sitting,
        group=group,
        rank=payload.rank,
    )
    return Status(201, assignments_of(assignment.evaluator).select_related("evaluator").get(pk=assignment.pk))


@router.get("/assignments/{assignment_id}", response={200: GridOut, **ERRORS})
def get_grid(request, assignment_id: int):
    """The grading grid: criteria by competency with their marks and evidence, deliverables, and
    the adapted conditions to apply."""
    return build_grid(get_visible(request.auth, _assignments(), assignment_id, perm=VIEW))


@router.put(
    "/assignments/{assignment_id}/marks/{criterion_id}",
    response={200: MarkOut, 409: ConflictOut, **ERRORS},
)
def put_mark(request, assignment_id: int, criterion_id: int, payload: MarkIn):
    """Mark one criterion. ``base_revision`` is the revision you read: if someone changed the mark
    since, nothing is saved and 409 gives the stored mark in ``current``."""
    assignment = _to_grade(request.auth, assignment_id)
    return save_mark(
        actor=request.auth,
        assignment=assignment,
        criterion=get_object_or_404(Criterion, pk=criterion_id),
        value=payload.value,
        comment=payload.comment,
        base_revision=payload.base_revision,
    )


@router.post("/assignments/{assignment_id}/submit", response={200: AssignmentOut, **ERRORS})
def post_submit(request, assignment_id: int):
    """Submit a complete grid; it is locked from then on."""
    assignment = _to_grade(request.auth, assignment_id)
    submit_assignment(actor=request.auth, assignment=assignment)
    return _assignments().get(pk=assignment.pk)


@router.post("/assignments/{assignment_id}/reopen", response={200: AssignmentOut, **ERRORS})
def post_reopen(request, assignment_id: int, payload: ReopenIn):
    """Unlock a submitted grid, with a reason (administrators)."""
    assignment = get_visible(request.auth, _assignments(), assignment_id, perm=VIEW)
    require(request.auth, "assessment.reopen_assignment", assignment)
    reopen_assignment(actor=request.auth, assignment=assignment, reason=payload.reason)
    return _assignments().get(pk=assignment.pk)


@router.post("/assignments/{assignment_id}/evidence", response={201: EvidenceOut, **ERRORS})
def post_evidence_file(
    request,
    assignment_id: int,
    file: File[UploadedFile],
    criterion_id: Form[int | None] = None,
    description: Form[str] = "",
):
    """Attach a file (multipart/form-data): PDF, image, office document or video, 20 MB at most."""
    assignment = _to_grade(request.auth, assignment_id)
    evidence = attach_file(
        actor=request.auth,
        assignment=assignment,
        upload=file,
        criterion=get_referenced(Criterion.objects.all(), criterion_id, field="criterion_id"),
        description=description,
    )
    return Status(201, evidence)


@router.get("/assignments/{assignment_id}/evidence/{evidence_id}/file", response={200: None, **ERRORS})
def get_evidence_file(request, assignment_id: int, evidence_id: int):
    """Download an evidence file. Files are never public: you must be able to see the assignment."""
    assignment = get_visible(request.auth, _assignments(), assignment_id, perm=VIEW)
    evidence = get_object_or_404(Evidence, pk=evidence_id, assignment=assignment)
    if not evidence.file:
        raise Http404
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )


@router.post("/assignments/{assignment_id}/evidence/link", response={201: EvidenceOut, **ERRORS})
def post_evidence_link(request, assignment_id: int, payload: EvidenceLinkIn):
    """Attach a link to where the evidence is stored (JSON)."""
    assignment = _to_grade(request.auth, assignment_id)
    evidence = attach_link(
        actor=request.auth,
        assignment=assignment,
        url=payload.url,
        criterion=get_referenced(Criterion.objects.all(), payload.criterion_id, field="criterion_id"),
        description=payload.description,
    )
    return Status(201, evidence)


# --- double marking ----------------------------------------------------------------------------------
def _comparable(user, *, sitting: Sitting | None = None, group: Group | None = None) -> None:
    """404 unless the user may see one of the target's markings; 403 while marking is still blind."""
    target = {"sitting": sitting} if sitting is not None else {"group": group}
    if not any(user.has_perm(VIEW, a) for a in Assignment.objects.filter(**target)):
        raise Http404
    if not may_compare(user=user, **target):
        raise NotAllowed(
            _("Marking is blind: the two markings are compared once both markers have submitted.")
        )


@router.get("/double-marking/sittings/{sitting_id}", response={200: list[ComparisonOut], **ERRORS})
def get_sitting_comparison(request, sitting_id: int):
    """Both markings of a double-marked sitting, criterion by criterion, with any reconciliation."""
    sitting = get_object_or_404(Sitting, pk=sitting_id)
    _comparable(request.auth, sitting=sitting)
    return compare_markings(sitting=sitting)


@router.post("/double-marking/sittings/{sitting_id}/reconcile", response={200: ReconciliationOut, **ERRORS})
def post_sitting_reconciliation(request, sitting_id: int, payload: ReconcileIn):
    """Record the agreed result of a criterion the two markers judged (both markings are kept)."""
    sitting = get_object_or_404(Sitting, pk=sitting_id)
    _comparable(request.auth, sitting=sitting)
    return _reconcile(request.auth, payload, sitting=sitting)


@router.get("/double-marking/groups/{group_id}", response={200: list[ComparisonOut], **ERRORS})
def get_group_comparison(request, group_id: int):
    """Both markings of a double-marked group's collective criteria."""
    group = get_object_or_404(Group, pk=group_id)
    _comparable(request.auth, group=group)
    return compare_markings(group=group)


@router.post("/double-marking/groups/{group_id}/reconcile", response={200: ReconciliationOut, **ERRORS})
def post_group_reconciliation(request, group_id: int, payload: ReconcileIn):
    """Record the agreed result of a collective criterion."""
    group = get_object_or_404(Group, pk=group_id)
    _comparable(request.auth, group=group)
    return _reconcile(request.auth, payload, group=group)


def _reconcile(user, payload: ReconcileIn, *, sitting: Sitting | None = None, group: Group | None = None):
    return reconcile(
        actor=user,
        criterion=get_referenced(Criterion.objects.all(), payload.criterion_id, field="criterion_id"),
        value=payload.value,
        comment=payload.comment,
        sitting=sitting,
        group=group,
    )
