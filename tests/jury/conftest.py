"""A référentiel with TWO blocs (so a partial certification exists), graded through the real domain,
and a jury composed as seed 003 states it for every route that has one:

« Le jury est composé de 4 membres dont 50% de professionnels : - Le directeur de l'école - Un
responsable pédagogique ou enseignant - Deux professionnels externes, excerçant dans le métier visé
La parité employeur/salarié est contrôlée. »

The référentiel: RNCP39603BC01 (C1 ← E1.1, E1.2; assessment E1) and RNCP39603BC02 (C2 ← E2.1,
C3 ← E2.2; assessment E2). The session schedules E1 and E2 and seats every enrolment in both.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.assessment.domain.results import MET, NOT_MET
from certiflow.assessment.domain.sessions import (
    assign_evaluator,
    create_session,
    schedule_assessment,
    seat_enrolments,
)
from certiflow.assessment.models import Assignment, Mark, Sitting
from certiflow.candidates.models import RoleGrant
from certiflow.frameworks.models import AccessRoute
from certiflow.jury.domain.deliberations import (
    add_member,
    close_deliberation,
    confirm,
    create_deliberation,
    open_deliberation,
    record_decision,
)
from certiflow.jury.domain.engine import VALIDATED, proposal_for
from certiflow.jury.models import (
    BlockDecision,
    Decision,
    Deliberation,
    JuryRole,
    Side,
    ValidatedBlock,
)
from tests.factories import (
    AccessRouteFactory,
    AdministratorFactory,
    AssessmentFactory,
    BlockFactory,
    CandidateFactory,
    CertificationFactory,
    CompetencyFactory,
    CriterionFactory,
    EnrolmentFactory,
    FrameworkFactory,
    ProviderAuthorisationFactory,
    SessionFactory,
    UserFactory,
    grant,
)

#: The password every factory-made user has.
PASSWORD = "correct horse battery"

#: Seed 003, « Composition des jurys », as the fiche importer stores it on each route.
SEED_JURY_RULES = {
    "members": 4,
    "min_professional_ratio": 0.5,
    "roles": [
        "Le directeur de l'école",
        "Un responsable pédagogique ou enseignant",
        "Deux professionnels externes, excerçant dans le métier visé",
    ],
    "parity_checked": True,
}

#: The end of the certification's registration (the fiche's « Date d'échéance de l'enregistrement »).
VALID_UNTIL = datetime.date(2026, 10, 1)
SESSION_STARTS = datetime.date(2025, 6, 1)
MEETS_ON = datetime.date(2025, 7, 3)

#: Seed 003, « Prérequis à la validation de la certification ».
EXPERIENCE = (
    "Avoir réalisé 4 mois d'expérience professionnelle peu importe la typologie de contrat (stage, "
    "bénévolat, VIE, CDI, CDD, ...) , et/ou avoir facturé 200 h d'activités professionnelles en lien avec "
    "le métier visé (freelancing, auto-entrepreneur,...)"
)
VALIDATION_PREREQUISITES = {
    "validation": [
        {
            "routes": ["formation_initiale", "vae"],
            "route_text": "En formation initiale",
            "case": "Validation",
            "year": None,
            "conditions": [
                {"text": EXPERIENCE, "alternative": False, "experience_months": 4, "billed_hours": 200}
            ],
        }
    ]
}

ALL_MET = {"E1.1": MET, "E1.2": MET, "E2.1": MET, "E2.2": MET}
BC01_ONLY = {"E1.1": MET, "E1.2": MET, "E2.1": MET, "E2.2": NOT_MET}
NONE_MET = {"E1.1": NOT_MET, "E1.2": MET, "E2.1": MET, "E2.2": NOT_MET}

#: How each of the four jurors sits on a jury composed as seed 003 says; the director presides.
SEATS = {
    "director": {"role": JuryRole.DIRECTOR, "is_professional": False, "organisation": "École"},
    "lead": {"role": JuryRole.PEDAGOGICAL_LEAD, "is_professional": False, "organisation": "École"},
    "employer": {
        "role": JuryRole.EXTERNAL_PROFESSIONAL,
        "is_professional": True,
        "side": Side.EMPLOYER,
        "organisation": "Musée des Beaux-Arts",
    },
    "employee": {
        "role": JuryRole.EXTERNAL_PROFESSIONAL,
        "is_professional": True,
        "side": Side.EMPLOYEE,
        "organisation": "Théâtre du Rond-Point",
    },
}


@dataclass
class JuryWorld:
    admin: object
    certification: object
    framework: object
    blocks: list
    criteria: dict
    assessments: list
    route: object
    vae_route: object
    provider: object
    session: object
    scheduled: dict
    enrolments: list
    evaluator: object
    second_evaluator: object
    jurors: dict
    sessions: dict = field(default_factory=dict)

    # --- candidates and grading ------------------------------------------------------------------
    def enrol(self, *, route=None, seat=True, candidate=None):
        """A new enrolment of the world's référentiel, seated in both assessments of the session."""
        enrolment = EnrolmentFactory(
            candidate=candidate or CandidateFactory(),
            framework=self.framework,
            access_route=route or self.route,
            provider=self.provider,
        )
        if seat:
            for scheduled in self.scheduled.values():
                seat_enrolments(actor=self.admin, scheduled=scheduled, enrolments=[enrolment])
        return enrolment

    def grade(self, enrolment, marks, *, session=None, rank=1, evaluator=None, submit=True):
        """Mark ``{criterion code: met | not_met}`` through the grading domain (assign, save, submit),
        one assignment per assessment concerned."""
        session = session or self.session
        evaluator = evaluator or (self.evaluator if rank == 1 else self.second_evaluator)
        for assessment in self.assessments:
            codes = [code for code in marks if self.criteria[code].assessment_id == assessment.pk]
            if not codes:
                continue
            sitting = Sitting.objects.get(
                scheduled__session=session, scheduled__assessment=assessment, enrolment=enrolment
            )
            assignment = Assignment.objects.filter(sitting=sitting, rank=rank).first() or assign_evaluator(
                actor=self.admin, evaluator=evaluator, sitting=sitting, rank=rank
            )
            for code in codes:
                criterion = self.criteria[code]
                stored = Mark.objects.filter(assignment=assignment, criterion=criterion).first()
                save_mark(
                    actor=evaluator,
                    assignment=assignment,
                    criterion=criterion,
                    value=marks[code],
                    comment="" if marks[code] == MET else f"{code} n'est pas démontré dans le dossier",
                    base_revision=stored.revision if stored else 0,
                )
            if submit:
                submit_assignment(actor=evaluator, assignment=assignment)

    def new_session(self, *, title, starts_on, ends_on, double_marking=False):
        """Another session of the same référentiel, with E1 and E2 scheduled and nobody seated."""
        session = create_session(
            actor=self.admin, framework=self.framework, title=title, starts_on=starts_on, ends_on=ends_on
        )
        self.sessions[session.pk] = {
            a.code: schedule_assessment(
                actor=self.admin,
                session=session,
                assessment=a,
                starts_at=datetime.datetime.combine(
                    starts_on + datetime.timedelta(days=9), datetime.time(9), tzinfo=datetime.UTC
                ),
                place="Paris",
                double_marking=double_marking,
            )
            for a in self.assessments
        }
        return session

    # --- capitalised blocs held from an earlier jury -------------------------------------------------
    def hold(self, candidate, block, *, valid_until=VALID_UNTIL, obtained_on=datetime.date(2024, 7, 2)):
        """A ValidatedBlock as an earlier signed jury leaves it (written directly: the rules under test
        read it, they do not write it)."""
        framework = block.framework
        route = framework.certification.access_routes.first() or AccessRouteFactory(
            certification=framework.certification
        )
        enrolment = candidate.enrolments.filter(framework=framework).first() or EnrolmentFactory(
            candidate=candidate, framework=framework, access_route=route, provider=self.provider
        )
        session = SessionFactory(
            framework=framework,
            created_by=self.admin,
            starts_on=obtained_on - datetime.timedelta(days=30),
            ends_on=obtained_on,
        )
        deliberation = Deliberation.objects.create(
            session=session, title="Jury antérieur", meets_on=obtained_on, created_by=self.admin
        )
        decision = Decision.objects.create(deliberation=deliberation, enrolment=enrolment, result="partial")
        block_decision = BlockDecision.objects.create(
            decision=decision,
            block=block,
            proposed_status=VALIDATED,
            validated=True,
            source=BlockDecision.Source.GRADED,
        )
        return ValidatedBlock.objects.create(
            candidate=candidate,
            block=block,
            block_decision=block_decision,
            source=BlockDecision.Source.GRADED,
            obtained_on=obtained_on,
            valid_until=valid_until,
        )

    # --- juries ------------------------------------------------------------------------------------
    def deliberation(self, *, session=None, meets_on=MEETS_ON, title="Jury de juillet 2025"):
        return create_deliberation(
            actor=self.admin, session=session or self.session, title=title, meets_on=meets_on, place="Paris"
        )

    def seat(self, deliberation, who, **changes):
        """Seat one of the four jurors (``director``, ``lead``, ``employer``, ``employee``) as seed 003
        says, with ``changes`` to break the composition on purpose."""
        seat = {**SEATS[who], "is_president": who == "director", **changes}
        user = seat.pop("user", self.jurors.get(who))
        return add_member(actor=self.admin, deliberation=deliberation, user=user, **seat)

    def compose(self, deliberation, **changes):
        """The four members of seed 003; ``director=None`` leaves the director out, ``employee={...}``
        changes how the employee sits."""
        return {
            who: self.seat(deliberation, who, **(changes.get(who) or {}))
            for who in SEATS
            if who not in changes or changes[who] is not None
        }

    def open(self, *, session=None, meets_on=MEETS_ON):
        """A deliberation composed as seed 003 says, opened."""
        deliberation = self.deliberation(session=session, meets_on=meets_on)
        self.compose(deliberation)
        return open_deliberation(actor=self.admin, deliberation=deliberation)

    def decision(self, deliberation, enrolment):
        return Decision.objects.get(deliberation=deliberation, enrolment=enrolment)

    def decide(self, deliberation, enrolment, *, result=None, validated=None, reason="", actor=None):
        """Record a decision; by default the one the engine proposes now, taken on its current revision."""
        decision = self.decision(deliberation, enrolment)
        proposal = proposal_for(
            enrolment,
            on=decision.deliberation.meets_on,
            excluding=[decision.supersedes_id] if decision.supersedes_id else [],
        )
        if result is None:
            result = proposal.decision_result
        if validated is None:
            validated = proposal.validated_block_ids
        return record_decision(
            actor=actor or self.jurors["director"],
            decision=decision,
            result=result,
            validated_block_ids=[getattr(b, "pk", b) for b in validated],
            reason=reason,
            base_revision=decision.revision,
        )

    def sign(self, deliberation):
        """The president closes, the three other members confirm: the last confirmation signs."""
        deliberation = close_deliberation(
            actor=self.jurors["director"], deliberation=deliberation, password=PASSWORD
        )
        for who in ("lead", "employer", "employee"):
            confirm(actor=self.jurors[who], deliberation=deliberation, password=PASSWORD)
        return Deliberation.objects.get(pk=deliberation.pk)


