"""Capitalised blocs when a candidate comes back (seed 003 « Chaque bloc de compétences est
capitalisable durant toute la durée de la certification »): only the missing blocs are evaluated."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser

from certiflow.assessment.domain.sessions import seat_enrolments
from certiflow.assessment.models import ScheduledAssessment
from certiflow.candidates.models import Enrolment
from certiflow.jury.domain.engine import held_blocks


@dataclass(frozen=True)
class Seating:
    seated: int
    #: Enrolments not seated because the bloc of this assessment is already theirs.
    skipped: list[Enrolment]


def seat_missing_blocks(
    *, actor: AbstractBaseUser, scheduled: ScheduledAssessment, enrolments: Iterable[Enrolment], on: date
) -> Seating:
    """Seat the enrolments for ``scheduled``, except those who already hold its bloc on ``on``
    (capitalised, carried over by correspondence, or accepted equivalence)."""
    enrolments = list(enrolments)
    block_id = scheduled.assessment.block_id
    held = held_blocks(enrolments, on=on)
    skipped = [e for e in enrolments if block_id in held.get(e.pk, set())]
    seated = seat_enrolments(
        actor=actor, scheduled=scheduled, enrolments=[e for e in enrolments if e not in skipped]
    )
    return Seating(seated=seated, skipped=skipped)
