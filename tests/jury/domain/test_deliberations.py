"""The life of a deliberation: composing, opening, rulings, decisions, closing, confirming, signing and
rectifying (DESIGN rules 4–7; seed 003).

DESIGN rule 7: « The jury is sovereign: the engine proposes, the jury decides; a decision that differs from
the proposal needs a written reason. Signed minutes are immutable; corrections are new, linked records. »
"""

import datetime
import hashlib

import pytest

from certiflow.candidates.domain.accommodations import propose_exemption
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.models import ExemptionProposal
from certiflow.common.domain.errors import Conflict, NotAllowed, Refused
from certiflow.common.models import AuditLogEntry
from certiflow.jury.domain.capitalisation import seat_missing_blocks
from certiflow.jury.domain.deliberations import (
    CannotOpen,
    add_member,
    close_deliberation,
    confirm,
    open_deliberation,
    present_equivalence,
    record_decision,
    rectify,
    remove_member,
    rule_on_equivalence,
    rule_on_exemption,
    stale_decisions,
)
from certiflow.jury.domain.engine import CERTIFIED, PARTIAL, proposal_for, session_proposals
from certiflow.jury.models import (
    BlockDecision,
    ClosedRecordError,
    CompositionRule,
    Confirmation,
    Decision,
    Deliberation,
    Equivalence,
    ExemptionRuling,
    JuryMember,
    JuryRole,
    Minutes,
    ValidatedBlock,
)
from tests.factories import BlockFactory, UserFactory
from tests.jury.conftest import (
    ALL_MET,
    BC01_ONLY,
    MEETS_ON,
    NONE_MET,
    PASSWORD,
    VALID_UNTIL,
    VALIDATION_PREREQUISITES,
)

Result = Decision.Result
Status = Deliberation.Status


def actions(obj=None):
    entries = AuditLogEntry.objects.order_by("id")
    if obj is not None:
        entries = entries.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
    return list(entries.values_list("action", flat=True))


def graded(world):
    """The first candidate validates both blocs, the second only RNCP39603BC01."""
    first, second = world.enrolments
    world.grade(first, ALL_MET)
    world.grade(second, BC01_ONLY)
    return first, second


def exemption_for(world, enrolment, code="E2.2"):
    return propose_exemption(
        actor=world.admin,
        enrolment=enrolment,
        criterion=world.criteria[code],
        opinion="Avis motivé du référent handicap : le critère ne relève pas de la pratique visée",
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
    )


def signed_world(world):
    """Two candidates decided as proposed, an exemption refused, and the deliberation signed."""
    first, second = graded(world)
    proposal = exemption_for(world, second)
    deliberation = world.open()
    rule_on_exemption(
        actor=world.jurors["director"],
        deliberation=deliberation,
        proposal=proposal,
        granted=False,
        keeps_overall_capability=False,
        not_applicable_to_future_practice=False,
        reason="Le critère relève de la pratique professionnelle visée",
    )
    world.decide(deliberation, first)
    world.decide(deliberation, second)
    return world.sign(deliberation)


# --- the whole life ----------------------------------------------------------------------------------------
def test_deliberation_life_cycle_end_to_end(world):
    # DESIGN rule 7 and the module docstring: preparing → open → closing → closed.
    first, second = graded(world)
    deliberation = world.deliberation()
    assert deliberation.status == Status.PREPARING
    world.compose(deliberation)

    deliberation = open_deliberation(actor=world.admin, deliberation=deliberation)
    assert deliberation.status == Status.OPEN
    assert {d.enrolment_id: d.proposed_result for d in deliberation.decisions.all()} == {
        first.pk: CERTIFIED,
        second.pk: PARTIAL,
    }
    world.decide(deliberation, first)
    world.decide(deliberation, second)
    deliberation = close_deliberation(
        actor=world.jurors["director"], deliberation=deliberation, password=PASSWORD
    )
    assert deliberation.status == Status.CLOSING
    for who in ("lead", "employer", "employee"):
        confirm(actor=world.jurors[who], deliberation=deliberation, password=PASSWORD)

    deliberation.refresh_from_db()
    assert deliberation.status == Status.CLOSED
    assert deliberation.signed_at is not None
    assert {d.enrolment_id: d.result for d in deliberation.decisions.all()} == {
        first.pk: Result.CERTIFIED,
        second.pk: Result.PARTIAL,
    }
    assert sorted(ValidatedBlock.objects.values_list("candidate_id", "block__code")) == sorted(
        [
            (first.candidate_id, "RNCP39603BC01"),
            (first.candidate_id, "RNCP39603BC02"),
            (second.candidate_id, "RNCP39603BC01"),
        ]
    )
    assert Minutes.objects.filter(deliberation=deliberation).exists()
    # DESIGN rule 10: « audit of every change ».
    assert actions(deliberation) == [
        "deliberation.create",
        *["deliberation.add_member"] * 4,
        "deliberation.open",
        "deliberation.close",
        *["deliberation.confirm"] * 4,
        "deliberation.sign",
    ]
    assert actions().count("decision.record") == 2


