"""``certiflow demo``: a realistic session built through the domain, at the enrolled or graded stage."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Q

from certiflow.assessment.domain.demo import DEFAULT_PASSWORD, EVALUATORS, SESSION_TITLE, luhn_complete
from certiflow.assessment.domain.progress import FAILED, VALIDATED, progress_matrices
from certiflow.assessment.domain.results import DISAGREEMENT, criterion_results
from certiflow.assessment.models import Assignment, Group, Mark, Reconciliation, Session, Sitting
from certiflow.candidates.domain.prerequisites import check_prerequisites
from certiflow.candidates.models import (
    Accommodation,
    Cohort,
    ConflictOfInterest,
    Enrolment,
    ExemptionProposal,
    Provider,
    RoleGrant,
)
from certiflow.common.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def conflicted_assignments():
    """Assignments whose evaluator declared a conflict with the candidate, directly or in the group."""
    conflicts = set(ConflictOfInterest.objects.values_list("person_id", "candidate_id"))
    found = []
    for assignment in Assignment.objects.select_related("sitting__enrolment"):
        if assignment.sitting_id:
            candidates = {assignment.sitting.enrolment.candidate_id}
        else:
            candidates = set(
                Sitting.objects.filter(group_id=assignment.group_id).values_list(
                    "enrolment__candidate_id", flat=True
                )
            )
        found += [assignment for c in candidates if (assignment.evaluator_id, c) in conflicts]
    return found


def test_demo_graded_builds_a_marked_session_through_the_domain():
    output = run("--stage", "graded", "--candidates", "8")

    # People: 2 providers with valid SIRETs and cohorts, 8 enrolments.
    providers = list(Provider.objects.all())
    assert len(providers) == 2
    assert all(len(p.siret) == 14 and luhn_complete(p.siret[:13]) == p.siret for p in providers)
    assert Cohort.objects.count() == 3
    enrolments = list(Enrolment.objects.select_related("framework__certification", "access_route"))
    assert len(enrolments) == 8
    assert {e.access_route.route for e in enrolments} <= {
        "formation_initiale",
        "apprentissage",
        "formation_continue",
    }
    assert all(e.candidate.email.endswith("@exemple.fr") for e in enrolments)

    # Accounts and roles, one password printed.
    User = get_user_model()
    roles = set(RoleGrant.objects.values_list("user__username", "role"))
    assert {(name, "evaluator") for name in EVALUATORS} <= roles
    assert {("referent", "disability_referent"), ("jury1", "jury_member"), ("jury2", "jury_member")} <= roles
    managers = RoleGrant.objects.filter(role="provider_manager")
    assert {g.user.username for g in managers} == {"gestionnaire-iamc", "gestionnaire-epsc"}
    assert all(g.provider_id for g in managers)
    assert User.objects.get(username="admin").is_staff
    for number in (1, 2, 3):
        user = User.objects.get(username=f"candidat{number}")
        assert user.candidate.enrolments.exists()
        assert user.check_password(DEFAULT_PASSWORD)
    assert DEFAULT_PASSWORD in output
    assert "evaluateur4" in output
    assert "[10]" in output  # one line per step

    # Prerequisites: most met, a few not.
    reports = [check_prerequisites(e) for e in enrolments]
    assert 1 <= sum(not r.all_met for r in reports) < len(reports) // 2 + 1
    # Support: accommodations, an exemption proposal stating both conditions.
    assert Accommodation.objects.count() == 3
    assert Accommodation.objects.exclude(medical_details="").count() == 3
    proposal = ExemptionProposal.objects.get()
    assert proposal.keeps_overall_capability
    assert proposal.not_applicable_to_future_practice
    assert proposal.status == "proposed"

    # The conflict of interest: declared for evaluateur1, who marks nothing of that candidate.
    conflict = ConflictOfInterest.objects.get()
    assert conflict.person.username == "evaluateur1"
    assert conflicted_assignments() == []
    assert Assignment.objects.filter(evaluator=conflict.person).exists()

    # The session: every modality scheduled, one online, double marking, groups for the collective part.
    session = Session.objects.get()
    assert session.title == SESSION_TITLE
    assert session.results_published_at is None
    scheduled = list(session.scheduled.select_related("assessment"))
    assert len(scheduled) == session.framework.assessments.count() == 6
    assert sum(s.online for s in scheduled) == 1
    assert any(s.double_marking for s in scheduled)
    collective = [s for s in scheduled if s.collective_criteria.exists()]
    assert [s.assessment.collective for s in collective] == [True]
    groups = list(Group.objects.all())
    assert groups
    assert all(3 <= g.sittings.count() <= 4 for g in groups)
    # Every sitting and group has its marker(s).
    for sitting in Sitting.objects.select_related("scheduled"):
        assert sitting.assignments.count() == (2 if sitting.scheduled.double_marking else 1)
    assert all(g.assignments.count() == 1 for g in groups)

    # Grading: grids submitted but one or two drafts, not-met marks commented in French.
    drafts = Assignment.objects.filter(status="draft")
    assert 1 <= drafts.count() <= 2
    assert (
        Assignment.objects.filter(status="submitted").count() == Assignment.objects.count() - drafts.count()
    )
    assert Mark.objects.filter(value="not_met").exists()
    assert not Mark.objects.filter(value="not_met", comment="").exists()
    assert Mark.objects.filter(value="met").count() > 5 * Mark.objects.filter(value="not_met").count()
    # Double marking: one disagreement reconciled, one left for reconciliation.
    assert Reconciliation.objects.count() == 1
    results = criterion_results([e.pk for e in enrolments])
    statuses = [r.status for by_criterion in results.values() for r in by_criterion.values()]
    assert DISAGREEMENT in statuses
    assert any(r.reconciled for by_criterion in results.values() for r in by_criterion.values())

    # The progress matrices show validated and failed blocs.
    blocs = [row.status for m in progress_matrices(enrolments).values() for row in m.blocks]
    assert VALIDATED in blocs
    assert FAILED in blocs

    # Everything audited under the demo's actors.
    assert AuditLogEntry.objects.filter(action="mark.save").count() == Mark.objects.count()


def test_demo_enrolled_assigns_every_grid_and_marks_nothing():
    run("--stage", "enrolled", "--candidates", "6")

    assert not Mark.objects.exists()
    assert not Reconciliation.objects.exists()
    assert not Assignment.objects.filter(status="submitted").exists()
    assert Sitting.objects.count() == 6 * 6
    assert not Sitting.objects.filter(assignments__isnull=True).exists()
    assert conflicted_assignments() == []
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"assessing"}


def test_demo_twice_is_refused_and_the_first_demo_is_untouched():
    run("--stage", "enrolled", "--candidates", "6")
    counts = (Enrolment.objects.count(), Assignment.objects.count(), AuditLogEntry.objects.count())
    errors = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("demo", "--stage", "graded", stdout=StringIO(), stderr=errors)

    assert raised.value.returncode == 2
    assert "already exists" in errors.getvalue()
    assert (Enrolment.objects.count(), Assignment.objects.count(), AuditLogEntry.objects.count()) == counts


def test_demo_keeps_an_existing_admin_and_its_password():
    User = get_user_model()
    User.objects.create_user("admin", password="mon-mot-de-passe-2026", is_staff=True)

    output = run("--stage", "enrolled", "--candidates", "6", "--password", "autre-mot-de-passe-2026")

    assert User.objects.get(username="admin").check_password("mon-mot-de-passe-2026")
    assert User.objects.get(username="evaluateur2").check_password("autre-mot-de-passe-2026")
    assert "already existed" in output


def test_demo_refuses_a_non_staff_admin_and_writes_nothing():
    get_user_model().objects.create_user("admin", password="mon-mot-de-passe-2026")

    with pytest.raises(CommandError):
        call_command("demo", "--stage", "enrolled", stdout=StringIO(), stderr=StringIO())

    assert not Enrolment.objects.exists()
    assert not get_user_model().objects.filter(~Q(username="admin")).exists()


def test_demo_refuses_to_take_over_an_existing_account_and_writes_nothing():
    User = get_user_model()
    User.objects.create_user("referent", password="mon-mot-de-passe-2026")

    errors = StringIO()
    with pytest.raises(CommandError):
        call_command("demo", "--stage", "enrolled", stdout=StringIO(), stderr=errors)

    assert "« referent » already exists" in errors.getvalue()
    assert User.objects.get(username="referent").check_password("mon-mot-de-passe-2026")
    assert not Enrolment.objects.exists()
    assert not User.objects.filter(username="evaluateur1").exists()


def test_demo_audits_every_account_it_creates():
    run("--stage", "enrolled", "--candidates", "6")

    created = set(AuditLogEntry.objects.filter(action="user.create").values_list("object_repr", flat=True))

    assert set(EVALUATORS) <= created
    assert "admin" in created
