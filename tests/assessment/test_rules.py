"""Who may see an enrolment and act on grading (assessment.rules), checked against the selector the
list pages use (visible_enrolments) on the same objects: both must always agree (DESIGN rule 10)."""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser

from certiflow.assessment.domain.selectors import visible_enrolments
from certiflow.assessment.domain.sessions import form_group
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.models import Candidate, Enrolment, RoleGrant
from tests.assessment.conftest import build_world
from tests.factories import AdministratorFactory, AssignmentFactory, ProviderFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


Role = RoleGrant.Role


@dataclass
class Scene:
    world: object
    own: Enrolment  # provider A, candidate has a user account; evaluator "sitting" marks it alone
    grouped_a: Enrolment  # provider A, in the group
    grouped_b: Enrolment  # provider B, in the group
    unassigned: Enrolment  # provider A, marked by a user who lost (or never had) the evaluator role
    users: dict


def _scene() -> Scene:
    world = build_world(collective=True, candidates=4)
    own, grouped_a, grouped_b, unassigned = world.enrolments
    provider_b = ProviderFactory()
    Enrolment.objects.filter(pk=grouped_b.pk).update(provider=provider_b)
    group = form_group(actor=world.admin, scheduled=world.scheduled, name="A", sittings=world.sittings[1:3])
    users = {
        "administrator": world.admin,
        "manager of A": grant(UserFactory(), Role.PROVIDER_MANAGER, world.provider),
        "manager of B": grant(UserFactory(), Role.PROVIDER_MANAGER, provider_b),
        "evaluator via sitting": world.evaluator,
        "evaluator via group": world.second_evaluator,
        "evaluator not assigned": grant(UserFactory(), Role.EVALUATOR),
        "assigned without evaluator role": UserFactory(),
        "disability referent": grant(UserFactory(), Role.DISABILITY_REFERENT),
        "jury member": grant(UserFactory(), Role.JURY_MEMBER),
        "jury member with a conflict": grant(UserFactory(), Role.JURY_MEMBER),
        "candidate": UserFactory(),
        "other candidate": UserFactory(),
        "no role": UserFactory(),
        "inactive administrator": AdministratorFactory(is_active=False),
    }
    world.assign(sitting=world.sittings[0])
    world.assign(group=group, evaluator=world.second_evaluator)
    AssignmentFactory(sitting=world.sittings[3], evaluator=users["assigned without evaluator role"])
    declare_conflict(
        actor=world.admin,
        person=users["jury member with a conflict"],
        candidate=own.candidate,
        nature="A formé le candidat",
    )
    Candidate.objects.filter(pk=own.candidate_id).update(user=users["candidate"])
    Candidate.objects.filter(pk=grouped_b.candidate_id).update(user=users["other candidate"])
    return Scene(
        world=world,
        own=Enrolment.objects.get(pk=own.pk),
        grouped_a=Enrolment.objects.get(pk=grouped_a.pk),
        grouped_b=Enrolment.objects.get(pk=grouped_b.pk),
        unassigned=Enrolment.objects.get(pk=unassigned.pk),
        users={name: type(user).objects.get(pk=user.pk) for name, user in users.items()},
    )


EVERYONE = {"own", "grouped_a", "grouped_b", "unassigned"}
EXPECTED_VISIBLE = {
    "administrator": EVERYONE,
    "manager of A": {"own", "grouped_a", "unassigned"},
    "manager of B": {"grouped_b"},
    "evaluator via sitting": {"own"},
    "evaluator via group": {"grouped_a", "grouped_b"},
    "evaluator not assigned": set(),
    "assigned without evaluator role": set(),
    "disability referent": EVERYONE,
    "jury member": EVERYONE,
    "jury member with a conflict": {"grouped_a", "grouped_b", "unassigned"},
    "candidate": {"own"},
    "other candidate": {"grouped_b"},
    "no role": set(),
    "inactive administrator": set(),
}