# --- opening ---------------------------------------------------------------------------------------------
def test_open_deliberation_refused_lists_every_problem_and_writes_nothing(world):
    # DESIGN rule 6: compositions are « checked before a deliberation can open »; CannotOpen lists all.
    deliberation = world.deliberation()
    world.compose(deliberation, lead=None, director={"is_president": False}, employee={"side": "employer"})
    written = AuditLogEntry.objects.count()

    with pytest.raises(CannotOpen) as refused:
        open_deliberation(actor=world.admin, deliberation=deliberation)

    problems = " | ".join(refused.value.problems)
    assert len(refused.value.problems) >= 4
    assert "president" in problems
    assert "must have 4 members" in problems
    assert "pedagogical lead" in problems
    assert "parity" in problems
    deliberation.refresh_from_db()
    assert deliberation.status == Status.PREPARING
    assert not deliberation.decisions.exists()
    assert AuditLogEntry.objects.count() == written
    assert not CompositionRule.objects.exists()


def test_open_deliberation_only_by_an_administrator(world):
    deliberation = world.deliberation()
    world.compose(deliberation)

    with pytest.raises(NotAllowed):
        open_deliberation(actor=world.jurors["director"], deliberation=deliberation)


def test_remove_member_while_preparing_is_audited(world):
    deliberation = world.deliberation()
    members = world.compose(deliberation)

    remove_member(actor=world.admin, member=members["lead"])

    assert deliberation.members.count() == 3
    assert actions(deliberation)[-1] == "deliberation.remove_member"


# --- decisions ---------------------------------------------------------------------------------------------
def test_record_decision_following_the_proposal_needs_no_reason(world):
    # DESIGN rule 7: only a decision that differs from the proposal needs a written reason.
    first, _second = graded(world)
    deliberation = world.open()

    decision = world.decide(deliberation, first)

    assert (decision.result, decision.reason, decision.revision) == (Result.CERTIFIED, "", 1)
    assert decision.decided_by == world.jurors["director"]
    assert decision.proposal == proposal_for(first, on=MEETS_ON).snapshot()


def test_record_decision_differing_from_the_proposal_without_reason_is_refused(world):
    # DESIGN rule 7: « a decision that differs from the proposal needs a written reason ».
    first, _second = graded(world)
    deliberation = world.open()

    with pytest.raises(Refused) as refused:
        world.decide(deliberation, first, result=Result.PARTIAL, validated=[world.blocks[0]], reason="  ")

    assert refused.value.field == "reason"
    decision = world.decision(deliberation, first)
    assert (decision.result, decision.revision) == ("", 0)
    assert not decision.blocks.exists()


def test_record_decision_differing_from_the_proposal_with_a_reason_is_accepted(world):
    # DESIGN rule 7: the jury is sovereign, with a written reason.
    first, _second = graded(world)
    deliberation = world.open()

    decision = world.decide(
        deliberation,
        first,
        result=Result.PARTIAL,
        validated=[world.blocks[0]],
        reason="Le jury constate une fraude sur le dossier du bloc 2",
    )

    assert (decision.result, decision.reason) == (
        Result.PARTIAL,
        "Le jury constate une fraude sur le dossier du bloc 2",
    )
    assert {(b.block.code, b.proposed_status, b.validated) for b in decision.blocks.all()} == {
        ("RNCP39603BC01", "validated", True),
        ("RNCP39603BC02", "validated", False),
    }
    assert AuditLogEntry.objects.get(action="decision.record").reason == decision.reason


