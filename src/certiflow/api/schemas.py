"""Every request and response body of the API (pydantic models through django-ninja).

Two kinds of response schemas:

- projections of model instances or domain dataclasses, read attribute by attribute; ``resolve_*``
  methods compute derived fields. ninja validates what an endpoint returns, and a schema instance is
  validated again, so a schema with resolvers is only ever given the model or dataclass itself (or a
  mapping holding it), never an instance of the schema;
- bodies whose content depends on who asks, built by a function the endpoint calls after asking the
  permissions (``AccommodationOut.build``, :func:`enrolment_detail`). ``medical_details`` is left
  out of the JSON, not sent empty, to anyone but the disability referent.

Field names are English; texts (criteria, competencies, messages) are as stored or translated.
"""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.db import models
from django.db.models import Q
from ninja import Field, FilterSchema, Schema
from ninja.filter_schema import FilterLookup

from certiflow.assessment.domain.grading import Grid
from certiflow.assessment.domain.progress import ProgressMatrix
from certiflow.assessment.models import Mark
from certiflow.candidates.domain.prerequisites import check_prerequisites
from certiflow.candidates.models import Accommodation, Enrolment, ExemptionProposal, PrerequisiteEvidence
from certiflow.credentials.domain.documents import verification_url
from certiflow.credentials.domain.verification import CHECKS, Verdict
from certiflow.credentials.models import IssuanceBatch, IssuedCredential
from certiflow.jury.domain.engine import CERTIFIED, INCOMPLETE, NOT_CERTIFIED, PARTIAL, Proposal
from certiflow.jury.models import Decision, Deliberation


def _values(choices: type[models.TextChoices]) -> Any:
    """A model's choices as a ``Literal`` of their values: an enum inlined in the OpenAPI document
    (several models name theirs ``Status``, which would collide as components)."""
    return Literal[tuple(choices.values)]


EnrolmentStatus = _values(Enrolment.Status)
EvidenceKind = _values(PrerequisiteEvidence.Kind)
ProposalStatus = _values(ExemptionProposal.Status)
MarkValue = _values(Mark.Value)
DecisionResult = _values(Decision.Result)
DeliberationStatus = _values(Deliberation.Status)
CredentialKind = _values(IssuedCredential.Kind)
BatchStatus = _values(IssuanceBatch.Status)
CheckVerdict = Literal[tuple(verdict.value for verdict in Verdict)]
ProposalResult = Literal[CERTIFIED, PARTIAL, NOT_CERTIFIED, INCOMPLETE]


def _absent(value: Any) -> bool:
    return value is None


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


# --- errors ------------------------------------------------------------------------------------------
class ErrorOut(Schema):
    """A refusal: what is wrong, how to fix it, and the input at fault when there is one."""

    detail: str
    hint: str = ""
    field: str | None = None


class ConflictOut(ErrorOut):
    """Someone else changed the object: ``current`` is what is stored now; nothing was saved."""

    current: dict[str, Any]


#: The refusals every authenticated endpoint may answer (409 is added where a conflict can happen).
ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- references ----------------------------------------------------------------------------------------
class CandidateOut(Schema):
    id: int
    last_name: str
    first_name: str
    email: str


class NamedOut(Schema):
    id: int
    name: str


class AccessRouteOut(Schema):
    route: str
    label: str


class CriterionRefOut(Schema):
    id: int
    code: str
    text: str


class CompetencyRefOut(Schema):
    id: int
    code: str
    text: str


class AssessmentRefOut(Schema):
    id: int
    code: str
    title: str


class FrameworkRefOut(Schema):
    id: int
    certification: str
    version: str

    @staticmethod
    def resolve_certification(obj) -> str:
        return obj.certification.code


