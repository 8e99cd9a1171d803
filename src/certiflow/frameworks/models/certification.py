from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Certifier(models.Model):
    """An organisation that holds a certification (the fiche's "Nom légal / Siret")."""

    name = models.CharField(_("legal name"), max_length=255)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    commercial_name = models.CharField(_("commercial name"), max_length=255, blank=True)
    website = models.URLField(_("website"), blank=True)

    class Meta:
        verbose_name = _("certifier")
        verbose_name_plural = _("certifiers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["siret"], condition=~Q(siret=""), name="certifier_unique_siret"),
        ]

    def __str__(self) -> str:
        return self.name


class Certification(models.Model):
    """A registered certification (fiche RNCP). Its content lives in versioned :class:`Framework` rows.

    ``code`` is the RNCP code when the document gives one, else the code the user chose
    (``code_source = user``). The metadata is the fiche's; importing a newer version updates it.
    """

    class CodeSource(models.TextChoices):
        DOCUMENT = "document", _("from the document")
        USER = "user", _("chosen by the user")

    code = models.CharField(_("code"), max_length=64, unique=True)
    code_source = models.CharField(_("code source"), max_length=16, choices=CodeSource.choices)
    title = models.CharField(_("title"), max_length=500)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True)
    certifiers = models.ManyToManyField(
        Certifier, verbose_name=_("certifiers"), blank=True, related_name="certifications"
    )
    nsf = models.JSONField(_("NSF codes"), default=list, blank=True)
    formacodes = models.JSONField(_("Formacodes"), default=list, blank=True)
    rome = models.JSONField(_("ROME codes"), default=list, blank=True)
    labels = models.JSONField(_("code labels"), default=dict, blank=True)
    valid_until = models.DateField(_("registration end date"), null=True, blank=True)
    replaces = models.JSONField(_("replaced certifications"), default=list, blank=True)
    prerequisites = models.JSONField(_("entry and validation prerequisites"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=8),
                name="certification_level_1_8",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def label(self, nomenclature: str, code: str) -> str:
        return self.labels.get(nomenclature, {}).get(code, "")


class AccessRoute(models.Model):
    """A voie d'accès of a certification with its jury composition as the fiche states it (seed 003)."""

    class Route(models.TextChoices):
        FORMATION_INITIALE = "formation_initiale", _("initial training")
        APPRENTISSAGE = "apprentissage", _("apprenticeship")
        FORMATION_CONTINUE = "formation_continue", _("continuing education")
        CONTRAT_PROFESSIONNALISATION = "contrat_professionnalisation", _("professionalisation contract")
        CANDIDATURE_INDIVIDUELLE = "candidature_individuelle", _("individual application")
        VAE = "vae", _("validation of prior experience (VAE)")

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="access_routes")
    route = models.CharField(_("route"), max_length=32, choices=Route.choices)
    label = models.CharField(_("label in the document"), max_length=255)
    is_open = models.BooleanField(_("open"), null=True, help_text=_("Empty when the document does not tell."))
    jury_text = models.TextField(_("jury composition"), blank=True)
    jury_rules = models.JSONField(_("jury composition rules"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("access route")
        verbose_name_plural = _("access routes")
        ordering = ["certification", "position"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "route"], name="access_route_unique_route"),
            models.UniqueConstraint(
                fields=["certification", "position"], name="access_route_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class StatisticsRow(models.Model):
    """One year of the fiche's statistics table (seed 003): numbers certified and employment rates."""

    certification = models.ForeignKey(Certification, on_delete=models.CASCADE, related_name="statistics")
    year = models.PositiveSmallIntegerField(_("year"))
    certified = models.PositiveIntegerField(_("certified"), null=True, blank=True)
    certified_vae = models.PositiveIntegerField(_("of which by VAE"), null=True, blank=True)
    employment_rate_6m = models.PositiveSmallIntegerField(
        _("employment rate at 6 months (%)"), null=True, blank=True
    )
    employment_rate_6m_job = models.PositiveSmallIntegerField(
        _("employment rate in the target job at 6 months (%)"), null=True, blank=True
    )
    employment_rate_2y_job = models.PositiveSmallIntegerField(
        _("employment rate in the target job at 2 years (%)"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("statistics row")
        verbose_name_plural = _("statistics")
        ordering = ["certification", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "year"], name="statistics_unique_year"),
            models.CheckConstraint(
                condition=Q(certified_vae__isnull=True)
                | Q(certified__isnull=True)
                | Q(certified_vae__lte=models.F("certified")),
                name="statistics_vae_within_certified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification.code} {self.year}"
