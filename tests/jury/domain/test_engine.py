"""The deliberation engine: what it proposes to the jury (DESIGN rules 1–5, 7, 8; seed 003).

Seed 003 (« Description des modalités d'acquisition de la certification par capitalisation des blocs de
compétences et/ou par correspondance »):
« L'obtention de la certification est conditionnée à la validation de l'ensemble des blocs de
compétences. Chaque bloc de compétences est capitalisable durant toute la durée de la certification. En
cas d'équivalence, que ce soit par VAE et/ou obtention d'un bloc de compétences ou d'une certification
équivalente, il revient au candidat de présenter cette équivalence au jury pour validation. »
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from certiflow.assessment.domain.progress import (
    EXEMPTED,
    BlockRow,
    CompetencyRow,
    CriterionCell,
    ProgressMatrix,
    block_status,
    competency_status,
)
from certiflow.assessment.domain.results import DISAGREEMENT, MET, NOT_MET, PENDING
from certiflow.candidates.domain.accommodations import propose_exemption
from certiflow.candidates.domain.enrolments import transition
from certiflow.candidates.domain.prerequisites import record_evidence, verify_evidence
from certiflow.candidates.models import Enrolment, ExemptionProposal, PrerequisiteEvidence
from certiflow.frameworks.models import Block, Competency, Correspondence, Criterion, Framework
from certiflow.jury.domain.deliberations import present_equivalence, rule_on_equivalence, rule_on_exemption
from certiflow.jury.domain.engine import (
    BLOCK_RANK,
    CERTIFIED,
    INCOMPLETE,
    NOT_CERTIFIED,
    PARTIAL,
    TO_DECIDE,
    VALIDATED,
    Ground,
    presented_enrolments,
    proposal_for,
    proposals,
    propose,
    session_proposals,
)
from certiflow.jury.models import BlockDecision, Deliberation, Equivalence, ValidatedBlock
from tests.factories import (
    BlockFactory,
    CertificationFactory,
    FrameworkFactory,
)
from tests.jury.conftest import (
    ALL_MET,
    BC01_ONLY,
    EXPERIENCE,
    MEETS_ON,
    NONE_MET,
    VALIDATION_PREREQUISITES,
    build_jury_world,
)

Source = BlockDecision.Source


def reasons(proposal):
    return {r.code: r.detail for r in proposal.reasons}


def statuses(proposal):
    return {b.code: b.status for b in proposal.blocks}


def sources(proposal):
    return {b.code: b.source for b in proposal.blocks}


# --- graded blocs -------------------------------------------------------------------------------------
def test_proposal_for_every_bloc_validated_is_certified(world):
    # seed 003: « L'obtention de la certification est conditionnée à la validation de l'ensemble des blocs »
    enrolment = world.enrolments[0]
    world.grade(enrolment, ALL_MET)

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    assert statuses(proposal) == {"RNCP39603BC01": VALIDATED, "RNCP39603BC02": VALIDATED}
    assert set(sources(proposal).values()) == {Source.GRADED}
    assert proposal.reasons == ()
    assert proposal.decision_result == "certified"


def test_proposal_for_some_blocs_validated_is_partial_with_the_validated_blocs(world):
    # DESIGN rule 2: « Partial success yields bloc attestations. »
    enrolment = world.enrolments[0]
    world.grade(enrolment, BC01_ONLY)

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == PARTIAL
    assert proposal.validated_block_ids == {world.blocks[0].pk}
    assert statuses(proposal)["RNCP39603BC02"] == "failed"
    assert reasons(proposal) == {"failed_blocks": "RNCP39603BC02"}


def test_proposal_for_no_bloc_validated_is_not_certified(world):
    # seed 003: certification needs every bloc; no bloc validated gives nothing to attest.
    enrolment = world.enrolments[0]
    world.grade(enrolment, NONE_MET)

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == NOT_CERTIFIED
    assert proposal.validated_block_ids == set()
    assert reasons(proposal) == {"failed_blocks": "RNCP39603BC01, RNCP39603BC02"}
    assert proposal.decision_result == "failed"


def test_proposal_for_criteria_not_graded_is_incomplete_naming_them(world):
    # DESIGN rule 7: the engine proposes only what the results support; the rest is left to the jury.
    enrolment = world.enrolments[0]
    world.grade(enrolment, {"E1.1": MET, "E1.2": MET})
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET}, submit=False)  # a draft is not a result

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == INCOMPLETE
    assert statuses(proposal) == {"RNCP39603BC01": VALIDATED, "RNCP39603BC02": PENDING}
    assert reasons(proposal) == {"pending": "E2.1, E2.2"}
    assert proposal.decision_result == ""


def test_proposal_for_a_disagreement_of_markers_is_incomplete_naming_the_criterion(db):
    # DESIGN « double marking »: two independent markings reconciled; until then the jury cannot lean on it.
    world = build_jury_world(double_marking=True, candidates=1)
    enrolment = world.enrolments[0]
    world.grade(enrolment, ALL_MET, rank=1)
    world.grade(enrolment, {**ALL_MET, "E2.1": NOT_MET}, rank=2)

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == INCOMPLETE
    assert statuses(proposal)["RNCP39603BC02"] == PENDING
    assert reasons(proposal) == {"disagreement": "E2.1"}


# --- disability exemptions ------------------------------------------------------------------------------
def test_proposal_for_a_granted_exemption_the_criterion_never_causes_failure(world):
    # seed 003: « le jury de certification peut décider d'exempter le candidat de certains critères
    # d'évaluation » — an exempted criterion is not held against the candidate.
    enrolment = world.enrolments[0]
    world.grade(enrolment, BC01_ONLY)  # E2.2 not met
    exemption = propose_exemption(
        actor=world.admin,
        enrolment=enrolment,
        criterion=world.criteria["E2.2"],
        opinion="Avis motivé du référent handicap : la prise de parole longue ne relève pas du poste visé",
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
    )
    deliberation = world.open()
    assert proposal_for(enrolment, on=MEETS_ON).result == PARTIAL

    rule_on_exemption(
        actor=world.jurors["director"],
        deliberation=deliberation,
        proposal=exemption,
        granted=True,
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
        reason="Les deux conditions cumulatives sont remplies",
    )
    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    cells = {
        c.criterion.code: c.status for b in proposal.matrix.blocks for r in b.competencies for c in r.criteria
    }
    assert cells["E2.2"] == EXEMPTED


def test_proposal_for_an_exemption_only_proposed_changes_nothing(world):
    # seed 003: the referent proposes (« sur avis motivé »), the jury decides.
    enrolment = world.enrolments[0]
    world.grade(enrolment, BC01_ONLY)
    propose_exemption(
        actor=world.admin,
        enrolment=enrolment,
        criterion=world.criteria["E2.2"],
        opinion="Avis motivé du référent handicap",
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
    )

    assert proposal_for(enrolment, on=MEETS_ON).result == PARTIAL


# --- capitalised blocs ----------------------------------------------------------------------------------
def test_proposal_for_a_capitalised_bloc_valid_on_the_date_counts(world):
    # seed 003: « Chaque bloc de compétences est capitalisable durant toute la durée de la certification »
    enrolment = world.enrolments[0]
    held = world.hold(enrolment.candidate, world.blocks[0])
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})  # BC01 not sat again

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    bc01 = proposal.block(world.blocks[0].pk)
    assert (bc01.status, bc01.source, bc01.ref) == (
        VALIDATED,
        Source.CAPITALISED,
        f"validated_block:{held.pk}",
    )
    assert bc01.graded_status == PENDING


def test_proposal_for_a_capitalised_bloc_counts_on_its_last_valid_day(world):
    # seed 003: capitalised « durant toute la durée » — the registration end day included.
    enrolment = world.enrolments[0]
    world.hold(enrolment.candidate, world.blocks[0], valid_until=MEETS_ON)
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})

    assert proposal_for(enrolment, on=MEETS_ON).result == CERTIFIED


def test_proposal_for_a_capitalised_bloc_expired_does_not_count(world):
    # DESIGN rule 3: capitalised for the registration period; « afterwards it carries over only through a
    # correspondence ».
    enrolment = world.enrolments[0]
    world.hold(enrolment.candidate, world.blocks[0], valid_until=MEETS_ON - datetime.timedelta(days=1))
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == INCOMPLETE
    assert proposal.block(world.blocks[0].pk).source == Source.GRADED
    assert reasons(proposal) == {"pending": "E1.1, E1.2"}


def test_proposal_for_an_expired_bloc_with_a_correspondence_carries_over(world):
    # DESIGN rule 3: after the registration end, a bloc « carries over only through a correspondence to
    # the new certification » (seed 003 « par correspondance »).
    old_certification = CertificationFactory(code="RNCP37040", valid_until=datetime.date(2024, 12, 31))
    old_block = BlockFactory(
        framework=FrameworkFactory(certification=old_certification), code="RNCP37040BC01"
    )
    correspondence = Correspondence.objects.create(
        from_block=old_block, to_block=world.blocks[0], source="Tableau de correspondance de la fiche"
    )
    enrolment = world.enrolments[0]
    held = world.hold(enrolment.candidate, old_block, valid_until=datetime.date(2024, 12, 31))
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    bc01 = proposal.block(world.blocks[0].pk)
    assert (bc01.status, bc01.source) == (VALIDATED, Source.CORRESPONDENCE)
    assert bc01.ref == f"correspondence:{correspondence.pk}+validated_block:{held.pk}"


def test_proposal_for_an_expired_bloc_of_another_certification_without_correspondence_does_not_count(world):
    # DESIGN rule 3: no correspondence, no carry-over.
    old_certification = CertificationFactory(code="RNCP37040", valid_until=datetime.date(2024, 12, 31))
    old_block = BlockFactory(
        framework=FrameworkFactory(certification=old_certification), code="RNCP37040BC01"
    )
    enrolment = world.enrolments[0]
    world.hold(enrolment.candidate, old_block, valid_until=datetime.date(2024, 12, 31))
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})

    assert proposal_for(enrolment, on=MEETS_ON).result == INCOMPLETE


def test_proposal_for_the_bloc_of_the_same_code_in_an_earlier_version_counts(world):
    # DESIGN glossary: « a new référentiel is a new version »; seed 003: the bloc stays capitalised for the
    # whole registration of the certification, whatever version it was obtained in.
    earlier = FrameworkFactory(certification=world.certification, version="2023")
    earlier_bc01 = BlockFactory(framework=earlier, code="RNCP39603BC01", position=1)
    enrolment = world.enrolments[0]
    held = world.hold(enrolment.candidate, earlier_bc01)
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    assert proposal.block(world.blocks[0].pk).ref == f"validated_block:{held.pk}"


def test_proposal_for_the_bloc_of_the_same_code_in_another_certification_does_not_count(world):
    # Capitalisation is within one certification (seed 003); another certification needs a correspondence.
    other = FrameworkFactory(certification=CertificationFactory(code="RNCP11111"))
    homonym = BlockFactory(framework=other, code="RNCP39603BC01")
    enrolment = world.enrolments[0]
    world.hold(enrolment.candidate, homonym)
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})

    assert proposal_for(enrolment, on=MEETS_ON).result == INCOMPLETE


def test_proposal_for_a_revoked_validated_bloc_does_not_count(world):
    # DESIGN rule 7: corrections are new, linked records — a rectification revokes what it corrects.
    enrolment = world.enrolments[0]
    held = world.hold(enrolment.candidate, world.blocks[0])
    ValidatedBlock.objects.filter(pk=held.pk).update(revoked_by=held.block_decision.decision.deliberation)
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == INCOMPLETE
    assert proposal.block(world.blocks[0].pk).source == Source.GRADED


def test_proposal_for_a_capitalised_bloc_of_another_candidate_does_not_count(world):
    first, second = world.enrolments
    world.hold(first.candidate, world.blocks[0])
    world.grade(second, {"E2.1": MET, "E2.2": MET})

    assert proposal_for(second, on=MEETS_ON).result == INCOMPLETE


# --- equivalences and VAE ---------------------------------------------------------------------------------
def present(world, enrolment, block, *, kind=Equivalence.Kind.OTHER_CERTIFICATION, **extra):
    return present_equivalence(
        actor=world.admin,
        enrolment=enrolment,
        block=block,
        kind=kind,
        evidence="Attestation de bloc délivrée par un autre certificateur",
        **extra,
    )


def test_proposal_for_a_presented_equivalence_is_to_decide_and_incomplete(world):
    # seed 003: « il revient au candidat de présenter cette équivalence au jury pour validation »: until the
    # jury rules, the bloc is neither validated nor failed.
    enrolment = world.enrolments[0]
    world.grade(enrolment, {"E1.1": NOT_MET, "E1.2": MET, "E2.1": MET, "E2.2": MET})
    equivalence = present(world, enrolment, world.blocks[0])

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == INCOMPLETE
    bc01 = proposal.block(world.blocks[0].pk)
    assert (bc01.status, bc01.source, bc01.ref) == (
        TO_DECIDE,
        Source.EQUIVALENCE,
        f"equivalence:{equivalence.pk}",
    )
    assert reasons(proposal) == {"to_decide": "RNCP39603BC01"}


def test_proposal_for_an_accepted_equivalence_validates_the_bloc(world):
    # DESIGN rule 4: « the candidate presents them; the jury validates ».
    enrolment = world.enrolments[0]
    world.grade(enrolment, {"E2.1": MET, "E2.2": MET})
    held_elsewhere = BlockFactory(framework=FrameworkFactory(certification=CertificationFactory()))
    equivalence = present(world, enrolment, world.blocks[0], source_block=held_elsewhere)
    deliberation = world.open()

    rule_on_equivalence(
        actor=world.jurors["director"],
        deliberation=deliberation,
        equivalence=equivalence,
        accepted=True,
        reason="Bloc équivalent au regard du tableau de correspondance",
    )
    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    assert proposal.block(world.blocks[0].pk).source == Source.EQUIVALENCE


def test_proposal_for_a_refused_equivalence_falls_back_to_grading(world):
    # DESIGN rule 4: the jury may refuse what is presented.
    enrolment = world.enrolments[0]
    world.grade(enrolment, {"E1.1": NOT_MET, "E1.2": MET, "E2.1": MET, "E2.2": MET})
    equivalence = present(world, enrolment, world.blocks[0])
    deliberation = world.open()

    rule_on_equivalence(
        actor=world.jurors["director"],
        deliberation=deliberation,
        equivalence=equivalence,
        accepted=False,
        reason="L'attestation ne couvre pas les compétences du bloc",
    )
    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == PARTIAL
    assert statuses(proposal)["RNCP39603BC01"] == "failed"


def test_proposal_for_an_accepted_vae_validates_the_blocs(world):
    # seed 003: « En cas d'équivalence, que ce soit par VAE … il revient au candidat de présenter cette
    # équivalence au jury pour validation »; route « Par expérience ».
    enrolment = world.enrol(route=world.vae_route, seat=False)
    vaes = [
        present(world, enrolment, block, kind=Equivalence.Kind.VAE, interview_on=MEETS_ON)
        for block in world.blocks
    ]
    deliberation = world.open()
    assert proposal_for(enrolment, on=MEETS_ON).result == INCOMPLETE

    for vae in vaes:
        rule_on_equivalence(
            actor=world.jurors["director"],
            deliberation=deliberation,
            equivalence=vae,
            accepted=True,
            reason="Le dossier et l'entretien démontrent les compétences du bloc",
        )
    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    assert set(sources(proposal).values()) == {Source.VAE}


# --- validation prerequisites -------------------------------------------------------------------------
def test_proposal_for_unmet_validation_prerequisites_is_never_certified_and_lists_them(world):
    # DESIGN rule 8, seed 003 « Prérequis à la validation de la certification »: 4 mois d'expérience ou 200 h.
    world.certification.prerequisites = VALIDATION_PREREQUISITES
    world.certification.save()
    enrolment = world.enrolments[0]
    world.grade(enrolment, ALL_MET)

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result != CERTIFIED
    assert proposal.validated_block_ids == {b.pk for b in world.blocks}
    assert reasons(proposal)["prerequisites"] == EXPERIENCE


def test_proposal_for_unverified_prerequisite_evidence_is_not_certified(world):
    # DESIGN rule 8: only verified evidence counts.
    world.certification.prerequisites = VALIDATION_PREREQUISITES
    world.certification.save()
    enrolment = world.enrolments[0]
    world.grade(enrolment, ALL_MET)
    record_evidence(
        actor=world.admin,
        enrolment=enrolment,
        kind=PrerequisiteEvidence.Kind.EXPERIENCE_MONTHS,
        value=Decimal(6),
        description="Attestation de stage, Musée d'Orsay, 6 mois",
    )

    assert proposal_for(enrolment, on=MEETS_ON).result != CERTIFIED


def test_proposal_for_verified_prerequisites_and_every_bloc_is_certified(world):
    # DESIGN rule 8: « 4 months of professional experience or 200 billed hours ».
    world.certification.prerequisites = VALIDATION_PREREQUISITES
    world.certification.save()
    enrolment = world.enrolments[0]
    world.grade(enrolment, ALL_MET)
    evidence = record_evidence(
        actor=world.admin,
        enrolment=enrolment,
        kind=PrerequisiteEvidence.Kind.BILLED_HOURS,
        value=Decimal(210),
        description="Factures d'activité de médiation culturelle, 2024",
    )
    verify_evidence(actor=world.admin, evidence=evidence)

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == CERTIFIED
    assert "prerequisites" not in reasons(proposal)


def test_proposal_for_unmet_prerequisites_while_incomplete_still_lists_them(world):
    # DESIGN rule 8: prerequisites are « checked and shown to the jury ».
    world.certification.prerequisites = VALIDATION_PREREQUISITES
    world.certification.save()
    enrolment = world.enrolments[0]

    proposal = proposal_for(enrolment, on=MEETS_ON)

    assert proposal.result == INCOMPLETE
    assert reasons(proposal)["prerequisites"] == EXPERIENCE


# --- who is presented; set-based loading ------------------------------------------------------------------
def test_presented_enrolments_seated_and_presenting_but_not_withdrawn(world):
    seated, withdrawn = world.enrolments
    transition(actor=world.admin, enrolment=withdrawn, to=Enrolment.Status.WITHDRAWN, reason="Abandon")
    vae = world.enrol(route=world.vae_route, seat=False)
    present(world, vae, world.blocks[0], kind=Equivalence.Kind.VAE, interview_on=MEETS_ON)
    world.enrol(seat=False)  # neither seated nor presenting

    assert list(presented_enrolments(world.session)) == sorted(
        [seated, vae], key=lambda e: (e.candidate.last_name, e.candidate.first_name, e.pk)
    )


def test_session_proposals_agree_with_proposal_for(world):
    first, second = world.enrolments
    world.grade(first, ALL_MET)
    world.grade(second, BC01_ONLY)

    found = {p.enrolment_id: p for p in session_proposals(world.session, on=MEETS_ON, chunk_size=1)}

    assert found == {e.pk: proposal_for(e, on=MEETS_ON) for e in (first, second)}


def test_proposal_equal_proposals_of_two_candidates_hash_equal(world):
    # Python's data model: « objects which compare equal have the same hash value » (sets and dicts of
    # proposals rely on it); a proposal belongs to one enrolment.
    first, second = world.enrolments
    world.grade(first, ALL_MET)
    world.grade(second, ALL_MET)

    one, other = proposal_for(first, on=MEETS_ON), proposal_for(second, on=MEETS_ON)

    assert not (one == other and hash(one) != hash(other))


# --- properties of the pure functions -----------------------------------------------------------------
CRITERION_STATUSES = (MET, NOT_MET, PENDING, DISAGREEMENT, EXEMPTED)
ALL, THRESHOLD = Framework.CompetencyPolicy.ALL_CRITERIA, Framework.CompetencyPolicy.THRESHOLD
GROUNDS = (
    None,
    Ground(Source.CAPITALISED, "validated_block:1"),
    Ground(Source.CORRESPONDENCE, "correspondence:1+validated_block:1"),
    Ground(Source.EQUIVALENCE, "equivalence:1"),
    Ground(Source.VAE, "equivalence:2"),
    Ground(Source.EQUIVALENCE, "equivalence:3", decided=False),
    Ground(Source.VAE, "equivalence:4", decided=False),
)

ANY_STATUS = st.sampled_from(CRITERION_STATUSES)


@dataclass(frozen=True)
class Case:
    """A référentiel drawn at random: ``structure[b][c]`` lists the criteria of competency c of bloc b
    (indices into ``statuses``; a criterion may count for several competencies of its bloc)."""

    structure: tuple
    statuses: tuple
    grounds: tuple
    prerequisites: tuple
    policy: str
    threshold: Decimal | None


@st.composite
def cases(draw, statuses=ANY_STATUS):
    structure, count = [], 0
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        ids = list(range(count, count + draw(st.integers(min_value=1, max_value=3))))
        count += len(ids)
        competencies = draw(
            st.lists(
                st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True).map(tuple),
                min_size=1,
                max_size=3,
            )
        )
        structure.append(tuple(competencies))
    policy = draw(st.sampled_from([ALL, THRESHOLD]))
    return Case(
        structure=tuple(structure),
        statuses=tuple(draw(st.lists(statuses, min_size=count, max_size=count))),
        grounds=tuple(
            draw(st.lists(st.sampled_from(GROUNDS), min_size=len(structure), max_size=len(structure)))
        ),
        prerequisites=tuple(
            draw(st.lists(st.sampled_from([EXPERIENCE, "Niveau 5"]), max_size=2, unique=True))
        ),
        policy=policy,
        threshold=draw(st.sampled_from([Decimal("0.5"), Decimal("0.75"), Decimal(1)]))
        if policy == THRESHOLD
        else None,
    )


def proposal_of(case, statuses=None):
    """Build the progress matrix from criterion statuses with the rules of :mod:`progress` (competency and
    bloc status), then propose — no database."""
    statuses = case.statuses if statuses is None else statuses
    criteria = [Criterion(pk=i + 1, code=f"E.{i + 1}") for i in range(len(statuses))]
    rows, competency_pk = [], 0
    for b, competencies in enumerate(case.structure):
        competency_rows = []
        for criterion_ids in competencies:
            competency_pk += 1
            cells = [
                CriterionCell(criterion=criteria[i], status=statuses[i], result=None) for i in criterion_ids
            ]
            competency_rows.append(
                CompetencyRow(
                    competency=Competency(pk=competency_pk, code=f"C{competency_pk}"),
                    status=competency_status(
                        [c.status for c in cells], policy=case.policy, threshold=case.threshold
                    ),
                    criteria=cells,
                )
            )
        rows.append(
            BlockRow(
                block=Block(pk=b + 1, code=f"BC{b + 1:02d}"),
                status=block_status([r.status for r in competency_rows]),
                competencies=competency_rows,
            )
        )
    grounds = {b + 1: g for b, g in enumerate(case.grounds) if g is not None}
    return propose(
        matrix=ProgressMatrix(enrolment=Enrolment(pk=1), blocks=rows),
        grounds=grounds,
        prerequisites_unmet=list(case.prerequisites),
    )


def assert_never_lowers(before, after):
    for old, new in zip(before.blocks, after.blocks, strict=True):
        assert BLOCK_RANK[new.status] >= BLOCK_RANK[old.status], (old, new)
    assert before.validated_block_ids <= after.validated_block_ids


@settings(max_examples=300, deadline=None)
@given(case=cases(), data=st.data())
def test_propose_a_criterion_becoming_met_never_lowers_a_bloc(case, data):
    # DESIGN rules 1–2: more criteria met can only bring a bloc closer to validation.
    position = data.draw(st.integers(min_value=0, max_value=len(case.statuses) - 1))
    before = list(case.statuses)
    before[position] = PENDING
    after = list(before)
    after[position] = MET

    assert_never_lowers(proposal_of(case, before), proposal_of(case, after))


@settings(max_examples=300, deadline=None)
@given(case=cases(), data=st.data())
def test_propose_exempting_a_criterion_never_lowers_a_bloc(case, data):
    # seed 003: the jury « peut décider d'exempter le candidat de certains critères »: never to their cost.
    position = data.draw(st.integers(min_value=0, max_value=len(case.statuses) - 1))
    after = list(case.statuses)
    after[position] = EXEMPTED

    assert_never_lowers(proposal_of(case), proposal_of(case, after))


@settings(max_examples=300, deadline=None)
@given(case=cases(statuses=st.sampled_from([MET, EXEMPTED])))
def test_propose_criteria_met_or_exempted_never_fail_a_bloc(case):
    # seed 003: an exempted criterion never causes a failure.
    proposal = proposal_of(case)

    assert all(b.status == VALIDATED for b in proposal.blocks)
    assert proposal.result == (PARTIAL if case.prerequisites else CERTIFIED)


@settings(max_examples=500, deadline=None)
@given(case=cases())
def test_propose_certified_exactly_when_every_bloc_is_validated_and_no_prerequisite_is_unmet(case):
    # seed 003 « conditionnée à la validation de l'ensemble des blocs »; DESIGN rule 8.
    proposal = proposal_of(case)

    every_bloc = all(b.status == VALIDATED for b in proposal.blocks)
    assert (proposal.result == CERTIFIED) == (every_bloc and not case.prerequisites)
    if case.prerequisites and proposal.result != NOT_CERTIFIED:
        assert reasons(proposal)["prerequisites"] == " ; ".join(case.prerequisites)


# --- property: the set-based loader agrees with the one-candidate loader ------------------------------
OUTCOMES = st.sampled_from([MET, NOT_MET, None])


@pytest.mark.django_db
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_proposals_set_based_equal_proposal_for_each_enrolment(data):
    # DESIGN « proposal_for and proposals feed the same propose; tests check they agree ».
    with transaction.atomic():
        world = build_jury_world(candidates=0)
        old_certification = CertificationFactory(code="RNCP37040", valid_until=datetime.date(2024, 12, 31))
        old_block = BlockFactory(
            framework=FrameworkFactory(certification=old_certification), code="RNCP37040BC02"
        )
        Correspondence.objects.create(from_block=old_block, to_block=world.blocks[1])
        earlier_bc01 = BlockFactory(
            framework=FrameworkFactory(certification=world.certification, version="2023"),
            code="RNCP39603BC01",
        )
        ruling = Deliberation.objects.create(
            session=world.session, title="Jury des équivalences", meets_on=MEETS_ON, created_by=world.admin
        )
        enrolments, held_decisions = [], []
        for _ in range(data.draw(st.integers(min_value=1, max_value=5), label="candidates")):
            enrolment = world.enrol(route=data.draw(st.sampled_from([world.route, world.vae_route])))
            enrolments.append(enrolment)
            for prefix in ("E1.", "E2."):  # one grid per assessment; an incomplete grid stays a draft
                drawn = {
                    code: data.draw(OUTCOMES, label=code)
                    for code in world.criteria
                    if code.startswith(prefix)
                }
                marks = {code: value for code, value in drawn.items() if value is not None}
                if marks:
                    complete = len(marks) == len(drawn)
                    world.grade(
                        enrolment, marks, submit=complete and data.draw(st.booleans(), label="submit")
                    )
            for block in data.draw(
                st.sets(st.sampled_from(["bc01", "bc01_expired", "earlier", "old"]), max_size=2)
            ):
                target, until = {
                    "bc01": (world.blocks[0], datetime.date(2026, 10, 1)),
                    "bc01_expired": (world.blocks[0], datetime.date(2025, 1, 1)),
                    "earlier": (earlier_bc01, datetime.date(2026, 10, 1)),
                    "old": (old_block, datetime.date(2024, 12, 31)),
                }[block]
                if not ValidatedBlock.objects.filter(candidate=enrolment.candidate, block=target).exists():
                    held = world.hold(enrolment.candidate, target, valid_until=until)
                    held_decisions.append(held.block_decision.decision_id)
            equivalence = data.draw(st.sampled_from([None, "presented", "accepted"]), label="equivalence")
            if equivalence:
                block = data.draw(st.sampled_from(world.blocks))
                kind = Equivalence.Kind.VAE if enrolment.access_route == world.vae_route else "equivalence"
                item = present(world, enrolment, block, kind=kind, interview_on=MEETS_ON)
                if equivalence == "accepted":
                    Equivalence.objects.filter(pk=item.pk).update(status="accepted", decided_in=ruling)
            if data.draw(st.booleans(), label="exemption"):
                exemption = propose_exemption(
                    actor=world.admin,
                    enrolment=enrolment,
                    criterion=world.criteria[data.draw(st.sampled_from(sorted(world.criteria)))],
                    opinion="Avis motivé du référent handicap",
                    keeps_overall_capability=True,
                    not_applicable_to_future_practice=True,
                )
                ExemptionProposal.objects.filter(pk=exemption.pk).update(
                    status=ExemptionProposal.Status.GRANTED
                )
        if data.draw(st.booleans(), label="prerequisites"):
            world.certification.prerequisites = VALIDATION_PREREQUISITES
            world.certification.save()
        ids = [e.pk for e in enrolments]
        chunk_size = data.draw(st.integers(min_value=1, max_value=len(ids) + 1), label="chunk_size")

        # ``excluding``: decisions being rectified; what they validated is not counted as held.
        excluding = data.draw(st.sets(st.sampled_from(held_decisions)) if held_decisions else st.just(set()))

        found = list(proposals(ids, on=MEETS_ON, excluding=excluding, chunk_size=chunk_size))

        assert sorted(p.enrolment_id for p in found) == sorted(ids)
        by_enrolment = {p.enrolment_id: p for p in found}
        for enrolment in enrolments:
            single = proposal_for(Enrolment.objects.get(pk=enrolment.pk), on=MEETS_ON, excluding=excluding)
            assert by_enrolment[enrolment.pk].snapshot() == single.snapshot()
            assert by_enrolment[enrolment.pk].enrolment_id == single.enrolment_id
        transaction.set_rollback(True)
