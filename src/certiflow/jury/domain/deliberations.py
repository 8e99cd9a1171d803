"""Every state change of a deliberation, one function each: check, write in a transaction, audit.

The life of a deliberation (DESIGN rule 7, « the engine proposes, the jury decides »):

``preparing``  an administrator composes the jury (:func:`add_member`, :func:`remove_member`);
``open``       :func:`open_deliberation` checked the composition and conflicts (:mod:`.composition`)
               and created one :class:`Decision` per enrolment presented; the jury rules on exemptions
               (:func:`rule_on_exemption`) and equivalences (:func:`rule_on_equivalence`) and records a
               decision per candidate (:func:`record_decision`);
``closing``    the president closed it (:func:`close_deliberation`, re-entering their password): no
               decision can change; each other member confirms the same way (:func:`confirm`);
``closed``     the last confirmation signs it: validated blocs are capitalised (:class:`ValidatedBlock`)
               and the minutes are rendered and stored in the same transaction. From then on nothing
               of it changes; :func:`rectify` opens a new deliberation that corrects chosen decisions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date

from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certiflow.assessment.models import Session
from certiflow.candidates.domain.people import has_conflict
from certiflow.candidates.models import Enrolment, ExemptionProposal
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Conflict, NotAllowed, Refused
from certiflow.frameworks.models import Block
from certiflow.jury.domain.composition import composition_problems
from certiflow.jury.domain.engine import (
    DECISION_FOR,
    TO_DECIDE,
    VALIDATED,
    Proposal,
    presented_enrolments,
    proposal_for,
    proposals,
)
from certiflow.jury.domain.minutes import render_minutes
from certiflow.jury.models import (
    BlockDecision,
    Confirmation,
    Decision,
    Deliberation,
    Equivalence,
    ExemptionRuling,
    JuryMember,
    JuryRole,
    Minutes,
    Side,
    ValidatedBlock,
)
from certiflow.jury.signals import deliberation_signed

Status = Deliberation.Status
Result = Decision.Result


class CannotOpen(Refused):
    """Opening is refused; ``problems`` lists everything wrong, so it can all be fixed at once."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            _("The deliberation cannot open: %(count)s problem(s).") % {"count": len(problems)},
            hint=" ".join(problems),
        )


def _require(actor: AbstractBaseUser, perm: str, deliberation: Deliberation, message: str) -> None:
    if not actor.has_perm(perm, deliberation):
        raise NotAllowed(message)


def _require_status(deliberation: Deliberation, *allowed: str) -> None:
    if deliberation.status not in allowed:
        raise Refused(
            _("This deliberation is « %(status)s »: this cannot be done now.")
            % {"status": deliberation.get_status_display()}
        )


def _locked(deliberation: Deliberation) -> Deliberation:
    """Re-read the deliberation under a row lock, so two requests never change its state at once."""
    return Deliberation.objects.select_for_update().get(pk=deliberation.pk)


def _reauthenticate(actor: AbstractBaseUser, password: str) -> None:
    """Members confirm with their password, not just their open session (issue 4 « re-authenticates »)."""
    user = authenticate(username=actor.get_username(), password=password)
    if user is None or user.pk != actor.pk:
        raise NotAllowed(
            _("The password is not correct."), hint=_("Enter your own password to confirm."), field="password"
        )


# --- preparing ----------------------------------------------------------------------------------------


def create_deliberation(
    *, actor: AbstractBaseUser, session: Session, title: str, meets_on: date, place: str = ""
) -> Deliberation:
    if not actor.has_perm("jury.manage_deliberation", None):
        raise NotAllowed(_("Only an administrator prepares a deliberation."))
    if not title.strip():
        raise Refused(_("Give the deliberation a title."), field="title")
    if meets_on < session.starts_on:
        raise Refused(
            _("The jury cannot meet before its session starts (%(day)s).") % {"day": session.starts_on},
            field="meets_on",
        )
    with transaction.atomic():
        deliberation = Deliberation.objects.create(
            session=session, title=title.strip(), meets_on=meets_on, place=place.strip(), created_by=actor
        )
        audit.record(
            actor=actor,
            action="deliberation.create",
            obj=deliberation,
            changes={"session": session.pk, "meets_on": meets_on.isoformat()},
        )
    return deliberation


