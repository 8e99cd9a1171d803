"""The jury's pages: deliberations, composition, the board, the candidate's file, rulings, decisions,
closing, confirmations, minutes and rectification (DESIGN rules 4–7, seed 003)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certiflow.assessment.domain.grading import save_mark, submit_assignment
from certiflow.candidates.domain.accommodations import propose_exemption, save_accommodation
from certiflow.candidates.domain.people import declare_conflict
from certiflow.candidates.models import ExemptionProposal, RoleGrant
from certiflow.jury.domain.deliberations import (
    add_member,
    close_deliberation,
    confirm,
    create_deliberation,
    open_deliberation,
    present_equivalence,
    record_decision,
)
from certiflow.jury.models import (
    Confirmation,
    Decision,
    Deliberation,
    Equivalence,
    ExemptionRuling,
    JuryMember,
    JuryRole,
    Side,
    ValidatedBlock,
)
from tests.assessment.conftest import World, build_world
from tests.factories import (
    AccessRouteFactory,
    AssessmentFactory,
    BlockFactory,
    CandidateFactory,
    CompetencyFactory,
    CriterionFactory,
    EnrolmentFactory,
    FrameworkFactory,
    UserFactory,
    grant,
)

PASSWORD = "correct horse battery"
MEETS_ON = datetime.date(2025, 7, 3)
#: Seed 003, « Composition des jurys », as the fiche importer stores it on an access route.
JURY_RULES = {
    "members": 4,
    "min_professional_ratio": 0.5,
    "roles": [
        "Le directeur de l'école",
        "Un responsable pédagogique ou enseignant",
        "Deux professionnels externes, exerçant dans le métier visé",
    ],
    "parity_checked": True,
}
MEDICAL = "Sclérose en plaques diagnostiquée en 2019"
OPINION = "Avis motivé : la prise de parole en continu ne relève pas de la pratique visée."


# --- a deliberation to work on -----------------------------------------------------------------------
@dataclass
class Jury:
    world: World
    deliberation: Deliberation
    president: object
    teacher: object
    employer: object
    employee: object
    outsider: object  # holds the jury member role, sits on no jury of this deliberation

    @property
    def members(self) -> list:
        return [self.president, self.teacher, self.employer, self.employee]

    def decision(self, index: int) -> Decision:
        return self.deliberation.decisions.get(enrolment=self.world.enrolments[index])


def grade(world: World, enrolment, values: list[str]) -> None:
    """Mark the criteria of ``enrolment``'s sitting with ``values`` and submit the grid."""
    sitting = world.scheduled.sittings.get(enrolment=enrolment)
    assignment = world.assign(sitting=sitting)
    for criterion, value in zip(world.criteria, values, strict=True):
        save_mark(
            actor=world.evaluator,
            assignment=assignment,
            criterion=criterion,
            value=value,
            comment="" if value == "met" else "Non démontré",
            base_revision=0,
        )
    submit_assignment(actor=world.evaluator, assignment=assignment)


def seat_jury(world: World, deliberation: Deliberation) -> list:
    """The four members seed 003 asks for, each with the jury member role."""
    people = []
    for first, last, role, professional, side, president in (
        ("Hélène", "Directrice", JuryRole.DIRECTOR, False, "", True),
        ("Paul", "Enseignant", JuryRole.PEDAGOGICAL_LEAD, False, "", False),
        ("Inès", "Employeuse", JuryRole.EXTERNAL_PROFESSIONAL, True, Side.EMPLOYER, False),
        ("Marc", "Salarié", JuryRole.EXTERNAL_PROFESSIONAL, True, Side.EMPLOYEE, False),
    ):
        user = grant(UserFactory(first_name=first, last_name=last), RoleGrant.Role.JURY_MEMBER)
        add_member(
            actor=world.admin,
            deliberation=deliberation,
            user=user,
            role=role,
            is_professional=professional,
            side=side,
            organisation="Agence" if professional else "École",
            is_president=president,
        )
        people.append(user)
    return people


def build_jury(*, candidates: int = 3, opened: bool = True, seated: bool = True) -> Jury:
    """A graded session (candidate 0 meets every criterion, candidate 1 fails E1.1, the others are not
    graded), a deliberation of the seed's four members, opened unless ``opened`` is False."""
    world = build_world(candidates=candidates)
    route = world.enrolments[0].access_route
    route.jury_rules = JURY_RULES
    route.save()
    grade(world, world.enrolments[0], ["met", "met", "met"])
    if candidates > 1:
        grade(world, world.enrolments[1], ["not_met", "met", "met"])
    deliberation = create_deliberation(
        actor=world.admin,
        session=world.session,
        title="Jury de juillet 2025",
        meets_on=MEETS_ON,
        place="Paris",
    )
    people = seat_jury(world, deliberation) if seated else [None] * 4
    if opened:
        open_deliberation(actor=world.admin, deliberation=deliberation)
        deliberation.refresh_from_db()
    outsider = grant(UserFactory(), RoleGrant.Role.JURY_MEMBER)
    return Jury(world, deliberation, *people, outsider=outsider)


@pytest.fixture
def jury(db) -> Jury:
    return build_jury()