def test_record_decision_certified_with_a_bloc_not_validated_is_refused(world):
    # seed 003: « L'obtention de la certification est conditionnée à la validation de l'ensemble des blocs »
    _first, second = graded(world)
    deliberation = world.open()

    with pytest.raises(Refused) as refused:
        world.decide(
            deliberation,
            second,
            result=Result.CERTIFIED,
            validated=[world.blocks[0]],
            reason="Le jury certifie",
        )

    assert refused.value.field == "result"


def test_record_decision_certified_with_unmet_prerequisites_is_refused(world):
    # DESIGN rule 8: validation prerequisites are checked; unmet, the candidate cannot be certified.
    world.certification.prerequisites = VALIDATION_PREREQUISITES
    world.certification.save()
    first, _second = graded(world)
    deliberation = world.open()

    with pytest.raises(Refused, match="prerequisites are not met"):
        world.decide(
            deliberation,
            first,
            result=Result.CERTIFIED,
            validated=world.blocks,
            reason="Expérience jugée suffisante",
        )


def test_record_decision_following_the_proposal_with_unmet_prerequisites_is_accepted(world):
    # DESIGN rule 8 + rule 2: every bloc validated but a validation prerequisite unmet: the engine proposes
    # « partial » with every bloc validated (the bloc attestations, not the certification); the jury must be
    # able to record what the engine proposes.
    world.certification.prerequisites = VALIDATION_PREREQUISITES
    world.certification.save()
    first, _second = graded(world)
    deliberation = world.open()
    assert world.decision(deliberation, first).proposed_result == PARTIAL

    decision = world.decide(deliberation, first)

    assert decision.result == Result.PARTIAL
    assert decision.blocks.filter(validated=True).count() == 2


def test_record_decision_failure_with_a_validated_bloc_is_refused(world):
    # DESIGN rule 2: a validated bloc is attested (partial), not a failure.
    _first, second = graded(world)
    deliberation = world.open()

    with pytest.raises(Refused) as refused:
        world.decide(deliberation, second, result=Result.FAILED, validated=[world.blocks[0]], reason="Échec")

    assert refused.value.field == "result"


def test_record_decision_failure_when_nothing_is_validated_follows_the_proposal(world):
    first, second = world.enrolments
    world.grade(first, NONE_MET)
    world.grade(second, ALL_MET)
    deliberation = world.open()

    decision = world.decide(deliberation, first)

    assert decision.result == Result.FAILED
    assert not decision.blocks.filter(validated=True).exists()


def test_record_decision_stale_base_revision_raises_conflict_with_the_current_decision(world):
    # Two members record at once: the second sees what the first stored, nothing is overwritten.
    first, _second = graded(world)
    deliberation = world.open()
    seen = world.decision(deliberation, first)
    world.decide(
        deliberation, first, result=Result.PARTIAL, validated=[world.blocks[0]], reason="Fraude au bloc 2"
    )

    with pytest.raises(Conflict) as conflict:
        record_decision(
            actor=world.jurors["lead"],
            decision=seen,
            result=Result.CERTIFIED,
            validated_block_ids=[b.pk for b in world.blocks],
            reason="",
            base_revision=seen.revision,
        )

    assert conflict.value.current == {
        "result": Result.PARTIAL,
        "reason": "Fraude au bloc 2",
        "blocks": [world.blocks[0].pk],
        "revision": 1,
    }
    stored = world.decision(deliberation, first)
    assert (stored.result, stored.revision, stored.decided_by) == (
        Result.PARTIAL,
        1,
        world.jurors["director"],
    )


def test_record_decision_a_member_with_a_conflict_cannot_decide_that_candidate(world):
    # DESIGN rule 6 (seed 003): « A member who trained a candidate does not judge that candidate. »
    first, second = graded(world)
    deliberation = world.open()
    declare_conflict(
        actor=world.admin, person=world.jurors["lead"], candidate=first.candidate, nature="Tuteur"
    )

    with pytest.raises(NotAllowed, match="conflict of interest"):
        world.decide(deliberation, first, actor=world.jurors["lead"])

    assert world.decision(deliberation, first).result == ""
    assert world.decide(deliberation, second, actor=world.jurors["lead"]).result == Result.PARTIAL


def test_record_decision_by_someone_not_on_the_jury_is_not_allowed(world):
    first, _second = graded(world)
    deliberation = world.open()

    with pytest.raises(NotAllowed):
        world.decide(deliberation, first, actor=UserFactory())