def add_member(
    *,
    actor: AbstractBaseUser,
    deliberation: Deliberation,
    user: AbstractBaseUser,
    role: str,
    is_professional: bool,
    side: str = "",
    organisation: str = "",
    is_president: bool = False,
) -> JuryMember:
    """Seat ``user`` on the jury. A side (employer or employee) is for professionals only."""
    _require(actor, "jury.manage_deliberation", deliberation, _("Only an administrator composes a jury."))
    if role not in JuryRole.values:
        raise Refused(_("Choose the member's role."), field="role")
    if side and side not in Side.values:
        raise Refused(_("Choose employer or employee."), field="side")
    if side and not is_professional:
        raise Refused(_("Only a professional sits as an employer or an employee."), field="side")
    if not user.is_active:
        raise Refused(_("This account is deactivated."), field="user")
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.PREPARING)
        if deliberation.members.filter(user=user).exists():
            raise Refused(_("%(user)s already sits on this jury.") % {"user": user}, field="user")
        if is_president and deliberation.members.filter(is_president=True).exists():
            raise Refused(_("This jury already has a president."), field="is_president")
        member = JuryMember.objects.create(
            deliberation=deliberation,
            user=user,
            role=role,
            is_professional=is_professional,
            side=side if is_professional else "",
            organisation=organisation.strip(),
            is_president=is_president,
        )
        audit.record(
            actor=actor,
            action="deliberation.add_member",
            obj=deliberation,
            changes={
                "user": user.get_username(),
                "role": role,
                "is_professional": is_professional,
                "side": member.side,
                "is_president": is_president,
            },
        )
    return member


def remove_member(*, actor: AbstractBaseUser, member: JuryMember) -> None:
    deliberation = member.deliberation
    _require(actor, "jury.manage_deliberation", deliberation, _("Only an administrator composes a jury."))
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.PREPARING)
        audit.record(
            actor=actor,
            action="deliberation.remove_member",
            obj=deliberation,
            changes={"user": member.user.get_username(), "role": member.role},
        )
        member.delete()


def presented(deliberation: Deliberation) -> list[Enrolment]:
    """The enrolments a deliberation decides on: those of its session, or, for a rectification, those
    whose decisions it corrects."""
    if deliberation.rectifies_id:
        return [d.enrolment for d in deliberation.decisions.select_related("enrolment__candidate")]
    return list(presented_enrolments(deliberation.session).select_related("candidate"))


def open_deliberation(*, actor: AbstractBaseUser, deliberation: Deliberation) -> Deliberation:
    """Check the jury (composition per access route presented, president, conflicts) and open.

    Raises :class:`CannotOpen` listing every problem. Creates one undecided :class:`Decision` per
    enrolment presented, with the engine's proposal as of the jury's date.
    """
    _require(
        actor, "jury.manage_deliberation", deliberation, _("Only an administrator opens a deliberation.")
    )
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.PREPARING)
        enrolments = presented(deliberation)
        problems = composition_problems(
            deliberation=deliberation, enrolments=enrolments, actor=actor, persist=True
        )
        if problems:
            raise CannotOpen(problems)
        corrected = set(
            deliberation.decisions.exclude(supersedes=None).values_list("supersedes_id", flat=True)
        )
        by_enrolment = {
            p.enrolment_id: p
            for p in proposals([e.pk for e in enrolments], on=deliberation.meets_on, excluding=corrected)
        }
        if deliberation.rectifies_id:
            for decision in deliberation.decisions.all():
                _snapshot(decision, by_enrolment[decision.enrolment_id])
                decision.save(update_fields=["proposal", "proposed_result"])
        else:
            Decision.objects.bulk_create(
                _snapshot(Decision(deliberation=deliberation, enrolment=e), by_enrolment[e.pk])
                for e in enrolments
            )
        deliberation.status, deliberation.opened_at = Status.OPEN, timezone.now()
        deliberation.save(update_fields=["status", "opened_at"])
        audit.record(
            actor=actor,
            action="deliberation.open",
            obj=deliberation,
            changes={"candidates": len(enrolments), "members": deliberation.members.count()},
        )
    return deliberation