def build_jury_world(*, candidates=2, double_marking=False, valid_until=VALID_UNTIL) -> JuryWorld:
    admin = AdministratorFactory()
    certification = CertificationFactory(code="RNCP39603", valid_until=valid_until)
    framework = FrameworkFactory(certification=certification, version="2024")
    bc01 = BlockFactory(framework=framework, code="RNCP39603BC01", position=1)
    bc02 = BlockFactory(framework=framework, code="RNCP39603BC02", position=2)
    c1 = CompetencyFactory(block=bc01, code="C1")
    c2 = CompetencyFactory(block=bc02, code="C2")
    c3 = CompetencyFactory(block=bc02, code="C3")
    e1 = AssessmentFactory(block=bc01, code="E1")
    e2 = AssessmentFactory(block=bc02, code="E2")
    criteria = {
        code: CriterionFactory(assessment=assessment, code=code)
        for code, assessment in (("E1.1", e1), ("E1.2", e1), ("E2.1", e2), ("E2.2", e2))
    }
    criteria["E1.1"].competencies.set([c1])
    criteria["E1.2"].competencies.set([c1])
    criteria["E2.1"].competencies.set([c2])
    criteria["E2.2"].competencies.set([c3])
    route = AccessRouteFactory(
        certification=certification,
        route=AccessRoute.Route.FORMATION_INITIALE,
        label="Après un parcours de formation sous statut d’élève ou d’étudiant",
        jury_rules=SEED_JURY_RULES,
    )
    vae_route = AccessRouteFactory(
        certification=certification,
        route=AccessRoute.Route.VAE,
        label="Par expérience",
        jury_rules=SEED_JURY_RULES,
    )
    provider = ProviderAuthorisationFactory(certification=certification).provider
    session = create_session(
        actor=admin,
        framework=framework,
        title="Session de juin 2025",
        starts_on=SESSION_STARTS,
        ends_on=datetime.date(2025, 6, 30),
    )
    scheduled = {
        assessment.code: schedule_assessment(
            actor=admin,
            session=session,
            assessment=assessment,
            starts_at=datetime.datetime(2025, 6, 10, 9, tzinfo=datetime.UTC),
            place="Paris",
            double_marking=double_marking,
        )
        for assessment in (e1, e2)
    }
    jurors = {
        who: grant(UserFactory(first_name=who.capitalize(), last_name="Juré"), RoleGrant.Role.JURY_MEMBER)
        for who in SEATS
    }
    world = JuryWorld(
        admin=admin,
        certification=certification,
        framework=framework,
        blocks=[bc01, bc02],
        criteria=criteria,
        assessments=[e1, e2],
        route=route,
        vae_route=vae_route,
        provider=provider,
        session=session,
        scheduled=scheduled,
        enrolments=[],
        evaluator=grant(UserFactory(), RoleGrant.Role.EVALUATOR),
        second_evaluator=grant(UserFactory(), RoleGrant.Role.EVALUATOR),
        jurors=jurors,
    )
    world.sessions[session.pk] = scheduled
    world.enrolments = [world.enrol() for _ in range(candidates)]
    return world


@pytest.fixture
def world(db) -> JuryWorld:
    return build_jury_world()