# --- enrolments ----------------------------------------------------------------------------------------
class EnrolmentFilters(FilterSchema):
    provider: Annotated[int | None, FilterLookup("provider_id")] = Field(None, description="A provider's id.")
    status: Annotated[EnrolmentStatus | None, FilterLookup("status")] = None
    q: str | None = Field(None, description="Words of the candidate's last or first name.")

    def filter_q(self, value: str | None) -> Q:
        condition = Q()
        for word in (value or "").split():
            condition &= Q(candidate__last_name__icontains=word) | Q(candidate__first_name__icontains=word)
        return condition


class _EnrolmentFields(Schema):
    id: int
    candidate: CandidateOut
    certification: str = Field(description="The certification's code, e.g. RNCP39603.")
    framework_id: int
    framework_version: str
    access_route: AccessRouteOut
    provider: NamedOut | None
    cohort: NamedOut | None
    status: EnrolmentStatus
    prerequisites_met: bool = Field(description="Every stated entry and validation prerequisite is met.")
    unmet_prerequisites: list[str] = Field(description="The conditions not met or still to verify.")


def _prerequisites(enrolment: Enrolment):
    """The report of an enrolment whose evidence is prefetched (computed once per response)."""
    report = getattr(enrolment, "_api_prerequisites", None)
    if report is None:
        report = check_prerequisites(enrolment, list(enrolment.prerequisite_evidence.all()))
        enrolment._api_prerequisites = report
    return report


class EnrolmentOut(_EnrolmentFields):
    """An enrolment as lists show it (from ``visible_enrolments``, which loads all of this)."""

    @staticmethod
    def resolve_certification(obj: Enrolment) -> str:
        return obj.framework.certification.code

    @staticmethod
    def resolve_framework_version(obj: Enrolment) -> str:
        return obj.framework.version

    @staticmethod
    def resolve_prerequisites_met(obj: Enrolment) -> bool:
        return _prerequisites(obj).all_met

    @staticmethod
    def resolve_unmet_prerequisites(obj: Enrolment) -> list[str]:
        return _prerequisites(obj).unmet


class PrerequisiteConditionOut(Schema):
    text: str
    status: str = Field(description="met, unmet or to_verify.")
    alternative: bool = Field(description="An « or » to the condition before it.")


class PrerequisiteCaseOut(Schema):
    case: str
    route_text: str
    year: int | None
    status: str
    conditions: list[PrerequisiteConditionOut]


class PrerequisiteReportOut(Schema):
    entry_status: str | None
    validation_status: str | None
    all_met: bool
    unmet: list[str]
    entry: list[PrerequisiteCaseOut]
    validation: list[PrerequisiteCaseOut]


class PrerequisiteEvidenceIn(Schema):
    kind: EvidenceKind
    value: Decimal | None = Field(None, description="The figure shown (level, credits, months, hours).")
    condition: str = Field("", description="For a statement: the text of the condition it answers.")
    description: str
    link: str = ""


class PrerequisiteEvidenceOut(Schema):
    id: int
    kind: EvidenceKind
    value: float | None
    condition: str
    description: str
    link: str
    recorded_at: datetime.datetime
    verified_at: datetime.datetime | None


class AccommodationIn(Schema):
    extra_time_minutes: int | None = None
    assistance: str = ""
    adapted_materials: str = ""
    adapted_format: str = ""
    medical_details: str = Field("", description="Seen by the disability referent alone.")
    assessment_ids: list[int] = Field(default_factory=list, description="None: every assessment.")


class AccommodationUpdateIn(AccommodationIn):
    base_revision: int = Field(description="The revision you read; a newer stored one is a conflict (409).")


class AccommodationOut(Schema):
    id: int
    assessments: list[str] = Field(description="Codes of the assessments concerned; empty: all.")
    extra_time_minutes: int | None
    assistance: str
    adapted_materials: str
    adapted_format: str
    revision: int
    medical_details: str | None = Field(
        None, exclude_if=_absent, description="Present only for the disability referent."
    )

    @classmethod
    def build(cls, item: Accommodation, *, medical_details: bool) -> AccommodationOut:
        return cls(
            id=item.pk,
            assessments=[a.code for a in item.assessments.all()],
            extra_time_minutes=item.extra_time_minutes,
            assistance=item.assistance,
            adapted_materials=item.adapted_materials,
            adapted_format=item.adapted_format,
            revision=item.revision,
            medical_details=item.medical_details if medical_details else None,
        )