def _snapshot(decision: Decision, proposal: Proposal) -> Decision:
    decision.proposal = proposal.snapshot()
    decision.proposed_result = proposal.result
    return decision


# --- open: rulings and decisions ---------------------------------------------------------------------


def _check_may_judge(actor: AbstractBaseUser, deliberation: Deliberation, enrolment: Enrolment) -> None:
    _require(
        actor, "jury.decide", deliberation, _("Only the jury (or an administrator as its secretary) decides.")
    )
    if has_conflict(person_id=actor.pk, candidate_id=enrolment.candidate_id):
        raise NotAllowed(
            _("You declared a conflict of interest with %(candidate)s: you do not judge them.")
            % {"candidate": enrolment.candidate}
        )


def _decision_of(deliberation: Deliberation, enrolment_id: int) -> Decision:
    decision = deliberation.decisions.filter(enrolment_id=enrolment_id).first()
    if decision is None:
        raise Refused(_("This candidate is not presented to this deliberation."))
    return decision


def rule_on_exemption(
    *,
    actor: AbstractBaseUser,
    deliberation: Deliberation,
    proposal: ExemptionProposal,
    granted: bool,
    keeps_overall_capability: bool,
    not_applicable_to_future_practice: bool,
    reason: str,
) -> ExemptionRuling:
    """The jury grants or refuses a referent's exemption proposal (seed 003, DESIGN rule 5): it may
    exempt only when it records both cumulative conditions itself, and always says why."""
    _check_may_judge(actor, deliberation, proposal.enrolment)
    if not reason.strip():
        raise Refused(_("Write the jury's reason for this ruling."), field="reason")
    if granted and not (keeps_overall_capability and not_applicable_to_future_practice):
        raise Refused(
            _(
                "The jury may exempt a criterion only when both cumulative conditions hold (seed 003): it "
                "does not call the overall professional capability into question, and it does not apply "
                "to the candidate's future practice given the disability."
            ),
            field="keeps_overall_capability"
            if not keeps_overall_capability
            else "not_applicable_to_future_practice",
        )
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.OPEN)
        _decision_of(deliberation, proposal.enrolment_id)
        proposal = ExemptionProposal.objects.select_for_update().get(pk=proposal.pk)
        if proposal.status != ExemptionProposal.Status.PROPOSED:
            raise Refused(
                _("This proposal is already « %(status)s ».") % {"status": proposal.get_status_display()}
            )
        ruling = ExemptionRuling.objects.create(
            deliberation=deliberation,
            proposal=proposal,
            granted=granted,
            keeps_overall_capability=keeps_overall_capability,
            not_applicable_to_future_practice=not_applicable_to_future_practice,
            reason=reason.strip(),
            decided_by=actor,
        )
        before = proposal.status
        proposal.status = ExemptionProposal.Status.GRANTED if granted else ExemptionProposal.Status.REFUSED
        proposal.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="exemption.rule",
            obj=proposal.enrolment,
            changes={
                "criterion": proposal.criterion.code,
                "status": [before, proposal.status],
                "keeps_overall_capability": keeps_overall_capability,
                "not_applicable_to_future_practice": not_applicable_to_future_practice,
                "deliberation": deliberation.pk,
            },
            reason=reason.strip(),
        )
    return ruling


