"""The demonstration's deliberation (``certiflow demo --stage deliberated``), through the real domain.

After the graded stage (:func:`certiflow.assessment.domain.demo.build_demo`), :func:`deliberate_demo`:

- seats a jury composed as the fiche says (seed 003 « Le jury est composé de 4 membres dont 50% de
  professionnels : Le directeur de l'école ; Un responsable pédagogique ou enseignant ; Deux
  professionnels externes, exerçant dans le métier visé. La parité employeur/salarié est contrôlée. »):
  ``jury1`` the school's director, who presides, ``jury2`` a pedagogical lead, ``jury3`` and ``jury4``
  two external professionals, one on the employer side and one on the employee side. The accounts
  are the demo's own: one the demo created earlier (its audited ``user.create``) is used again, a
  missing one is created like every demo account, anyone else's is never taken over;
- opens the deliberation (the composition and conflicts are checked there), grants the referent's
  exemption proposals with both cumulative conditions and a reason (DESIGN rule 5);
- records a decision for every candidate: the engine's proposal when it proposes a result, and for an
  ``incomplete`` proposal the blocs validated so far (partial certification, or failure when none is),
  with the written reason the jury owes when it decides without every result (DESIGN rule 7);
- closes it as the president and confirms it as each other member (they know the demo password): the
  last confirmation signs it, capitalises the validated blocs and stores the minutes.

:func:`build_deliberated_demo` runs the graded stage then this in one transaction, or deliberates an
existing graded demo session that has no deliberation yet; a demo deliberated already is refused.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from certiflow.assessment.domain.demo import (
    ADMIN,
    DEFAULT_CANDIDATES,
    DEFAULT_PASSWORD,
    DEFAULT_SEED,
    GRADED,
    DemoAccount,
    DemoReport,
    Progress,
    _Builder,
    build_demo,
    check_options,
    existing_demo_session,
)
from certiflow.assessment.domain.demo import STAGES as GRADING_STAGES
from certiflow.assessment.domain.sessions import publish_results
from certiflow.assessment.models import Assignment, Session
from certiflow.candidates.domain.people import grant_role
from certiflow.candidates.models import ExemptionProposal, RoleGrant
from certiflow.common.domain.errors import NotAllowed, Refused
from certiflow.common.models import AuditLogEntry
from certiflow.jury.domain.deliberations import (
    add_member,
    close_deliberation,
    confirm,
    create_deliberation,
    open_deliberation,
    record_decision,
    rule_on_exemption,
)
from certiflow.jury.domain.engine import DECISION_FOR, INCOMPLETE, Proposal, proposal_for
from certiflow.jury.models import Decision, Deliberation, JuryRole, Minutes, Side

DELIBERATED = "deliberated"
STAGES = (*GRADING_STAGES, DELIBERATED)

JURY_TITLE = "Jury de certification — Session de juin 2026"
JURY_MEETS_ON = date(2026, 7, 2)
JURY_PLACE = "Centre d'examens de Lyon, 12 rue Garibaldi — salle du conseil"
DEFAULT_SCHOOL = "IESA arts et culture"


@dataclass(frozen=True)
class SeatPlan:
    """One seat of the demo jury (seed 003 « Composition des jurys »)."""

    username: str
    role: str  # JuryRole
    label: str  # as the accounts table shows it
    is_professional: bool
    side: str = ""
    organisation: str = ""  # empty: the certifying school
    is_president: bool = False


SEATS = (
    SeatPlan("jury1", JuryRole.DIRECTOR, "directeur de l'école, président du jury", False, is_president=True),
    SeatPlan("jury2", JuryRole.PEDAGOGICAL_LEAD, "responsable pédagogique", False),
    SeatPlan(
        "jury3",
        JuryRole.EXTERNAL_PROFESSIONAL,
        "professionnelle externe, côté employeur",
        True,
        Side.EMPLOYER,
        "Compagnie Les Tréteaux du Rhône — directrice de production",
    ),
    SeatPlan(
        "jury4",
        JuryRole.EXTERNAL_PROFESSIONAL,
        "professionnel externe, côté salarié",
        True,
        Side.EMPLOYEE,
        "Scène conventionnée de Villeurbanne — chargé de production",
    ),
)

EXEMPTION_REASON = (
    "Le jury retient les deux conditions cumulatives (document 003) : le repérage sur plans et visites "
    "virtuelles démontre la compétence, sans remettre en cause la capacité professionnelle globale de la "
    "personne candidate ; le repérage physique n'a pas vocation à s'appliquer dans sa pratique future, en "
    "administration de production."
)

#: How the reason of an incomplete result names what was missing (engine reason codes).
MISSING = {
    "pending": "critères sans résultat",
    "disagreement": "désaccord de double correction non réconcilié",
    "to_decide": "équivalence présentée non encore statuée",
}


@dataclass
class DeliberatedDemo:
    """What :func:`deliberate_demo` did, for the command to print."""

    deliberation: Deliberation
    minutes: Minutes
    accounts: list[DemoAccount] = field(default_factory=list)
    rulings: int = 0
    decisions: Counter[str] = field(default_factory=Counter)
    incomplete: int = 0  # decided on incomplete results, with a written reason


# --- pure helpers --------------------------------------------------------------------------------------


def demo_decision(proposal: Proposal) -> tuple[str, set[int], str]:
    """(result, validated bloc ids, reason) the demo jury records for ``proposal``: the proposal itself
    when it proposes a result; for an incomplete one, the blocs validated so far with the reason the
    jury must write (partial certification, or failure when no bloc is validated)."""
    validated = set(proposal.validated_block_ids)
    if proposal.result != INCOMPLETE:
        return DECISION_FOR[proposal.result], validated, ""
    missing = (
        "; ".join(
            f"{MISSING[reason.code]} : {reason.detail}"
            for reason in proposal.reasons
            if reason.code in MISSING
        )
        or "résultats en attente"
    )
    codes = [b.code for b in proposal.blocks if b.block_id in validated]
    if codes:
        outcome = (
            f"Le jury valide les blocs acquis ({', '.join(codes)}) ; les autres blocs pourront être "
            "présentés à une session ultérieure."
        )
        result = Decision.Result.PARTIAL
    else:
        outcome = (
            "Aucun bloc n'est validé ; la personne candidate pourra se présenter à une session ultérieure."
        )
        result = Decision.Result.FAILED
    return result, validated, f"Résultats incomplets à la date du jury : {missing}. {outcome}"


# --- the deliberation ---------------------------------------------------------------------------------


def _created_by_demo(user: AbstractBaseUser) -> bool:
    return AuditLogEntry.objects.filter(
        action="user.create",
        object_type=user._meta.label_lower,
        object_id=str(user.pk),
        changes__by="demo",
    ).exists()


def demo_admin() -> AbstractBaseUser:
    admin = get_user_model().objects.filter(username=ADMIN, is_active=True, is_staff=True).first()
    if admin is None:
        raise Refused("The demo needs its active staff account « admin ».")
    return admin


def refuse_foreign(user: AbstractBaseUser) -> None:
    """Never take over someone's account: a jury account the demo did not create is refused."""
    if not _created_by_demo(user):
        raise Refused(
            f"An account « {user.get_username()} » already exists and was not created by the demo; the "
            "demo creates its own jury accounts.",
            hint="Run the demo on an empty database, or rename that account.",
        )


