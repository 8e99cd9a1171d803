"""The progress matrix (DESIGN rules 1–2, seed 003: « Chaque compétence est donc évaluée de manière
indépendante selon les critères définis dans le référentiel »; « L'obtention de la certification est
conditionnée à la validation de l'ensemble des blocs de compétences »)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import example, given, settings
from hypothesis import strategies as st

from certiflow.assessment.domain.grading import criteria_for, save_mark, submit_assignment
from certiflow.assessment.domain.progress import (
    ACQUIRED,
    EXEMPTED,
    FAILED,
    NOT_ACQUIRED,
    VALIDATED,
    block_status,
    competency_status,
    progress_matrices,
    progress_matrix,
)
from certiflow.assessment.domain.results import DISAGREEMENT, MET, NOT_MET, PENDING
from certiflow.assessment.models import Assignment
from certiflow.candidates.models import Enrolment, ExemptionProposal
from certiflow.frameworks.models import Framework
from tests.assessment.conftest import build_world
from tests.factories import AdministratorFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories set a password for every user; the default hasher is deliberately slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


ALL, THRESHOLD = Framework.CompetencyPolicy.ALL_CRITERIA, Framework.CompetencyPolicy.THRESHOLD


def mark(assignment, values):
    assignment = Assignment.objects.get(pk=assignment.pk)
    for criterion, value in zip(criteria_for(assignment), values, strict=True):
        save_mark(
            actor=assignment.evaluator,
            assignment=assignment,
            criterion=criterion,
            value=value,
            comment="" if value == MET else "Critère non démontré",
            base_revision=0,
        )
    submit_assignment(actor=assignment.evaluator, assignment=assignment)


def rows(matrix):
    """{competency code: status} and {block code: status}."""
    return (
        {c.competency.code: c.status for b in matrix.blocks for c in b.competencies},
        {b.block.code: b.status for b in matrix.blocks},
    )


def grant_exemption(enrolment, criterion):
    # The jury grants exemptions (issue 4); here the granted proposal is written as the jury will leave it.
    return ExemptionProposal.objects.create(
        enrolment=enrolment,
        criterion=criterion,
        opinion="Avis motivé du référent handicap",
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
        status=ExemptionProposal.Status.GRANTED,
        proposed_by=AdministratorFactory(),
    )


# The world: C1 ← E1.1, E1.2; C2 ← E1.2, E1.3; one bloc BC01.
# --- default policy: every criterion -------------------------------------------------------------------
def test_progress_matrix_nothing_marked_is_pending(world):
    matrix = progress_matrix(world.enrolments[0])

    assert rows(matrix) == ({"C1": PENDING, "C2": PENDING}, {"BC01": PENDING})
    assert matrix.counts() == {PENDING: 3}
    assert matrix.all_validated is False


def test_progress_matrix_all_criteria_met_validates_the_bloc(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, MET])

    matrix = progress_matrix(world.enrolments[0])

    assert rows(matrix) == ({"C1": ACQUIRED, "C2": ACQUIRED}, {"BC01": VALIDATED})
    assert matrix.validated_blocks == [world.block]
    assert matrix.all_validated is True
    assert matrix.counts() == {MET: 3}


def test_progress_matrix_one_criterion_not_met_fails_its_competency_only(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, NOT_MET])

    matrix = progress_matrix(world.enrolments[0])

    assert rows(matrix) == ({"C1": ACQUIRED, "C2": NOT_ACQUIRED}, {"BC01": FAILED})
    assert matrix.validated_blocks == []


def test_progress_matrix_criterion_of_two_competencies_counts_for_both(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, NOT_MET, MET])

    assert rows(progress_matrix(world.enrolments[0]))[0] == {"C1": NOT_ACQUIRED, "C2": NOT_ACQUIRED}


def test_progress_matrix_disagreement_keeps_the_competency_pending(db):
    world = build_world(double_marking=True)
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, MET])
    mark(
        world.assign(sitting=world.sittings[0], evaluator=world.second_evaluator, rank=2), [MET, MET, NOT_MET]
    )

    matrix = progress_matrix(world.enrolments[0])

    assert rows(matrix) == ({"C1": ACQUIRED, "C2": PENDING}, {"BC01": PENDING})
    assert matrix.counts() == {MET: 2, DISAGREEMENT: 1}


def test_progress_matrix_each_enrolment_has_its_own_results(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, MET])
    mark(world.assign(sitting=world.sittings[1]), [NOT_MET, MET, MET])

    matrices = progress_matrices(world.enrolments)

    assert rows(matrices[world.enrolments[0].pk])[1] == {"BC01": VALIDATED}
    assert rows(matrices[world.enrolments[1].pk]) == ({"C1": NOT_ACQUIRED, "C2": ACQUIRED}, {"BC01": FAILED})


def test_progress_matrices_of_no_enrolment_is_empty(db):
    assert progress_matrices([]) == {}


# --- threshold policy -------------------------------------------------------------------------------
def test_progress_matrix_threshold_policy_half_the_criteria_suffices(world):
    Framework.objects.filter(pk=world.framework.pk).update(
        competency_policy=THRESHOLD, policy_threshold=Decimal("0.5")
    )
    mark(world.assign(sitting=world.sittings[0]), [NOT_MET, MET, NOT_MET])
    enrolment = Enrolment.objects.select_related("framework").get(pk=world.enrolments[0].pk)

    assert rows(progress_matrix(enrolment)) == ({"C1": ACQUIRED, "C2": ACQUIRED}, {"BC01": VALIDATED})


def test_progress_matrix_threshold_policy_below_the_share_is_not_acquired(world):
    Framework.objects.filter(pk=world.framework.pk).update(
        competency_policy=THRESHOLD, policy_threshold=Decimal("0.75")
    )
    mark(world.assign(sitting=world.sittings[0]), [MET, NOT_MET, MET])
    enrolment = Enrolment.objects.select_related("framework").get(pk=world.enrolments[0].pk)

    assert rows(progress_matrix(enrolment)) == ({"C1": NOT_ACQUIRED, "C2": NOT_ACQUIRED}, {"BC01": FAILED})


# --- exemptions -------------------------------------------------------------------------------------
def test_progress_matrix_granted_exemption_counts_as_satisfied(world):
    # Seed 003 « Candidat en situation de handicap »: the jury may exempt the candidate from criteria.
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, NOT_MET])
    grant_exemption(world.enrolments[0], world.criteria[2])

    matrix = progress_matrix(world.enrolments[0])

    assert rows(matrix) == ({"C1": ACQUIRED, "C2": ACQUIRED}, {"BC01": VALIDATED})
    assert matrix.counts() == {MET: 2, EXEMPTED: 1}


def test_progress_matrix_exemption_only_proposed_does_not_count(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, NOT_MET])
    grant_exemption(world.enrolments[0], world.criteria[2])
    ExemptionProposal.objects.update(status=ExemptionProposal.Status.PROPOSED)

    assert rows(progress_matrix(world.enrolments[0]))[0]["C2"] == NOT_ACQUIRED


def test_progress_matrix_exemption_of_another_candidate_does_not_count(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, NOT_MET])
    grant_exemption(world.enrolments[1], world.criteria[2])

    assert rows(progress_matrix(world.enrolments[0]))[0]["C2"] == NOT_ACQUIRED


# --- published results only ---------------------------------------------------------------------------
def test_progress_matrix_published_only_ignores_unpublished_results(world):
    mark(world.assign(sitting=world.sittings[0]), [MET, MET, MET])

    matrix = progress_matrix(world.enrolments[0], published_only=True)

    assert rows(matrix) == ({"C1": PENDING, "C2": PENDING}, {"BC01": PENDING})


# --- queries ----------------------------------------------------------------------------------------
def _count_queries(enrolments):
    with CaptureQueriesContext(connection) as captured:
        progress_matrices(enrolments)
    return len(captured.captured_queries)


def test_progress_matrices_constant_number_of_queries(db):
    small, large = build_world(candidates=2), build_world(candidates=8)
    for world in (small, large):
        for sitting in world.sittings:
            mark(world.assign(sitting=sitting), [MET, MET, NOT_MET])
        grant_exemption(world.enrolments[0], world.criteria[2])
    loaded = Enrolment.objects.select_related("framework")

    small_count = _count_queries(list(loaded.filter(framework=small.framework)))
    large_count = _count_queries(list(loaded.filter(framework=large.framework)))

    assert small_count == large_count
    assert large_count <= 12


def test_progress_matrices_constant_number_of_queries_from_plain_enrolments(db):
    small, large = build_world(candidates=2), build_world(candidates=8)

    small_count = _count_queries(list(Enrolment.objects.filter(framework=small.framework)))
    large_count = _count_queries(list(Enrolment.objects.filter(framework=large.framework)))

    assert small_count == large_count


# --- competency_status / block_status ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], PENDING),
        ([MET, MET], ACQUIRED),
        ([MET, EXEMPTED], ACQUIRED),
        ([EXEMPTED], ACQUIRED),
        ([MET, PENDING], PENDING),
        ([MET, DISAGREEMENT], PENDING),
        ([PENDING, NOT_MET], NOT_ACQUIRED),
    ],
)
def test_competency_status_every_criterion_policy(statuses, expected):
    assert competency_status(statuses, policy=ALL, threshold=None) == expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([MET, NOT_MET], ACQUIRED),
        ([MET, NOT_MET, NOT_MET], NOT_ACQUIRED),
        ([MET, PENDING, NOT_MET], PENDING),
        ([NOT_MET, DISAGREEMENT], PENDING),
        ([EXEMPTED, EXEMPTED], ACQUIRED),
        ([MET, NOT_MET, EXEMPTED], ACQUIRED),
    ],
)
def test_competency_status_threshold_policy_half(statuses, expected):
    assert competency_status(statuses, policy=THRESHOLD, threshold=Decimal("0.5")) == expected


def test_competency_status_threshold_policy_without_threshold_falls_back_to_every_criterion():
    assert competency_status([MET, NOT_MET], policy=THRESHOLD, threshold=None) == NOT_ACQUIRED


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([ACQUIRED, ACQUIRED], VALIDATED),
        ([ACQUIRED, PENDING], PENDING),
        ([ACQUIRED, NOT_ACQUIRED, PENDING], FAILED),
        ([], PENDING),
    ],
)
def test_block_status(statuses, expected):
    assert block_status(statuses) == expected


def test_competency_status_threshold_policy_exemption_never_lowers_the_status():
    before = competency_status([MET, NOT_MET], policy=THRESHOLD, threshold=Decimal("0.5"))

    after = competency_status([EXEMPTED, NOT_MET], policy=THRESHOLD, threshold=Decimal("0.5"))

    assert (before, after) == (ACQUIRED, ACQUIRED)


# --- properties -------------------------------------------------------------------------------------
ORDER = {NOT_ACQUIRED: 0, PENDING: 1, ACQUIRED: 2}
criterion_statuses = st.lists(st.sampled_from([MET, NOT_MET, PENDING, DISAGREEMENT, EXEMPTED]), max_size=10)
policies = st.one_of(
    st.just((ALL, None)),
    st.tuples(
        st.just(THRESHOLD),
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1), places=3),
    ),
)


@settings(max_examples=300, deadline=None)
@given(statuses=criterion_statuses, policy=policies, position=st.integers(min_value=0, max_value=10))
def test_competency_status_adding_a_met_criterion_never_lowers_it(statuses, policy, position):
    name, threshold = policy
    before = competency_status(statuses, policy=name, threshold=threshold)

    after = competency_status(
        [*statuses[:position], MET, *statuses[position:]], policy=name, threshold=threshold
    )

    assert ORDER[after] >= ORDER[before]


@settings(max_examples=300, deadline=None)
@given(statuses=criterion_statuses, policy=policies)
def test_competency_status_an_added_exempted_criterion_never_causes_not_acquired(statuses, policy):
    name, threshold = policy
    before = competency_status(statuses, policy=name, threshold=threshold)

    after = competency_status([*statuses, EXEMPTED], policy=name, threshold=threshold)

    assert ORDER[after] >= ORDER[before]
    assert after != NOT_ACQUIRED or before == NOT_ACQUIRED


@settings(max_examples=300, deadline=None)
@given(statuses=criterion_statuses.filter(bool), position=st.integers(min_value=0, max_value=9))
def test_competency_status_exempting_a_criterion_never_lowers_it_every_criterion_policy(statuses, position):
    exempted = list(statuses)
    exempted[position % len(statuses)] = EXEMPTED

    before = competency_status(statuses, policy=ALL, threshold=None)
    after = competency_status(exempted, policy=ALL, threshold=None)

    assert ORDER[after] >= ORDER[before]
    assert after != NOT_ACQUIRED or NOT_MET in exempted


@settings(max_examples=300, deadline=None)
@example(statuses=[MET, NOT_MET], position=0, threshold=Decimal("0.5"))
@given(
    statuses=criterion_statuses.filter(bool),
    position=st.integers(min_value=0, max_value=9),
    threshold=st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1), places=3),
)
def test_competency_status_exempting_a_criterion_never_lowers_it_threshold_policy(
    statuses, position, threshold
):
    exempted = list(statuses)
    exempted[position % len(statuses)] = EXEMPTED

    before = competency_status(statuses, policy=THRESHOLD, threshold=threshold)
    after = competency_status(exempted, policy=THRESHOLD, threshold=threshold)

    assert ORDER[after] >= ORDER[before]