def present_equivalence(
    *,
    actor: AbstractBaseUser,
    enrolment: Enrolment,
    block: Block,
    kind: str,
    evidence: str,
    source_block: Block | None = None,
    document=None,
    interview_on: date | None = None,
    interview_notes: str = "",
) -> Equivalence:
    """Record what a candidate presents for a bloc instead of being evaluated on it (seed 003 « il
    revient au candidat de présenter cette équivalence au jury pour validation »): a bloc held in
    another certification, or a VAE validation file (with the date of the jury interview)."""
    if not actor.has_perm("jury.present_equivalence", enrolment):
        raise NotAllowed(
            _("Only an administrator or the candidate's training provider records an equivalence.")
        )
    if kind not in Equivalence.Kind.values:
        raise Refused(_("Choose the kind of equivalence."), field="kind")
    if block.framework_id != enrolment.framework_id:
        raise Refused(_("This bloc is not part of the candidate's référentiel."), field="block")
    if not evidence.strip():
        raise Refused(
            _("Describe what the candidate presents (attestation, certificate, file)."), field="evidence"
        )
    if kind == Equivalence.Kind.VAE and enrolment.access_route.route != "vae":
        raise Refused(
            _("A VAE is presented by a candidate enrolled through the VAE route."),
            field="kind",
            hint=_("Enrol the candidate through the route « %(route)s ».") % {"route": "VAE"},
        )
    if source_block is not None and source_block.framework_id == enrolment.framework_id:
        raise Refused(
            _("The bloc held must come from another certification or version."), field="source_block"
        )
    with transaction.atomic():
        if Equivalence.objects.filter(
            enrolment=enrolment, block=block, status=Equivalence.Status.PRESENTED
        ).exists():
            raise Refused(
                _("An equivalence for %(code)s is already presented to the jury.") % {"code": block.code},
                field="block",
            )
        equivalence = Equivalence.objects.create(
            enrolment=enrolment,
            block=block,
            kind=kind,
            source_block=source_block,
            evidence=evidence.strip(),
            document=document or "",
            interview_on=interview_on,
            interview_notes=interview_notes.strip(),
            presented_by=actor,
        )
        audit.record(
            actor=actor,
            action="equivalence.present",
            obj=enrolment,
            changes={
                "block": block.code,
                "kind": kind,
                "source_block": source_block.code if source_block else None,
                "interview_on": interview_on.isoformat() if interview_on else None,
            },
        )
    return equivalence


def rule_on_equivalence(
    *,
    actor: AbstractBaseUser,
    deliberation: Deliberation,
    equivalence: Equivalence,
    accepted: bool,
    reason: str,
    interview_notes: str | None = None,
    interview_on: date | None = None,
) -> Equivalence:
    """The jury accepts or refuses an equivalence or a VAE (DESIGN rule 4). A VAE is ruled on only
    after the jury interview (seed 003 « Par expérience »: the same jury), whose date and notes may be
    recorded with the ruling."""
    _check_may_judge(actor, deliberation, equivalence.enrolment)
    if not reason.strip():
        raise Refused(_("Write the jury's reason for this ruling."), field="reason")
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.OPEN)
        _decision_of(deliberation, equivalence.enrolment_id)
        equivalence = Equivalence.objects.select_for_update().get(pk=equivalence.pk)
        if equivalence.status != Equivalence.Status.PRESENTED:
            raise Refused(
                _("This equivalence is already « %(status)s ».")
                % {"status": equivalence.get_status_display()}
            )
        if interview_notes is not None:
            equivalence.interview_notes = interview_notes.strip()
        if interview_on is not None:
            equivalence.interview_on = interview_on
        if equivalence.kind == Equivalence.Kind.VAE and equivalence.interview_on is None:
            raise Refused(
                _("A VAE is ruled on after the jury interview: record its date first."), field="interview_on"
            )
        before = equivalence.status
        equivalence.status = Equivalence.Status.ACCEPTED if accepted else Equivalence.Status.REFUSED
        equivalence.ruling_reason, equivalence.decided_in = reason.strip(), deliberation
        equivalence.save()
        audit.record(
            actor=actor,
            action="equivalence.rule",
            obj=equivalence.enrolment,
            changes={"block": equivalence.block.code, "status": [before, equivalence.status]},
            reason=reason.strip(),
        )
    return equivalence


