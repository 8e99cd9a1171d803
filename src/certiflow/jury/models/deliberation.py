"""Deliberations: a jury, the candidates it decides on, its decisions, confirmations and minutes.

State changes go through :mod:`certiflow.jury.domain.deliberations` only. Once a deliberation is
closed, it and everything recorded in it are immutable (DESIGN rule 7): the models refuse to be
saved or deleted again, and a correction is a new deliberation that ``rectifies`` it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certiflow.assessment.models import Session
from certiflow.candidates.models import Enrolment, ExemptionProposal
from certiflow.frameworks.models import Block

from .composition import JuryRole, Side


class ClosedRecordError(RuntimeError):
    """Raised when code tries to change a record of a closed deliberation."""


class Deliberation(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", _("being prepared")
        OPEN = "open", _("open")
        CLOSING = "closing", _("closed by the president, awaiting confirmations")
        CLOSED = "closed", _("closed and signed")

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="deliberations")
    title = models.CharField(_("title"), max_length=255)
    meets_on = models.DateField(_("date of the jury"))
    place = models.CharField(_("place"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREPARING)
    rectifies = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rectifications",
        verbose_name=_("rectifies"),
    )
    rectification_reason = models.TextField(_("reason for the rectification"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed by the president at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deliberation")
        verbose_name_plural = _("deliberations")
        ordering = ["-meets_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rectifies__isnull=True) | ~Q(rectification_reason=""),
                name="rectification_has_reason",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        if (
            self.pk is not None
            and Deliberation.objects.filter(pk=self.pk, status=self.Status.CLOSED).exists()
        ):
            raise ClosedRecordError(f"signed deliberation {self.pk} is immutable")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status != self.Status.PREPARING:
            raise ClosedRecordError(f"deliberation {self.pk} has been opened; it is kept")
        return super().delete(*args, **kwargs)

    @property
    def is_locked(self) -> bool:
        """Decisions can no longer change: the president closed it (or it is signed)."""
        return self.status in (self.Status.CLOSING, self.Status.CLOSED)


class _FrozenOnceSigned(models.Model):
    """A record of a deliberation: refuses any save or delete once that deliberation is signed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # New records too: nothing is added to a signed deliberation either.
        self._refuse_if_signed()
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._refuse_if_signed()
        return super().delete(*args, **kwargs)

    def _signed_deliberation_id(self) -> int | None:
        raise NotImplementedError

    def _refuse_if_signed(self) -> None:
        deliberation_id = self._signed_deliberation_id()
        if (
            deliberation_id
            and Deliberation.objects.filter(pk=deliberation_id, status=Deliberation.Status.CLOSED).exists()
        ):
            raise ClosedRecordError(
                f"{self._meta.label} of signed deliberation {deliberation_id} is immutable"
            )


