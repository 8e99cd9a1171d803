"""A signed deliberation to issue from: the jury world of ``tests/jury`` (two blocs, a jury composed as
seed 003 says) with one certified candidate, one partially certified (bloc 1 only) and one who failed,
and a certifier for the certification (seed 003: « ECAD CONSULTANTS - IESA ART&CULTURE »)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from certiflow.credentials.domain.issuance import create_batch, run_batch
from certiflow.credentials.models import IssuedCredential
from certiflow.jury.models import Deliberation
from tests.factories import CertifierFactory
from tests.jury.conftest import ALL_MET, BC01_ONLY, NONE_MET, JuryWorld, build_jury_world


@dataclass
class Signed:
    world: JuryWorld
    deliberation: Deliberation
    certified: object
    partial: object
    failed: object

    def issue(self):
        batch = create_batch(actor=self.world.admin, deliberation=self.deliberation)
        return run_batch(batch=batch)

    def credentials(self, enrolment, kind=None):
        found = IssuedCredential.objects.filter(candidate=enrolment.candidate)
        return list(found.filter(kind=kind) if kind else found)


#: The registration end: credentials are checked against today's date, so it lies ahead.
REGISTERED_UNTIL = datetime.date(2031, 12, 31)


def with_certifier(world: JuryWorld) -> JuryWorld:
    """Name the certification and give it its certifier, as the fiche (seed 003) does."""
    world.certification.title = "Responsable de production de projets culturels"
    world.certification.level = 6
    world.certification.save()
    world.certification.certifiers.add(
        CertifierFactory(
            name="ECAD CONSULTANTS - IESA ART&CULTURE", siret="33115405400091", website="https://www.iesa.fr/"
        )
    )
    return world


def build_signed() -> Signed:
    world = with_certifier(build_jury_world(candidates=3, valid_until=REGISTERED_UNTIL))
    certified, partial, failed = world.enrolments
    for enrolment, marks in ((certified, ALL_MET), (partial, BC01_ONLY), (failed, NONE_MET)):
        world.grade(enrolment, marks)
    deliberation = world.open()
    for enrolment in world.enrolments:
        world.decide(deliberation, enrolment)
    return Signed(world, world.sign(deliberation), certified, partial, failed)


@pytest.fixture
def signed(db) -> Signed:
    return build_signed()


@pytest.fixture
def issued(signed) -> Signed:
    signed.issue()
    return signed