class ExemptionProposalIn(Schema):
    criterion_id: int
    opinion: str
    keeps_overall_capability: bool = Field(
        description="It does not call the candidate's overall professional capability into question."
    )
    not_applicable_to_future_practice: bool = Field(
        description="Given the disability, the criterion is not meant to apply in the future practice."
    )


class ExemptionProposalOut(Schema):
    id: int
    criterion: CriterionRefOut
    status: ProposalStatus
    opinion: str = Field(description="The referent's motivated opinion.")
    proposed_by: str
    proposed_at: datetime.datetime

    @staticmethod
    def resolve_proposed_by(obj) -> str:
        return obj.proposed_by.get_username()


class AdaptedConditionsOut(Schema):
    """What an evaluator must apply; never medical details."""

    extra_time_minutes: int | None
    assistance: str
    adapted_materials: str
    adapted_format: str


class AdaptedForAssessmentOut(Schema):
    assessment: AssessmentRefOut
    conditions: list[AdaptedConditionsOut]


class EnrolmentDetailOut(_EnrolmentFields):
    """An enrolment's page. What depends on who asks is chosen by the endpoint: ``accommodations``
    (with medical details) for the disability referent; ``adapted_conditions`` of the assessments
    they mark for an evaluator, of their own for the candidate; ``exemption_proposals`` for those who
    may read the opinions. The others receive these lists empty."""

    entry_year: int | None
    starts_on: datetime.date
    ends_on: datetime.date | None
    prerequisites: PrerequisiteReportOut
    prerequisite_evidence: list[PrerequisiteEvidenceOut]
    accommodations: list[AccommodationOut]
    adapted_conditions: list[AdaptedForAssessmentOut]
    exemption_proposals: list[ExemptionProposalOut]


def enrolment_detail(
    enrolment: Enrolment,
    *,
    accommodations: list[AccommodationOut],
    adapted_conditions: list[AdaptedForAssessmentOut],
    exemption_proposals: list[ExemptionProposal],
) -> dict[str, Any]:
    """The body of :class:`EnrolmentDetailOut` (a mapping: ninja validates it once, so the model
    instances in it go through their schemas' resolvers)."""
    return {
        **EnrolmentOut.from_orm(enrolment).model_dump(),
        "entry_year": enrolment.entry_year,
        "starts_on": enrolment.starts_on,
        "ends_on": enrolment.ends_on,
        "prerequisites": PrerequisiteReportOut.from_orm(_prerequisites(enrolment)),
        "prerequisite_evidence": list(enrolment.prerequisite_evidence.all()),
        "accommodations": accommodations,
        "adapted_conditions": adapted_conditions,
        "exemption_proposals": exemption_proposals,
    }


class StatusChangeIn(Schema):
    status: EnrolmentStatus
    reason: str = ""


class ConflictOfInterestIn(Schema):
    person: str = Field(description="The user name of the evaluator or jury member.")
    candidate_id: int
    nature: str = Field(description="For example: trained the candidate.")


class ConflictOfInterestOut(Schema):
    id: int
    person: str
    candidate_id: int
    nature: str
    declared_at: datetime.datetime

    @staticmethod
    def resolve_person(obj) -> str:
        return obj.person.get_username()


# --- progress ------------------------------------------------------------------------------------------
class CriterionProgressOut(Schema):
    id: int
    code: str
    text: str
    status: str = Field(description="met, not_met, pending, disagreement or exempted.")
    sitting_id: int | None = Field(description="The sitting the result comes from.")
    assignment_ids: list[int] = Field(description="The markings it comes from.")
    reconciled: bool