def decide_all(jury: Jury, actor=None) -> None:
    """Record the proposal as the decision of each candidate (an absence for the ungraded ones)."""
    for decision in jury.deliberation.decisions.select_related("enrolment"):
        proposed = decision.proposal
        validated = [b["block_id"] for b in proposed["blocks"] if b["status"] == "validated"]
        result = {"certified": "certified", "partial": "partial", "not_certified": "failed"}.get(
            proposed["result"], "absent"
        )
        record_decision(
            actor=actor or jury.president,
            decision=decision,
            result=result,
            validated_block_ids=validated,
            reason="" if result != "absent" else "Absent à l'épreuve",
            base_revision=decision.revision,
        )


def url(name: str, *args) -> str:
    return reverse(f"web:{name}", args=args)


# --- the list and the creation -----------------------------------------------------------------------
def test_deliberation_list_admin_sees_all_member_sees_theirs(client, jury):
    other = build_jury(candidates=1, opened=False, seated=False).deliberation
    client.force_login(jury.world.admin)
    admin_html = client.get(url("deliberation-list")).content.decode()
    client.force_login(jury.teacher)
    member_html = client.get(url("deliberation-list")).content.decode()
    client.force_login(jury.outsider)
    outsider_html = client.get(url("deliberation-list")).content.decode()

    assert jury.deliberation.title in admin_html
    assert url("deliberation-detail", other.pk) in admin_html
    assert url("deliberation-detail", jury.deliberation.pk) in member_html
    assert url("deliberation-detail", other.pk) not in member_html
    assert "No deliberation yet." in outsider_html


@pytest.mark.parametrize("role", ["evaluator", "candidate"])
def test_deliberation_list_is_refused_to_other_roles(client, jury, role):
    user = jury.world.evaluator if role == "evaluator" else UserFactory()
    if role == "candidate":
        CandidateFactory(user=user)
    client.force_login(user)

    assert client.get(url("deliberation-list")).status_code == 403


def test_home_sends_jury_members_to_the_deliberations(client, jury):
    client.force_login(jury.outsider)

    response = client.get(url("home"))

    assert response["Location"] == url("deliberation-list")


def test_navigation_shows_juries_to_a_member_without_the_role(client, jury):
    director = UserFactory()
    JuryMember.objects.filter(user=jury.president).update(user=director)
    client.force_login(director)

    html = client.get(url("deliberation-detail", jury.deliberation.pk)).content.decode()

    assert f'href="{url("deliberation-list")}"' in html
    assert client.get(url("home"))["Location"] == url("deliberation-list")


def test_session_page_links_to_the_deliberation_form_for_administrators(client, jury):
    client.force_login(jury.world.admin)

    html = client.get(url("session-detail", jury.world.session.pk)).content.decode()

    assert url("deliberation-create", jury.world.session.pk) in html


def test_deliberation_create_then_redirects_to_its_page(client, db):
    world = build_world()
    client.force_login(world.admin)

    form = client.get(url("deliberation-create", world.session.pk))
    response = client.post(
        url("deliberation-create", world.session.pk),
        {"title": "Jury de juin", "meets_on": "2025-07-01", "place": "Lyon"},
    )

    deliberation = Deliberation.objects.get()
    assert form.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == url("deliberation-detail", deliberation.pk)
    assert (deliberation.title, deliberation.place, deliberation.status) == (
        "Jury de juin",
        "Lyon",
        "preparing",
    )


