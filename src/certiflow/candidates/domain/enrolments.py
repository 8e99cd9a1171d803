"""Candidates and their enrolments: the one place an enrolment is created or changes status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from certiflow.candidates.domain.people import is_authorised
from certiflow.candidates.models import Candidate, Cohort, Enrolment, Provider
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused
from certiflow.frameworks.models import AccessRoute, Framework

Status = Enrolment.Status

#: The moves an enrolment may make. The jury issue adds the outcomes after deliberation.
TRANSITIONS: dict[str, set[str]] = {
    Status.ENROLLED: {Status.ASSESSING, Status.WITHDRAWN},
    Status.ASSESSING: {Status.ENROLLED, Status.WITHDRAWN},
    Status.WITHDRAWN: {Status.ENROLLED},
}


@dataclass(frozen=True)
class CandidateDetails:
    last_name: str
    first_name: str
    email: str
    birth_date: date | None = None
    reference: str = ""


def save_candidate(*, actor: AbstractBaseUser | None, details: CandidateDetails) -> tuple[Candidate, bool]:
    """Create the candidate with this e-mail, or update their details. Returns (candidate, created).
    Audited with the fields that changed, before and after."""
    email = details.email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise Refused(
            _("« %(email)s » is not an e-mail address; it identifies the candidate and is required.")
            % {"email": email},
            field="email",
        ) from None
    if not (details.last_name.strip() and details.first_name.strip()):
        raise Refused(_("A candidate needs a last name and a first name."), field="last_name")
    values = {
        "last_name": details.last_name.strip(),
        "first_name": details.first_name.strip(),
        "birth_date": details.birth_date,
        "reference": details.reference.strip(),
    }
    return _save(actor=actor, model=Candidate, key={"email": email}, values=values, label="candidate")


def check_enrolment(
    *,
    framework: Framework,
    access_route: AccessRoute,
    provider: Provider | None,
    cohort: Cohort | None,
    starts_on: date,
    ends_on: date | None,
) -> None:
    """Refuse an enrolment that contradicts the registry: a route of another certification or closed
    by the fiche, a provider not authorised on the start date, a cohort of another provider."""
    certification = framework.certification
    if access_route.certification_id != certification.pk:
        raise Refused(
            _("The access route %(route)s is not one of %(code)s's.")
            % {"route": access_route.get_route_display(), "code": certification.code},
            field="access_route",
        )
    if access_route.is_open is False:
        raise Refused(
            _("The fiche of %(code)s says the route « %(route)s » is closed.")
            % {"code": certification.code, "route": access_route.label},
            field="access_route",
        )
    if provider is not None and not is_authorised(
        provider=provider, certification=certification, on=starts_on
    ):
        raise Refused(
            _("%(provider)s is not authorised to prepare %(code)s on %(date)s.")
            % {"provider": provider, "code": certification.code, "date": starts_on.isoformat()},
            hint=_("Record the provider's authorisation first, or correct the start date."),
            field="provider",
        )
    if cohort is not None and (
        cohort.provider_id != getattr(provider, "pk", None) or cohort.certification_id != certification.pk
    ):
        raise Refused(
            _("The cohort %(cohort)s belongs to another provider or certification.")
            % {"cohort": cohort.name},
            field="cohort",
        )
    if ends_on is not None and ends_on < starts_on:
        raise Refused(_("The programme ends before it starts."), field="ends_on")


def enrol(
    *,
    actor: AbstractBaseUser | None,
    candidate: Candidate,
    framework: Framework,
    access_route: AccessRoute,
    provider: Provider | None,
    starts_on: date,
    cohort: Cohort | None = None,
    entry_year: int | None = None,
    ends_on: date | None = None,
) -> tuple[Enrolment, bool]:
    """Enrol ``candidate`` in ``framework`` (or update their enrolment in it). Returns (enrolment, created)."""
    check_enrolment(
        framework=framework,
        access_route=access_route,
        provider=provider,
        cohort=cohort,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    values = {
        "access_route": access_route,
        "provider": provider,
        "cohort": cohort,
        "entry_year": entry_year,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    return _save(
        actor=actor,
        model=Enrolment,
        key={"candidate": candidate, "framework": framework},
        values=values,
        label="enrolment",
    )


def transition(
    *, actor: AbstractBaseUser | None, enrolment: Enrolment, to: str, reason: str = ""
) -> Enrolment:
    """Move an enrolment to status ``to`` if :data:`TRANSITIONS` allows it (locked row, audited)."""
    if to not in Status.values:
        raise Refused(_("« %(to)s » is not a status of an enrolment.") % {"to": to}, field="status")
    with transaction.atomic():
        current = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
        if to not in TRANSITIONS.get(current.status, set()):
            raise Refused(
                _("An enrolment cannot go from « %(from)s » to « %(to)s ».")
                % {"from": current.get_status_display(), "to": Status(to).label},
                field="status",
            )
        before = current.status
        current.status = to
        current.save(update_fields=["status"])
        audit.record(
            actor=actor,
            action="enrolment.status",
            obj=current,
            changes={"status": [before, to]},
            reason=reason,
        )
    enrolment.status = to
    return current


def _save(*, actor: AbstractBaseUser | None, model, key: dict, values: dict, label: str):
    """Create the row identified by ``key`` with ``values``, or update it where they differ; audit
    the creation with its values, an update with each changed field's before and after, and nothing
    when nothing changed. Returns (row, created)."""
    with transaction.atomic():
        row = model.objects.select_for_update().filter(**key).first()
        if row is None:
            row = model.objects.create(**key, **values)
            audit.record(
                actor=actor,
                action=f"{label}.create",
                obj=row,
                changes={k: _jsonable(v) for k, v in values.items()},
            )
            return row, True
        changes = {
            field: [_jsonable(getattr(row, field)), _jsonable(value)]
            for field, value in values.items()
            if getattr(row, field) != value
        }
        if changes:
            for field, value in values.items():
                setattr(row, field, value)
            row.save(update_fields=list(values))
            audit.record(actor=actor, action=f"{label}.update", obj=row, changes=changes)
    return row, False


def _jsonable(value):
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