class CompetencyProgressOut(Schema):
    id: int
    code: str
    text: str
    status: str = Field(description="acquired, not_acquired or pending.")
    criteria: list[CriterionProgressOut]


class BlockProgressOut(Schema):
    id: int
    code: str
    title: str
    status: str = Field(description="validated, failed or pending.")
    competencies: list[CompetencyProgressOut]


class ProgressOut(Schema):
    enrolment_id: int
    published_only: bool = Field(description="Only sessions whose results are published are counted.")
    all_validated: bool
    counts: dict[str, int] = Field(description="How many criteria have each status.")
    blocks: list[BlockProgressOut]

    @classmethod
    def build(cls, matrix: ProgressMatrix, *, published_only: bool) -> ProgressOut:
        return cls(
            enrolment_id=matrix.enrolment.pk,
            published_only=published_only,
            all_validated=matrix.all_validated,
            counts=matrix.counts(),
            blocks=[
                BlockProgressOut(
                    id=row.block.pk,
                    code=row.block.code,
                    title=row.block.title,
                    status=row.status,
                    competencies=[
                        CompetencyProgressOut(
                            id=c.competency.pk,
                            code=c.competency.code,
                            text=c.competency.text,
                            status=c.status,
                            criteria=[
                                CriterionProgressOut(
                                    id=cell.criterion.pk,
                                    code=cell.criterion.code,
                                    text=cell.criterion.text,
                                    status=cell.status,
                                    sitting_id=cell.result.sitting_id if cell.result else None,
                                    assignment_ids=list(cell.result.assignment_ids) if cell.result else [],
                                    reconciled=bool(cell.result and cell.result.reconciled),
                                )
                                for cell in c.criteria
                            ],
                        )
                        for c in row.competencies
                    ],
                )
                for row in matrix.blocks
            ],
        )


# --- sessions ------------------------------------------------------------------------------------------
class SessionIn(Schema):
    framework_id: int
    title: str
    starts_on: datetime.date
    ends_on: datetime.date


class SessionOut(Schema):
    id: int
    title: str
    framework: FrameworkRefOut
    starts_on: datetime.date
    ends_on: datetime.date
    results_published_at: datetime.datetime | None


class ScheduledIn(Schema):
    assessment_id: int
    starts_at: datetime.datetime
    place: str = ""
    online: bool = False
    duration_minutes: int | None = None
    double_marking: bool = False
    collective_criterion_ids: list[int] = Field(
        default_factory=list, description="Criteria marked once per group (collective assessments)."
    )


class SittingOut(Schema):
    id: int
    enrolment_id: int
    candidate: CandidateOut
    group_id: int | None

    @staticmethod
    def resolve_candidate(obj) -> Any:
        return obj.enrolment.candidate


class GroupOut(Schema):
    id: int
    name: str
    sitting_ids: list[int]

    @staticmethod
    def resolve_sitting_ids(obj) -> list[int]:
        return [s.pk for s in obj.sittings.all()]


class AssignmentBriefOut(Schema):
    id: int
    evaluator: str
    sitting_id: int | None
    group_id: int | None
    rank: int
    status: str

    @staticmethod
    def resolve_evaluator(obj) -> str:
        return obj.evaluator.get_username()


class ScheduledOut(Schema):
    id: int
    assessment: AssessmentRefOut
    starts_at: datetime.datetime
    duration_minutes: int | None
    place: str
    online: bool
    double_marking: bool
    collective_criteria: list[CriterionRefOut]
    sittings: list[SittingOut]
    groups: list[GroupOut]
    assignments: list[AssignmentBriefOut]


class SessionDetailOut(SessionOut):
    scheduled: list[ScheduledOut]


class SeatIn(Schema):
    enrolment_ids: list[int]


class SeatOut(Schema):
    seated: int = Field(description="How many were newly seated (those already seated are left).")


