"""The candidate's progress matrix: blocs × competencies × criteria with a live status.

Rules (DESIGN rules 1–2, seed 003 « chaque compétence est évaluée de manière indépendante »):
- a criterion is exempted when the jury granted an exemption (DESIGN rule 5), else it has its result
  (:mod:`.results`), else it is pending;
- a competency is acquired when every criterion linked to it is met or exempted (the default policy)
  or, under a threshold policy recorded on the framework, when the share of its non-exempted criteria
  that are met reaches the threshold; it is not acquired once that can no longer happen;
- a bloc is validated when all its competencies are acquired, failed when one is not acquired;
- the certification is obtained when all blocs are validated (proposals and decisions are the jury's,
  issue 4).
This module is the one place those rules are applied; pages, the API and the jury read it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from certiflow.assessment.domain.results import (
    DISAGREEMENT,
    MET,
    NOT_MET,
    PENDING,
    CriterionResult,
    criterion_results,
)
from certiflow.candidates.models import Enrolment, ExemptionProposal
from certiflow.frameworks.models import Block, Competency, Criterion, Framework

EXEMPTED = "exempted"
ACQUIRED, NOT_ACQUIRED = "acquired", "not_acquired"
VALIDATED, FAILED = "validated", "failed"
#: What satisfies a criterion under the default policy (DESIGN rule 5: an exemption never lowers).
_SATISFIED = frozenset((MET, EXEMPTED))


@dataclass(frozen=True)
class CriterionCell:
    criterion: Criterion
    status: str  # met, not_met, pending, disagreement, exempted
    result: CriterionResult | None


@dataclass(frozen=True)
class CompetencyRow:
    competency: Competency
    status: str  # acquired, not_acquired, pending
    criteria: list[CriterionCell]


@dataclass(frozen=True)
class BlockRow:
    block: Block
    status: str  # validated, failed, pending
    competencies: list[CompetencyRow]


@dataclass(frozen=True)
class ProgressMatrix:
    enrolment: Enrolment
    blocks: list[BlockRow]

    @property
    def validated_blocks(self) -> list[Block]:
        return [row.block for row in self.blocks if row.status == VALIDATED]

    @property
    def all_validated(self) -> bool:
        return bool(self.blocks) and all(row.status == VALIDATED for row in self.blocks)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = defaultdict(int)
        seen: set[int] = set()
        for block in self.blocks:
            for competency in block.competencies:
                for cell in competency.criteria:
                    if cell.criterion.pk not in seen:
                        seen.add(cell.criterion.pk)
                        counted[cell.status] += 1
        return dict(counted)


def competency_status(statuses: list[str], *, policy: str, threshold: Decimal | None) -> str:
    """The status of one competency from the statuses of its criteria (see the module docstring)."""
    if not statuses:
        return PENDING
    if policy == Framework.CompetencyPolicy.THRESHOLD and threshold is not None:
        # An exempted criterion counts as satisfied, so an exemption never lowers a result.
        satisfied = sum(s in (MET, EXEMPTED) for s in statuses)
        undecided = sum(s in (PENDING, DISAGREEMENT) for s in statuses)
        if satisfied >= threshold * len(statuses):
            return ACQUIRED
        return PENDING if satisfied + undecided >= threshold * len(statuses) else NOT_ACQUIRED
    # One set per competency rather than a scan per status: the jury engine calls this for every
    # competency of every candidate of a session.
    seen = set(statuses)
    if seen <= _SATISFIED:
        return ACQUIRED
    return NOT_ACQUIRED if NOT_MET in seen else PENDING


def block_status(statuses: list[str]) -> str:
    if statuses and all(s == ACQUIRED for s in statuses):
        return VALIDATED
    return FAILED if NOT_ACQUIRED in statuses else PENDING


@dataclass(frozen=True)
class _Structure:
    blocks: list[Block]
    competencies: dict[int, list[Competency]]
    criteria: dict[int, list[Criterion]]


def _structures(framework_ids: set[int]) -> dict[int, _Structure]:
    blocks: dict[int, list[Block]] = defaultdict(list)
    for block in Block.objects.filter(framework_id__in=framework_ids).order_by("position"):
        blocks[block.framework_id].append(block)
    competencies: dict[int, list[Competency]] = defaultdict(list)
    for competency in Competency.objects.filter(framework_id__in=framework_ids).order_by("position"):
        competencies[competency.block_id].append(competency)
    criteria: dict[int, list[Criterion]] = defaultdict(list)
    links = Criterion.competencies.through.objects.filter(criterion__framework_id__in=framework_ids)
    by_id = {
        c.pk: c for c in Criterion.objects.filter(framework_id__in=framework_ids).select_related("assessment")
    }
    for criterion_id, competency_id in links.values_list("criterion_id", "competency_id"):
        criteria[competency_id].append(by_id[criterion_id])
    for items in criteria.values():
        items.sort(key=lambda c: (c.assessment.position, c.position))
    return {
        framework_id: _Structure(blocks=blocks[framework_id], competencies=competencies, criteria=criteria)
        for framework_id in framework_ids
    }


def progress_matrices(
    enrolments: Iterable[Enrolment], *, published_only: bool = False
) -> dict[int, ProgressMatrix]:
    """The matrix of every enrolment given, in a fixed number of queries whatever their number.
    ``published_only`` keeps to sessions whose results are published (what a candidate may see)."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    frameworks = Framework.objects.in_bulk({e.framework_id for e in enrolments})
    structures = _structures(set(frameworks))
    results = criterion_results([e.pk for e in enrolments], published_only=published_only)
    exempted: dict[int, set[int]] = defaultdict(set)
    for enrolment_id, criterion_id in ExemptionProposal.objects.filter(
        enrolment__in=enrolments, status=ExemptionProposal.Status.GRANTED
    ).values_list("enrolment_id", "criterion_id"):
        exempted[enrolment_id].add(criterion_id)
    # Criterion ids looked up once per chunk, not once per cell (``.pk`` goes through the model's
    # meta): a session's matrices have tens of cells per candidate.
    cells_of = {
        competency_id: [(criterion, criterion.pk) for criterion in criteria]
        for structure in structures.values()
        for competency_id, criteria in structure.criteria.items()
    }
    matrices = {}
    nothing: dict[int, CriterionResult] = {}
    for enrolment in enrolments:
        framework = frameworks[enrolment.framework_id]
        policy, threshold = framework.competency_policy, framework.policy_threshold
        structure = structures[enrolment.framework_id]
        mine, excused = results.get(enrolment.pk, nothing), exempted.get(enrolment.pk, ())
        block_rows = []
        for block in structure.blocks:
            competency_rows = []
            for competency in structure.competencies[block.pk]:
                cells = []
                for criterion, criterion_id in cells_of.get(competency.pk, ()):
                    result = mine.get(criterion_id)
                    if criterion_id in excused:
                        status = EXEMPTED
                    else:
                        status = result.status if result is not None else PENDING
                    cells.append(CriterionCell(criterion=criterion, status=status, result=result))
                status = competency_status([c.status for c in cells], policy=policy, threshold=threshold)
                competency_rows.append(CompetencyRow(competency=competency, status=status, criteria=cells))
            block_rows.append(
                BlockRow(
                    block=block,
                    status=block_status([r.status for r in competency_rows]),
                    competencies=competency_rows,
                )
            )
        matrices[enrolment.pk] = ProgressMatrix(enrolment=enrolment, blocks=block_rows)
    return matrices


def progress_matrix(enrolment: Enrolment, *, published_only: bool = False) -> ProgressMatrix:
    return progress_matrices([enrolment], published_only=published_only)[enrolment.pk]
