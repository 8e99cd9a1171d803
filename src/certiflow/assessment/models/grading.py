from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certiflow.frameworks.models import Criterion

from .session import Group, ScheduledAssessment, Sitting


class Assignment(models.Model):
    """An evaluator's marking of one sitting (individual criteria) or one group (collective criteria).

    With double marking each target has two assignments, rank 1 and 2, marked blind. A submitted
    assignment is locked; only an administrator reopens it, with a reason.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    scheduled = models.ForeignKey(ScheduledAssessment, on_delete=models.CASCADE, related_name="assignments")
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="assignments",
        verbose_name=_("evaluator"),
    )
    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="assignments"
    )
    rank = models.PositiveSmallIntegerField(_("marker"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["scheduled", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sitting__isnull=True) ^ models.Q(group__isnull=True),
                name="assignment_targets_sitting_or_group",
            ),
            models.CheckConstraint(condition=models.Q(rank__in=[1, 2]), name="assignment_rank_1_or_2"),
            models.UniqueConstraint(fields=["sitting", "rank"], name="one_marker_per_rank_sitting"),
            models.UniqueConstraint(fields=["group", "rank"], name="one_marker_per_rank_group"),
            models.UniqueConstraint(fields=["sitting", "evaluator"], name="distinct_markers_sitting"),
            models.UniqueConstraint(fields=["group", "evaluator"], name="distinct_markers_group"),
        ]

    def __str__(self) -> str:
        target = self.sitting or self.group
        return f"{self.scheduled.assessment.code} — {target} — {self.evaluator}"

    @property
    def is_locked(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Mark(models.Model):
    """One evaluator's judgement of one criterion. ``revision`` grows at every save: a save that names
    an older revision is a conflict, never a silent overwrite."""

    class Value(models.TextChoices):
        MET = "met", _("met")
        NOT_MET = "not_met", _("not met")

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="marks")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(_("result"), max_length=16, choices=Value.choices)
    comment = models.TextField(_("comment"), blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mark")
        verbose_name_plural = _("marks")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="one_mark_per_criterion"),
            models.CheckConstraint(
                condition=models.Q(value="met") | ~models.Q(comment=""), name="not_met_has_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.get_value_display()}"


class Evidence(models.Model):
    """A file or a link an evaluator attaches to an assignment, optionally about one criterion."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/", blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("type"), max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    url = models.URLField(_("link"), blank=True, max_length=500)
    description = models.CharField(_("description"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(file="") & ~models.Q(url="")) | (~models.Q(file="") & models.Q(url="")),
                name="evidence_is_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.original_name or self.url


class Reconciliation(models.Model):
    """The agreed result of a double-marked criterion. Both markings stay as they were."""

    sitting = models.ForeignKey(
        Sitting, on_delete=models.CASCADE, null=True, blank=True, related_name="reconciliations"
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, null=True, blank=True, related_name="reconciliations"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    value = models.CharField(_("agreed result"), max_length=16, choices=Mark.Value.choices)
    comment = models.TextField(_("reason"))
    reconciled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reconciled_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sitting__isnull=True) ^ models.Q(group__isnull=True),
                name="reconciliation_targets_sitting_or_group",
            ),
            models.UniqueConstraint(fields=["sitting", "criterion"], name="one_reconciliation_sitting"),
            models.UniqueConstraint(fields=["group", "criterion"], name="one_reconciliation_group"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.get_value_display()}"
