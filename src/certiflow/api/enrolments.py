"""Enrolments: the list and detail each role may see, the progress matrix, prerequisites, status,
accommodations, exemption proposals and conflicts of interest.

Seeing an enrolment is ``assessment.view_enrolment`` (lists: ``visible_enrolments``); medical details
need ``candidates.view_medical_details`` (the disability referent alone, DESIGN rule 5); a candidate
sees their progress from published sessions only.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from certiflow.api.access import (
    get_all_referenced,
    get_referenced,
    get_user,
    get_visible,
    require,
)
from certiflow.api.schemas import (
    ERRORS,
    AccommodationIn,
    AccommodationOut,
    AccommodationUpdateIn,
    AdaptedConditionsOut,
    AdaptedForAssessmentOut,
    AssessmentRefOut,
    ConflictOfInterestIn,
    ConflictOfInterestOut,
    ConflictOut,
    EnrolmentDetailOut,
    EnrolmentFilters,
    EnrolmentOut,
    ExemptionProposalIn,
    ExemptionProposalOut,
    PrerequisiteEvidenceIn,
    PrerequisiteEvidenceOut,
    ProgressOut,
    StatusChangeIn,
    enrolment_detail,
)
from certiflow.assessment.domain.progress import progress_matrix
from certiflow.assessment.domain.selectors import (
    adapted_conditions_for,
    sees_published_results_only,
    visible_enrolments,
)
from certiflow.candidates.domain.accommodations import (
    propose_exemption,
    save_accommodation,
)
from certiflow.candidates.domain.enrolments import transition
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.domain.prerequisites import record_evidence, verify_evidence
from certiflow.candidates.models import Candidate, Enrolment, PrerequisiteEvidence
from certiflow.frameworks.models import Assessment, Criterion

router = Router(tags=["enrolments"])

VIEW = "assessment.view_enrolment"
MAX_PAGE = 500


def _enrolments() -> QuerySet[Enrolment]:
    return Enrolment.objects.select_related(
        "candidate", "framework__certification", "access_route", "provider", "cohort"
    ).prefetch_related("prerequisite_evidence")


def _detail(user, enrolment: Enrolment) -> dict:
    """As the candidate's page shows it: the referent has the accommodations, medical details
    included; an evaluator the adapted conditions of what they mark; the candidate their own."""
    referent = user.has_perm("candidates.view_medical_details", enrolment)
    return enrolment_detail(
        enrolment,
        accommodations=[
            AccommodationOut.build(a, medical_details=referent)
            for a in enrolment.accommodations.prefetch_related("assessments")
        ]
        if referent
        else [],
        adapted_conditions=[] if referent else _adapted_conditions(user, enrolment),
        exemption_proposals=list(enrolment.exemption_proposals.select_related("criterion", "proposed_by"))
        if user.has_perm("candidates.view_exemption_opinions", enrolment)
        else [],
    )


def _adapted_conditions(user, enrolment: Enrolment) -> list[AdaptedForAssessmentOut]:
    return [
        AdaptedForAssessmentOut(
            assessment=AssessmentRefOut.from_orm(assessment),
            conditions=[AdaptedConditionsOut.from_orm(item) for item in items],
        )
        for assessment, items in adapted_conditions_for(user, enrolment)
    ]


@router.get("/enrolments", response={200: list[EnrolmentOut], **ERRORS})
@paginate(LimitOffsetPagination, max_limit=MAX_PAGE)
def list_enrolments(request, filters: Query[EnrolmentFilters]):
    """The enrolments you may see, by candidate name, with their prerequisites' state."""
    return filters.filter(visible_enrolments(request.auth))


@router.get("/enrolments/{enrolment_id}", response={200: EnrolmentDetailOut, **ERRORS})
def get_enrolment(request, enrolment_id: int):
    """One enrolment with its prerequisite report, accommodations and exemption proposals."""
    enrolment = get_visible(request.auth, _enrolments(), enrolment_id, perm=VIEW)
    return _detail(request.auth, enrolment)


@router.get("/enrolments/{enrolment_id}/progress", response={200: ProgressOut, **ERRORS})
def get_progress(request, enrolment_id: int):
    """Blocs → competencies → criteria with their status. A candidate sees published sessions only."""
    enrolment = get_visible(request.auth, _enrolments(), enrolment_id, perm=VIEW)
    published_only = sees_published_results_only(request.auth, enrolment)
    matrix = progress_matrix(enrolment, published_only=published_only)
    return ProgressOut.build(matrix, published_only=published_only)


@router.post("/enrolments/{enrolment_id}/status", response={200: EnrolmentDetailOut, **ERRORS})
def change_status(request, enrolment_id: int, payload: StatusChangeIn):
    """Move the enrolment to another status (e.g. withdrawn), with a reason for the audit log."""
    enrolment = get_visible(request.auth, _enrolments(), enrolment_id, perm=VIEW)
    require(request.auth, "candidates.manage_enrolment", enrolment)
    transition(actor=request.auth, enrolment=enrolment, to=payload.status, reason=payload.reason)
    return _detail(request.auth, _enrolments().get(pk=enrolment.pk))


