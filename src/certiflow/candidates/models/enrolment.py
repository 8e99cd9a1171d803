from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certiflow.frameworks.models import AccessRoute, Certification, Framework

from .people import Provider


class Cohort(models.Model):
    """A provider's promotion preparing one certification together."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="cohorts")
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(_("name"), max_length=128)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["provider", "name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "certification", "name"], name="unique_cohort_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class Candidate(models.Model):
    """A person who presents a certification. The e-mail address (stored lower-case) identifies them
    across imports, so importing a school's file again updates rather than duplicates."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="candidate"
    )
    last_name = models.CharField(_("last name"), max_length=128)
    first_name = models.CharField(_("first name"), max_length=128)
    email = models.EmailField(_("e-mail"), unique=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    reference = models.CharField(_("provider's reference"), max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["last_name", "first_name", "id"]

    def __str__(self) -> str:
        return f"{self.last_name.upper()} {self.first_name}"


class Enrolment(models.Model):
    """A candidate's enrolment in one version of a certification through one access route.

    ``status`` changes only through :func:`certiflow.candidates.domain.enrolments.transition`; the
    allowed moves are listed there.
    """

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("enrolled")
        ASSESSING = "assessing", _("being assessed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="enrolments")
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("référentiel version")
    )
    access_route = models.ForeignKey(
        AccessRoute, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("access route")
    )
    provider = models.ForeignKey(
        Provider, on_delete=models.PROTECT, related_name="enrolments", null=True, blank=True
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, related_name="enrolments", null=True, blank=True
    )
    entry_year = models.PositiveSmallIntegerField(_("year of entry"), null=True, blank=True)
    starts_on = models.DateField(_("programme start"))
    ends_on = models.DateField(_("programme end"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ENROLLED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        ordering = ["candidate__last_name", "candidate__first_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["candidate", "framework"], name="one_enrolment_per_version"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="enrolment_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} — {self.framework}"


class PrerequisiteEvidence(models.Model):
    """What a candidate has shown towards a prerequisite (seed 003, « Prérequis à l'entrée » and « à la
    validation »): a level, ECTS credits, months of experience or of programme, billed hours, or a
    statement for a condition with no figure. Only verified evidence satisfies a prerequisite."""

    class Kind(models.TextChoices):
        LEVEL = "level", _("certification level held")
        ECTS = "ects", _("ECTS credits")
        SECTOR_EXPERIENCE_MONTHS = "sector_experience_months", _("months of experience in the sector")
        PROGRAMME_MONTHS = "programme_months", _("months of programme followed")
        EXPERIENCE_MONTHS = "experience_months", _("months of professional experience")
        BILLED_HOURS = "billed_hours", _("hours of professional activity billed")
        STATEMENT = "statement", _("condition met (no figure)")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="prerequisite_evidence")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    value = models.DecimalField(_("value"), max_digits=7, decimal_places=1, null=True, blank=True)
    condition = models.TextField(_("condition it answers"), blank=True)
    description = models.TextField(_("evidence"))
    link = models.URLField(_("link to the document"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("prerequisite evidence")
        verbose_name_plural = _("prerequisite evidence")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="statement") | models.Q(value__isnull=False),
                name="evidence_with_figure_has_value",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value if self.value is not None else self.condition}"