def check_decision(*, proposal: Proposal, result: str, validated: set[int], reason: str) -> None:
    """A decision must be coherent with its blocs, and differ from the proposal only with a reason
    (DESIGN rule 7). Pure; raises :class:`Refused`."""
    if result not in Result.values:
        raise Refused(_("Choose a result."), field="result")
    all_blocks = {b.block_id for b in proposal.blocks}
    if not validated <= all_blocks:
        raise Refused(_("A bloc chosen is not part of the candidate's référentiel."), field="blocks")
    undecided = [b.code for b in proposal.blocks if b.status == TO_DECIDE and b.block_id in validated]
    if undecided:
        raise Refused(
            _("Rule on the equivalence presented for %(codes)s before validating it.")
            % {"codes": ", ".join(undecided)},
            field="blocks",
        )
    held = {
        b.block_id
        for b in proposal.blocks
        if b.status == VALIDATED and b.source != BlockDecision.Source.GRADED
    }
    unmet = [r.detail for r in proposal.reasons if r.code == "prerequisites"]
    if result == Result.CERTIFIED:
        if validated != all_blocks:
            raise Refused(_("Full certification needs every bloc validated (seed 003)."), field="result")
        if unmet:
            raise Refused(
                _("The validation prerequisites are not met, so the candidate cannot be certified: %(what)s")
                % {"what": unmet[0]},
                field="result",
            )
    elif result == Result.PARTIAL:
        # Every bloc validated with a validation prerequisite unmet is partial too (DESIGN rule 8).
        if not validated or (validated == all_blocks and not unmet):
            raise Refused(
                _("A partial certification validates some blocs, not none and not all."), field="result"
            )
    elif result == Result.FAILED:
        if validated:
            raise Refused(_("A failure validates no bloc; choose a partial certification."), field="result")
    elif not validated <= held:
        raise Refused(
            _("An absent or excused candidate keeps only the blocs they already held."), field="blocks"
        )
    if (
        differs_from_proposal(snapshot=proposal.snapshot(), result=result, validated=validated)
        and not reason.strip()
    ):
        raise Refused(_("This decision differs from the proposal: write the jury's reason."), field="reason")


def record_decision(
    *,
    actor: AbstractBaseUser,
    decision: Decision,
    result: str,
    validated_block_ids: Iterable[int],
    reason: str,
    base_revision: int,
) -> Decision:
    """Record the jury's decision on one candidate, with the proposal it was taken on.

    ``base_revision`` is the revision the user saw; if someone recorded another decision since,
    :class:`Conflict` carries the stored one and nothing is written.
    """
    deliberation = decision.deliberation
    enrolment = decision.enrolment
    _check_may_judge(actor, deliberation, enrolment)
    validated = set(validated_block_ids)
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.OPEN)
        current = Decision.objects.select_for_update().get(pk=decision.pk)
        if current.revision != base_revision:
            raise Conflict(
                _("Someone recorded a decision for this candidate since you opened it."),
                current={
                    "result": current.result,
                    "reason": current.reason,
                    "blocks": list(current.blocks.filter(validated=True).values_list("block_id", flat=True)),
                    "revision": current.revision,
                },
            )
        proposal = proposal_for_decision(current)
        check_decision(proposal=proposal, result=result, validated=validated, reason=reason)
        before = [current.result, current.reason]
        _snapshot(current, proposal)
        current.result, current.reason = result, reason.strip()
        current.decided_by, current.decided_at = actor, timezone.now()
        current.revision += 1
        current.save()
        current.blocks.all().delete()
        BlockDecision.objects.bulk_create(
            BlockDecision(
                decision=current,
                block_id=b.block_id,
                proposed_status=b.status,
                validated=b.block_id in validated,
                source=b.source,
            )
            for b in proposal.blocks
        )
        audit.record(
            actor=actor,
            action="decision.record",
            obj=current,
            changes={
                "before": before,
                "after": [result, current.reason],
                "proposed": proposal.result,
                "validated_blocks": sorted(b.code for b in proposal.blocks if b.block_id in validated),
            },
            reason=current.reason,
        )
    return current


# --- closing and signing ------------------------------------------------------------------------------


def current_snapshots(deliberation: Deliberation, decisions: Iterable[Decision]) -> dict[int, dict]:
    """{enrolment id: the proposal snapshot each decision should be taken on}: computed now, set-based,
    while the deliberation is open (a rectification does not count as held what the decisions it
    corrects validated); once the president closed it, the snapshots the decisions recorded."""
    decisions = list(decisions)
    if deliberation.is_locked:
        return {d.enrolment_id: d.proposal or {} for d in decisions}
    excluding = {d.supersedes_id for d in decisions if d.supersedes_id}
    return {
        p.enrolment_id: p.snapshot()
        for p in proposals([d.enrolment_id for d in decisions], on=deliberation.meets_on, excluding=excluding)
    }