class GroupIn(Schema):
    name: str
    sitting_ids: list[int]


class AssignIn(Schema):
    evaluator: str = Field(description="The evaluator's user name.")
    sitting_id: int | None = Field(None, description="A candidate's sitting, or…")
    group_id: int | None = Field(None, description="…a group (collective criteria).")
    rank: int = Field(1, description="2 for the second marker of a double-marked assessment.")


# --- grading -------------------------------------------------------------------------------------------
class AssignmentOut(Schema):
    id: int
    session: NamedOut
    assessment: AssessmentRefOut
    starts_at: datetime.datetime
    place: str
    online: bool
    evaluator: str
    rank: int
    status: str
    submitted_at: datetime.datetime | None
    sitting: SittingOut | None
    group: GroupOut | None
    candidates: list[CandidateOut] = Field(description="Who is marked: one candidate, or a group's.")

    @staticmethod
    def resolve_session(obj) -> dict:
        return {"id": obj.scheduled.session.pk, "name": obj.scheduled.session.title}

    @staticmethod
    def resolve_assessment(obj) -> Any:
        return obj.scheduled.assessment

    @staticmethod
    def resolve_starts_at(obj) -> datetime.datetime:
        return obj.scheduled.starts_at

    @staticmethod
    def resolve_place(obj) -> str:
        return obj.scheduled.place

    @staticmethod
    def resolve_online(obj) -> bool:
        return obj.scheduled.online

    @staticmethod
    def resolve_evaluator(obj) -> str:
        return obj.evaluator.get_username()

    @staticmethod
    def resolve_candidates(obj) -> list:
        if obj.sitting_id is not None:
            return [obj.sitting.enrolment.candidate]
        return [s.enrolment.candidate for s in obj.group.sittings.all()]


class MarkIn(Schema):
    value: MarkValue
    comment: str = Field("", description="Required when the criterion is not met.")
    base_revision: int = Field(description="The revision you read (0 for none); older is a conflict (409).")


class MarkOut(Schema):
    criterion_id: int
    value: MarkValue
    comment: str
    revision: int
    updated_by: str
    updated_at: datetime.datetime

    @staticmethod
    def resolve_updated_by(obj) -> str:
        return obj.updated_by.get_username()


class EvidenceLinkIn(Schema):
    url: str
    criterion_id: int | None = Field(None, description="The criterion it supports, if one.")
    description: str = ""


class EvidenceOut(Schema):
    id: int
    criterion_id: int | None
    kind: str = Field(description="file or link.")
    file_name: str
    content_type: str
    size: int | None
    sha256: str
    url: str
    description: str
    uploaded_by: str
    uploaded_at: datetime.datetime

    @staticmethod
    def resolve_kind(obj) -> str:
        return "file" if obj.file else "link"

    @staticmethod
    def resolve_file_name(obj) -> str:
        return obj.original_name

    @staticmethod
    def resolve_uploaded_by(obj) -> str:
        return obj.uploaded_by.get_username()


class GridCriterionOut(Schema):
    id: int
    code: str
    text: str
    heading: str
    mark: MarkOut | None
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_id(obj) -> int:
        return obj.criterion.pk

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.criterion.code

    @staticmethod
    def resolve_text(obj) -> str:
        return obj.criterion.text

    @staticmethod
    def resolve_heading(obj) -> str:
        return obj.criterion.heading


class GridSectionOut(Schema):
    competency: CompetencyRefOut | None
    criteria: list[GridCriterionOut]


class GridOut(Schema):
    assignment: AssignmentOut
    sections: list[GridSectionOut] = Field(description="Criteria by competency (a criterion may repeat).")
    deliverables: list[str]
    adapted_conditions: list[AdaptedConditionsOut]
    general_evidence: list[EvidenceOut] = Field(description="Evidence about no criterion in particular.")
    marked: int
    total: int
    complete: bool

    @staticmethod
    def resolve_adapted_conditions(obj: Grid) -> list:
        return obj.adapted

    @staticmethod
    def resolve_total(obj: Grid) -> int:
        return len(obj.criteria)


