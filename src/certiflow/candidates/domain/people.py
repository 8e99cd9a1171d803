"""Providers, their authorisations, roles and declared conflicts of interest."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from certiflow.candidates.models import (
    Candidate,
    Cohort,
    ConflictOfInterest,
    Provider,
    ProviderAuthorisation,
    RoleGrant,
)
from certiflow.candidates.rules import managed_provider_ids
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused
from certiflow.frameworks.models import Certification


def create_provider(*, actor: AbstractBaseUser | None, name: str, siret: str, city: str = "") -> Provider:
    """Register a training provider (organisme préparant). The SIRET identifies it."""
    siret = siret.replace(" ", "")
    if not (len(siret) == 14 and siret.isdigit()):
        raise Refused(_("A SIRET is 14 digits; « %(siret)s » is not.") % {"siret": siret}, field="siret")
    if Provider.objects.filter(siret=siret).exists():
        raise Refused(
            _("A provider with SIRET %(siret)s is already registered.") % {"siret": siret}, field="siret"
        )
    with transaction.atomic():
        provider = Provider.objects.create(name=name.strip(), siret=siret, city=city.strip())
        audit.record(
            actor=actor,
            action="provider.create",
            obj=provider,
            changes={"name": provider.name, "siret": siret},
        )
    return provider


def create_cohort(
    *,
    actor: AbstractBaseUser | None,
    provider: Provider,
    certification: Certification,
    name: str,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Cohort:
    """Create a provider's cohort for one certification (audited)."""
    with transaction.atomic():
        cohort = Cohort.objects.create(
            provider=provider,
            certification=certification,
            name=name.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
        )
        audit.record(
            actor=actor,
            action="cohort.create",
            obj=cohort,
            changes={"name": cohort.name, "provider": provider.siret, "certification": certification.code},
        )
    return cohort


def link_user(*, actor: AbstractBaseUser | None, candidate: Candidate, user: AbstractBaseUser) -> Candidate:
    """Give a candidate their account, so they see their own record in the portal. An account
    belongs to one candidate at most."""
    with transaction.atomic():
        if Candidate.objects.filter(user=user).exclude(pk=candidate.pk).exists():
            raise Refused(
                _("The account %(user)s already belongs to another candidate.")
                % {"user": user.get_username()},
                field="user",
            )
        before = candidate.user.get_username() if candidate.user_id else None
        candidate.user = user
        candidate.save(update_fields=["user"])
        audit.record(
            actor=actor,
            action="candidate.link_user",
            obj=candidate,
            changes={"user": [before, user.get_username()]},
        )
    return candidate


def authorise_provider(
    *,
    actor: AbstractBaseUser,
    provider: Provider,
    certification: Certification,
    starts_on: date,
    ends_on: date | None,
) -> ProviderAuthorisation:
    """Record the certifier's agreement for ``provider`` to prepare ``certification`` (audited)."""
    if ends_on is not None and ends_on < starts_on:
        raise Refused(_("The authorisation ends before it starts."), field="ends_on")
    with transaction.atomic():
        authorisation = ProviderAuthorisation.objects.create(
            provider=provider, certification=certification, starts_on=starts_on, ends_on=ends_on
        )
        audit.record(
            actor=actor,
            action="provider.authorise",
            obj=provider,
            changes={
                "certification": certification.code,
                "from": str(starts_on),
                "until": str(ends_on or ""),
            },
        )
    return authorisation


def is_authorised(*, provider: Provider, certification: Certification, on: date) -> bool:
    return any(a.covers(on) for a in provider.authorisations.all() if a.certification_id == certification.pk)


def grant_role(
    *, actor: AbstractBaseUser | None, user: AbstractBaseUser, role: str, provider: Provider | None = None
) -> RoleGrant:
    """Give ``user`` a role (idempotent). A provider manager's role must name their provider."""
    if role == RoleGrant.Role.PROVIDER_MANAGER and provider is None:
        raise Refused(_("A provider manager's role must name the provider they manage."), field="provider")
    if role != RoleGrant.Role.PROVIDER_MANAGER:
        provider = None
    with transaction.atomic():
        grant, created = RoleGrant.objects.get_or_create(user=user, role=role, provider=provider)
        if created:
            audit.record(
                actor=actor,
                action="role.grant",
                obj=grant,
                changes={"user": user.get_username(), "role": role},
            )
    return grant


def declare_conflict(
    *, actor: AbstractBaseUser, person: AbstractBaseUser, candidate: Candidate, nature: str
) -> ConflictOfInterest:
    """Declare that ``person`` must not judge ``candidate`` (e.g. they trained them; DESIGN rule 6,
    seed 003). Assigning them afterwards is refused by the assessment domain."""
    nature = nature.strip()
    if not nature:
        raise Refused(
            _("Say what the conflict of interest is (for example: trained the candidate)."), field="nature"
        )
    try:
        with transaction.atomic():
            conflict = ConflictOfInterest.objects.create(
                person=person, candidate=candidate, nature=nature, declared_by=actor
            )
            audit.record(
                actor=actor,
                action="conflict.declare",
                obj=candidate,
                changes={"person": person.get_username(), "nature": nature},
            )
    except IntegrityError:
        raise Refused(
            _("A conflict of interest between %(person)s and %(candidate)s is already declared.")
            % {"person": person.get_username(), "candidate": candidate}
        ) from None
    return conflict


def importable_providers(user) -> QuerySet[Provider]:
    """The providers ``user`` may import candidates for: any for administrators, their own for a
    provider manager, none for anyone else."""
    if user.is_active and user.is_staff:
        return Provider.objects.order_by("name")
    return Provider.objects.filter(pk__in=managed_provider_ids(user)).order_by("name")


def has_conflict(*, person_id: int, candidate_id: int) -> bool:
    return ConflictOfInterest.objects.filter(person_id=person_id, candidate_id=candidate_id).exists()
