"""Jury composition rules, as data per certification and access route (DESIGN rule 6, seed 003 « Le jury
est composé de 4 membres dont 50% de professionnels … La parité employeur/salarié est contrôlée »)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certiflow.frameworks.models import AccessRoute


class JuryRole(models.TextChoices):
    DIRECTOR = "director", _("director of the school")
    PEDAGOGICAL_LEAD = "pedagogical_lead", _("pedagogical lead or teacher")
    EXTERNAL_PROFESSIONAL = "external_professional", _("external professional working in the target job")
    OTHER = "other", _("other member")


class Side(models.TextChoices):
    """Which side of the employer/employee parity a professional sits on."""

    EMPLOYER = "employer", _("employer")
    EMPLOYEE = "employee", _("employee")


class CompositionRule(models.Model):
    """How the jury of one access route must be composed. Read from the fiche's « Composition des
    jurys » (``AccessRoute.jury_rules``) the first time it is needed, then editable (``source``)."""

    class Source(models.TextChoices):
        DOCUMENT = "document", _("read from the document")
        USER = "user", _("set by the certifier")

    access_route = models.OneToOneField(
        AccessRoute, on_delete=models.CASCADE, related_name="composition_rule"
    )
    members = models.PositiveSmallIntegerField(_("number of members"))
    min_professional_ratio = models.DecimalField(
        _("minimum share of professionals"), max_digits=3, decimal_places=2, help_text=_("From 0 to 1.")
    )
    parity_checked = models.BooleanField(_("employer/employee parity checked"), default=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("jury composition rule")
        verbose_name_plural = _("jury composition rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_professional_ratio__gte=0, min_professional_ratio__lte=1),
                name="composition_ratio_share",
            ),
            models.CheckConstraint(condition=Q(members__gte=1), name="composition_has_members"),
        ]

    def __str__(self) -> str:
        return str(self.access_route)


class RequiredRole(models.Model):
    """« Le directeur de l'école », « Deux professionnels externes … »: a role and how many hold it,
    with the document's words kept in ``label``."""

    rule = models.ForeignKey(CompositionRule, on_delete=models.CASCADE, related_name="required_roles")
    role = models.CharField(_("role"), max_length=32, choices=JuryRole.choices)
    count = models.PositiveSmallIntegerField(_("how many"))
    label = models.CharField(_("words of the document"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("required role")
        verbose_name_plural = _("required roles")
        ordering = ["rule", "id"]
        constraints = [models.UniqueConstraint(fields=["rule", "role"], name="required_role_once_per_rule")]

    def __str__(self) -> str:
        return f"{self.count} × {self.get_role_display()}"