class ReopenIn(Schema):
    reason: str


class ReconciliationOut(Schema):
    value: MarkValue
    comment: str
    reconciled_by: str
    reconciled_at: datetime.datetime

    @staticmethod
    def resolve_reconciled_by(obj) -> str:
        return obj.reconciled_by.get_username()


class ComparisonOut(Schema):
    criterion: CriterionRefOut
    first: MarkOut | None
    second: MarkOut | None
    reconciliation: ReconciliationOut | None
    disagree: bool


class ReconcileIn(Schema):
    criterion_id: int
    value: MarkValue
    comment: str = Field(description="How the two markers agreed.")


# --- audit ---------------------------------------------------------------------------------------------
class AuditFilters(FilterSchema):
    object_type: str | None = Field(None, description="e.g. candidates.enrolment, assessment.assignment.")
    object_id: str | None = None
    action: str | None = Field(None, description="e.g. mark.save.")


class AuditEntryOut(Schema):
    id: int
    created_at: datetime.datetime
    actor: str | None
    action: str
    object_type: str
    object_id: str
    object_repr: str
    changes: dict[str, Any]
    reason: str

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return _username(obj.actor)


# --- jury ----------------------------------------------------------------------------------------------
class CandidateNameOut(Schema):
    """A candidate as the jury sees them: a name, no contact details."""

    id: int
    last_name: str
    first_name: str


class JuryEnrolmentOut(Schema):
    """The enrolment a proposal or a decision is about (from an enrolment with its candidate, access
    route and provider loaded)."""

    id: int
    candidate: CandidateNameOut
    access_route: AccessRouteOut
    provider: NamedOut | None


class BlockProposalOut(Schema):
    block_id: int
    code: str
    status: str = Field(description="validated, failed, pending or to_decide (an equivalence to rule on).")
    source: str = Field(description="The ground: graded, capitalised, correspondence, equivalence or vae.")
    graded_status: str = Field(description="What grading alone gives: validated, failed or pending.")
    ref: str = Field(description="The record behind a ground other than grading, e.g. validated_block:12.")


class ReasonOut(Schema):
    code: str = Field(
        description="prerequisites, pending, disagreement, to_decide, failed_blocks or no_blocks."
    )
    detail: str = Field(description="Codes of blocs or criteria, or the texts of unmet prerequisites.")


class ProposalOut(Schema):
    """The engine's proposal for one enrolment (the engine proposes, the jury decides)."""

    enrolment: JuryEnrolmentOut
    result: ProposalResult
    decision_result: str = Field(
        description="The result a decision following the proposal records (empty when incomplete)."
    )
    blocks: list[BlockProposalOut]
    reasons: list[ReasonOut]

    @classmethod
    def build(cls, proposal: Proposal, enrolment: Enrolment) -> ProposalOut:
        return cls(
            enrolment=JuryEnrolmentOut.from_orm(enrolment),
            result=proposal.result,
            decision_result=proposal.decision_result,
            blocks=[BlockProposalOut.from_orm(block) for block in proposal.blocks],
            reasons=[ReasonOut.from_orm(reason) for reason in proposal.reasons],
        )


class ProposalPageOut(Schema):
    on: datetime.date = Field(description="The day the proposals are computed for.")
    items: list[ProposalOut]
    count: int = Field(description="How many enrolments the session's deliberation decides on.")


class DeliberationFilters(FilterSchema):
    session: Annotated[int | None, FilterLookup("session_id")] = Field(None, description="A session's id.")
    status: Annotated[DeliberationStatus | None, FilterLookup("status")] = None


