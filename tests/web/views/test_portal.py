"""The candidate's portal after a jury: the signed decision and the blocs they hold."""

import django.test

from certiflow.assessment.domain.results import MET, NOT_MET
from certiflow.candidates.domain.people import link_user
from tests.factories import UserFactory
from tests.jury.conftest import build_jury_world


def _signed_partial_world():
    world = build_jury_world(candidates=1)
    enrolment = world.enrolments[0]
    world.grade(enrolment, {"E1.1": MET, "E1.2": MET, "E2.1": NOT_MET, "E2.2": MET})
    deliberation = world.open()
    world.decide(deliberation, enrolment)
    world.sign(deliberation)
    return world, enrolment


def test_portal_after_signing_shows_the_decision_and_the_capitalised_bloc(db):
    # seed 003 « Chaque bloc de compétences est capitalisable durant toute la durée de la certification ».
    world, enrolment = _signed_partial_world()
    user = UserFactory()
    link_user(actor=world.admin, candidate=enrolment.candidate, user=user)
    client = django.test.Client()
    client.force_login(user)

    page = client.get("/me/").content.decode()

    assert "Certification partielle" in page
    assert "RNCP39603BC01" in page
    assert "1 octobre 2026" in page
    assert "RNCP39603BC02" not in page.split("Mes blocs validés")[1]


def test_portal_before_signing_shows_no_decision(db):
    world = build_jury_world(candidates=1)
    enrolment = world.enrolments[0]
    world.grade(enrolment, {"E1.1": MET, "E1.2": MET, "E2.1": MET, "E2.2": MET})
    deliberation = world.open()
    world.decide(deliberation, enrolment)
    user = UserFactory()
    link_user(actor=world.admin, candidate=enrolment.candidate, user=user)
    client = django.test.Client()
    client.force_login(user)

    page = client.get("/me/").content.decode()

    assert "Certification complète" not in page
    assert "Le jury n’a pas encore décidé" in page or "Le jury n'a pas encore décidé" in page