def _named(scene) -> dict[str, Enrolment]:
    return {
        "own": scene.own,
        "grouped_a": scene.grouped_a,
        "grouped_b": scene.grouped_b,
        "unassigned": scene.unassigned,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", sorted(EXPECTED_VISIBLE))
def test_view_enrolment_rule_and_selector_agree_for_every_role(role):
    scene = _scene()
    user = scene.users[role]
    enrolments = _named(scene)

    by_rule = {
        name
        for name, enrolment in enrolments.items()
        if user.has_perm("assessment.view_enrolment", enrolment)
    }
    by_selector = {name for name, enrolment in enrolments.items() if enrolment in visible_enrolments(user)}

    assert by_rule == EXPECTED_VISIBLE[role]
    assert by_selector == EXPECTED_VISIBLE[role]
    assert set(visible_enrolments(user)) == {enrolments[name] for name in EXPECTED_VISIBLE[role]}


@pytest.mark.django_db
def test_view_enrolment_anonymous_user_sees_nothing():
    scene = _scene()
    anonymous = AnonymousUser()

    assert not anonymous.has_perm("assessment.view_enrolment", scene.grouped_a)
    assert list(visible_enrolments(anonymous)) == []


@pytest.mark.django_db
def test_view_enrolment_inactive_candidate_sees_nothing():
    scene = _scene()
    candidate = scene.users["candidate"]
    candidate.is_active = False
    candidate.save(update_fields=["is_active"])

    assert list(visible_enrolments(candidate)) == []
    assert not candidate.has_perm("assessment.view_enrolment", scene.own)


@pytest.mark.django_db
def test_view_enrolment_jury_member_conflict_declared_later_hides_the_candidate():
    scene = _scene()
    member = scene.users["jury member"]
    assert member.has_perm("assessment.view_enrolment", scene.grouped_a)

    declare_conflict(
        actor=scene.world.admin, person=member, candidate=scene.grouped_a.candidate, nature="Tuteur"
    )

    assert not member.has_perm("assessment.view_enrolment", scene.grouped_a)
    assert scene.grouped_a not in visible_enrolments(member)


# --- grading permissions ----------------------------------------------------------------------------
@pytest.fixture
def graded(db):
    world = build_world()
    assignment = world.assign(sitting=world.sittings[0])
    return world, assignment


def test_grade_assignment_only_the_assigned_evaluator(graded):
    world, assignment = graded
    referent = grant(UserFactory(), Role.DISABILITY_REFERENT)

    assert world.evaluator.has_perm("assessment.grade_assignment", assignment)
    assert not world.second_evaluator.has_perm("assessment.grade_assignment", assignment)
    assert not world.admin.has_perm("assessment.grade_assignment", assignment)
    assert not referent.has_perm("assessment.grade_assignment", assignment)


def test_grade_assignment_assigned_user_without_evaluator_role_may_not(db):
    assignment = AssignmentFactory()

    assert not assignment.evaluator.has_perm("assessment.grade_assignment", assignment)


def test_view_assignment_administrator_and_the_assigned_evaluator(graded):
    world, assignment = graded

    assert world.admin.has_perm("assessment.view_assignment", assignment)
    assert world.evaluator.has_perm("assessment.view_assignment", assignment)
    assert not world.second_evaluator.has_perm("assessment.view_assignment", assignment)


def test_reopen_assignment_only_administrators(graded):
    world, assignment = graded
    manager = grant(UserFactory(), Role.PROVIDER_MANAGER, world.provider)

    assert world.admin.has_perm("assessment.reopen_assignment", assignment)
    for user in (world.evaluator, world.second_evaluator, manager, AdministratorFactory(is_active=False)):
        assert not user.has_perm("assessment.reopen_assignment", assignment)


@pytest.mark.parametrize(
    "permission", ["assessment.manage_sessions", "assessment.view_session", "assessment.view_audit"]
)
def test_session_and_audit_permissions_only_administrators(graded, permission):
    world, _assignment = graded
    referent = grant(UserFactory(), Role.DISABILITY_REFERENT)

    assert world.admin.has_perm(permission, world.session)
    assert not world.evaluator.has_perm(permission, world.session)
    assert not referent.has_perm(permission, world.session)