class DeliberationOut(Schema):
    id: int
    title: str
    session: NamedOut
    meets_on: datetime.date
    place: str
    status: DeliberationStatus
    rectifies_id: int | None = Field(description="The signed deliberation this one corrects.")
    created_at: datetime.datetime
    opened_at: datetime.datetime | None
    closed_at: datetime.datetime | None = Field(description="When the president closed it.")
    signed_at: datetime.datetime | None = Field(description="When the last member confirmed it.")

    @staticmethod
    def resolve_session(obj) -> dict:
        return {"id": obj.session.pk, "name": obj.session.title}


class JuryMemberOut(Schema):
    id: int
    username: str
    name: str
    role: str = Field(description="director, pedagogical_lead, external_professional or other.")
    is_professional: bool
    side: str = Field(description="employer or employee, for a professional; else empty.")
    organisation: str
    is_president: bool
    confirmed_at: datetime.datetime | None

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.get_username()

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.user.get_full_name() or obj.user.get_username()

    @staticmethod
    def resolve_confirmed_at(obj) -> datetime.datetime | None:
        confirmation = getattr(obj, "confirmation", None)
        return confirmation.confirmed_at if confirmation is not None else None


class DeliberationCountsOut(Schema):
    candidates: int
    decided: int
    undecided: int
    proposed: dict[str, int] = Field(description="Candidates per proposed result.")
    results: dict[str, int] = Field(description="Decisions per result.")
    confirmations: int


class MinutesOut(Schema):
    sha256: str
    size: int = Field(description="Bytes of the PDF.")
    generated_at: datetime.datetime


class DeliberationDetailOut(DeliberationOut):
    """A deliberation's page: given the deliberation with what the endpoint loaded for it
    (``_api_members``, ``_api_counts``, ``_api_minutes``)."""

    rectification_reason: str
    members: list[JuryMemberOut]
    counts: DeliberationCountsOut
    minutes: MinutesOut | None = Field(description="Present once the deliberation is signed.")

    @staticmethod
    def resolve_members(obj) -> list:
        return obj._api_members

    @staticmethod
    def resolve_counts(obj) -> dict[str, Any]:
        return obj._api_counts

    @staticmethod
    def resolve_minutes(obj) -> dict[str, Any] | None:
        return obj._api_minutes


class BlockDecisionOut(Schema):
    block_id: int
    code: str
    validated: bool
    proposed_status: str
    source: str

    @staticmethod
    def resolve_code(obj) -> str:
        return obj.block.code


class DecisionOut(Schema):
    id: int
    deliberation_id: int
    enrolment: JuryEnrolmentOut
    proposal: dict[str, Any] = Field(description="The engine's proposal the decision was taken on.")
    proposed_result: str
    result: str = Field(description="certified, partial, failed, absent or excused; empty until decided.")
    reason: str
    blocks: list[BlockDecisionOut]
    validated_blocks: list[str] = Field(description="Codes of the blocs the jury validated.")
    revision: int
    decided_by: str | None
    decided_at: datetime.datetime | None
    supersedes: int | None = Field(description="The decision of a signed deliberation this one corrects.")

    @staticmethod
    def resolve_validated_blocks(obj) -> list[str]:
        return [b.block.code for b in obj.blocks.all() if b.validated]

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return _username(obj.decided_by)

    @staticmethod
    def resolve_supersedes(obj) -> int | None:
        return obj.supersedes_id


class DecisionIn(Schema):
    result: DecisionResult
    validated_blocks: list[str] = Field(
        default_factory=list, description="Codes of the blocs the jury validates, e.g. RNCP39603BC01."
    )
    reason: str = Field("", description="Required when the decision differs from the proposal.")
    base_revision: int = Field(description="The revision you read; older is a conflict (409).")


# --- credentials ---------------------------------------------------------------------------------------
class CheckOut(Schema):
    verdict: CheckVerdict = Field(
        description="passed; failed; or not_checked (could not be checked offline, e.g. another issuer's "
        "status list)."
    )
    message: str


