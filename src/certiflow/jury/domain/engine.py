"""The deliberation engine: what the jury is proposed for each enrolment presented.

The engine proposes, the jury decides (DESIGN rule 7). For each enrolment it proposes a status per
criterion, competency and bloc (the progress matrix, DESIGN rules 1–2 and 5) and an overall result:

- a bloc is validated when it is **capitalised** (validated by an earlier jury for the same bloc, or
  the bloc of the same code in an earlier version of the same certification, while the certification
  is registered: seed 003 « Chaque bloc de compétences est capitalisable durant toute la durée de la
  certification »), when it is **carried over** by the correspondence table from a bloc the candidate
  holds (DESIGN rule 3: after the registration end, « only through a correspondence »), when the jury
  **accepted an equivalence or a VAE** for it (seed 003 « il revient au candidat de présenter cette
  équivalence au jury pour validation »), or when it is **validated in grading**; an equivalence the
  jury has not ruled on yet leaves the bloc ``to_decide``;
- the result is ``certified`` when every bloc is validated (seed 003 « L'obtention de la certification
  est conditionnée à la validation de l'ensemble des blocs de compétences ») and the validation
  prerequisites are met (DESIGN rule 8; otherwise it cannot be certified, and the reason says which
  prerequisite is missing — seed 003 lists « Avoir validé les conditions d'accès à la formation » among
  the validation prerequisites, so unmet entry conditions count too); ``partial`` with the validated blocs; ``not_certified`` when no bloc is
  validated; ``incomplete`` while a bloc still waits for a result, a reconciliation or a ruling.

:func:`propose` is pure: it reads only the facts it is given. :func:`proposal_for` loads the facts of
one enrolment; :func:`proposals` loads them for many enrolments in a fixed number of queries per chunk
(no query per candidate). Both feed the same :func:`propose`; tests check they agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from itertools import islice
from typing import Any

from django.db.models import QuerySet

from certiflow.assessment.domain.progress import (
    FAILED,
    PENDING,
    VALIDATED,
    ProgressMatrix,
    progress_matrices,
    progress_matrix,
)
from certiflow.assessment.domain.results import DISAGREEMENT
from certiflow.assessment.domain.results import PENDING as CRITERION_PENDING
from certiflow.assessment.models import Session, Sitting
from certiflow.candidates.domain.prerequisites import check_prerequisites
from certiflow.candidates.models import Enrolment
from certiflow.frameworks.models import Block, Correspondence
from certiflow.jury.models import BlockDecision, Equivalence, ValidatedBlock

Source = BlockDecision.Source

CERTIFIED, PARTIAL, NOT_CERTIFIED, INCOMPLETE = "certified", "partial", "not_certified", "incomplete"
#: A bloc waiting for the jury's ruling on an equivalence or a VAE presented for it.
TO_DECIDE = "to_decide"

#: The decision result that follows each proposal; ``incomplete`` has none (the jury says what it does).
DECISION_FOR = {CERTIFIED: "certified", PARTIAL: "partial", NOT_CERTIFIED: "failed", INCOMPLETE: ""}

#: Order of the bloc statuses, lowest first: "never lowers" properties compare with it.
BLOCK_RANK = {FAILED: 0, PENDING: 1, TO_DECIDE: 1, VALIDATED: 2}


@dataclass(frozen=True)
class HeldBlock:
    """A bloc the candidate already holds, as the database records it (one row of ValidatedBlock)."""

    id: int
    block_id: int
    block_code: str
    certification_id: int
    valid_until: date | None


@dataclass(frozen=True)
class PresentedEquivalence:
    id: int
    block_id: int
    kind: str  # Equivalence.Kind
    status: str  # Equivalence.Status


@dataclass(frozen=True)
class Ground:
    """Why a bloc is validated without (or before) grading, and the record that proves it."""

    source: str  # BlockDecision.Source
    ref: str  # "validated_block:12", "equivalence:3", "correspondence:5+validated_block:12"
    decided: bool = True


@dataclass(frozen=True)
class BlockProposal:
    block_id: int
    code: str
    status: str  # validated, failed, pending, to_decide
    source: str  # BlockDecision.Source
    graded_status: str  # what grading alone gives: validated, failed, pending
    ref: str = ""  # the record behind a non-graded ground


@dataclass(frozen=True)
class Reason:
    """Why the result is not ``certified`` (or why it is only proposed): ``code`` for programs,
    ``detail`` (codes of blocs or criteria, texts of prerequisites) for people."""

    code: str  # prerequisites, pending, disagreement, to_decide, failed_blocks, no_blocks
    detail: str


@dataclass(frozen=True)
class Proposal:
    enrolment_id: int
    result: str  # certified, partial, not_certified, incomplete
    blocks: tuple[BlockProposal, ...]
    reasons: tuple[Reason, ...]
    matrix: ProgressMatrix | None = None  # the drill-down; not part of the comparison or the snapshot

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Proposal)
            and self.enrolment_id == other.enrolment_id
            and self.snapshot() == other.snapshot()
        )

    def __hash__(self) -> int:
        return hash((self.enrolment_id, self.result, self.blocks, self.reasons))

    @property
    def decision_result(self) -> str:
        return DECISION_FOR[self.result]

    @property
    def validated_block_ids(self) -> set[int]:
        return {b.block_id for b in self.blocks if b.status == VALIDATED}

    def block(self, block_id: int) -> BlockProposal | None:
        return next((b for b in self.blocks if b.block_id == block_id), None)

    def snapshot(self) -> dict[str, Any]:
        """What a decision keeps of the proposal it was taken on (JSON)."""
        return {
            "result": self.result,
            "blocks": [asdict(b) for b in self.blocks],
            "reasons": [asdict(r) for r in self.reasons],
        }


def grounds(
    *,
    blocks: Sequence[Block],
    certification_id: int,
    held: Iterable[HeldBlock],
    equivalences: Iterable[PresentedEquivalence],
    correspondences: Mapping[int, Sequence[tuple[int, int]]],
    on: date,
) -> dict[int, Ground]:
    """For each bloc of the référentiel the candidate may have without grading, the best ground.

    ``correspondences`` maps a bloc of this référentiel to the (correspondence id, bloc held) pairs that
    carry over to it. Order of preference: the jury's own earlier validation, the correspondence table,
    then an accepted equivalence; a presented equivalence comes last and is not decided.
    """
    held = list(held)
    live_by_block = {h.block_id: h for h in held}
    result: dict[int, Ground] = {}
    for block in blocks:
        same = live_by_block.get(block.pk) or next(
            (h for h in held if h.certification_id == certification_id and h.block_code == block.code), None
        )
        if same is not None and (same.valid_until is None or on <= same.valid_until):
            result[block.pk] = Ground(Source.CAPITALISED, f"validated_block:{same.id}")
            continue
        carried = next(
            (
                (correspondence_id, live_by_block[from_id])
                for correspondence_id, from_id in correspondences.get(block.pk, ())
                if from_id in live_by_block
            ),
            None,
        )
        if carried is not None:
            correspondence_id, source = carried
            result[block.pk] = Ground(
                Source.CORRESPONDENCE, f"correspondence:{correspondence_id}+validated_block:{source.id}"
            )
            continue
        mine = [e for e in equivalences if e.block_id == block.pk]
        accepted = next((e for e in mine if e.status == Equivalence.Status.ACCEPTED), None)
        presented = next((e for e in mine if e.status == Equivalence.Status.PRESENTED), None)
        if accepted is not None:
            result[block.pk] = Ground(_source_of(accepted), f"equivalence:{accepted.id}")
        elif presented is not None:
            result[block.pk] = Ground(_source_of(presented), f"equivalence:{presented.id}", decided=False)
    return result


def _source_of(equivalence: PresentedEquivalence) -> str:
    return Source.VAE if equivalence.kind == Equivalence.Kind.VAE else Source.EQUIVALENCE


def propose(
    *, matrix: ProgressMatrix, grounds: Mapping[int, Ground], prerequisites_unmet: Sequence[str]
) -> Proposal:
    """The proposal for one enrolment (see the module docstring). Pure: no database access."""
    blocks: list[BlockProposal] = []
    pending: list[str] = []
    disagreements: list[str] = []
    for row in matrix.blocks:
        ground = grounds.get(row.block.pk)
        if ground is not None and ground.decided:
            status, source, ref = VALIDATED, ground.source, ground.ref
        elif row.status == VALIDATED:
            status, source, ref = VALIDATED, Source.GRADED, ""
        elif ground is not None:
            status, source, ref = TO_DECIDE, ground.source, ground.ref
        else:
            status, source, ref = row.status, Source.GRADED, ""
        blocks.append(
            BlockProposal(
                block_id=row.block.pk,
                code=row.block.code,
                status=status,
                source=source,
                graded_status=row.status,
                ref=ref,
            )
        )
        if status == PENDING:
            for competency in row.competencies:
                for cell in competency.criteria:
                    code = cell.criterion.code
                    if cell.status == DISAGREEMENT and code not in disagreements:
                        disagreements.append(code)
                    elif cell.status == CRITERION_PENDING and code not in pending:
                        pending.append(code)

    reasons: list[Reason] = []
    statuses = [b.status for b in blocks]
    if disagreements:
        reasons.append(Reason("disagreement", ", ".join(disagreements)))
    if pending:
        reasons.append(Reason("pending", ", ".join(pending)))
    to_decide = [b.code for b in blocks if b.status == TO_DECIDE]
    if to_decide:
        reasons.append(Reason("to_decide", ", ".join(to_decide)))
    failed = [b.code for b in blocks if b.status == FAILED]
    if failed:
        reasons.append(Reason("failed_blocks", ", ".join(failed)))
    if not blocks:
        reasons.append(Reason("no_blocks", ""))

    if PENDING in statuses or TO_DECIDE in statuses:
        result = INCOMPLETE
    elif blocks and all(s == VALIDATED for s in statuses):
        result = PARTIAL if prerequisites_unmet else CERTIFIED
    elif VALIDATED in statuses:
        result = PARTIAL
    else:
        result = NOT_CERTIFIED
    if prerequisites_unmet and result != NOT_CERTIFIED:
        # DESIGN rule 8: shown to the jury; an unmet validation prerequisite stops certification.
        reasons.append(Reason("prerequisites", " ; ".join(prerequisites_unmet)))
    return Proposal(
        enrolment_id=matrix.enrolment.pk,
        result=result,
        blocks=tuple(blocks),
        reasons=tuple(reasons),
        matrix=matrix,
    )


# --- loading the facts --------------------------------------------------------------------------------


def presented_enrolments(session: Session) -> QuerySet[Enrolment]:
    """Who a session's deliberation decides on: every enrolment seated in one of its assessments and
    every enrolment of its référentiel presenting an equivalence or a VAE not yet ruled on; never a
    withdrawn candidate."""
    seated = Sitting.objects.filter(scheduled__session=session).values("enrolment_id")
    presenting = Equivalence.objects.filter(
        enrolment__framework_id=session.framework_id, status=Equivalence.Status.PRESENTED
    ).values("enrolment_id")
    return (
        # One hashed UNION, not two OR-ed subqueries: PostgreSQL rescans an OR-ed subquery for every
        # enrolment once it outgrows work_mem, which made 100,000 candidates never finish.
        Enrolment.objects.filter(pk__in=seated.order_by().union(presenting.order_by()))
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .order_by("candidate__last_name", "candidate__first_name", "pk")
    )


def _correspondences(block_ids: set[int]) -> dict[int, list[tuple[int, int]]]:
    table: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rows = Correspondence.objects.filter(to_block_id__in=block_ids).order_by("pk")
    for pk, to_id, from_id in rows.values_list("pk", "to_block_id", "from_block_id"):
        table[to_id].append((pk, from_id))
    return table


def _held_rows(candidate_ids: Iterable[int], excluding: Collection[int]) -> QuerySet[ValidatedBlock]:
    """Live validated blocs, except those of the decisions being corrected (``excluding``)."""
    return ValidatedBlock.objects.filter(
        candidate_id__in=list(candidate_ids), revoked_by__isnull=True
    ).exclude(block_decision__decision_id__in=list(excluding))


def _held(candidate_ids: Iterable[int], excluding: Collection[int]) -> dict[int, list[HeldBlock]]:
    held: dict[int, list[HeldBlock]] = defaultdict(list)
    rows = _held_rows(candidate_ids, excluding).values_list(
        "pk", "candidate_id", "block_id", "block__code", "block__framework__certification_id", "valid_until"
    )
    for pk, candidate_id, block_id, code, certification_id, valid_until in rows.order_by("pk"):
        held[candidate_id].append(HeldBlock(pk, block_id, code, certification_id, valid_until))
    return held


def _equivalences(enrolment_ids: Iterable[int]) -> dict[int, list[PresentedEquivalence]]:
    found: dict[int, list[PresentedEquivalence]] = defaultdict(list)
    rows = Equivalence.objects.filter(
        enrolment_id__in=list(enrolment_ids),
        status__in=[Equivalence.Status.PRESENTED, Equivalence.Status.ACCEPTED],
    ).values_list("pk", "enrolment_id", "block_id", "kind", "status")
    for pk, enrolment_id, block_id, kind, status in rows.order_by("pk"):
        found[enrolment_id].append(PresentedEquivalence(pk, block_id, kind, status))
    return found


def _enrolments(ids: Iterable[int]) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(pk__in=list(ids))
        .select_related("framework__certification", "access_route", "candidate")
        .prefetch_related("prerequisite_evidence")
        .order_by("candidate__last_name", "candidate__first_name", "pk")
    )


def _propose_all(enrolments: list[Enrolment], *, on: date, excluding: Collection[int]) -> list[Proposal]:
    matrices = progress_matrices(enrolments)
    framework_blocks: dict[int, list[Block]] = {}
    for matrix in matrices.values():
        framework_blocks.setdefault(matrix.enrolment.framework_id, [row.block for row in matrix.blocks])
    table = _correspondences({b.pk for blocks in framework_blocks.values() for b in blocks})
    held = _held({e.candidate_id for e in enrolments}, excluding)
    equivalences = _equivalences(e.pk for e in enrolments)
    proposals = []
    for enrolment in enrolments:
        report = check_prerequisites(enrolment, list(enrolment.prerequisite_evidence.all()))
        proposals.append(
            propose(
                matrix=matrices[enrolment.pk],
                grounds=grounds(
                    blocks=framework_blocks[enrolment.framework_id],
                    certification_id=enrolment.framework.certification_id,
                    held=held[enrolment.candidate_id],
                    equivalences=equivalences[enrolment.pk],
                    correspondences=table,
                    on=on,
                ),
                prerequisites_unmet=[] if report.all_met else report.unmet,
            )
        )
    return proposals


def proposals(
    enrolment_ids: Iterable[int], *, on: date, excluding: Collection[int] = (), chunk_size: int = 2000
) -> Iterator[Proposal]:
    """Proposals for many enrolments, set-based: a fixed number of queries per chunk of
    ``chunk_size`` enrolments, whatever the number of candidates, so memory stays bounded.
    ``excluding`` names decisions being rectified: the blocs they validated are not counted as held."""
    ids = iter(enrolment_ids)
    while chunk := list(islice(ids, chunk_size)):
        yield from _propose_all(_enrolments(chunk), on=on, excluding=excluding)


def session_proposals(session: Session, *, on: date, chunk_size: int = 2000) -> Iterator[Proposal]:
    """Proposals for everyone a session's deliberation decides on (:func:`presented_enrolments`)."""
    ids = list(presented_enrolments(session).values_list("pk", flat=True))
    return proposals(ids, on=on, chunk_size=chunk_size)


