"""Tests of the REST API. Helpers shared by its modules: the cast of roles around a
:func:`tests.assessment.conftest.build_world`, and JSON calls through Django's test client."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from certiflow.candidates.models import RoleGrant
from tests.factories import ProviderFactory, UserFactory, grant

PASSWORD = "correct horse battery"  # the factories' password


@dataclass
class Cast:
    """One user per role. ``evaluator`` is the world's first evaluator (assigned by the tests that
    need it); ``outsider`` is an evaluator no test assigns; ``candidate`` is the first enrolment's."""

    admin: object
    manager: object
    other_manager: object
    evaluator: object
    outsider: object
    referent: object
    jury: object
    candidate: object


def cast(world) -> Cast:
    candidate = UserFactory()
    enrolment = world.enrolments[0]
    enrolment.candidate.user = candidate
    enrolment.candidate.save()
    return Cast(
        admin=world.admin,
        manager=grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, provider=world.provider),
        other_manager=grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, provider=ProviderFactory()),
        evaluator=world.evaluator,
        outsider=grant(UserFactory(), RoleGrant.Role.EVALUATOR),
        referent=grant(UserFactory(), RoleGrant.Role.DISABILITY_REFERENT),
        jury=grant(UserFactory(), RoleGrant.Role.JURY_MEMBER),
        candidate=candidate,
    )


def as_user(client, user):
    """The test client signed in as ``user`` (a Django session)."""
    client.force_login(user)
    return client


def basic(user) -> dict[str, str]:
    """Headers for HTTP Basic authentication as ``user``."""
    token = base64.b64encode(f"{user.get_username()}:{PASSWORD}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}
