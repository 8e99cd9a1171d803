"""``certiflow demo``: a realistic session built through the domain, at the enrolled, graded, deliberated
or issued stage (the command lives in the credentials app, the highest layer its stages reach)."""

import hashlib
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Q
from django.test import Client
from django.utils import translation

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
from certiflow.credentials.domain.selectors import visible_credentials
from certiflow.credentials.domain.verification import Verdict, verify
from certiflow.credentials.models import IssuanceBatch, IssuedCredential, IssuerKey
from certiflow.jury.domain.demo import JURY_MEETS_ON, SEATS
from certiflow.jury.domain.engine import DECISION_FOR
from certiflow.jury.models import (
    BlockDecision,
    Confirmation,
    Decision,
    Deliberation,
    ExemptionRuling,
    Minutes,
    ValidatedBlock,
)

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


# --- the deliberated stage -----------------------------------------------------------------------------
JURY_ACCOUNTS = [seat.username for seat in SEATS]


def refused(*args: str) -> tuple[CommandError, str]:
    errors = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("demo", *args, stdout=StringIO(), stderr=errors)
    return raised.value, errors.getvalue()


def written() -> tuple[int, ...]:
    return (
        Enrolment.objects.count(),
        Deliberation.objects.count(),
        Decision.objects.count(),
        get_user_model().objects.count(),
        AuditLogEntry.objects.count(),
    )


def test_demo_deliberated_signs_the_jury_s_deliberation_with_its_minutes():
    output = run("--stage", "deliberated", "--candidates", "12")

    # A signed deliberation, with minutes whose bytes are a PDF and whose fingerprint is printed.
    deliberation = Deliberation.objects.get()
    assert (deliberation.status, deliberation.meets_on) == ("closed", JURY_MEETS_ON)
    assert deliberation.session == Session.objects.get(title=SESSION_TITLE)
    minutes = Minutes.objects.get(deliberation=deliberation)
    pdf = bytes(minutes.pdf)
    assert pdf.startswith(b"%PDF")
    assert minutes.sha256 == hashlib.sha256(pdf).hexdigest()
    assert minutes.sha256 in output
    assert f"{len(pdf)} bytes" in output
    assert f"(id {deliberation.pk}) signed" in output

    # The jury of seed 003: the director presides, a pedagogical lead, two external professionals
    # (employer and employee); every member confirmed with the demo password.
    members = {m.user.username: m for m in deliberation.members.select_related("user")}
    assert set(members) == set(JURY_ACCOUNTS)
    assert [(m.role, m.is_professional, m.side, m.is_president) for m in members.values()] == [
        ("director", False, "", True),
        ("pedagogical_lead", False, "", False),
        ("external_professional", True, "employer", False),
        ("external_professional", True, "employee", False),
    ]
    assert Confirmation.objects.filter(member__deliberation=deliberation).count() == 4
    User = get_user_model()
    for username in JURY_ACCOUNTS:
        assert User.objects.get(username=username).check_password(DEFAULT_PASSWORD)
        assert RoleGrant.objects.filter(user__username=username, role="jury_member").exists()
    created = set(AuditLogEntry.objects.filter(action="user.create").values_list("object_repr", flat=True))
    assert set(JURY_ACCOUNTS) <= created

    # Every candidate decided: the proposal's result, or with a written reason when incomplete.
    decisions = list(Decision.objects.filter(deliberation=deliberation))
    assert len(decisions) == Enrolment.objects.count() == 12
    assert all(d.result for d in decisions)
    incomplete = [d for d in decisions if d.proposed_result == "incomplete"]
    assert incomplete
    for decision in incomplete:
        assert decision.reason.startswith("Résultats incomplets à la date du jury : ")
        assert decision.result in ("partial", "failed")
    for decision in decisions:
        if decision.proposed_result != "incomplete":
            assert (decision.result, decision.reason) == (DECISION_FOR[decision.proposed_result], "")

    # The referent's exemption proposal granted on both cumulative conditions, with a reason.
    ruling = ExemptionRuling.objects.get()
    assert (ruling.granted, ruling.keeps_overall_capability, ruling.not_applicable_to_future_practice) == (
        True,
        True,
        True,
    )
    assert ruling.reason
    assert ExemptionProposal.objects.get().status == "granted"

    # The validated blocs are capitalised.
    validated = BlockDecision.objects.filter(decision__deliberation=deliberation, validated=True)
    assert ValidatedBlock.objects.count() == validated.count() > 0

    # Twice: refused, and nothing of the first is touched.
    counts = written()
    error, errors = refused("--stage", "deliberated", "--candidates", "12")
    assert error.returncode == 2
    assert "already has a deliberation" in errors
    assert written() == counts


