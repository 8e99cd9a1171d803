"""A small référentiel and session to grade: one bloc, two competencies, one assessment with a
collective part and three criteria (E1.1 → C1, E1.2 → C1 and C2, E1.3 → C2)."""

import datetime
from dataclasses import dataclass

import pytest

from certiflow.assessment.domain.sessions import assign_evaluator, schedule_assessment, seat_enrolments
from certiflow.candidates.models import RoleGrant
from tests.factories import (
    AccessRouteFactory,
    AdministratorFactory,
    AssessmentFactory,
    BlockFactory,
    CompetencyFactory,
    CriterionFactory,
    EnrolmentFactory,
    FrameworkFactory,
    ProviderAuthorisationFactory,
    SessionFactory,
    UserFactory,
    grant,
)


@dataclass
class World:
    admin: object
    framework: object
    block: object
    c1: object
    c2: object
    assessment: object
    criteria: list
    session: object
    scheduled: object
    enrolments: list
    sittings: list
    evaluator: object
    second_evaluator: object
    provider: object

    def assign(self, sitting=None, group=None, evaluator=None, rank=1):
        return assign_evaluator(
            actor=self.admin, evaluator=evaluator or self.evaluator, sitting=sitting, group=group, rank=rank
        )


def build_world(*, double_marking=False, collective=False, candidates=2) -> World:
    admin = AdministratorFactory()
    framework = FrameworkFactory()
    block = BlockFactory(framework=framework, code="BC01")
    c1 = CompetencyFactory(block=block, code="C1")
    c2 = CompetencyFactory(block=block, code="C2")
    assessment = AssessmentFactory(block=block, code="E1", collective=True, deliverables=["Un dossier écrit"])
    criteria = [CriterionFactory(assessment=assessment, code=f"E1.{i}") for i in (1, 2, 3)]
    criteria[0].competencies.set([c1])
    criteria[1].competencies.set([c1, c2])
    criteria[2].competencies.set([c2])
    route = AccessRouteFactory(certification=framework.certification)
    authorisation = ProviderAuthorisationFactory(certification=framework.certification)
    enrolments = [
        EnrolmentFactory(framework=framework, access_route=route, provider=authorisation.provider)
        for _ in range(candidates)
    ]
    session = SessionFactory(framework=framework, created_by=admin)
    scheduled = schedule_assessment(
        actor=admin,
        session=session,
        assessment=assessment,
        starts_at=datetime.datetime(2025, 6, 10, 9, tzinfo=datetime.UTC),
        place="Paris",
        double_marking=double_marking,
        collective_criteria=[criteria[2]] if collective else [],
    )
    seat_enrolments(actor=admin, scheduled=scheduled, enrolments=enrolments)
    evaluator = grant(UserFactory(), RoleGrant.Role.EVALUATOR)
    second = grant(UserFactory(), RoleGrant.Role.EVALUATOR)
    return World(
        admin=admin,
        framework=framework,
        block=block,
        c1=c1,
        c2=c2,
        assessment=assessment,
        criteria=criteria,
        session=session,
        scheduled=scheduled,
        enrolments=enrolments,
        sittings=list(scheduled.sittings.order_by("id")),
        evaluator=evaluator,
        second_evaluator=second,
        provider=authorisation.provider,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()