class CredentialSummaryOut(Schema):
    """What the credential says, read from the document whatever its checks (empty when absent)."""

    credential_id: str
    name: str
    issuer_id: str
    issuer_name: str
    subject_name: str
    achievement_name: str
    achievement_code: str
    achievement_type: str
    valid_from: str
    valid_until: str


class VerificationOut(Schema):
    """A verification report (``Report.as_dict``): the verdict, then each check on its own."""

    valid: bool = Field(description="True only when every check passed.")
    checks: dict[str, CheckOut] = Field(description=f"One entry per check: {', '.join(CHECKS)}.")
    credential: CredentialSummaryOut


class CredentialFilters(FilterSchema):
    deliberation: Annotated[int | None, FilterLookup("decision__deliberation_id")] = Field(
        None, description="A deliberation's id."
    )
    session: Annotated[int | None, FilterLookup("decision__deliberation__session_id")] = Field(
        None, description="A session's id."
    )
    revoked: bool | None = Field(None, description="true: only revoked credentials; false: only valid ones.")

    def filter_revoked(self, value: bool | None) -> Q:
        return Q() if value is None else Q(revoked_at__isnull=not value)


class CredentialOut(Schema):
    """A delivered credential (from a credential with its candidate, bloc, decision, session and key
    loaded)."""

    id: uuid.UUID
    kind: CredentialKind
    candidate: CandidateNameOut
    certification: str = Field(description="The certification's code, e.g. RNCP39603.")
    block: str | None = Field(description="The bloc's code, for a bloc attestation; null for a certificate.")
    deliberation_id: int
    session_id: int
    issued_at: datetime.datetime
    issuer: str = Field(description="The did:key of the key that signed it.")
    pdf_sha256: str
    verification_url: str = Field(description="The public page its QR code leads to.")
    revoked_at: datetime.datetime | None
    revocation_reason: str
    replaced_by: uuid.UUID | None = Field(description="The corrected credential that replaces it.")

    @staticmethod
    def resolve_certification(obj: IssuedCredential) -> str:
        return obj.decision.deliberation.session.framework.certification.code

    @staticmethod
    def resolve_block(obj: IssuedCredential) -> str | None:
        return obj.block_decision.block.code if obj.block_decision_id else None

    @staticmethod
    def resolve_deliberation_id(obj: IssuedCredential) -> int:
        return obj.decision.deliberation_id

    @staticmethod
    def resolve_session_id(obj: IssuedCredential) -> int:
        return obj.decision.deliberation.session_id

    @staticmethod
    def resolve_issuer(obj: IssuedCredential) -> str:
        return obj.key.did

    @staticmethod
    def resolve_verification_url(obj: IssuedCredential) -> str:
        return verification_url(obj.pk)

    @staticmethod
    def resolve_replaced_by(obj: IssuedCredential) -> uuid.UUID | None:
        return obj.replaced_by_id


class CredentialDetailOut(CredentialOut):
    document: dict[str, Any] = Field(
        description="The signed Open Badges 3.0 credential, as the candidate downloads it (its proof "
        "covers the content, not the layout)."
    )

    @staticmethod
    def resolve_document(obj: IssuedCredential) -> dict[str, Any]:
        return json.loads(obj.document)


class RevocationIn(Schema):
    reason: str = Field(description="Why it is revoked: shown to whoever verifies it.")


class IssuanceBatchOut(Schema):
    """A request to issue a signed deliberation's credentials, and how far it went."""

    id: int
    deliberation_id: int
    status: BatchStatus
    total: int = Field(description="Decisions to handle.")
    done: int = Field(description="Decisions handled so far.")
    issued: int = Field(description="Credentials issued by this batch (none is ever issued twice).")
    error: str = Field(description="Why the batch failed; empty otherwise.")
    requested_by: str | None
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_requested_by(obj: IssuanceBatch) -> str | None:
        return _username(obj.requested_by)