def test_demo_deliberated_deliberates_an_existing_graded_demo_with_its_password():
    run("--stage", "graded", "--candidates", "12", "--password", "premier-mot-de-passe-2026")
    counts = written()

    error, errors = refused("--stage", "deliberated")
    assert error.returncode == 2
    assert "password" in errors
    assert written() == counts

    output = run("--stage", "deliberated", "--password", "premier-mot-de-passe-2026")

    assert "already existed" in output
    assert Enrolment.objects.count() == 12  # --candidates was not used
    assert Deliberation.objects.get().status == "closed"
    assert Minutes.objects.get().sha256 in output
    assert get_user_model().objects.get(username="jury4").check_password("premier-mot-de-passe-2026")


def test_demo_deliberated_refuses_a_demo_session_with_nothing_graded():
    run("--stage", "enrolled", "--candidates", "6")
    counts = written()

    error, errors = refused("--stage", "deliberated")

    assert error.returncode == 2
    assert "nothing of it is graded" in errors
    assert written() == counts


def test_demo_deliberated_refuses_to_take_over_an_existing_jury_account_and_writes_nothing():
    User = get_user_model()
    User.objects.create_user("jury3", password="mon-mot-de-passe-2026")

    error, errors = refused("--stage", "deliberated", "--candidates", "12")

    assert error.returncode == 2
    assert "« jury3 » already exists and was not created by the demo" in errors
    assert User.objects.get(username="jury3").check_password("mon-mot-de-passe-2026")
    assert not Enrolment.objects.exists()
    assert not Deliberation.objects.exists()


def test_demo_deliberated_follows_a_partial_proposal_with_every_bloc_validated():
    """With 8 candidates, some hold every bloc but miss a validation prerequisite (DESIGN rule 8): the
    engine proposes a partial certification with every bloc, and the demo's jury records it."""
    run("--stage", "deliberated", "--candidates", "8")

    assert Deliberation.objects.get().status == "closed"
    every_bloc = [
        d
        for d in Decision.objects.filter(result="partial").prefetch_related("blocks")
        if all(b.validated for b in d.blocks.all())
    ]
    assert every_bloc
    assert all((d.proposed_result, d.reason) == ("partial", "") for d in every_bloc)


# --- the issued stage ----------------------------------------------------------------------------------
def issued_written() -> tuple[int, ...]:
    return (
        *written(),
        IssuedCredential.objects.count(),
        IssuanceBatch.objects.count(),
        IssuerKey.objects.count(),
    )