def test_deliberation_create_before_the_session_shows_the_error_and_writes_nothing(client, db):
    world = build_world()
    client.force_login(world.admin)

    response = client.post(
        url("deliberation-create", world.session.pk), {"title": "Jury", "meets_on": "2025-01-01"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "cannot meet before its session starts" in html
    assert 'href="#id_meets_on"' in html  # the error summary links to the field
    assert not Deliberation.objects.exists()


def test_deliberation_create_is_refused_to_jury_members(client, jury):
    client.force_login(jury.president)

    response = client.post(
        url("deliberation-create", jury.world.session.pk), {"title": "X", "meets_on": "2025-07-01"}
    )

    assert response.status_code == 403
    assert Deliberation.objects.count() == 1


# --- composing and opening ---------------------------------------------------------------------------
@pytest.fixture
def preparing(db) -> Jury:
    return build_jury(opened=False, seated=False)


def _add(client, deliberation, user, **fields) -> object:
    data = {
        "member-user": user.pk,
        "member-role": fields.get("role", "external_professional"),
        "member-side": fields.get("side", ""),
        "member-organisation": fields.get("organisation", ""),
    }
    for flag in ("is_professional", "is_president"):
        if fields.get(flag):
            data[f"member-{flag}"] = "on"
    return client.post(url("deliberation-member-add", deliberation.pk), data)


def test_deliberation_detail_shows_the_rules_and_the_problems_while_preparing(client, preparing):
    client.force_login(preparing.world.admin)

    html = client.get(url("deliberation-detail", preparing.deliberation.pk)).content.decode()

    assert "Le directeur de l&#x27;école" in html
    assert "Deux professionnels externes, exerçant dans le métier visé" in html
    assert "at least 50 % professionals" in html
    assert "employer/employee parity checked" in html
    assert "The jury must have 4 members; it has 0" in html
    assert "Name the president of the jury" in html
    assert 'id="open-form"' in html
    assert 'id="member-form"' in html


def test_deliberation_detail_is_read_only_for_a_member_while_preparing(client, preparing):
    people = seat_jury(preparing.world, preparing.deliberation)
    client.force_login(people[1])

    html = client.get(url("deliberation-detail", preparing.deliberation.pk)).content.decode()

    assert "Paul Enseignant" in html
    assert 'id="composition-ok"' in html
    assert 'id="member-form"' not in html
    assert 'id="open-form"' not in html
    assert (
        url("deliberation-member-remove", preparing.deliberation.pk, people[0].jury_seats.get().pk)
        not in html
    )


def test_member_add_offers_jury_members_first(client, preparing):
    juror = grant(UserFactory(username="zz-juror"), RoleGrant.Role.JURY_MEMBER)
    UserFactory(username="aa-someone")
    client.force_login(preparing.world.admin)

    html = client.get(url("deliberation-detail", preparing.deliberation.pk)).content.decode()

    assert html.index("zz-juror") < html.index("aa-someone")
    assert '<optgroup label="Jury members">' in html
    assert juror.username in html


def test_member_add_remove_and_a_side_for_a_non_professional_is_refused(client, preparing):
    deliberation = preparing.deliberation
    person = grant(UserFactory(), RoleGrant.Role.JURY_MEMBER)
    client.force_login(preparing.world.admin)

    refused = _add(client, deliberation, person, role="director", side="employer")
    added = _add(client, deliberation, person, role="director", is_president=True)
    member = JuryMember.objects.get(deliberation=deliberation)
    removed = client.post(url("deliberation-member-remove", deliberation.pk, member.pk))

    assert refused.status_code == 400
    assert "Only a professional sits as an employer or an employee." in refused.content.decode()
    assert added.status_code == 302
    assert (member.user, member.role, member.is_president) == (person, "director", True)
    assert removed.status_code == 302
    assert not JuryMember.objects.filter(deliberation=deliberation).exists()


def test_member_add_is_refused_to_a_jury_member(client, jury):
    client.force_login(jury.president)

    response = _add(client, jury.deliberation, jury.outsider, role="other")

    assert response.status_code == 403


def test_open_with_a_bad_composition_lists_every_problem(client, preparing):
    deliberation = preparing.deliberation
    client.force_login(preparing.world.admin)
    _add(client, deliberation, grant(UserFactory(), RoleGrant.Role.JURY_MEMBER), role="director")

    response = client.post(url("deliberation-open", deliberation.pk))

    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="open-problems"' in html
    assert "The deliberation cannot open" in html
    assert "The jury must have 4 members; it has 1" in html
    assert "Name the president of the jury" in html
    assert "2 × “external professional working in the target job” required" in html
    deliberation.refresh_from_db()
    assert deliberation.status == "preparing"
    assert not deliberation.decisions.exists()


def test_open_names_a_member_in_conflict_with_a_candidate(client, preparing):
    world, deliberation = preparing.world, preparing.deliberation
    people = seat_jury(world, deliberation)
    declare_conflict(
        actor=world.admin, person=people[1], candidate=world.enrolments[0].candidate, nature="Formateur"
    )
    client.force_login(world.admin)

    response = client.post(url("deliberation-open", deliberation.pk))

    assert response.status_code == 400
    assert "declared a conflict of interest" in response.content.decode()


def test_open_composed_jury_then_the_board(client, preparing):
    world, deliberation = preparing.world, preparing.deliberation
    client.force_login(world.admin)
    for first, role, professional, side, president in (
        ("Hélène", "director", False, "", True),
        ("Paul", "pedagogical_lead", False, "", False),
        ("Inès", "external_professional", True, "employer", False),
        ("Marc", "external_professional", True, "employee", False),
    ):
        person = grant(UserFactory(first_name=first), RoleGrant.Role.JURY_MEMBER)
        _add(
            client,
            deliberation,
            person,
            role=role,
            is_professional=professional,
            side=side,
            is_president=president,
        )
    ready = client.get(url("deliberation-detail", deliberation.pk)).content.decode()

    response = client.post(url("deliberation-open", deliberation.pk))

    assert 'id="composition-ok"' in ready
    assert response.status_code == 302
    assert response["Location"] == url("deliberation-board", deliberation.pk)
    deliberation.refresh_from_db()
    assert deliberation.status == "open"
    assert deliberation.decisions.count() == 3


def test_open_is_refused_to_the_president(client, preparing):
    people = seat_jury(preparing.world, preparing.deliberation)
    client.force_login(people[0])

    assert client.post(url("deliberation-open", preparing.deliberation.pk)).status_code == 403


def test_board_of_a_deliberation_being_prepared_sends_to_its_page(client, preparing):
    client.force_login(preparing.world.admin)

    response = client.get(url("deliberation-board", preparing.deliberation.pk))

    assert response["Location"] == url("deliberation-detail", preparing.deliberation.pk)


# --- the board ---------------------------------------------------------------------------------------
def test_board_shows_proposals_decisions_and_badges(client, jury):
    world = jury.world
    # Candidate 1 (proposed failure) is certified by the jury, with its reason.
    failed = jury.decision(1)
    record_decision(
        actor=jury.teacher,
        decision=failed,
        result="certified",
        validated_block_ids=[world.block.pk],
        reason="Le jury retient le dossier professionnel.",
        base_revision=0,
    )
    client.force_login(jury.teacher)

    response = client.get(url("deliberation-board", jury.deliberation.pk))

    html = response.content.decode()
    assert response.status_code == 200
    row = html[html.index(f'id="decision-{failed.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "failure" in row
    assert "full certification" in row
    assert "differs from the proposal" in row
    assert html.count("to decide") >= 2
    assert "1 decided out of 3 candidates" in html
    assert 'aria-labelledby="summary-chart-title summary-chart-desc"' in html


def test_board_marks_a_stale_decision_and_a_disagreement(client, db):
    jury = build_jury(candidates=3)
    world = jury.world
    decision = jury.decision(2)  # not graded: incomplete
    record_decision(
        actor=jury.teacher,
        decision=decision,
        result="absent",
        validated_block_ids=[],
        reason="Absent",
        base_revision=0,
    )
    # A double marking that disagrees, after the decision: the proposal changes.
    world.scheduled.double_marking = True
    world.scheduled.save()
    sitting = world.scheduled.sittings.get(enrolment=world.enrolments[2])
    for rank, (evaluator, value) in enumerate(
        ((world.evaluator, "met"), (world.second_evaluator, "not_met")), 1
    ):
        assignment = world.assign(sitting=sitting, evaluator=evaluator, rank=rank)
        for criterion in world.criteria:
            save_mark(
                actor=evaluator,
                assignment=assignment,
                criterion=criterion,
                value=value,
                comment="" if value == "met" else "Non",
                base_revision=0,
            )
        submit_assignment(actor=evaluator, assignment=assignment)
    client.force_login(jury.teacher)

    html = client.get(url("deliberation-board", jury.deliberation.pk)).content.decode()

    row = html[html.index(f'id="decision-{decision.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "proposal changed since: confirm again" in row
    assert "markers disagree" in row
    filtered = client.get(
        url("deliberation-board", jury.deliberation.pk), {"disagreement": "yes"}
    ).content.decode()
    assert f'id="decision-{decision.pk}"' in filtered
    assert f'id="decision-{jury.decision(0).pk}"' not in filtered


def test_board_filters_without_javascript_and_with_htmx(client, jury):
    client.force_login(jury.world.admin)
    board = url("deliberation-board", jury.deliberation.pk)
    certified, failed, pending = (jury.decision(i) for i in range(3))

    by_proposal = client.get(board, {"proposal": "not_certified"}).content.decode()
    undecided = client.get(board, {"decided": "no"}).content.decode()
    partial = client.get(board, {"proposal": "certified"}, HTTP_HX_REQUEST="true")

    assert f'id="decision-{failed.pk}"' in by_proposal
    assert f'id="decision-{certified.pk}"' not in by_proposal
    assert "1 of 3 candidates shown" in by_proposal
    assert all(f'id="decision-{d.pk}"' in undecided for d in (certified, failed, pending))
    fragment = partial.content.decode()
    assert "<html" not in fragment
    assert 'hx-swap-oob="innerHTML"' in fragment
    assert f'id="decision-{certified.pk}"' in fragment
    assert f'id="decision-{pending.pk}"' not in fragment


def test_board_history_restore_with_htmx_gets_the_whole_page(client, jury):
    client.force_login(jury.teacher)

    response = client.get(
        url("deliberation-board", jury.deliberation.pk),
        {"decided": "no"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )

    assert "<html" in response.content.decode()


def test_board_filters_by_route_and_provider(client, db):
    jury = build_jury(opened=False)
    world = jury.world
    apprentice = world.enrolments[2]
    apprentice.access_route = AccessRouteFactory(
        certification=world.framework.certification, route="apprentissage", jury_rules=JURY_RULES
    )
    apprentice.provider = None
    apprentice.save()
    open_deliberation(actor=world.admin, deliberation=jury.deliberation)
    client.force_login(world.admin)
    board = url("deliberation-board", jury.deliberation.pk)

    by_route = client.get(board, {"route": apprentice.access_route_id}).content.decode()
    by_provider = client.get(board, {"provider": world.provider.pk}).content.decode()
    individual = client.get(board, {"provider": "none"}).content.decode()
    nobody = client.get(board, {"provider": "none", "proposal": "certified"}).content.decode()

    assert "1 of 3 candidates shown" in by_route
    assert f'id="decision-{jury.decision(2).pk}"' in by_route
    assert "2 of 3 candidates shown" in by_provider
    assert f'id="decision-{jury.decision(2).pk}"' not in by_provider
    assert "1 of 3 candidates shown" in individual
    assert "No candidate matches these filters." in nobody


def test_board_constant_queries_as_the_list_grows(client, db):
    jury = build_jury(candidates=2)
    client.force_login(jury.teacher)
    board = url("deliberation-board", jury.deliberation.pk)
    client.get(board)
    with CaptureQueriesContext(connection) as few:
        assert client.get(board).status_code == 200
    many = build_jury(candidates=9)
    decide_all(many)
    client.force_login(many.teacher)
    board = url("deliberation-board", many.deliberation.pk)
    client.get(board)

    with CaptureQueriesContext(connection) as lots:
        response = client.get(board)

    assert response.status_code == 200
    assert "9 candidates" in response.content.decode()
    assert len(lots) == len(few), [q["sql"] for q in lots.captured_queries]


# --- the candidate's file ----------------------------------------------------------------------------
def test_drill_down_shows_proposal_reasons_matrix_and_grids_to_an_administrator(client, jury):
    decision = jury.decision(1)
    client.force_login(jury.world.admin)

    html = client.get(url("deliberation-decision", jury.deliberation.pk, decision.pk)).content.decode()

    assert "These blocs are not validated: BC01." in html
    assert "Competencies and criteria of BC01" in html  # the matrix
    assert (
        url(
            "grading-grid",
            jury.world.scheduled.assignments.filter(sitting__enrolment=decision.enrolment).get().pk,
        )
        in html
    )
    assert 'id="decision-form"' in html
    assert 'name="decision-base_revision" value="0"' in html
    assert "<legend>Result</legend>" in html
    assert "Required when the decision differs from the proposal." in html


def test_drill_down_for_a_member_has_no_grid_links_and_pending_reasons(client, jury):
    decision = jury.decision(2)
    client.force_login(jury.employee)

    html = client.get(url("deliberation-decision", jury.deliberation.pk, decision.pk)).content.decode()

    assert "These criteria are still waiting for a result: E1.1, E1.2, E1.3." in html
    assert "/grading/" not in html
    assert "Candidate 3 of 3" in html
    assert url("deliberation-decision", jury.deliberation.pk, jury.decision(1).pk) in html  # previous


def test_drill_down_is_403_for_a_member_in_conflict_and_skipped_in_the_neighbours(client, jury):
    world = jury.world
    declare_conflict(
        actor=world.admin, person=jury.employer, candidate=world.enrolments[1].candidate, nature="Tuteur"
    )
    client.force_login(jury.employer)

    page = client.get(url("deliberation-decision", jury.deliberation.pk, jury.decision(1).pk))
    post = client.post(
        url("deliberation-decision", jury.deliberation.pk, jury.decision(1).pk),
        {"decision-result": "failed", "decision-base_revision": 0},
    )
    first = client.get(
        url("deliberation-decision", jury.deliberation.pk, jury.decision(0).pk)
    ).content.decode()
    board = client.get(url("deliberation-board", jury.deliberation.pk)).content.decode()

    assert page.status_code == 403
    assert post.status_code == 403
    assert not jury.decision(1).result
    assert url("deliberation-decision", jury.deliberation.pk, jury.decision(2).pk) in first  # next skips 1
    assert url("deliberation-decision", jury.deliberation.pk, jury.decision(1).pk) not in first
    assert "your declared conflict: you do not judge" in board


@pytest.mark.parametrize("who", ["outsider", "evaluator", "candidate"])
def test_drill_down_and_board_are_404_to_who_does_not_sit(client, jury, who):
    user = {"outsider": jury.outsider, "evaluator": jury.world.evaluator, "candidate": UserFactory()}[who]
    client.force_login(user)

    for name, args in (
        ("deliberation-detail", [jury.deliberation.pk]),
        ("deliberation-board", [jury.deliberation.pk]),
        ("deliberation-decision", [jury.deliberation.pk, jury.decision(0).pk]),
    ):
        assert client.get(url(name, *args)).status_code == 404


def test_decision_as_proposed_is_recorded(client, jury):
    decision = jury.decision(0)
    client.force_login(jury.teacher)

    response = client.post(
        url("deliberation-decision", jury.deliberation.pk, decision.pk),
        {
            "decision-result": "certified",
            "decision-blocks": [jury.world.block.pk],
            "decision-base_revision": 0,
        },
    )

    decision.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"].endswith("#decision")
    assert (decision.result, decision.decided_by, decision.revision) == ("certified", jury.teacher, 1)
    assert list(decision.blocks.filter(validated=True).values_list("block_id", flat=True)) == [
        jury.world.block.pk
    ]


def test_decision_differing_without_reason_shows_the_error_and_writes_nothing(client, jury):
    decision = jury.decision(1)  # proposed: failure
    client.force_login(jury.teacher)

    response = client.post(
        url("deliberation-decision", jury.deliberation.pk, decision.pk),
        {
            "decision-result": "certified",
            "decision-blocks": [jury.world.block.pk],
            "decision-base_revision": 0,
        },
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "This decision differs from the proposal: write the jury&#x27;s reason." in html
    assert 'href="#id_decision-reason"' in html
    assert 'value="certified" id="id_decision-result_0" required checked' in html or "checked" in html
    decision.refresh_from_db()
    assert (decision.result, decision.revision) == ("", 0)
    assert not decision.blocks.exists()


def test_decision_differing_with_reason_is_recorded(client, jury):
    decision = jury.decision(1)
    client.force_login(jury.teacher)

    client.post(
        url("deliberation-decision", jury.deliberation.pk, decision.pk),
        {
            "decision-result": "certified",
            "decision-blocks": [jury.world.block.pk],
            "decision-reason": "Le jury retient le dossier professionnel.",
            "decision-base_revision": 0,
        },
    )
    html = client.get(url("deliberation-decision", jury.deliberation.pk, decision.pk)).content.decode()

    decision.refresh_from_db()
    assert (decision.result, decision.reason) == ("certified", "Le jury retient le dossier professionnel.")
    assert "differs from the proposal" in html


def test_decision_conflict_shows_both_and_saving_again_wins(client, jury):
    decision = jury.decision(0)
    record_decision(
        actor=jury.employer,
        decision=decision,
        result="certified",
        validated_block_ids=[jury.world.block.pk],
        reason="",
        base_revision=0,
    )
    client.force_login(jury.teacher)
    data = {
        "decision-result": "absent",
        "decision-reason": "Absent le jour du jury",
        "decision-base_revision": 0,
    }

    response = client.post(url("deliberation-decision", jury.deliberation.pk, decision.pk), data)

    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone recorded a decision for this candidate since you opened it." in html
    theirs = html[html.index('id="conflict-theirs"') :]
    assert theirs[: theirs.index("</dd>")].count("full certification") == 1
    yours = html[html.index('id="conflict-yours"') :]
    assert "absent" in yours[: yours.index("</dd>")]
    assert 'name="decision-base_revision" value="1"' in html
    decision.refresh_from_db()
    assert (decision.result, decision.revision) == ("certified", 1)

    again = client.post(
        url("deliberation-decision", jury.deliberation.pk, decision.pk), {**data, "decision-base_revision": 1}
    )

    decision.refresh_from_db()
    assert again.status_code == 302
    assert (decision.result, decision.revision) == ("absent", 2)


def test_decision_invalid_form_is_400(client, jury):
    decision = jury.decision(0)
    client.force_login(jury.teacher)

    response = client.post(
        url("deliberation-decision", jury.deliberation.pk, decision.pk), {"decision-base_revision": 0}
    )

    assert response.status_code == 400
    assert 'href="#id_decision-result_0"' in response.content.decode()


# --- exemptions and equivalences --------------------------------------------------------------------
@pytest.fixture
def referent(db):
    return grant(UserFactory(), RoleGrant.Role.DISABILITY_REFERENT)


def _exemption(jury: Jury, referent) -> ExemptionProposal:
    enrolment = jury.world.enrolments[1]
    save_accommodation(
        actor=referent,
        enrolment=enrolment,
        extra_time_minutes=30,
        assistance="",
        adapted_materials="",
        adapted_format="",
        medical_details=MEDICAL,
    )
    return propose_exemption(
        actor=referent,
        enrolment=enrolment,
        criterion=jury.world.criteria[0],
        opinion=OPINION,
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
    )


def test_exemption_opinion_shown_never_the_medical_details_then_granted(client, jury, referent):
    proposal = _exemption(jury, referent)
    decision = jury.decision(1)
    page = url("deliberation-decision", jury.deliberation.pk, decision.pk)
    client.force_login(jury.employee)

    html = client.get(page).content.decode()
    refused = client.post(
        url("deliberation-exemption-rule", jury.deliberation.pk, decision.pk, proposal.pk),
        {
            f"exemption-{proposal.pk}-granted": "granted",
            f"exemption-{proposal.pk}-keeps_overall_capability": "on",
            f"exemption-{proposal.pk}-reason": "Critère sans objet",
        },
    )
    granted = client.post(
        url("deliberation-exemption-rule", jury.deliberation.pk, decision.pk, proposal.pk),
        {
            f"exemption-{proposal.pk}-granted": "granted",
            f"exemption-{proposal.pk}-keeps_overall_capability": "on",
            f"exemption-{proposal.pk}-not_applicable_to_future_practice": "on",
            f"exemption-{proposal.pk}-reason": "Critère sans objet pour la pratique visée",
        },
    )
    after = client.get(page).content.decode()

    assert OPINION in html
    assert MEDICAL not in html
    assert f'id="exemption-form-{proposal.pk}"' in html
    assert refused.status_code == 400
    assert "both cumulative conditions hold" in refused.content.decode()
    assert granted.status_code == 302
    ruling = ExemptionRuling.objects.get()
    assert (ruling.granted, ruling.keeps_overall_capability, ruling.not_applicable_to_future_practice) == (
        True,
        True,
        True,
    )
    # E1.1 exempted: the proposal becomes a full certification, and the decision form follows it.
    assert "full certification" in after[after.index('id="proposal"') :][:600]
    assert MEDICAL not in after


def test_exemption_refused_by_the_jury(client, jury, referent):
    proposal = _exemption(jury, referent)
    decision = jury.decision(1)
    client.force_login(jury.president)

    client.post(
        url("deliberation-exemption-rule", jury.deliberation.pk, decision.pk, proposal.pk),
        {
            f"exemption-{proposal.pk}-granted": "refused",
            f"exemption-{proposal.pk}-reason": "Critère essentiel",
        },
    )

    proposal.refresh_from_db()
    assert proposal.status == "refused"


def test_equivalence_presented_from_the_candidate_page_then_accepted_by_the_jury(
    client, db, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    world = build_world(candidates=2)
    route = world.enrolments[0].access_route
    route.jury_rules = JURY_RULES
    route.save()
    other = BlockFactory(framework=FrameworkFactory(), code="RNCP1BC01")
    newcomer = EnrolmentFactory(framework=world.framework, access_route=route, provider=world.provider)
    client.force_login(world.admin)
    candidate_page = client.get(url("enrolment-detail", newcomer.pk)).content.decode()
    form = client.get(url("equivalence-present", newcomer.pk)).content.decode()

    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        url("equivalence-present", newcomer.pk),
        {
            "block": world.block.pk,
            "kind": "equivalence",
            "source_block": other.pk,
            "evidence": "Attestation du bloc RNCP1BC01 obtenu en 2023",
            "document": SimpleUploadedFile("attestation.pdf", b"%PDF-1.4 attestation", "application/pdf"),
        },
    )

    assert url("equivalence-present", newcomer.pk) in candidate_page
    assert "RNCP1BC01" in form
    assert response.status_code == 302
    equivalence = Equivalence.objects.get()
    assert (equivalence.block, equivalence.source_block, equivalence.status) == (
        world.block,
        other,
        "presented",
    )

    deliberation = create_deliberation(
        actor=world.admin, session=world.session, title="Jury", meets_on=MEETS_ON
    )
    people = seat_jury(world, deliberation)
    open_deliberation(actor=world.admin, deliberation=deliberation)
    decision = deliberation.decisions.get(enrolment=newcomer)
    client.force_login(people[2])
    page = url("deliberation-decision", deliberation.pk, decision.pk)
    before = client.get(page).content.decode()
    document = client.get(
        url("deliberation-equivalence-document", deliberation.pk, decision.pk, equivalence.pk)
    )
    ruled = client.post(
        url("deliberation-equivalence-rule", deliberation.pk, decision.pk, equivalence.pk),
        {
            f"equivalence-{equivalence.pk}-accepted": "accepted",
            f"equivalence-{equivalence.pk}-reason": "Correspondance établie",
        },
    )

    assert "An equivalence or a VAE is presented for BC01" in before
    assert "Attestation du bloc RNCP1BC01 obtenu en 2023" in before
    assert document.status_code == 200
    assert b"".join(document.streaming_content).startswith(b"%PDF")
    assert ruled.status_code == 302
    equivalence.refresh_from_db()
    assert (equivalence.status, equivalence.decided_in) == ("accepted", deliberation)


def test_equivalence_ruling_without_reason_is_400(client, db):
    world = build_world(candidates=1)
    route = world.enrolments[0].access_route
    route.jury_rules = JURY_RULES
    route.save()
    equivalence = present_equivalence(
        actor=world.admin,
        enrolment=world.enrolments[0],
        block=world.block,
        kind="equivalence",
        evidence="Attestation",
    )
    deliberation = create_deliberation(
        actor=world.admin, session=world.session, title="Jury", meets_on=MEETS_ON
    )
    people = seat_jury(world, deliberation)
    open_deliberation(actor=world.admin, deliberation=deliberation)
    decision = deliberation.decisions.get()
    client.force_login(people[0])

    response = client.post(
        url("deliberation-equivalence-rule", deliberation.pk, decision.pk, equivalence.pk),
        {f"equivalence-{equivalence.pk}-accepted": "accepted"},
    )

    assert response.status_code == 400
    equivalence.refresh_from_db()
    assert equivalence.status == "presented"


def test_equivalence_present_refused_to_a_jury_member_and_errors_shown(client, jury):
    enrolment = jury.world.enrolments[0]
    client.force_login(jury.outsider)
    assert client.get(url("equivalence-present", enrolment.pk)).status_code == 403
    assert (
        url("equivalence-present", enrolment.pk)
        not in client.get(url("enrolment-detail", enrolment.pk)).content.decode()
    )

    client.force_login(jury.world.admin)
    response = client.post(
        url("equivalence-present", enrolment.pk),
        {"block": jury.world.block.pk, "kind": "vae", "evidence": "Dossier"},
    )

    assert response.status_code == 400
    assert "A VAE is presented by a candidate enrolled through the VAE route." in response.content.decode()
    assert not Equivalence.objects.exists()


def test_equivalence_present_by_the_provider_manager(client, jury):
    manager = grant(UserFactory(), RoleGrant.Role.PROVIDER_MANAGER, jury.world.provider)
    enrolment = jury.world.enrolments[2]
    client.force_login(manager)

    page = client.get(url("enrolment-detail", enrolment.pk)).content.decode()
    response = client.post(
        url("equivalence-present", enrolment.pk),
        {"block": jury.world.block.pk, "kind": "equivalence", "evidence": "Certificat"},
    )

    assert url("equivalence-present", enrolment.pk) in page
    assert response.status_code == 302
    assert Equivalence.objects.get().presented_by == manager


# --- closing, confirming, minutes, rectification ----------------------------------------------------
def test_close_with_a_wrong_password_then_undecided_candidates_then_closed(client, jury):
    deliberation = jury.deliberation
    client.force_login(jury.president)
    page = client.get(url("deliberation-detail", deliberation.pk)).content.decode()

    wrong = client.post(url("deliberation-close", deliberation.pk), {"close-password": "nope"})
    undecided = client.post(url("deliberation-close", deliberation.pk), {"close-password": PASSWORD})
    decide_all(jury)
    closed = client.post(url("deliberation-close", deliberation.pk), {"close-password": PASSWORD})

    assert 'id="close-form"' in page
    assert wrong.status_code == 403
    assert "The password is not correct." in wrong.content.decode()
    assert undecided.status_code == 400
    assert "have no decision" in undecided.content.decode()
    assert closed.status_code == 302
    deliberation.refresh_from_db()
    assert deliberation.status == "closing"
    assert Confirmation.objects.get().member.user == jury.president


def test_close_is_refused_to_a_member_who_does_not_preside(client, jury):
    decide_all(jury)
    client.force_login(jury.teacher)

    assert (
        'id="close-form"' not in client.get(url("deliberation-detail", jury.deliberation.pk)).content.decode()
    )
    assert (
        client.post(url("deliberation-close", jury.deliberation.pk), {"close-password": PASSWORD}).status_code
        == 403
    )


def _closing(jury: Jury) -> None:
    decide_all(jury)
    close_deliberation(actor=jury.president, deliberation=jury.deliberation, password=PASSWORD)


def test_confirm_with_a_wrong_password_then_each_member_then_signed(client, jury):
    _closing(jury)
    deliberation = jury.deliberation
    client.force_login(jury.teacher)
    page = client.get(url("deliberation-detail", deliberation.pk)).content.decode()

    wrong = client.post(url("deliberation-confirm", deliberation.pk), {"confirm-password": "nope"})
    ok = client.post(
        url("deliberation-confirm", deliberation.pk), {"confirm-password": PASSWORD}, follow=True
    )
    decision = client.post(
        url("deliberation-decision", deliberation.pk, jury.decision(0).pk),
        {"decision-result": "failed", "decision-base_revision": 1},
    )

    assert 'id="confirm-form"' in page
    assert wrong.status_code == 403
    assert "The password is not correct." in wrong.content.decode()
    assert "Confirmation recorded." in ok.content.decode()
    assert 'id="confirm-form"' not in ok.content.decode()
    assert decision.status_code == 400  # closed by the president: no decision changes
    for member in (jury.employer, jury.employee):
        confirm(actor=member, deliberation=deliberation, password=PASSWORD)
    deliberation.refresh_from_db()
    assert deliberation.status == "closed"
    assert ValidatedBlock.objects.filter(candidate=jury.world.enrolments[0].candidate).exists()


def _signed(jury: Jury) -> None:
    _closing(jury)
    for member in (jury.teacher, jury.employer, jury.employee):
        confirm(actor=member, deliberation=jury.deliberation, password=PASSWORD)


def test_signed_deliberation_minutes_download_and_read_only_pages(client, jury):
    _signed(jury)
    deliberation = jury.deliberation
    minutes = deliberation.minutes
    client.force_login(jury.employee)

    page = client.get(url("deliberation-detail", deliberation.pk)).content.decode()
    response = client.get(url("deliberation-minutes", deliberation.pk))
    board = client.get(url("deliberation-board", deliberation.pk)).content.decode()
    file = client.get(url("deliberation-decision", deliberation.pk, jury.decision(0).pk)).content.decode()

    assert minutes.sha256 in page
    assert url("deliberation-minutes", deliberation.pk) in page
    assert "Rectify" not in page  # administrators only
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="proces-verbal-{deliberation.pk}.pdf"'
    assert response.content.startswith(b"%PDF")
    assert "Read only: the deliberation is closed." in board
    assert "proposal changed since" not in board  # the decisions recorded are what the jury saw
    assert 'id="decision-form"' not in file
    assert "<form" not in page.split('id="members"')[1].split("</section>")[0]


def test_minutes_before_signing_is_404(client, jury):
    client.force_login(jury.world.admin)

    assert client.get(url("deliberation-minutes", jury.deliberation.pk)).status_code == 404


def test_minutes_refused_to_an_outsider(client, jury):
    _signed(jury)
    client.force_login(jury.outsider)

    assert client.get(url("deliberation-minutes", jury.deliberation.pk)).status_code == 404


def test_rectify_creates_a_linked_deliberation(client, jury):
    _signed(jury)
    deliberation = jury.deliberation
    enrolment = jury.world.enrolments[1]
    client.force_login(jury.world.admin)
    page = client.get(url("deliberation-detail", deliberation.pk)).content.decode()

    missing = client.post(
        url("deliberation-rectify", deliberation.pk),
        {"rectify-enrolments": [enrolment.pk], "rectify-meets_on": "2025-09-01"},
    )
    response = client.post(
        url("deliberation-rectify", deliberation.pk),
        {
            "rectify-enrolments": [enrolment.pk],
            "rectify-reason": "Erreur de saisie sur E1.1",
            "rectify-meets_on": "2025-09-01",
        },
    )

    assert "Rectify" in page
    assert missing.status_code == 400
    rectification = Deliberation.objects.get(rectifies=deliberation)
    assert response["Location"] == url("deliberation-detail", rectification.pk)
    assert rectification.decisions.get().supersedes == jury.decision(1)
    assert rectification.members.count() == 4
    html = client.get(url("deliberation-detail", rectification.pk)).content.decode()
    assert "Erreur de saisie sur E1.1" in html
    assert url("deliberation-detail", deliberation.pk) in html


def test_rectify_refused_to_a_member(client, jury):
    _signed(jury)
    client.force_login(jury.president)

    response = client.post(
        url("deliberation-rectify", jury.deliberation.pk),
        {
            "rectify-enrolments": [jury.world.enrolments[0].pk],
            "rectify-reason": "x",
            "rectify-meets_on": "2025-09-01",
        },
    )

    assert response.status_code == 403


# --- seating only the missing blocs -----------------------------------------------------------------
def test_session_seat_skips_a_candidate_who_holds_the_bloc(client, jury):
    _signed(jury)
    world = jury.world
    certified = world.enrolments[0]
    # A later version of the same certification, with a bloc of the same code: capitalised (seed 003).
    framework = FrameworkFactory(certification=world.framework.certification)
    block = BlockFactory(framework=framework, code="BC01")
    competency = CompetencyFactory(block=block)
    assessment = AssessmentFactory(block=block, code="E1")
    CriterionFactory(assessment=assessment).competencies.set([competency])
    again = EnrolmentFactory(
        candidate=certified.candidate, framework=framework, access_route=certified.access_route
    )
    newcomer = EnrolmentFactory(framework=framework, access_route=certified.access_route)
    from tests.factories import ScheduledAssessmentFactory, SessionFactory

    scheduled = ScheduledAssessmentFactory(session=SessionFactory(framework=framework), assessment=assessment)
    client.force_login(world.admin)

    response = client.post(
        url("session-seat", scheduled.session.pk, scheduled.pk),
        {f"seat-{scheduled.pk}-enrolments": [again.pk, newcomer.pk]},
        follow=True,
    )

    html = response.content.decode()
    assert "1 candidates seated." in html
    assert f"Not seated, because they already hold the bloc BC01: {certified.candidate}." in html
    assert list(scheduled.sittings.values_list("enrolment_id", flat=True)) == [newcomer.pk]
