"""Disability accommodations and exemption proposals (DESIGN rule 5, seed 003 « Candidat en situation
de handicap »).

The referent records adapted modalities (extra time, a third person's assistance, adapted materials,
an adapted format) and may propose the exemption of a criterion on a motivated opinion stating both
cumulative conditions; the jury decides (issue 4). Medical details never leave this module except to
the referent: :func:`adapted_conditions` is what an evaluator is given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from certiflow.candidates.models import Accommodation, Enrolment, ExemptionProposal
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Conflict, Refused
from certiflow.frameworks.models import Assessment, Criterion

#: Audited fields. Medical details are audited as « changed », never with their content.
_PUBLIC_FIELDS = ("extra_time_minutes", "assistance", "adapted_materials", "adapted_format")


@dataclass(frozen=True)
class AdaptedConditions:
    """What an evaluator must apply — and nothing else (no medical details, no exemption opinion)."""

    extra_time_minutes: int | None
    assistance: str
    adapted_materials: str
    adapted_format: str


def save_accommodation(
    *,
    actor: AbstractBaseUser,
    enrolment: Enrolment,
    extra_time_minutes: int | None,
    assistance: str,
    adapted_materials: str,
    adapted_format: str,
    medical_details: str,
    assessments: Iterable[Assessment] = (),
    accommodation: Accommodation | None = None,
    base_revision: int | None = None,
) -> Accommodation:
    """Create an accommodation, or update ``accommodation`` if nobody changed it since ``base_revision``."""
    values = {
        "extra_time_minutes": extra_time_minutes,
        "assistance": assistance.strip(),
        "adapted_materials": adapted_materials.strip(),
        "adapted_format": adapted_format.strip(),
    }
    if not any(values.values()):
        raise Refused(
            _("Record at least one adapted condition: extra time, assistance, materials or format.")
        )
    if extra_time_minutes is not None and not 0 < extra_time_minutes <= 600:
        raise Refused(_("Extra time is given in minutes, between 1 and 600."), field="extra_time_minutes")
    if accommodation is not None and accommodation.enrolment_id != enrolment.pk:
        raise Refused(_("This accommodation belongs to another candidate."))
    assessments = list(assessments)
    if any(a.framework_id != enrolment.framework_id for a in assessments):
        raise Refused(
            _("An assessment named is not part of the candidate's référentiel."), field="assessments"
        )
    with transaction.atomic():
        if accommodation is None:
            item = Accommodation.objects.create(
                enrolment=enrolment, medical_details=medical_details.strip(), recorded_by=actor, **values
            )
            changes = {k: v for k, v in values.items() if v}
            action = "accommodation.create"
        else:
            item = Accommodation.objects.select_for_update().get(pk=accommodation.pk, enrolment=enrolment)
            if base_revision is not None and item.revision != base_revision:
                raise Conflict(
                    _("Someone else changed this accommodation while you were editing it."),
                    current={k: getattr(item, k) for k in _PUBLIC_FIELDS},
                    hint=_("Check their version below, then save yours again if it is still right."),
                )
            changes = {k: [getattr(item, k), v] for k, v in values.items() if getattr(item, k) != v}
            for k, v in values.items():
                setattr(item, k, v)
            if item.medical_details != medical_details.strip():
                changes["medical_details"] = "changed"
                item.medical_details = medical_details.strip()
            item.revision += 1
            item.save()
            action = "accommodation.update"
        item.assessments.set(assessments)
        changes["assessments"] = [a.code for a in assessments]
        audit.record(actor=actor, action=action, obj=enrolment, changes=changes)
    return item


def adapted_conditions(*, enrolment: Enrolment, assessment: Assessment) -> list[AdaptedConditions]:
    """The adapted conditions that apply to ``assessment`` (accommodations naming it or naming none)."""
    items = (
        Accommodation.objects.filter(enrolment=enrolment)
        .prefetch_related("assessments")
        .only("id", *_PUBLIC_FIELDS)
    )
    return [
        AdaptedConditions(
            extra_time_minutes=item.extra_time_minutes,
            assistance=item.assistance,
            adapted_materials=item.adapted_materials,
            adapted_format=item.adapted_format,
        )
        for item in items
        if not item.assessments.all() or any(a.pk == assessment.pk for a in item.assessments.all())
    ]


def propose_exemption(
    *,
    actor: AbstractBaseUser,
    enrolment: Enrolment,
    criterion: Criterion,
    opinion: str,
    keeps_overall_capability: bool,
    not_applicable_to_future_practice: bool,
) -> ExemptionProposal:
    """Propose to the jury that ``enrolment`` be exempted from ``criterion``.

    Seed 003: the jury may exempt « 1) dans la mesure où cela ne remet pas en question la capacité
    professionnelle globale du candidat. 2) si le critère au regard de la nature du handicap n'a pas
    vocation à s'appliquer dans la pratique professionnelle future du candidat » — both conditions,
    cumulatively, on the referent's motivated opinion. A proposal that does not state both is refused.
    """
    if criterion.framework_id != enrolment.framework_id:
        raise Refused(_("This criterion is not part of the candidate's référentiel."), field="criterion")
    if not opinion.strip():
        raise Refused(_("An exemption is proposed on a motivated opinion: write it."), field="opinion")
    if not (keeps_overall_capability and not_applicable_to_future_practice):
        raise Refused(
            _(
                "An exemption needs both cumulative conditions (seed 003): it does not call the overall "
                "professional capability into question, and the criterion is not meant to apply in the "
                "candidate's future practice given the disability."
            ),
            field="keeps_overall_capability"
            if not keeps_overall_capability
            else "not_applicable_to_future_practice",
        )
    with transaction.atomic():
        if ExemptionProposal.objects.filter(
            enrolment=enrolment, criterion=criterion, status=ExemptionProposal.Status.PROPOSED
        ).exists():
            raise Refused(
                _("An exemption of %(code)s is already proposed for this candidate.")
                % {"code": criterion.code},
                field="criterion",
            )
        proposal = ExemptionProposal.objects.create(
            enrolment=enrolment,
            criterion=criterion,
            opinion=opinion.strip(),
            keeps_overall_capability=True,
            not_applicable_to_future_practice=True,
            proposed_by=actor,
        )
        audit.record(
            actor=actor, action="exemption.propose", obj=enrolment, changes={"criterion": criterion.code}
        )
    return proposal