def test_record_decision_by_an_administrator_as_secretary_is_allowed(world):
    first, _second = graded(world)
    deliberation = world.open()

    assert world.decide(deliberation, first, actor=world.admin).result == Result.CERTIFIED


def test_close_deliberation_still_in_preparation_is_refused(world):
    graded(world)
    deliberation = world.deliberation()
    world.compose(deliberation)

    with pytest.raises(Refused):
        close_deliberation(actor=world.jurors["director"], deliberation=deliberation, password=PASSWORD)

    deliberation.refresh_from_db()
    assert deliberation.status == Status.PREPARING


# --- exemptions (seed 003 « Candidat en situation de handicap ») ----------------------------------------------
@pytest.mark.parametrize(
    ("keeps_overall_capability", "not_applicable_to_future_practice"),
    [(True, False), (False, True), (False, False)],
)
def test_rule_on_exemption_granted_without_both_conditions_is_refused(
    world, keeps_overall_capability, not_applicable_to_future_practice
):
    # seed 003: « 1) dans la mesure où cela ne remet pas en question la capacité professionnelle globale du
    # candidat. 2) si le critère … n'a pas vocation à s'appliquer … Ces deux critères étant cumulatifs. »
    _first, second = graded(world)
    proposal = exemption_for(world, second)
    deliberation = world.open()

    with pytest.raises(Refused, match="both cumulative conditions"):
        rule_on_exemption(
            actor=world.jurors["director"],
            deliberation=deliberation,
            proposal=proposal,
            granted=True,
            keeps_overall_capability=keeps_overall_capability,
            not_applicable_to_future_practice=not_applicable_to_future_practice,
            reason="Le jury exempte",
        )

    assert not ExemptionRuling.objects.exists()
    proposal.refresh_from_db()
    assert proposal.status == ExemptionProposal.Status.PROPOSED


def test_rule_on_exemption_granted_changes_the_proposal_and_an_earlier_decision_goes_stale(world):
    # seed 003 (exemption on the referent's opinion) + DESIGN rule 7: a decision is taken on the proposal the
    # jury saw; once a ruling changes it, the decision must be taken again before closing.
    first, second = graded(world)
    proposal = exemption_for(world, second)
    deliberation = world.open()
    world.decide(deliberation, first)
    earlier = world.decide(deliberation, second)
    assert earlier.result == Result.PARTIAL
    assert stale_decisions(deliberation) == []

    ruling = rule_on_exemption(
        actor=world.jurors["director"],
        deliberation=deliberation,
        proposal=proposal,
        granted=True,
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
        reason="Les deux conditions cumulatives sont remplies (avis du référent)",
    )

    assert ruling.granted
    assert proposal_for(second, on=MEETS_ON).result == CERTIFIED
    assert [d.pk for d in stale_decisions(deliberation)] == [earlier.pk]
    with pytest.raises(Refused, match="proposal that has changed"):
        close_deliberation(actor=world.jurors["director"], deliberation=deliberation, password=PASSWORD)
    world.decide(deliberation, second)
    assert stale_decisions(deliberation) == []
    assert (
        close_deliberation(
            actor=world.jurors["director"], deliberation=deliberation, password=PASSWORD
        ).status
        == Status.CLOSING
    )
    assert "exemption.rule" in actions()


# --- equivalences and VAE (seed 003, DESIGN rule 4) -------------------------------------------------------------
def test_present_equivalence_vae_needs_the_vae_route(world):
    # seed 003: VAE is the route « Par expérience ».
    enrolment = world.enrolments[0]

    with pytest.raises(Refused) as refused:
        present_equivalence(
            actor=world.admin,
            enrolment=enrolment,
            block=world.blocks[0],
            kind=Equivalence.Kind.VAE,
            evidence="Dossier de validation (livret 2)",
            interview_on=MEETS_ON,
        )

    assert refused.value.field == "kind"
    assert not Equivalence.objects.exists()


