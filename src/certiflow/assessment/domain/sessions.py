"""Sessions: scheduling assessments, seating enrolments, forming groups and assigning evaluators.

Every function checks, writes in one transaction and audits. Assigning refuses an evaluator who has
declared a conflict of interest with the candidate (DESIGN rule 6, seed 003) or, for a group, with any
member; a second marker exists only where the assessment is double marked.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certiflow.assessment.models import Assignment, Group, ScheduledAssessment, Session, Sitting
from certiflow.candidates.domain.enrolments import transition
from certiflow.candidates.models import ConflictOfInterest, Enrolment, RoleGrant
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused
from certiflow.frameworks.models import Assessment, Criterion, Framework


def create_session(
    *, actor: AbstractBaseUser, framework: Framework, title: str, starts_on: date, ends_on: date
) -> Session:
    if ends_on < starts_on:
        raise Refused(_("The session ends before it starts."), field="ends_on")
    if not title.strip():
        raise Refused(_("Give the session a title."), field="title")
    with transaction.atomic():
        session = Session.objects.create(
            framework=framework, title=title.strip(), starts_on=starts_on, ends_on=ends_on, created_by=actor
        )
        audit.record(
            actor=actor,
            action="session.create",
            obj=session,
            changes={"framework": str(framework), "from": str(starts_on), "until": str(ends_on)},
        )
    return session


def publish_results(*, actor: AbstractBaseUser, session: Session) -> Session:
    """Make the session's results visible to its candidates in their portal (audited, once)."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.results_published_at is not None:
            raise Refused(_("The results of this session are already published."))
        locked.results_published_at = timezone.now()
        locked.save(update_fields=["results_published_at"])
        audit.record(actor=actor, action="session.publish", obj=locked, changes={"published": [False, True]})
    session.results_published_at = locked.results_published_at
    return locked


def schedule_assessment(
    *,
    actor: AbstractBaseUser,
    session: Session,
    assessment: Assessment,
    starts_at: datetime,
    place: str = "",
    online: bool = False,
    duration_minutes: int | None = None,
    double_marking: bool = False,
    collective_criteria: Iterable[Criterion] = (),
) -> ScheduledAssessment:
    """Schedule ``assessment`` in ``session``. ``collective_criteria`` (marked once per group) must be
    criteria of this assessment, and only an assessment with a collective part has them."""
    if assessment.framework_id != session.framework_id:
        raise Refused(
            _("%(code)s is not an assessment of this session's référentiel.") % {"code": assessment.code}
        )
    if not online and not place.strip():
        raise Refused(_("Give the place, or say the assessment is online."), field="place")
    if not session.starts_on <= timezone.localdate(starts_at) <= session.ends_on:
        raise Refused(
            _("The date is outside the session (%(start)s – %(end)s).")
            % {"start": session.starts_on.isoformat(), "end": session.ends_on.isoformat()},
            field="starts_at",
        )
    collective = list(collective_criteria)
    if any(c.assessment_id != assessment.pk for c in collective):
        raise Refused(
            _("A criterion marked per group is not a criterion of %(code)s.") % {"code": assessment.code}
        )
    if collective and not assessment.collective:
        raise Refused(
            _(
                "The référentiel describes %(code)s as individual: none of its criteria can be marked per group."
            )
            % {"code": assessment.code},
            field="collective_criteria",
        )
    try:
        with transaction.atomic():
            scheduled = ScheduledAssessment.objects.create(
                session=session,
                assessment=assessment,
                starts_at=starts_at,
                place=place.strip(),
                online=online,
                duration_minutes=duration_minutes,
                double_marking=double_marking,
            )
            scheduled.collective_criteria.set(collective)
            audit.record(
                actor=actor,
                action="session.schedule",
                obj=session,
                changes={
                    "assessment": assessment.code,
                    "at": starts_at.isoformat(),
                    "place": place or "online",
                    "double_marking": double_marking,
                    "collective_criteria": [c.code for c in collective],
                },
            )
    except IntegrityError:
        raise Refused(
            _("%(code)s is already scheduled in this session.") % {"code": assessment.code}
        ) from None
    return scheduled


