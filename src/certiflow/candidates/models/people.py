from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certiflow.frameworks.models import Certification


class Provider(models.Model):
    """A training organisation (organisme préparant) that prepares candidates under agreement."""

    name = models.CharField(_("name"), max_length=255)
    siret = models.CharField(_("SIRET"), max_length=14, unique=True)
    city = models.CharField(_("city"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("training provider")
        verbose_name_plural = _("training providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProviderAuthorisation(models.Model):
    """The certifier's agreement allowing a provider to prepare a certification between two dates."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="authorisations")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="authorisations")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("authorisation to prepare")
        verbose_name_plural = _("authorisations to prepare")
        ordering = ["provider", "certification", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="authorisation_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} — {self.certification.code}"

    def covers(self, day) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class RoleGrant(models.Model):
    """A role a user holds. Administrators are staff users (the certifier's team); every other role
    is granted here. A provider manager's grant names their provider, and gives access to it alone."""

    class Role(models.TextChoices):
        PROVIDER_MANAGER = "provider_manager", _("provider manager")
        EVALUATOR = "evaluator", _("evaluator")
        DISABILITY_REFERENT = "disability_referent", _("disability referent")
        JURY_MEMBER = "jury_member", _("jury member")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    provider = models.ForeignKey(
        Provider, on_delete=models.CASCADE, related_name="role_grants", null=True, blank=True
    )

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "provider"], name="one_grant_per_role_and_provider"
            ),
            models.CheckConstraint(
                condition=~models.Q(role="provider_manager") | models.Q(provider__isnull=False),
                name="provider_manager_names_provider",
            ),
        ]

    def __str__(self) -> str:
        suffix = f" ({self.provider})" if self.provider_id else ""
        return f"{self.user} — {self.get_role_display()}{suffix}"


class ConflictOfInterest(models.Model):
    """A declared tie between a person (evaluator or jury member) and a candidate, typically that the
    person trained them (DESIGN rule 6, seed 003: a member who trained a candidate does not judge them).
    Enforced when assigning evaluators and, later, jury members."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts_of_interest"
    )
    candidate = models.ForeignKey("candidates.Candidate", on_delete=models.CASCADE, related_name="conflicts")
    nature = models.CharField(_("nature"), max_length=255)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("declared by")
    )
    declared_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [models.UniqueConstraint(fields=["person", "candidate"], name="one_conflict_per_pair")]

    def __str__(self) -> str:
        return f"{self.person} ↔ {self.candidate}"