def test_rule_on_equivalence_vae_needs_the_interview_date_first(world):
    # seed 003 « Par expérience »: the jury (the same composition) rules after its interview.
    enrolment = world.enrol(route=world.vae_route, seat=False)
    vae = present_equivalence(
        actor=world.admin,
        enrolment=enrolment,
        block=world.blocks[0],
        kind=Equivalence.Kind.VAE,
        evidence="Dossier de validation (livret 2)",
    )
    deliberation = world.open()

    with pytest.raises(Refused) as refused:
        rule_on_equivalence(
            actor=world.jurors["director"],
            deliberation=deliberation,
            equivalence=vae,
            accepted=True,
            reason="OK",
        )

    assert refused.value.field == "interview_on"
    vae.refresh_from_db()
    assert (vae.status, vae.decided_in) == (Equivalence.Status.PRESENTED, None)


def test_rule_on_equivalence_vae_after_the_interview_validates_the_bloc(world):
    # DESIGN rule 4: « the candidate presents them; the jury validates ».
    enrolment = world.enrol(route=world.vae_route, seat=False)
    vae = present_equivalence(
        actor=world.admin,
        enrolment=enrolment,
        block=world.blocks[0],
        kind=Equivalence.Kind.VAE,
        evidence="Dossier de validation (livret 2)",
        interview_on=MEETS_ON,
    )
    deliberation = world.open()

    ruled = rule_on_equivalence(
        actor=world.jurors["director"],
        deliberation=deliberation,
        equivalence=vae,
        accepted=True,
        reason="L'entretien confirme les compétences du bloc",
        interview_notes="Entretien de 45 minutes",
    )

    assert (ruled.status, ruled.decided_in_id, ruled.interview_notes) == (
        Equivalence.Status.ACCEPTED,
        deliberation.pk,
        "Entretien de 45 minutes",
    )
    assert proposal_for(enrolment, on=MEETS_ON).block(world.blocks[0].pk).source == BlockDecision.Source.VAE
    assert actions(enrolment)[-2:] == ["equivalence.present", "equivalence.rule"]


# --- closing -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["lead", "employer", "admin"])
def test_close_deliberation_only_by_the_president(world, who):
    # DESIGN: « its president closes it ».
    first, second = graded(world)
    deliberation = world.open()
    world.decide(deliberation, first)
    world.decide(deliberation, second)
    actor = world.admin if who == "admin" else world.jurors[who]

    with pytest.raises(NotAllowed):
        close_deliberation(actor=actor, deliberation=deliberation, password=PASSWORD)

    deliberation.refresh_from_db()
    assert deliberation.status == Status.OPEN


def test_close_deliberation_wrong_password_is_refused(world):
    first, second = graded(world)
    deliberation = world.open()
    world.decide(deliberation, first)
    world.decide(deliberation, second)

    with pytest.raises(NotAllowed, match="password"):
        close_deliberation(actor=world.jurors["director"], deliberation=deliberation, password="wrong horse")

    deliberation.refresh_from_db()
    assert deliberation.status == Status.OPEN
    assert not Confirmation.objects.exists()


def test_close_deliberation_with_an_undecided_candidate_is_refused(world):
    first, second = graded(world)
    deliberation = world.open()
    world.decide(deliberation, first)

    with pytest.raises(Refused, match=str(second.candidate)):
        close_deliberation(actor=world.jurors["director"], deliberation=deliberation, password=PASSWORD)

    deliberation.refresh_from_db()
    assert deliberation.status == Status.OPEN


# --- confirming and signing ------------------------------------------------------------------------------------
def closed(world):
    first, second = graded(world)
    deliberation = world.open()
    world.decide(deliberation, first)
    world.decide(deliberation, second)
    return close_deliberation(actor=world.jurors["director"], deliberation=deliberation, password=PASSWORD)


def test_confirm_each_member_and_the_last_one_signs(world):
    # DESIGN: « each member confirms it »; the president's password at closing is their confirmation.
    deliberation = closed(world)
    assert list(Confirmation.objects.values_list("member__user", flat=True)) == [world.jurors["director"].pk]

    for who in ("lead", "employer"):
        confirm(actor=world.jurors[who], deliberation=deliberation, password=PASSWORD)
        deliberation.refresh_from_db()
        assert deliberation.status == Status.CLOSING
        assert not Minutes.objects.exists()
    confirm(actor=world.jurors["employee"], deliberation=deliberation, password=PASSWORD)

    deliberation.refresh_from_db()
    assert deliberation.status == Status.CLOSED
    assert Confirmation.objects.count() == 4


def test_confirm_wrong_password_is_refused(world):
    deliberation = closed(world)

    with pytest.raises(NotAllowed, match="password"):
        confirm(actor=world.jurors["lead"], deliberation=deliberation, password="correct horse")

    assert Confirmation.objects.count() == 1