def refuse_if_deliberated(session: Session) -> None:
    if done := session.deliberations.order_by("pk").first():
        raise Refused(
            f"The demo session « {session.title} » already has a deliberation (« {done.title} », "
            f"{done.get_status_display()}): the demo deliberates once per database.",
            hint="Start from an empty database (delete var/certiflow.sqlite3, then `certiflow migrate`) "
            "to build it again.",
        )


def jury_accounts(*, password: str, say: Progress) -> tuple[dict[str, AbstractBaseUser], list[DemoAccount]]:
    """The four jury accounts: a demo account already there is used again; a missing one is created as
    every demo account is (audited, with the demo password); anyone else's is refused, never taken over."""
    User = get_user_model()
    admin = demo_admin()
    builder = _Builder(rng=random.Random(0), password=password, say=say)
    users: dict[str, AbstractBaseUser] = {}
    accounts: list[DemoAccount] = []
    for seat in SEATS:
        role = f"membre du jury : {seat.label}"
        user = User.objects.filter(username=seat.username).first()
        if user is None:
            user = builder._user(seat.username, role=role)
            accounts.append(DemoAccount(seat.username, role))
        else:
            refuse_foreign(user)
            accounts.append(DemoAccount(seat.username, role))
        grant_role(actor=admin, user=user, role=RoleGrant.Role.JURY_MEMBER)
        users[seat.username] = user
    users[ADMIN] = admin
    return users, accounts


