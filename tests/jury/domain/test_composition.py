"""Jury composition (DESIGN rule 6), seed 003 « Composition des jurys »:

« Le jury est composé de 4 membres dont 50% de professionnels : - Le directeur de l'école - Un
responsable pédagogique ou enseignant - Deux professionnels externes, excerçant dans le métier visé
La parité employeur/salarié est contrôlée. »
"""

from decimal import Decimal

import pytest

from certiflow.candidates.domain.people import declare_conflict
from certiflow.common.models import AuditLogEntry
from certiflow.frameworks.models import AccessRoute
from certiflow.jury.domain.composition import UnreadableRule, composition_problems, read_roles, rule_for
from certiflow.jury.models import CompositionRule, JuryRole, Side
from tests.factories import AccessRouteFactory, UserFactory
from tests.jury.conftest import SEED_JURY_RULES


def problems_of(world, deliberation, enrolments=None):
    return composition_problems(
        deliberation=deliberation, enrolments=world.enrolments if enrolments is None else enrolments
    )


def joined(problems):
    return " | ".join(problems)


# --- reading the fiche's words --------------------------------------------------------------------------
def test_read_roles_the_seed_words_give_one_director_one_lead_two_professionals():
    # seed 003: « Le directeur de l'école - Un responsable pédagogique ou enseignant - Deux professionnels
    # externes, excerçant dans le métier visé »
    read = read_roles(SEED_JURY_RULES["roles"])

    assert [(r.role, r.count) for r in read] == [
        (JuryRole.DIRECTOR, 1),
        (JuryRole.PEDAGOGICAL_LEAD, 1),
        (JuryRole.EXTERNAL_PROFESSIONAL, 2),
    ]
    assert [r.label for r in read] == SEED_JURY_RULES["roles"]


@pytest.mark.parametrize(
    "words",
    [
        "Un membre de la profession",  # no role named
        "Des professionnels externes",  # no count
        "",
    ],
)
def test_read_roles_unclear_words_are_not_guessed(words):
    # DESIGN: « Importers never guess silently ».
    (read,) = read_roles([words])

    assert read.role is None or read.count is None


def test_rule_for_reads_the_fiche_once_and_audits_it(world):
    # DESIGN rule 6: « Compositions are data on the certification ».
    first = rule_for(access_route=world.route, actor=world.admin)
    second = rule_for(access_route=world.route, actor=world.admin)

    assert first.pk == second.pk
    assert (first.members, first.min_professional_ratio, first.parity_checked, first.source) == (
        4,
        Decimal("0.50"),
        True,
        CompositionRule.Source.DOCUMENT,
    )
    assert sorted((r.role, r.count, r.label) for r in first.required_roles.all()) == sorted(
        [
            (JuryRole.DIRECTOR, 1, "Le directeur de l'école"),
            (JuryRole.PEDAGOGICAL_LEAD, 1, "Un responsable pédagogique ou enseignant"),
            (
                JuryRole.EXTERNAL_PROFESSIONAL,
                2,
                "Deux professionnels externes, excerçant dans le métier visé",
            ),
        ]
    )
    entries = AuditLogEntry.objects.filter(action="jury.rule_read")
    assert entries.count() == 1
    assert entries.get().actor == world.admin


def test_rule_for_unreadable_words_are_refused_and_nothing_is_stored(world):
    # DESIGN: a role the words do not name clearly is not guessed.
    route = AccessRouteFactory(
        certification=world.certification,
        route=AccessRoute.Route.APPRENTISSAGE,
        jury_rules={
            **SEED_JURY_RULES,
            "roles": [*SEED_JURY_RULES["roles"][:2], "Des professionnels du secteur"],
        },
    )

    with pytest.raises(UnreadableRule, match="Des professionnels du secteur"):
        rule_for(access_route=route, actor=world.admin)

    assert not CompositionRule.objects.filter(access_route=route).exists()
    assert not AuditLogEntry.objects.filter(action="jury.rule_read").exists()


def test_rule_for_a_route_with_no_composition_is_refused(world):
    # seed 003: « Par candidature individuelle X - - » — the fiche gives no jury for this route.
    route = AccessRouteFactory(
        certification=world.certification,
        route=AccessRoute.Route.CANDIDATURE_INDIVIDUELLE,
        label="Par candidature individuelle",
        jury_rules=None,
    )

    with pytest.raises(UnreadableRule, match="Par candidature individuelle"):
        rule_for(access_route=route)

    assert not CompositionRule.objects.filter(access_route=route).exists()


# --- what is wrong with a jury --------------------------------------------------------------------------
def test_composition_problems_a_jury_composed_as_the_seed_says_has_none(world):
    # seed 003: 4 members, 50 % professionals, director, lead, two external professionals, parity.
    deliberation = world.deliberation()
    world.compose(deliberation)

    assert problems_of(world, deliberation) == []


def test_composition_problems_three_members(world):
    # seed 003: « Le jury est composé de 4 membres »
    deliberation = world.deliberation()
    world.compose(deliberation, lead=None)

    problems = joined(problems_of(world, deliberation))

    assert "must have 4 members; it has 3" in problems
    assert "pedagogical lead" in problems


