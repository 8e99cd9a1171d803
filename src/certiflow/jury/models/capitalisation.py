"""What a candidate keeps from a deliberation (capitalised blocs) and what they bring from elsewhere
(equivalences, VAE). Seed 003, « Description des modalités d'acquisition de la certification par
capitalisation des blocs de compétences et/ou par correspondance »."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certiflow.candidates.models import Candidate, Enrolment
from certiflow.frameworks.models import Block

from .deliberation import BlockDecision, Deliberation


class ValidatedBlock(models.Model):
    """A bloc the jury validated for a candidate: the record behind a bloc attestation. It is capitalised
    until ``valid_until``, the certification's registration end (seed 003 « Chaque bloc de compétences
    est capitalisable durant toute la durée de la certification »); afterwards it carries over only
    through a :class:`~certiflow.frameworks.models.Correspondence`. A rectification revokes it
    (``revoked_by``) and, when the bloc stays validated, records a new one."""

    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="validated_blocks")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+")
    block_decision = models.OneToOneField(
        BlockDecision, on_delete=models.PROTECT, related_name="validated_block"
    )
    source = models.CharField(_("ground"), max_length=16, choices=BlockDecision.Source.choices)
    obtained_on = models.DateField(_("obtained on"))
    valid_until = models.DateField(_("capitalised until"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, null=True, blank=True, related_name="revoked_blocks"
    )

    class Meta:
        verbose_name = _("validated bloc")
        verbose_name_plural = _("validated blocs")
        ordering = ["candidate", "block__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "block"],
                condition=Q(revoked_by__isnull=True),
                name="one_live_validation_per_block",
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate} — {self.block.code}"

    def valid_on(self, day) -> bool:
        return self.revoked_by_id is None and (self.valid_until is None or day <= self.valid_until)


class Equivalence(models.Model):
    """A bloc the candidate presents to the jury for validation without being evaluated on it (seed 003
    « il revient au candidat de présenter cette équivalence au jury pour validation »): a bloc of
    another certification (``source_block``, through the correspondence table, or described when it is
    not in the registry) or VAE (the validation file and the jury interview)."""

    class Kind(models.TextChoices):
        OTHER_CERTIFICATION = "equivalence", _("bloc or certification held elsewhere")
        VAE = "vae", _("validation of prior experience (VAE)")

    class Status(models.TextChoices):
        PRESENTED = "presented", _("presented to the jury")
        ACCEPTED = "accepted", _("accepted by the jury")
        REFUSED = "refused", _("refused by the jury")

    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="equivalences")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+", verbose_name=_("bloc"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    source_block = models.ForeignKey(
        Block, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("bloc held")
    )
    evidence = models.TextField(_("what the candidate presents"))
    document = models.FileField(_("document"), upload_to="equivalences/%Y/", blank=True)
    interview_on = models.DateField(_("jury interview"), null=True, blank=True)
    interview_notes = models.TextField(_("notes of the interview"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PRESENTED)
    ruling_reason = models.TextField(_("jury's reason"), blank=True)
    decided_in = models.ForeignKey(
        Deliberation, on_delete=models.PROTECT, null=True, blank=True, related_name="equivalence_rulings"
    )
    presented_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    presented_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("equivalence")
        verbose_name_plural = _("equivalences")
        ordering = ["enrolment", "block__position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrolment", "block"],
                condition=Q(status="presented"),
                name="one_pending_equivalence_per_block",
            ),
            models.CheckConstraint(
                condition=Q(status="presented") | Q(decided_in__isnull=False),
                name="equivalence_decided_in_deliberation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.candidate} — {self.block.code} ({self.get_kind_display()})"