@router.post(
    "/enrolments/{enrolment_id}/prerequisite-evidence",
    response={201: PrerequisiteEvidenceOut, **ERRORS},
)
def record_prerequisite_evidence(request, enrolment_id: int, payload: PrerequisiteEvidenceIn):
    """Record what the candidate has shown; it counts once an administrator verifies it."""
    enrolment = get_visible(request.auth, _enrolments(), enrolment_id, perm=VIEW)
    require(request.auth, "candidates.record_prerequisite", enrolment)
    evidence = record_evidence(
        actor=request.auth,
        enrolment=enrolment,
        kind=payload.kind,
        description=payload.description,
        value=payload.value,
        condition=payload.condition,
        link=payload.link,
    )
    return Status(201, evidence)


@router.post("/prerequisite-evidence/{evidence_id}/verify", response={200: PrerequisiteEvidenceOut, **ERRORS})
def verify_prerequisite_evidence(request, evidence_id: int):
    """Mark recorded evidence as verified (administrators)."""
    evidence = get_visible(
        request.auth,
        PrerequisiteEvidence.objects.select_related("enrolment__candidate"),
        evidence_id,
        perm=VIEW,
        through=lambda e: e.enrolment,
    )
    require(request.auth, "candidates.verify_prerequisite", evidence.enrolment)
    return verify_evidence(actor=request.auth, evidence=evidence)


@router.post("/enrolments/{enrolment_id}/accommodations", response={201: AccommodationOut, **ERRORS})
def create_accommodation(request, enrolment_id: int, payload: AccommodationIn):
    """Record adapted conditions (disability referent)."""
    enrolment = get_visible(request.auth, _enrolments(), enrolment_id, perm=VIEW)
    require(request.auth, "candidates.record_accommodation", enrolment)
    item = save_accommodation(actor=request.auth, enrolment=enrolment, **_accommodation_fields(payload))
    return Status(201, _accommodation_out(request.auth, item))


@router.put(
    "/enrolments/{enrolment_id}/accommodations/{accommodation_id}",
    response={200: AccommodationOut, 409: ConflictOut, **ERRORS},
)
def update_accommodation(request, enrolment_id: int, accommodation_id: int, payload: AccommodationUpdateIn):
    """Change adapted conditions you read at ``base_revision`` (disability referent); 409 if changed since."""
    enrolment = get_visible(request.auth, _enrolments(), enrolment_id, perm=VIEW)
    accommodation = get_object_or_404(enrolment.accommodations, pk=accommodation_id)
    require(request.auth, "candidates.record_accommodation", enrolment)
    item = save_accommodation(
        actor=request.auth,
        enrolment=enrolment,
        accommodation=accommodation,
        base_revision=payload.base_revision,
        **_accommodation_fields(payload),
    )
    return _accommodation_out(request.auth, item)


def _accommodation_fields(payload: AccommodationIn) -> dict:
    return {
        "extra_time_minutes": payload.extra_time_minutes,
        "assistance": payload.assistance,
        "adapted_materials": payload.adapted_materials,
        "adapted_format": payload.adapted_format,
        "medical_details": payload.medical_details,
        "assessments": get_all_referenced(
            Assessment.objects.all(), payload.assessment_ids, field="assessment_ids"
        ),
    }


def _accommodation_out(user, item) -> AccommodationOut:
    return AccommodationOut.build(
        item, medical_details=user.has_perm("candidates.view_medical_details", item.enrolment)
    )


@router.post("/enrolments/{enrolment_id}/exemption-proposals", response={201: ExemptionProposalOut, **ERRORS})
def create_exemption_proposal(request, enrolment_id: int, payload: ExemptionProposalIn):
    """Propose to the jury the exemption of one criterion, on a motivated opinion (disability referent)."""
    enrolment = get_visible(request.auth, _enrolments(), enrolment_id, perm=VIEW)
    require(request.auth, "candidates.propose_exemption", enrolment)
    proposal = propose_exemption(
        actor=request.auth,
        enrolment=enrolment,
        criterion=get_referenced(Criterion.objects.all(), payload.criterion_id, field="criterion_id"),
        opinion=payload.opinion,
        keeps_overall_capability=payload.keeps_overall_capability,
        not_applicable_to_future_practice=payload.not_applicable_to_future_practice,
    )
    return Status(201, proposal)


@router.post("/conflicts", response={201: ConflictOfInterestOut, **ERRORS})
def create_conflict(request, payload: ConflictOfInterestIn):
    """Declare that an evaluator or jury member must not judge a candidate (e.g. they trained them)."""
    require(request.auth, "candidates.declare_conflict")
    person = get_user(payload.person, field="person")
    candidate = get_referenced(Candidate.objects.all(), payload.candidate_id, field="candidate_id")
    require(request.auth, "candidates.declare_conflict", candidate)
    conflict = declare_conflict(actor=request.auth, person=person, candidate=candidate, nature=payload.nature)
    return Status(201, conflict)
