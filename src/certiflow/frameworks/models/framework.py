"""The versioned content of a certification: blocs, activities, competencies, assessments, criteria.

A framework is written once by the import and never overwritten: a new référentiel is a new version
(DESIGN.md). Every child keeps the document's code (or a generated one, flagged) and its position in
the document; both are unique within their parent.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .certification import Certification


class Framework(models.Model):
    class CompetencyPolicy(models.TextChoices):
        ALL_CRITERIA = "all_criteria", _("every criterion linked to the competency is met")
        THRESHOLD = "threshold", _("a stated share of the linked criteria is met")

    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="frameworks")
    version = models.CharField(_("version"), max_length=64)
    ordinal = models.PositiveSmallIntegerField(_("version number"))
    title = models.CharField(_("title in the document"), max_length=500)
    competency_policy = models.CharField(
        _("competency policy"),
        max_length=32,
        choices=CompetencyPolicy.choices,
        default=CompetencyPolicy.ALL_CRITERIA,
    )
    policy_threshold = models.DecimalField(
        _("threshold"),
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Share from 0 to 1."),
    )
    source_layout = models.CharField(_("document layout"), max_length=32)
    source_name = models.CharField(_("document"), max_length=255, blank=True)
    source_sha256 = models.CharField(_("document SHA-256"), max_length=64, blank=True)
    content_sha256 = models.CharField(_("content SHA-256"), max_length=64)
    sections = models.JSONField(
        _("other text of the document"),
        default=dict,
        blank=True,
        help_text=_("Heading → text, kept verbatim."),
    )
    warnings = models.JSONField(_("import warnings"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        verbose_name = _("référentiel version")
        verbose_name_plural = _("référentiel versions")
        ordering = ["certification", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["certification", "version"], name="framework_unique_version"),
            models.UniqueConstraint(fields=["certification", "ordinal"], name="framework_unique_ordinal"),
            models.CheckConstraint(
                condition=Q(policy_threshold__isnull=True)
                | Q(policy_threshold__gt=0, policy_threshold__lte=1),
                name="framework_threshold_share",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certification.code} v{self.version}"


class _Item(models.Model):
    code = models.CharField(_("code"), max_length=64)
    generated = models.BooleanField(_("generated code"), default=False)
    position = models.PositiveIntegerField(_("position"))

    class Meta:
        abstract = True


class Block(_Item):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="blocks")
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("bloc")
        verbose_name_plural = _("blocs")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="block_unique_code"),
            models.UniqueConstraint(fields=["framework", "position"], name="block_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Activity(_Item):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="activities")
    block = models.ForeignKey(
        Block,
        on_delete=models.CASCADE,
        related_name="activities",
        null=True,
        blank=True,
        help_text=_("Empty when the document does not attach the activity to a bloc."),
    )
    text = models.TextField(_("text"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="activity_unique_code"),
            models.UniqueConstraint(fields=["framework", "position"], name="activity_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.text[:80]}"


class Competency(_Item):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="competencies")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="competencies")
    text = models.TextField(_("text"))
    summary = models.TextField(_("short form"), blank=True)
    activities = models.ManyToManyField(Activity, related_name="competencies", blank=True)

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="competency_unique_code"),
            models.UniqueConstraint(fields=["framework", "position"], name="competency_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.text[:80]}"


class Assessment(_Item):
    class Kind(models.TextChoices):
        CASE_STUDY = "case_study", _("case study")
        SIMULATED_SITUATION = "simulated_situation", _("simulated professional situation")
        REAL_SITUATION = "real_situation", _("real professional situation")
        PROFESSIONAL_PROJECT = "professional_project", _("professional project")
        BUSINESS_CASE = "business_case", _("business case")
        FIELD_SURVEY = "field_survey", _("field survey")
        ROLE_PLAY = "role_play", _("role play")
        PORTFOLIO = "portfolio", _("file or portfolio")
        ORAL = "oral", _("oral examination")
        WRITTEN = "written", _("written examination")
        OTHER = "other", _("other")

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="assessments")
    block = models.ForeignKey(Block, on_delete=models.CASCADE, related_name="assessments")
    title = models.TextField(_("title"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices, default=Kind.OTHER)
    individual = models.BooleanField(
        _("individual"), null=True, help_text=_("Empty when the document does not say.")
    )
    collective = models.BooleanField(_("collective part"), default=False)
    written = models.BooleanField(_("written"), default=False)
    oral = models.BooleanField(_("oral"), default=False)
    description = models.TextField(_("description"), blank=True)
    deliverables = models.JSONField(_("deliverables"), default=list, blank=True)
    criteria_heading = models.TextField(_("criteria heading"), blank=True)
    competencies = models.ManyToManyField(Competency, related_name="assessments", blank=True)

    class Meta:
        verbose_name = _("evaluation modality")
        verbose_name_plural = _("evaluation modalities")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="assessment_unique_code"),
            models.UniqueConstraint(fields=["framework", "position"], name="assessment_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title[:80]}"


class Criterion(_Item):
    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="criteria")
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="criteria")
    text = models.TextField(_("text"))
    heading = models.TextField(_("heading"), blank=True)
    competencies = models.ManyToManyField(Competency, related_name="criteria", blank=True)

    class Meta:
        verbose_name = _("evaluation criterion")
        verbose_name_plural = _("evaluation criteria")
        ordering = ["framework", "position"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="criterion_unique_code"),
            models.UniqueConstraint(fields=["framework", "position"], name="criterion_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.text[:80]}"


class Correspondence(models.Model):
    """A line of a correspondence table (tableau de correspondance): holding ``from_block`` carries over
    to ``to_block``, typically a bloc of a replaced certification to the certification replacing it
    (DESIGN rule 3, seed 003 « capitalisable durant toute la durée de la certification »)."""

    from_block = models.ForeignKey(
        Block, on_delete=models.PROTECT, related_name="correspondences_out", verbose_name=_("bloc held")
    )
    to_block = models.ForeignKey(
        Block, on_delete=models.PROTECT, related_name="correspondences_in", verbose_name=_("bloc recognised")
    )
    source = models.TextField(
        _("source of the table"), blank=True, help_text=_("The document that states it.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("correspondence")
        verbose_name_plural = _("correspondence table")
        ordering = ["to_block", "from_block"]
        constraints = [
            models.UniqueConstraint(fields=["from_block", "to_block"], name="correspondence_unique_pair"),
            models.CheckConstraint(
                condition=~Q(from_block=models.F("to_block")), name="correspondence_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_block.code} → {self.to_block.code}"
