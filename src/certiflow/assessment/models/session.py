from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certiflow.candidates.models import Enrolment
from certiflow.frameworks.models import Assessment, Criterion, Framework


class Session(models.Model):
    """A dated sitting of one or more assessments of one référentiel version."""

    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("référentiel version")
    )
    title = models.CharField(_("title"), max_length=255)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    results_published_at = models.DateTimeField(_("results published"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment session")
        verbose_name_plural = _("assessment sessions")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="session_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.title


class ScheduledAssessment(models.Model):
    """One assessment (épreuve) of the référentiel scheduled in a session: when, where or online, and
    whether it is double marked. ``collective_criteria`` are marked once per group and apply to every
    member; the other criteria stay individual."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="scheduled")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=255, blank=True)
    online = models.BooleanField(_("online"), default=False)
    double_marking = models.BooleanField(_("double marking"), default=False)
    collective_criteria = models.ManyToManyField(
        Criterion, blank=True, related_name="+", verbose_name=_("criteria marked per group")
    )

    class Meta:
        verbose_name = _("scheduled assessment")
        verbose_name_plural = _("scheduled assessments")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "assessment"], name="assessment_once_per_session"),
            models.CheckConstraint(
                condition=models.Q(online=True) | ~models.Q(place=""), name="scheduled_place_or_online"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment.code} — {self.session}"

    @property
    def markers_required(self) -> int:
        return 2 if self.double_marking else 1


class Group(models.Model):
    """Candidates who produce a collective deliverable together."""

    scheduled = models.ForeignKey(ScheduledAssessment, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=128)

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["scheduled", "name"], name="unique_group_name")]

    def __str__(self) -> str:
        return self.name


class Sitting(models.Model):
    """An enrolment presenting one scheduled assessment, in a group or alone."""

    scheduled = models.ForeignKey(ScheduledAssessment, on_delete=models.CASCADE, related_name="sittings")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="sittings")
    group = models.ForeignKey(
        Group, on_delete=models.SET_NULL, null=True, blank=True, related_name="sittings"
    )

    class Meta:
        verbose_name = _("sitting")
        verbose_name_plural = _("sittings")
        constraints = [
            models.UniqueConstraint(fields=["scheduled", "enrolment"], name="one_sitting_per_assessment")
        ]

    def __str__(self) -> str:
        return f"{self.enrolment.candidate} — {self.scheduled.assessment.code}"