def seat_enrolments(
    *, actor: AbstractBaseUser, scheduled: ScheduledAssessment, enrolments: Iterable[Enrolment]
) -> int:
    """Seat enrolments for a scheduled assessment (those already seated are left as they are).
    An enrolled candidate moves to « being assessed ». Returns how many were seated."""
    enrolments = list(enrolments)
    for enrolment in enrolments:
        if enrolment.framework_id != scheduled.session.framework_id:
            raise Refused(
                _("%(candidate)s is enrolled in another version of the référentiel.")
                % {"candidate": enrolment.candidate}
            )
        if enrolment.status == Enrolment.Status.WITHDRAWN:
            raise Refused(_("%(candidate)s has withdrawn.") % {"candidate": enrolment.candidate})
    with transaction.atomic():
        seated = set(Sitting.objects.filter(scheduled=scheduled).values_list("enrolment_id", flat=True))
        new = [e for e in enrolments if e.pk not in seated]
        Sitting.objects.bulk_create([Sitting(scheduled=scheduled, enrolment=e) for e in new])
        for enrolment in new:
            if enrolment.status == Enrolment.Status.ENROLLED:
                transition(actor=actor, enrolment=enrolment, to=Enrolment.Status.ASSESSING)
        if new:
            audit.record(
                actor=actor,
                action="session.seat",
                obj=scheduled.session,
                changes={"assessment": scheduled.assessment.code, "enrolments": [e.pk for e in new]},
            )
    return len(new)


def form_group(
    *, actor: AbstractBaseUser, scheduled: ScheduledAssessment, name: str, sittings: Iterable[Sitting]
) -> Group:
    """Form a group for the collective part of ``scheduled``. Each sitting joins one group at most."""
    sittings = list(sittings)
    if not scheduled.collective_criteria.exists():
        raise Refused(
            _("%(code)s has no criteria marked per group; choose them when scheduling it.")
            % {"code": scheduled.assessment.code}
        )
    if len(sittings) < 2:
        raise Refused(_("A group has at least two candidates."), field="sittings")
    if any(s.scheduled_id != scheduled.pk for s in sittings):
        raise Refused(_("Every member must be seated for this assessment."), field="sittings")
    if taken := [s for s in sittings if s.group_id is not None]:
        raise Refused(
            _("Already in a group: %(names)s.")
            % {"names": ", ".join(str(s.enrolment.candidate) for s in taken)},
            field="sittings",
        )
    try:
        with transaction.atomic():
            group = Group.objects.create(scheduled=scheduled, name=name.strip())
            Sitting.objects.filter(pk__in=[s.pk for s in sittings], group__isnull=True).update(group=group)
            audit.record(
                actor=actor,
                action="group.form",
                obj=group,
                changes={
                    "assessment": scheduled.assessment.code,
                    "members": [s.enrolment_id for s in sittings],
                },
            )
    except IntegrityError:
        raise Refused(_("A group of this name already exists."), field="name") from None
    return group


def conflicting_candidates(
    *, evaluator: AbstractBaseUser, sitting: Sitting | None = None, group: Group | None = None
) -> list:
    """The candidates of this target with whom ``evaluator`` has declared a conflict of interest."""
    sittings = (
        [sitting] if sitting is not None else list(group.sittings.select_related("enrolment__candidate"))
    )
    candidate_ids = {s.enrolment.candidate_id for s in sittings}
    conflicted = set(
        ConflictOfInterest.objects.filter(person=evaluator, candidate_id__in=candidate_ids).values_list(
            "candidate_id", flat=True
        )
    )
    return [s.enrolment.candidate for s in sittings if s.enrolment.candidate_id in conflicted]


def assign_evaluator(
    *,
    actor: AbstractBaseUser,
    evaluator: AbstractBaseUser,
    sitting: Sitting | None = None,
    group: Group | None = None,
    rank: int = 1,
) -> Assignment:
    """Give ``evaluator`` the marking of one sitting or one group, as marker ``rank`` (1, or 2 when
    the assessment is double marked)."""
    if (sitting is None) == (group is None):
        raise Refused(_("Assign an evaluator to one candidate or to one group."))
    scheduled = (sitting or group).scheduled
    if not RoleGrant.objects.filter(user=evaluator, role=RoleGrant.Role.EVALUATOR).exists():
        raise Refused(
            _("%(user)s is not an evaluator.") % {"user": evaluator.get_username()},
            hint=_("Give them the evaluator role first."),
            field="evaluator",
        )
    if not 1 <= rank <= scheduled.markers_required:
        raise Refused(
            _("A second marker is only assigned where the assessment is double marked."), field="rank"
        )
    if conflicted := conflicting_candidates(evaluator=evaluator, sitting=sitting, group=group):
        raise Refused(
            _("%(user)s has declared a conflict of interest with %(names)s and cannot mark them.")
            % {"user": evaluator.get_username(), "names": ", ".join(str(c) for c in conflicted)},
            hint=_("Choose another evaluator."),
            field="evaluator",
        )
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                scheduled=scheduled, evaluator=evaluator, sitting=sitting, group=group, rank=rank
            )
            audit.record(
                actor=actor,
                action="assignment.create",
                obj=assignment,
                changes={"evaluator": evaluator.get_username(), "rank": rank},
            )
    except IntegrityError:
        raise Refused(
            _("This candidate or group already has a marker %(rank)s, or the same evaluator twice.")
            % {"rank": rank},
            field="evaluator",
        ) from None
    return assignment