def test_demo_issued_issues_the_deliberation_s_credentials_through_the_domain():
    output = run("--stage", "issued", "--candidates", "6")

    # One batch, done, for the signed deliberation; what each decision entitles its candidate to.
    deliberation = Deliberation.objects.get()
    assert deliberation.status == "closed"
    batch = IssuanceBatch.objects.get()
    assert (batch.deliberation, batch.status, batch.error) == (deliberation, "done", "")
    assert batch.requested_by.username == "admin"
    decisions = list(Decision.objects.filter(deliberation=deliberation).prefetch_related("blocks"))
    certified = [d for d in decisions if d.result == "certified"]
    attested = [
        b for d in decisions if d.result in ("certified", "partial") for b in d.blocks.all() if b.validated
    ]
    assert certified
    credentials = IssuedCredential.objects.all()
    assert credentials.filter(kind="certificate").count() == len(certified)
    assert credentials.filter(kind="block_attestation").count() == len(attested)
    assert batch.issued == credentials.count()

    # Signed by the one certifier of the demo référentiel (copied from seed 003), whose key was created.
    certification = deliberation.session.framework.certification
    (certifier,) = certification.certifiers.all()
    assert certifier.name == "ECAD CONSULTANTS - IESA ART&CULTURE"
    key = IssuerKey.objects.get()
    assert (key.certifier, key.status) == (certifier, "active")
    for credential in credentials:
        report = verify(credential.document)
        assert [
            report[name].verdict for name in ("format", "schema", "signature", "issuer", "revocation")
        ] == [Verdict.PASSED] * 5, report.as_dict()

    # What it prints: the progress, the counts, an account with a certificate, where to verify it.
    total = credentials.count()
    assert "Issuing" in output
    assert f"{batch.total}/{batch.total}" in output
    assert (
        f"Credentials issued (batch {batch.pk}): {total} — certificates: {len(certified)}, "
        f"bloc attestations: {len(attested)}."
    ) in output
    assert f"signed by {key.did}." in output
    assert f"certificates: {len(certified)}" in output
    account = re.search(r"Candidate account with a certificate: (\S+) ", output).group(1)
    certificate = credentials.get(kind="certificate", candidate__user__username=account)
    assert (
        f"Certificate {certificate.pk}: verify it at http://127.0.0.1:8000/verify/{certificate.pk}/" in output
    )
    assert "http://127.0.0.1:8000/verify/." in output
    assert f"certiflow credentials export DIR --deliberation {deliberation.pk}" in output
    assert "stage issued" in output

    # That candidate signs in with the demo password and sees their certificate (the portal's list, the API).
    user = get_user_model().objects.get(username=account)
    assert user.check_password(DEFAULT_PASSWORD)
    assert certificate in visible_credentials(user)
    client = Client()
    assert client.login(username=account, password=DEFAULT_PASSWORD)
    with translation.override("en"):  # the request activates the page's language; keep the test's
        listed = client.get("/api/credentials?limit=100").json()["items"]
    assert str(certificate.pk) in {item["id"] for item in listed}
    assert {item["candidate"]["id"] for item in listed} == {user.candidate.pk}

    # Twice: refused, and nothing is written.
    counts = issued_written()
    error, errors = refused("--stage", "issued", "--candidates", "6")
    assert error.returncode == 2
    assert "already has its credentials issued: the demo issues once per database" in " ".join(errors.split())
    assert issued_written() == counts


def test_demo_issued_issues_an_existing_deliberated_demo_once_it_has_its_certifier():
    run("--stage", "deliberated", "--candidates", "6")
    certification = Deliberation.objects.get().session.framework.certification
    (certifier,) = certification.certifiers.all()
    certification.certifiers.clear()
    counts = issued_written()

    # Without exactly one certifier, issuing is refused and nothing is written.
    error, errors = refused("--stage", "issued")
    assert error.returncode == 2
    assert f"Certification {certification.code} must have exactly one certifier" in " ".join(errors.split())
    assert issued_written() == counts

    certification.certifiers.add(certifier)
    output = run("--stage", "issued")

    assert "already signed: its credentials were issued as it stands" in output
    assert written()[:4] == counts[:4]  # no new enrolment, deliberation, decision or account
    assert IssuanceBatch.objects.get().status == "done"
    assert IssuedCredential.objects.filter(kind="certificate").exists()
    assert "Accounts (password" not in output  # no account was made

    # Once issued, issuing again is refused and writes nothing.
    counts = issued_written()
    error, errors = refused("--stage", "issued")
    assert error.returncode == 2
    assert "already has its credentials issued: the demo issues once per database" in " ".join(errors.split())
    assert issued_written() == counts