def proposal_for_decision(decision: Decision) -> Proposal:
    """The proposal a decision is taken on now: as of the jury's date, without counting as held what
    the decision it rectifies (if any) validated."""
    excluding = [decision.supersedes_id] if decision.supersedes_id else []
    return proposal_for(decision.enrolment, on=decision.deliberation.meets_on, excluding=excluding)


def snapshot_validated(snapshot: dict) -> set[int]:
    """The blocs a proposal snapshot validates."""
    return {b["block_id"] for b in snapshot.get("blocks", ()) if b["status"] == VALIDATED}


def differs_from_proposal(*, snapshot: dict, result: str, validated: set[int]) -> bool:
    """A decision differs from the proposal it is taken on when its result or its blocs do
    (DESIGN rule 7: it then needs a written reason)."""
    return result != DECISION_FOR.get(snapshot.get("result", ""), "") or validated != snapshot_validated(
        snapshot
    )


def is_stale(decision: Decision, current: dict) -> bool:
    """The decision was taken on a proposal that has changed since (a ruling or a result came after)."""
    return bool(decision.result) and (decision.proposal or {}) != current


def stale_decisions(deliberation: Deliberation) -> list[Decision]:
    """Decisions not taken, or taken on a proposal that has changed since."""
    decisions = list(deliberation.decisions.select_related("enrolment__candidate"))
    current = current_snapshots(deliberation, decisions)
    return [d for d in decisions if not d.result or is_stale(d, current[d.enrolment_id])]


def close_deliberation(*, actor: AbstractBaseUser, deliberation: Deliberation, password: str) -> Deliberation:
    """The president closes: every candidate has a decision taken on the current proposal. The
    president's password counts as their confirmation."""
    _require(actor, "jury.close_deliberation", deliberation, _("Only the president of the jury closes it."))
    _reauthenticate(actor, password)
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.OPEN)
        stale = stale_decisions(deliberation)
        if stale:
            raise Refused(
                _(
                    "%(count)s candidate(s) have no decision, or one taken on a proposal that has changed since: %(names)s."
                )
                % {"count": len(stale), "names": ", ".join(str(d.enrolment.candidate) for d in stale[:10])},
                hint=_("Record (or confirm again) their decisions, then close."),
            )
        deliberation.status, deliberation.closed_at = Status.CLOSING, timezone.now()
        deliberation.save(update_fields=["status", "closed_at"])
        audit.record(actor=actor, action="deliberation.close", obj=deliberation)
        _confirm(actor, deliberation)
    return deliberation


def confirm(*, actor: AbstractBaseUser, deliberation: Deliberation, password: str) -> Confirmation:
    """A member confirms the closed deliberation with their password; the last one signs it."""
    _require(actor, "jury.confirm_deliberation", deliberation, _("Only a member of this jury confirms it."))
    _reauthenticate(actor, password)
    with transaction.atomic():
        deliberation = _locked(deliberation)
        _require_status(deliberation, Status.CLOSING)
        return _confirm(actor, deliberation)


def _confirm(actor: AbstractBaseUser, deliberation: Deliberation) -> Confirmation:
    member = deliberation.members.get(user=actor)
    if Confirmation.objects.filter(member=member).exists():
        raise Refused(_("You have already confirmed this deliberation."))
    confirmation = Confirmation.objects.create(member=member)
    audit.record(actor=actor, action="deliberation.confirm", obj=deliberation)
    if not deliberation.members.filter(confirmation__isnull=True).exists():
        _sign(actor, deliberation)
    return confirmation