def test_confirm_twice_is_refused(world):
    deliberation = closed(world)
    confirm(actor=world.jurors["lead"], deliberation=deliberation, password=PASSWORD)

    with pytest.raises(Refused, match="already confirmed"):
        confirm(actor=world.jurors["lead"], deliberation=deliberation, password=PASSWORD)
    with pytest.raises(Refused, match="already confirmed"):
        confirm(actor=world.jurors["director"], deliberation=deliberation, password=PASSWORD)

    assert Confirmation.objects.count() == 2


def test_confirm_by_someone_not_on_the_jury_is_not_allowed(world):
    deliberation = closed(world)

    with pytest.raises(NotAllowed):
        confirm(actor=world.admin, deliberation=deliberation, password=PASSWORD)


def test_signing_capitalises_the_validated_blocs_until_the_certification_ends(world):
    # seed 003: « Chaque bloc de compétences est capitalisable durant toute la durée de la certification »
    deliberation = signed_world(world)
    first, second = world.enrolments

    held = ValidatedBlock.objects.select_related("block_decision__decision").order_by(
        "candidate_id", "block__position"
    )

    assert [(v.candidate_id, v.block.code) for v in held] == [
        (first.candidate_id, "RNCP39603BC01"),
        (first.candidate_id, "RNCP39603BC02"),
        (second.candidate_id, "RNCP39603BC01"),
    ]
    for validated in held:
        assert validated.valid_until == VALID_UNTIL == world.certification.valid_until
        assert validated.obtained_on == MEETS_ON
        assert validated.source == BlockDecision.Source.GRADED
        assert validated.block_decision.decision.deliberation_id == deliberation.pk
        assert validated.revoked_by is None


def test_signing_stores_the_minutes_with_the_sha256_of_the_pdf(world):
    # DESIGN rule 7: « Signed minutes are immutable »; the hash lets anyone check the PDF kept.
    deliberation = signed_world(world)

    minutes = Minutes.objects.get(deliberation=deliberation)
    pdf = bytes(minutes.pdf)

    assert pdf.startswith(b"%PDF-")
    assert minutes.sha256 == hashlib.sha256(pdf).hexdigest()
    sign = AuditLogEntry.objects.get(action="deliberation.sign")
    assert sign.changes == {"minutes_sha256": minutes.sha256, "decisions": 2}


RECORDS = {
    "deliberation": lambda d: d,
    "member": lambda d: d.members.first(),
    "decision": lambda d: d.decisions.first(),
    "block decision": lambda d: BlockDecision.objects.filter(decision__deliberation=d).first(),
    "exemption ruling": lambda d: d.exemption_rulings.get(),
    "confirmation": lambda d: Confirmation.objects.filter(member__deliberation=d).first(),
    "minutes": lambda d: d.minutes,
}


@pytest.mark.parametrize("record", RECORDS)
def test_signed_deliberation_record_refuses_save_and_delete(world, record):
    # DESIGN rule 7: « Signed minutes are immutable; corrections are new, linked records. »
    deliberation = signed_world(world)
    item = RECORDS[record](Deliberation.objects.get(pk=deliberation.pk))
    model = type(item)

    with pytest.raises(ClosedRecordError):
        item.save()
    with pytest.raises(ClosedRecordError):
        item.delete()

    assert model.objects.filter(pk=item.pk).exists()


NEW_RECORDS = {
    "member": lambda world, d: JuryMember(
        deliberation=d, user=UserFactory(), role=JuryRole.OTHER, is_professional=False
    ),
    "decision": lambda world, d: Decision(deliberation=d, enrolment=world.enrol(), result=Result.CERTIFIED),
    "block decision": lambda world, d: BlockDecision(
        decision=world.decision(d, world.enrolments[1]),
        block=BlockFactory(framework=world.framework, code="RNCP39603BC03", position=3),
        proposed_status="pending",
        validated=True,
        source=BlockDecision.Source.GRADED,
    ),
}


@pytest.mark.parametrize("record", NEW_RECORDS)
def test_signed_deliberation_refuses_a_new_record(world, record):
    # DESIGN rule 7 (« Signed minutes are immutable ») and _FrozenOnceSigned: « refuses any save or delete
    # once that deliberation is signed » — adding a validated bloc to a signed decision changes it too.
    deliberation = signed_world(world)
    item = NEW_RECORDS[record](world, deliberation)
    model = type(item)
    before = model.objects.count()

    with pytest.raises(ClosedRecordError):
        item.save()

    assert model.objects.count() == before