class JuryMember(_FrozenOnceSigned):
    """A person sitting on a deliberation, with what the composition rules count."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_seats")
    role = models.CharField(_("role"), max_length=32, choices=JuryRole.choices)
    is_professional = models.BooleanField(_("professional of the target job"))
    side = models.CharField(_("employer or employee"), max_length=16, choices=Side.choices, blank=True)
    organisation = models.CharField(_("organisation"), max_length=255, blank=True)
    is_president = models.BooleanField(_("president"), default=False)

    class Meta:
        verbose_name = _("jury member")
        verbose_name_plural = _("jury members")
        ordering = ["deliberation", "-is_president", "id"]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "user"], name="member_once_per_deliberation"),
            models.UniqueConstraint(
                fields=["deliberation"], condition=Q(is_president=True), name="one_president_per_deliberation"
            ),
            models.CheckConstraint(
                condition=Q(is_professional=True) | Q(side=""), name="side_only_for_professionals"
            ),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def _signed_deliberation_id(self) -> int | None:
        return self.deliberation_id


class Decision(_FrozenOnceSigned):
    """The jury's decision on one enrolment presented to a deliberation (DESIGN rule 7).

    ``proposal`` is the engine's proposal when the decision was last recorded (a snapshot, so the minutes
    show what the jury saw); ``result`` is empty until the jury decides. A decision of a rectifying
    deliberation ``supersedes`` the decision it corrects.
    """

    class Result(models.TextChoices):
        CERTIFIED = "certified", _("full certification")
        PARTIAL = "partial", _("partial certification (blocs validated)")
        FAILED = "failed", _("failure")
        ABSENT = "absent", _("absent")
        EXCUSED = "excused", _("excused")

    deliberation = models.ForeignKey(Deliberation, on_delete=models.CASCADE, related_name="decisions")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="jury_decisions")
    proposal = models.JSONField(_("engine's proposal"), default=dict)
    proposed_result = models.CharField(_("proposed result"), max_length=16, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("jury decision")
        verbose_name_plural = _("jury decisions")
        ordering = [
            "deliberation",
            "enrolment__candidate__last_name",
            "enrolment__candidate__first_name",
            "id",
        ]
        constraints = [
            models.UniqueConstraint(fields=["deliberation", "enrolment"], name="one_decision_per_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.candidate} — {self.get_result_display() or '…'}"

    def _signed_deliberation_id(self) -> int | None:
        return self.deliberation_id


class BlockDecision(_FrozenOnceSigned):
    """Whether the jury validates one bloc for a candidate, and on what ground (``source``)."""

    class Source(models.TextChoices):
        GRADED = "graded", _("evaluated in the session")
        CAPITALISED = "capitalised", _("capitalised from an earlier session")
        CORRESPONDENCE = "correspondence", _("carried over by the correspondence table")
        EQUIVALENCE = "equivalence", _("equivalence from another certification")
        VAE = "vae", _("validation of prior experience (VAE)")

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="blocks")
    block = models.ForeignKey(Block, on_delete=models.PROTECT, related_name="+")
    proposed_status = models.CharField(_("proposed"), max_length=16)
    validated = models.BooleanField(_("validated"))
    source = models.CharField(_("ground"), max_length=16, choices=Source.choices)

    class Meta:
        verbose_name = _("bloc decision")
        verbose_name_plural = _("bloc decisions")
        ordering = ["decision", "block__position"]
        constraints = [models.UniqueConstraint(fields=["decision", "block"], name="one_decision_per_block")]

    def __str__(self) -> str:
        return f"{self.block.code}: {'✓' if self.validated else '✗'}"

    def _signed_deliberation_id(self) -> int | None:
        return Decision.objects.filter(pk=self.decision_id).values_list("deliberation_id", flat=True).first()


class ExemptionRuling(_FrozenOnceSigned):
    """The jury's ruling on a referent's exemption proposal, with the two cumulative conditions as the
    jury itself recorded them (seed 003 « Ces deux critères étant cumulatifs »)."""

    deliberation = models.ForeignKey(Deliberation, on_delete=models.PROTECT, related_name="exemption_rulings")
    proposal = models.OneToOneField(ExemptionProposal, on_delete=models.PROTECT, related_name="ruling")
    granted = models.BooleanField(_("granted"))
    keeps_overall_capability = models.BooleanField(
        _("does not call the candidate's overall professional capability into question")
    )
    not_applicable_to_future_practice = models.BooleanField(
        _("given the disability, the criterion is not meant to apply in the candidate's future practice")
    )
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exemption ruling")
        verbose_name_plural = _("exemption rulings")
        constraints = [
            models.CheckConstraint(
                condition=Q(granted=False)
                | Q(keeps_overall_capability=True, not_applicable_to_future_practice=True),
                name="exemption_granted_on_both_conditions",
            )
        ]

    def __str__(self) -> str:
        return f"{self.proposal} — {'✓' if self.granted else '✗'}"

    def _signed_deliberation_id(self) -> int | None:
        return self.deliberation_id


class Confirmation(models.Model):
    """A member's confirmation of the closed deliberation, given after entering their password again.
    Append-only: never updated."""

    member = models.OneToOneField(JuryMember, on_delete=models.PROTECT, related_name="confirmation")
    confirmed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("confirmation")
        verbose_name_plural = _("confirmations")

    def __str__(self) -> str:
        return f"{self.member} — {self.confirmed_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ClosedRecordError("a confirmation is never changed")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ClosedRecordError("a confirmation is never deleted")


class Minutes(models.Model):
    """The procès-verbal of a signed deliberation: the PDF bytes and their SHA-256, written once in the
    transaction that signs the deliberation (so there is never a signed deliberation without minutes)."""

    deliberation = models.OneToOneField(Deliberation, on_delete=models.PROTECT, related_name="minutes")
    pdf = models.BinaryField(_("PDF"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    generated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("minutes")
        verbose_name_plural = _("minutes")

    def __str__(self) -> str:
        return f"{_('Minutes')} — {self.deliberation}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ClosedRecordError("minutes are never changed")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ClosedRecordError("minutes are never deleted")
