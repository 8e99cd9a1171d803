"""What list pages load: visible_enrolments (agreeing with assessment.view_enrolment, see
tests/assessment/test_rules.py) and assignments_of, each in a fixed number of queries."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.assessment.domain.selectors import assignments_of, visible_enrolments
from certiflow.assessment.domain.sessions import form_group
from certiflow.candidates.domain.prerequisites import record_evidence
from certiflow.candidates.models import Enrolment, PrerequisiteEvidence, RoleGrant
from tests.assessment.conftest import build_world
from tests.factories import AdministratorFactory, ProviderFactory, UserFactory, grant

Role = RoleGrant.Role


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _load(user):
    """Load the list page's data: the enrolments and what each row shows."""
    with CaptureQueriesContext(connection) as captured:
        rows = [
            (
                e.candidate.last_name,
                e.framework.certification.code,
                e.access_route.route,
                e.provider,
                e.cohort,
            )
            for e in visible_enrolments(user)
        ]
        evidence = [list(e.prerequisite_evidence.all()) for e in visible_enrolments(user)]
    return rows, evidence, len(captured.captured_queries)


def test_visible_enrolments_anonymous_user_sees_nothing(world):
    assert list(visible_enrolments(AnonymousUser())) == []
    assert list(visible_enrolments(None)) == []


def test_visible_enrolments_inactive_user_sees_nothing(world):
    inactive = AdministratorFactory(is_active=False)
    grant(inactive, Role.DISABILITY_REFERENT)

    assert list(visible_enrolments(inactive)) == []


def test_visible_enrolments_manager_of_two_providers_sees_both(world):
    other = ProviderFactory()
    Enrolment.objects.filter(pk=world.enrolments[1].pk).update(provider=other)
    manager = grant(grant(UserFactory(), Role.PROVIDER_MANAGER, world.provider), Role.PROVIDER_MANAGER, other)

    assert set(visible_enrolments(manager)) == set(world.enrolments)


def test_visible_enrolments_without_provider_is_hidden_from_managers(world):
    Enrolment.objects.filter(pk=world.enrolments[1].pk).update(provider=None)
    manager = grant(UserFactory(), Role.PROVIDER_MANAGER, world.provider)

    assert list(visible_enrolments(manager)) == [world.enrolments[0]]


def test_visible_enrolments_evaluator_sitting_and_group_assignments_do_not_duplicate(db):
    world = build_world(collective=True, candidates=3)
    group = form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings[:2])
    world.assign(sitting=world.sittings[0])
    world.assign(group=group)

    visible = list(visible_enrolments(world.evaluator))

    assert sorted(e.pk for e in visible) == sorted(e.pk for e in world.enrolments[:2])


@pytest.mark.parametrize("role", ["administrator", "provider manager", "evaluator", "jury member"])
def test_visible_enrolments_constant_number_of_queries(db, role):
    counts = []
    for size in (2, 8):
        world = build_world(candidates=size)
        for sitting in world.sittings:
            world.assign(sitting=sitting)
            record_evidence(
                actor=world.admin,
                enrolment=sitting.enrolment,
                kind=PrerequisiteEvidence.Kind.LEVEL,
                value=Decimal(4),
                description="Baccalauréat",
            )
        user = {
            "administrator": world.admin,
            "provider manager": grant(UserFactory(), Role.PROVIDER_MANAGER, world.provider),
            "evaluator": world.evaluator,
            "jury member": grant(UserFactory(), Role.JURY_MEMBER),
        }[role]
        rows, evidence, queries = _load(user)
        assert len(rows) >= size
        assert all(len(items) == 1 for items in evidence)
        counts.append(queries)

    assert counts[0] == counts[1]


def test_assignments_of_lists_only_the_users_own_drafts_first(world):
    first = world.assign(sitting=world.sittings[0])
    second = world.assign(sitting=world.sittings[1])
    for criterion in world.criteria:
        save_mark(
            actor=world.evaluator,
            assignment=first,
            criterion=criterion,
            value="met",
            comment="",
            base_revision=0,
        )
    submit_assignment(actor=world.evaluator, assignment=first)

    mine = list(assignments_of(world.evaluator))

    assert [a.pk for a in mine] == [second.pk, first.pk]
    assert list(assignments_of(world.second_evaluator)) == []


def test_assignments_of_loads_what_the_list_shows_in_a_fixed_number_of_queries(db):
    counts = []
    for size in (2, 6):
        world = build_world(collective=True, candidates=size)
        group = form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings)
        world.assign(group=group)
        for sitting in world.sittings:
            world.assign(sitting=sitting)

        with CaptureQueriesContext(connection) as captured:
            shown = [
                (
                    a.scheduled.session.title,
                    a.scheduled.assessment.code,
                    a.sitting.enrolment.candidate.last_name if a.sitting else None,
                    [s.enrolment.candidate.last_name for s in a.group.sittings.all()] if a.group else None,
                )
                for a in assignments_of(world.evaluator)
            ]
        assert len(shown) == size + 1
        counts.append(len(captured.captured_queries))

    assert counts[0] == counts[1]