def test_signed_deliberation_domain_functions_refuse(world):
    # DESIGN rule 7: nothing of a signed deliberation changes.
    deliberation = signed_world(world)
    first, second = world.enrolments
    exemption = exemption_for(world, first, code="E1.1")
    director = world.jurors["director"]

    with pytest.raises(Refused):
        world.decide(
            deliberation, second, result=Result.CERTIFIED, validated=world.blocks, reason="Correction"
        )
    with pytest.raises(Refused):
        rule_on_exemption(
            actor=director,
            deliberation=deliberation,
            proposal=exemption,
            granted=True,
            keeps_overall_capability=True,
            not_applicable_to_future_practice=True,
            reason="Après coup",
        )
    with pytest.raises(Refused):
        add_member(
            actor=world.admin,
            deliberation=deliberation,
            user=UserFactory(),
            role=JuryRole.OTHER,
            is_professional=False,
        )
    with pytest.raises(Refused):
        remove_member(actor=world.admin, member=deliberation.members.get(user=world.jurors["lead"]))
    with pytest.raises(Refused):
        open_deliberation(actor=world.admin, deliberation=deliberation)
    with pytest.raises(Refused):
        close_deliberation(actor=director, deliberation=deliberation, password=PASSWORD)
    with pytest.raises(Refused):
        confirm(actor=director, deliberation=deliberation, password=PASSWORD)

    deliberation.refresh_from_db()
    assert deliberation.status == Status.CLOSED
    assert deliberation.members.count() == 4
    assert world.decision(deliberation, second).result == Result.PARTIAL


# --- rectification ---------------------------------------------------------------------------------------------
def test_rectify_creates_a_linked_deliberation_with_the_same_jury_and_superseding_decisions(world):
    # DESIGN rule 7: « corrections are new, linked records ».
    original = signed_world(world)
    _first, second = world.enrolments

    rectification = rectify(
        actor=world.admin,
        deliberation=original,
        enrolments=[second],
        reason="Erreur de saisie de la note du critère E2.2",
        meets_on=datetime.date(2025, 7, 10),
    )

    assert rectification.rectifies_id == original.pk
    assert rectification.status == Status.PREPARING
    assert rectification.rectification_reason == "Erreur de saisie de la note du critère E2.2"
    assert sorted(
        rectification.members.values_list("user_id", "role", "is_professional", "side", "is_president")
    ) == sorted(original.members.values_list("user_id", "role", "is_professional", "side", "is_president"))
    (decision,) = rectification.decisions.all()
    assert decision.enrolment_id == second.pk
    assert decision.supersedes == world.decision(original, second)
    assert actions(original)[-1] == actions(rectification)[-1] == "deliberation.rectify"
    original.refresh_from_db()
    assert (original.status, original.decisions.count()) == (Status.CLOSED, 2)


def test_rectification_signed_revokes_the_old_validated_blocs_and_creates_new_ones(world):
    # DESIGN rule 7 and ValidatedBlock: « A rectification revokes it (revoked_by) and, when the bloc stays
    # validated, records a new one. »
    original = signed_world(world)
    _first, second = world.enrolments
    old = ValidatedBlock.objects.get(candidate=second.candidate)
    rectification = rectify(
        actor=world.admin,
        deliberation=original,
        enrolments=[second],
        reason="Le critère E2.2 avait été mal reporté",
        meets_on=datetime.date(2025, 7, 10),
    )
    rectification = open_deliberation(actor=world.admin, deliberation=rectification)
    decision = world.decision(rectification, second)
    # The bloc validated by the decision being corrected is not counted as held (else it would be capitalised).
    assert decision.proposal["blocks"][0]["source"] == BlockDecision.Source.GRADED

    world.decide(
        rectification,
        second,
        result=Result.CERTIFIED,
        validated=world.blocks,
        reason="Le procès-verbal d'évaluation montre E2.2 atteint",
    )
    world.sign(rectification)

    old.refresh_from_db()
    assert old.revoked_by_id == rectification.pk
    live = ValidatedBlock.objects.filter(candidate=second.candidate, revoked_by__isnull=True)
    assert sorted(live.values_list("block__code", flat=True)) == ["RNCP39603BC01", "RNCP39603BC02"]
    assert {v.block_decision.decision_id for v in live} == {decision.pk}
    assert world.decision(original, second).result == Result.PARTIAL  # the signed record is untouched


