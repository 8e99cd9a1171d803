from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certiflow.frameworks.models import Assessment, Criterion

from .enrolment import Enrolment


class Accommodation(models.Model):
    """Adapted modalities the disability referent records for a candidate (seed 003, « Candidat en
    situation de handicap »: adapted modalities, a third person's assistance, adapted materials).

    ``medical_details`` is for the referent alone (DESIGN rule 5); evaluators see only the adapted
    conditions of the assessments they mark (all assessments when none is named).
    """

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="accommodations")
    assessments = models.ManyToManyField(
        Assessment, blank=True, related_name="+", verbose_name=_("assessments concerned")
    )
    extra_time_minutes = models.PositiveSmallIntegerField(_("extra time (minutes)"), null=True, blank=True)
    assistance = models.TextField(_("assistance of a third person"), blank=True)
    adapted_materials = models.TextField(_("adapted materials"), blank=True)
    adapted_format = models.TextField(_("adapted format of the modality"), blank=True)
    medical_details = models.TextField(_("medical details (referent only)"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    revision = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("accommodation")
        verbose_name_plural = _("accommodations")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{_('Accommodation')} — {self.enrolment.candidate}"


class ExemptionProposal(models.Model):
    """The referent's motivated opinion proposing to exempt a candidate from one criterion (seed 003).

    The opinion must state both cumulative conditions; the jury decides (DESIGN rule 5), so a proposal
    is only ever ``proposed`` until a deliberation grants or refuses it.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed to the jury")
        GRANTED = "granted", _("granted by the jury")
        REFUSED = "refused", _("refused by the jury")
        WITHDRAWN = "withdrawn", _("withdrawn")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="exemption_proposals")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    opinion = models.TextField(_("motivated opinion"))
    keeps_overall_capability = models.BooleanField(
        _("does not call the candidate's overall professional capability into question")
    )
    not_applicable_to_future_practice = models.BooleanField(
        _("given the disability, the criterion is not meant to apply in the candidate's future practice")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exemption proposal")
        verbose_name_plural = _("exemption proposals")
        ordering = ["proposed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(keeps_overall_capability=True, not_applicable_to_future_practice=True),
                name="exemption_states_both_conditions",
            ),
            models.UniqueConstraint(
                fields=["enrolment", "criterion"],
                condition=models.Q(status="proposed"),
                name="one_open_proposal_per_criterion",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.candidate} — {self.criterion.code}"