def proposal_for(enrolment: Enrolment, *, on: date, excluding: Collection[int] = ()) -> Proposal:
    """The proposal for one enrolment, from that enrolment's own records (``excluding``: see
    :func:`proposals`)."""
    matrix = progress_matrix(enrolment)
    blocks = [row.block for row in matrix.blocks]
    held = [
        HeldBlock(v.pk, v.block_id, v.block.code, v.block.framework.certification_id, v.valid_until)
        for v in _held_rows([enrolment.candidate_id], excluding)
        .select_related("block__framework")
        .order_by("pk")
    ]
    equivalences = [
        PresentedEquivalence(e.pk, e.block_id, e.kind, e.status)
        for e in enrolment.equivalences.filter(
            status__in=[Equivalence.Status.PRESENTED, Equivalence.Status.ACCEPTED]
        ).order_by("pk")
    ]
    table: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for correspondence in Correspondence.objects.filter(to_block__in=blocks).order_by("pk"):
        table[correspondence.to_block_id].append((correspondence.pk, correspondence.from_block_id))
    report = check_prerequisites(enrolment)
    return propose(
        matrix=matrix,
        grounds=grounds(
            blocks=blocks,
            certification_id=enrolment.framework.certification_id,
            held=held,
            equivalences=equivalences,
            correspondences=table,
            on=on,
        ),
        prerequisites_unmet=[] if report.all_met else report.unmet,
    )


def held_blocks(enrolments: Iterable[Enrolment], *, on: date) -> dict[int, set[int]]:
    """{enrolment id: ids of the blocs of its référentiel it holds without being evaluated on them}
    (a decided ground of :func:`grounds`), in a fixed number of queries."""
    enrolments = list(enrolments)
    blocks: dict[int, list[Block]] = defaultdict(list)
    for block in Block.objects.filter(framework_id__in={e.framework_id for e in enrolments}).select_related(
        "framework"
    ):
        blocks[block.framework_id].append(block)
    table = _correspondences({b.pk for found in blocks.values() for b in found})
    held = _held({e.candidate_id for e in enrolments}, ())
    equivalences = _equivalences(e.pk for e in enrolments)
    return {
        e.pk: {
            block_id
            for block_id, ground in grounds(
                blocks=blocks[e.framework_id],
                certification_id=blocks[e.framework_id][0].framework.certification_id
                if blocks[e.framework_id]
                else 0,
                held=held[e.candidate_id],
                equivalences=equivalences[e.pk],
                correspondences=table,
                on=on,
            ).items()
            if ground.decided
        }
        for e in enrolments
    }
