"""The demo builder's pieces: its pure helpers, its référentiel, and its refusals."""

import pytest
from django.contrib.auth import get_user_model
from hypothesis import given
from hypothesis import strategies as st

from certiflow.assessment.domain.demo import (
    BASE_CODE,
    DEMO_CODE,
    build_demo,
    choose_evaluator,
    collective_criteria_of,
    demo_document,
    email_for,
    group_sizes,
    luhn_complete,
)
from certiflow.assessment.models import Session
from certiflow.common.domain.errors import Refused
from certiflow.frameworks.importers.canonical import validate_canonical
from certiflow.frameworks.models import Criterion


def luhn_valid(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_luhn_complete_makes_a_valid_14_digit_siret(base):
    siret = luhn_complete(base)

    assert len(siret) == 14
    assert siret.startswith(base)
    assert luhn_valid(siret)


def test_email_for_drops_accents_spaces_and_keeps_the_french_pattern():
    assert email_for("Hélène", "Lefèvre") == "helene.lefevre@exemple.fr"
    assert email_for("Aïcha", "Ben Saïd") == "aicha.ben-said@exemple.fr"
    assert email_for("Maël", "Le Goff") == "mael.le-goff@exemple.fr"


@given(st.integers(min_value=2, max_value=400))
def test_group_sizes_cover_everyone_in_groups_of_three_or_four(count):
    sizes = group_sizes(count)

    assert sum(sizes) == count
    assert all(2 <= size <= 4 for size in sizes)
    if count >= 6:
        assert all(size in (3, 4) for size in sizes)


@given(
    evaluators=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=6, unique=True),
    candidates=st.lists(st.integers(min_value=100, max_value=110), min_size=1, max_size=4),
    conflicts=st.sets(
        st.tuples(st.integers(min_value=1, max_value=8), st.integers(min_value=100, max_value=110))
    ),
    loads=st.dictionaries(st.integers(min_value=1, max_value=8), st.integers(min_value=0, max_value=20)),
    exclude=st.lists(st.integers(min_value=1, max_value=8), max_size=2),
)
def test_choose_evaluator_never_picks_a_conflicted_or_excluded_evaluator(
    evaluators, candidates, conflicts, loads, exclude
):
    chosen = choose_evaluator(
        evaluators=evaluators, candidate_ids=candidates, conflicts=conflicts, load=loads, exclude=exclude
    )

    free = [e for e in evaluators if e not in exclude and not any((e, c) in conflicts for c in candidates)]
    if not free:
        assert chosen is None
    else:
        assert chosen in free
        assert loads.get(chosen, 0) == min(loads.get(e, 0) for e in free)


def test_collective_criteria_are_those_naming_the_team_else_the_last():
    team = Criterion(code="E6.3", text="Le dossier produit en équipe est complet.")
    alone = [Criterion(code="E1.1", text="Analyse pertinente."), Criterion(code="E1.2", text="Oral clair.")]

    assert collective_criteria_of([*alone, team]) == [team]
    assert collective_criteria_of(alone) == [alone[-1]]


def test_demo_document_is_valid_and_gives_every_competency_a_criterion():
    document = demo_document()

    validate_canonical(document)
    assert document["code"] == DEMO_CODE
    assert "démonstration" in document["title"]
    assert "statistics" not in document
    for block in document["blocks"]:
        linked = {code for a in block["assessments"] for c in a["criteria"] for code in c["competencies"]}
        assert linked == {c["code"] for c in block["competencies"]}
        assert all(a["criteria"] for a in block["assessments"])
    collective = [a["code"] for b in document["blocks"] for a in b["assessments"] if a["collective"]]
    assert collective == ["E6"]
    assert any("illustratifs" in warning for warning in document["warnings"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"candidates": 3}, "between"),
        ({"password": "court"}, "too weak"),
        ({"stage": "enrolled", "publish": True}, "Only graded"),
        ({"stage": "deliberated"}, "Unknown stage"),
    ],
)
def test_build_demo_refuses_bad_options_and_writes_nothing(db, options, message):
    with pytest.raises(Refused, match=message):
        build_demo(**{"stage": "graded", **options})

    assert not get_user_model().objects.exists()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_build_demo_never_changes_the_seed_fiche():
    report = build_demo(stage="enrolled", candidates=6)

    assert report.framework.certification.code == DEMO_CODE
    real = Criterion.objects.filter(framework__certification__code=BASE_CODE)
    assert not real.exists()
    assert report.framework.certification.access_routes.count() == 6
    assert report.framework.certification.prerequisites["entry"]