def _sign(actor: AbstractBaseUser, deliberation: Deliberation) -> None:
    """Capitalise the validated blocs, render and store the minutes, and make it all immutable. Called
    inside the transaction of the last confirmation, so either all of it happens or none."""
    now = timezone.now()
    valid_until = deliberation.session.framework.certification.valid_until
    decisions = list(
        deliberation.decisions.select_related("enrolment", "supersedes").prefetch_related("blocks")
    )
    for decision in decisions:
        if decision.supersedes_id:
            ValidatedBlock.objects.filter(
                block_decision__decision=decision.supersedes, revoked_by__isnull=True
            ).update(revoked_by=deliberation)
    live = set(
        ValidatedBlock.objects.filter(
            candidate_id__in={d.enrolment.candidate_id for d in decisions}, revoked_by__isnull=True
        ).values_list("candidate_id", "block_id")
    )
    ValidatedBlock.objects.bulk_create(
        ValidatedBlock(
            candidate_id=decision.enrolment.candidate_id,
            block_id=block.block_id,
            block_decision=block,
            source=block.source,
            obtained_on=deliberation.meets_on,
            valid_until=valid_until,
        )
        for decision in decisions
        for block in decision.blocks.all()
        if block.validated and (decision.enrolment.candidate_id, block.block_id) not in live
    )
    deliberation.status, deliberation.signed_at = Status.CLOSED, now
    deliberation.save(update_fields=["status", "signed_at"])
    pdf = render_minutes(deliberation=deliberation, signed_at=now)
    minutes = Minutes.objects.create(
        deliberation=deliberation, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest()
    )
    audit.record(
        actor=actor,
        action="deliberation.sign",
        obj=deliberation,
        changes={"minutes_sha256": minutes.sha256, "decisions": len(decisions)},
    )
    deliberation_signed.send(sender=Deliberation, deliberation=deliberation, actor=actor)


# --- corrections --------------------------------------------------------------------------------------


def rectify(
    *,
    actor: AbstractBaseUser,
    deliberation: Deliberation,
    enrolments: Iterable[Enrolment],
    reason: str,
    meets_on: date,
) -> Deliberation:
    """Start a rectifying deliberation (procès-verbal rectificatif) for some candidates of a signed one.

    The signed deliberation is not touched: the new one links to it, takes the same jury (which may be
    changed while it is prepared) and holds one decision per candidate corrected, superseding theirs.
    """
    _require(
        actor, "jury.manage_deliberation", deliberation, _("Only an administrator starts a rectification.")
    )
    if not reason.strip():
        raise Refused(_("Say what the rectification corrects."), field="reason")
    enrolment_ids = {e.pk for e in enrolments}
    if not enrolment_ids:
        raise Refused(_("Choose the candidates whose decision is corrected."), field="enrolments")
    with transaction.atomic():
        original = _locked(deliberation)
        _require_status(original, Status.CLOSED)
        if meets_on < original.meets_on:
            raise Refused(_("A rectification meets after the deliberation it corrects."), field="meets_on")
        superseded = list(
            original.decisions.filter(enrolment_id__in=enrolment_ids).select_related("enrolment")
        )
        if len(superseded) != len(enrolment_ids):
            raise Refused(
                _("Only candidates of this deliberation can be corrected here."), field="enrolments"
            )
        already = [d for d in superseded if hasattr(d, "superseded_by")]
        if already:
            raise Refused(
                _("A rectification already corrects the decision on %(names)s.")
                % {"names": ", ".join(str(d.enrolment.candidate) for d in already)},
                field="enrolments",
            )
        rectification = Deliberation.objects.create(
            session=original.session,
            title=_("Rectification — %(title)s") % {"title": original.title},
            meets_on=meets_on,
            place=original.place,
            rectifies=original,
            rectification_reason=reason.strip(),
            created_by=actor,
        )
        JuryMember.objects.bulk_create(
            JuryMember(
                deliberation=rectification,
                user_id=m.user_id,
                role=m.role,
                is_professional=m.is_professional,
                side=m.side,
                organisation=m.organisation,
                is_president=m.is_president,
            )
            for m in original.members.all()
        )
        Decision.objects.bulk_create(
            Decision(deliberation=rectification, enrolment=d.enrolment, supersedes=d) for d in superseded
        )
        for obj in (original, rectification):
            audit.record(
                actor=actor,
                action="deliberation.rectify",
                obj=obj,
                changes={
                    "rectifies": original.pk,
                    "rectification": rectification.pk,
                    "enrolments": sorted(enrolment_ids),
                },
                reason=reason.strip(),
            )
    return rectification