def test_composition_problems_too_few_professionals(world):
    # seed 003: « dont 50% de professionnels »
    deliberation = world.deliberation()
    world.compose(deliberation, employee=None)
    world.seat(deliberation, "lead", user=UserFactory(), role=JuryRole.OTHER)

    problems = joined(problems_of(world, deliberation))

    assert "At least 50 % of the members must be professionals; 1 of 4 are" in problems


def test_composition_problems_missing_director(world):
    # seed 003: « Le directeur de l'école »
    deliberation = world.deliberation()
    world.compose(deliberation, director=None)
    world.seat(deliberation, "lead", user=UserFactory(), is_president=True)

    problems = joined(problems_of(world, deliberation))

    assert "director of the school" in problems
    assert "Le directeur de l'école" in problems


def test_composition_problems_parity_broken_by_two_employers(world):
    # seed 003: « La parité employeur/salarié est contrôlée. »
    deliberation = world.deliberation()
    world.compose(deliberation, employee={"side": Side.EMPLOYER})

    problems = joined(problems_of(world, deliberation))

    assert "parity is not met: 2 employer(s), 0 employee(s)" in problems


def test_composition_problems_professional_without_a_side(world):
    # seed 003: parity is checked, so each professional says which side they sit on.
    deliberation = world.deliberation()
    world.compose(deliberation, employee={"side": ""})

    problems = joined(problems_of(world, deliberation))

    assert "sits as an employer or an employee" in problems


def test_composition_problems_external_professional_not_counted_as_professional(world):
    # seed 003: « Deux professionnels externes » count in the « 50% de professionnels ».
    deliberation = world.deliberation()
    world.compose(deliberation, employee={"is_professional": False, "side": ""})

    problems = joined(problems_of(world, deliberation))

    assert "must be counted as a professional" in problems


def test_composition_problems_no_president(world):
    # DESIGN rule 7: the president closes the deliberation, so a jury has one.
    deliberation = world.deliberation()
    world.compose(deliberation, director={"is_president": False})

    assert problems_of(world, deliberation) == ["Name the president of the jury among its members."]


def test_composition_problems_member_in_conflict_with_a_presented_candidate(world):
    # DESIGN rule 6 (seed 003): « A member who trained a candidate does not judge that candidate. »
    deliberation = world.deliberation()
    world.compose(deliberation)
    candidate = world.enrolments[0].candidate
    declare_conflict(
        actor=world.admin, person=world.jurors["lead"], candidate=candidate, nature="A formé le candidat"
    )

    problems = problems_of(world, deliberation)

    assert len(problems) == 1
    assert "conflict of interest" in problems[0]
    assert str(candidate) in problems[0]
    assert "A formé le candidat" in problems[0]


def test_composition_problems_conflict_with_a_candidate_not_presented_is_no_problem(world):
    deliberation = world.deliberation()
    world.compose(deliberation)
    elsewhere = world.enrol(seat=False)
    declare_conflict(
        actor=world.admin,
        person=world.jurors["lead"],
        candidate=elsewhere.candidate,
        nature="Tuteur de stage",
    )

    assert problems_of(world, deliberation) == []


def test_composition_problems_a_route_without_composition_is_reported(world):
    # seed 003: « Par candidature individuelle X - - »: the certifier must set the rule, nothing is guessed.
    route = AccessRouteFactory(
        certification=world.certification,
        route=AccessRoute.Route.CANDIDATURE_INDIVIDUELLE,
        label="Par candidature individuelle",
        jury_rules=None,
    )
    enrolment = world.enrol(route=route)
    deliberation = world.deliberation()
    world.compose(deliberation)

    problems = problems_of(world, deliberation, [*world.enrolments, enrolment])

    assert len(problems) == 1
    assert "Par candidature individuelle" in problems[0]


def test_composition_problems_a_problem_shared_by_two_routes_is_said_once(world):
    # seed 003 states the same composition for every route: one problem, the routes it concerns.
    deliberation = world.deliberation()
    world.compose(deliberation, lead=None)
    vae = world.enrol(route=world.vae_route)

    problems = [p for p in problems_of(world, deliberation, [*world.enrolments, vae]) if "members" in p]

    assert len(problems) == 1
    assert world.route.label in problems[0]
    assert world.vae_route.label in problems[0]


def test_composition_problems_no_candidate_presented(world):
    deliberation = world.deliberation()
    world.compose(deliberation)

    assert problems_of(world, deliberation, []) == ["No candidate is presented to this deliberation."]


def test_composition_problems_only_shown_stores_nothing(world):
    # Reading a page that shows the check must not write; opening stores the rule it read.
    deliberation = world.deliberation()
    world.compose(deliberation)

    problems = composition_problems(deliberation=deliberation, enrolments=world.enrolments)

    assert problems == []
    assert not CompositionRule.objects.exists()
    assert not AuditLogEntry.objects.filter(action="jury.rule_read").exists()