def deliberate_demo(*, session: Session, password: str, progress: Progress | None = None) -> DeliberatedDemo:
    """Compose, open, rule, decide, close, confirm and sign the deliberation of the demo ``session``
    (see the module docstring). Call it inside a transaction: a refusal must leave nothing behind."""
    say = progress or (lambda _message: None)
    refuse_if_deliberated(session)
    users, accounts = jury_accounts(password=password, say=say)
    admin, president = users[ADMIN], users[SEATS[0].username]
    certifier = session.framework.certification.certifiers.order_by("pk").first()
    school = (certifier.commercial_name or certifier.name) if certifier else DEFAULT_SCHOOL

    deliberation = create_deliberation(
        actor=admin, session=session, title=JURY_TITLE, meets_on=JURY_MEETS_ON, place=JURY_PLACE
    )
    for seat in SEATS:
        add_member(
            actor=admin,
            deliberation=deliberation,
            user=users[seat.username],
            role=seat.role,
            is_professional=seat.is_professional,
            side=seat.side,
            organisation=seat.organisation or school,
            is_president=seat.is_president,
        )
    say(
        "Jury composed as the fiche says (seed 003): "
        + ", ".join(f"{seat.username} ({seat.label})" for seat in SEATS)
        + "."
    )
    deliberation = open_deliberation(actor=admin, deliberation=deliberation)
    decisions = list(
        deliberation.decisions.select_related(
            "enrolment__candidate", "enrolment__framework__certification", "enrolment__access_route"
        ).order_by("pk")
    )
    say(
        f"Deliberation « {deliberation.title} » of {deliberation.meets_on:%d/%m/%Y} opened: "
        f"{len(decisions)} candidates presented."
    )

    rulings = 0
    exemptions = ExemptionProposal.objects.filter(
        enrolment_id__in=[d.enrolment_id for d in decisions], status=ExemptionProposal.Status.PROPOSED
    ).select_related("enrolment__candidate", "criterion")
    for exemption in exemptions:
        rule_on_exemption(
            actor=president,
            deliberation=deliberation,
            proposal=exemption,
            granted=True,
            keeps_overall_capability=True,
            not_applicable_to_future_practice=True,
            reason=EXEMPTION_REASON,
        )
        rulings += 1
    say(
        f"Exemption proposals ruled: {rulings} granted on both cumulative conditions, with the jury's reason."
    )

    results: Counter[str] = Counter()
    incomplete = 0
    for decision in decisions:
        result, validated, reason = demo_decision(proposal_for(decision.enrolment, on=deliberation.meets_on))
        record_decision(
            actor=president,
            decision=decision,
            result=result,
            validated_block_ids=validated,
            reason=reason,
            base_revision=decision.revision,
        )
        results[result] += 1
        incomplete += bool(reason)
    tally = ", ".join(f"{result} {count}" for result, count in sorted(results.items()))
    say(
        f"Decisions recorded for every candidate ({tally}); {incomplete} with incomplete results, "
        "decided with a written reason."
    )

    members = list(deliberation.members.select_related("user").order_by("-is_president", "pk"))
    try:
        close_deliberation(actor=president, deliberation=deliberation, password=password)
        for member in members[1:]:
            confirm(actor=member.user, deliberation=deliberation, password=password)
    except NotAllowed as refusal:
        raise Refused(
            f"{refusal.message} (a jury account of the demo does not have the password given).",
            hint="Give the password the demo was built with (--password).",
        ) from refusal
    minutes = Minutes.objects.select_related("deliberation").get(deliberation=deliberation)
    say(
        f"Closed by the president, confirmed by the {len(members) - 1} other members: signed, validated "
        f"blocs capitalised, minutes stored ({len(bytes(minutes.pdf))} bytes, SHA-256 {minutes.sha256})."
    )
    return DeliberatedDemo(
        deliberation=minutes.deliberation,
        minutes=minutes,
        accounts=accounts,
        rulings=rulings,
        decisions=results,
        incomplete=incomplete,
    )


# --- the whole stage ----------------------------------------------------------------------------------


def _graded(session: Session) -> bool:
    return Assignment.objects.filter(scheduled__session=session, status=Assignment.Status.SUBMITTED).exists()


@transaction.atomic
def build_deliberated_demo(
    *,
    candidates: int = DEFAULT_CANDIDATES,
    password: str = DEFAULT_PASSWORD,
    seed: int = DEFAULT_SEED,
    publish: bool = False,
    progress: Progress | None = None,
) -> tuple[DemoReport, DeliberatedDemo]:
    """The graded demo then its deliberation, in one transaction: a refusal or a failure leaves nothing
    behind. An existing graded demo session with no deliberation is deliberated as it is."""
    say = progress or (lambda _message: None)
    existing = existing_demo_session()
    if existing is not None:
        refuse_if_deliberated(existing)
    check_options(stage=GRADED, candidates=candidates, password=password, publish=publish)
    for user in get_user_model().objects.filter(username__in=[seat.username for seat in SEATS]):
        refuse_foreign(user)  # before the long part: nothing is built for nothing
    if existing is None:
        report = build_demo(
            stage=GRADED, candidates=candidates, password=password, seed=seed, publish=publish, progress=say
        )
    else:
        if not _graded(existing):
            raise Refused(
                f"The demo session « {existing.title} » exists but nothing of it is graded: there is nothing "
                "to deliberate on.",
                hint="Grade it first, or start from an empty database.",
            )
        report = DemoReport(stage=GRADED, framework=existing.framework, session=existing, password=password)
        report.notes.append(
            f"The demo session « {existing.title} » already existed: it was deliberated as it stands "
            "(--candidates and --seed were not used)."
        )
        if publish and existing.results_published_at is None:
            publish_results(actor=demo_admin(), session=existing)
            say("Results published.")
    outcome = deliberate_demo(session=report.session, password=password, progress=say)
    named = {a.username for a in outcome.accounts}
    report.accounts = [a for a in report.accounts if a.username not in named] + outcome.accounts
    report.stage = DELIBERATED
    report.counts.update(
        {
            "decisions": sum(outcome.decisions.values()),
            **{f"decided {result}": count for result, count in sorted(outcome.decisions.items())},
            "exemptions ruled": outcome.rulings,
        }
    )
    return report, outcome