def test_rectify_the_same_decision_twice_is_refused(world):
    # DESIGN rule 7: a decision is corrected once; a further correction corrects the rectification.
    original = signed_world(world)
    _first, second = world.enrolments
    rectify(actor=world.admin, deliberation=original, enrolments=[second], reason="Erreur", meets_on=MEETS_ON)

    with pytest.raises(Refused, match="already corrects"):
        rectify(
            actor=world.admin, deliberation=original, enrolments=[second], reason="Encore", meets_on=MEETS_ON
        )

    assert original.rectifications.count() == 1


def test_rectify_an_unsigned_deliberation_is_refused(world):
    first, _second = graded(world)
    deliberation = world.open()

    with pytest.raises(Refused):
        rectify(
            actor=world.admin,
            deliberation=deliberation,
            enrolments=[first],
            reason="Erreur",
            meets_on=MEETS_ON,
        )


# --- capitalisation across sessions -------------------------------------------------------------------------------
def test_capitalised_bloc_is_not_assessed_again_and_the_next_session_certifies(world):
    # seed 003: « Chaque bloc de compétences est capitalisable durant toute la durée de la certification »:
    # a candidate who validated bloc 1 and failed bloc 2 comes back for bloc 2 only.
    _first, second = graded(world)  # second: RNCP39603BC01 validated, RNCP39603BC02 failed
    signed = world.open()
    for enrolment in world.enrolments:
        world.decide(signed, enrolment)
    world.sign(signed)
    session_b = world.new_session(
        title="Session de novembre 2025",
        starts_on=datetime.date(2025, 11, 1),
        ends_on=datetime.date(2025, 11, 30),
    )
    scheduled = world.sessions[session_b.pk]
    on = datetime.date(2025, 11, 1)

    e1 = seat_missing_blocks(actor=world.admin, scheduled=scheduled["E1"], enrolments=[second], on=on)
    e2 = seat_missing_blocks(actor=world.admin, scheduled=scheduled["E2"], enrolments=[second], on=on)

    assert (e1.seated, e1.skipped) == (0, [second])
    assert (e2.seated, e2.skipped) == (1, [])
    world.grade(second, {"E2.1": "met", "E2.2": "met"}, session=session_b)
    meets_on = datetime.date(2025, 12, 4)
    (proposal,) = session_proposals(session_b, on=meets_on)
    assert proposal.enrolment_id == second.pk
    assert proposal.result == CERTIFIED
    assert proposal.block(world.blocks[0].pk).source == BlockDecision.Source.CAPITALISED

    deliberation = world.open(session=session_b, meets_on=meets_on)
    world.decide(deliberation, second)
    world.sign(deliberation)

    live = ValidatedBlock.objects.filter(candidate=second.candidate, revoked_by__isnull=True)
    assert sorted(live.values_list("block__code", "obtained_on")) == [
        ("RNCP39603BC01", MEETS_ON),
        ("RNCP39603BC02", meets_on),
    ]


def test_rule_on_equivalence_vae_records_the_interview_held_at_the_deliberation(world):
    # seed 003 « Par expérience »: the interview is held by the jury itself, so its date may be
    # recorded with the ruling when it was not known when the file was presented.
    enrolment = world.enrol(route=world.vae_route, seat=False)
    vae = present_equivalence(
        actor=world.admin,
        enrolment=enrolment,
        block=world.blocks[0],
        kind=Equivalence.Kind.VAE,
        evidence="Dossier de validation (livret 2)",
    )
    deliberation = world.open()

    ruled = rule_on_equivalence(
        actor=world.jurors["director"],
        deliberation=deliberation,
        equivalence=vae,
        accepted=True,
        reason="Entretien probant sur le bloc 1.",
        interview_on=MEETS_ON,
        interview_notes="Présentation de trois projets menés.",
    )

    ruled.refresh_from_db()
    assert (ruled.status, ruled.interview_on) == (Equivalence.Status.ACCEPTED, MEETS_ON)
    assert ruled.interview_notes == "Présentation de trois projets menés."
