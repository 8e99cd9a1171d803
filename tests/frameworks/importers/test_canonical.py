"""The canonical JSON: what validation accepts and how it names what is wrong."""

import copy
import json

import pytest

from certiflow.frameworks.importers.base import ImportRefused
from certiflow.frameworks.importers.canonical import parse_canonical, validate_canonical

VALID = {
    "code": "RNCP1",
    "title": "Titre",
    "blocks": [
        {
            "code": "RNCP1BC01",
            "title": "Bloc",
            "activities": [{"code": "A1", "text": "Activité"}],
            "competencies": [{"code": "C1", "text": "Compétence", "activities": ["A1"]}],
            "assessments": [
                {
                    "code": "E1",
                    "title": "Épreuve",
                    "kind": "case_study",
                    "competencies": ["C1"],
                    "criteria": [{"code": "E1.1", "text": "Critère", "competencies": ["C1"]}],
                }
            ],
        }
    ],
}


def broken(path, value):
    document = copy.deepcopy(VALID)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


def test_validate_accepts_a_valid_document():
    validate_canonical(VALID)


@pytest.mark.parametrize(
    ("document", "where"),
    [
        (broken(["title"], ""), "title"),
        (broken(["code"], "RNCP 1"), "code"),
        (broken(["level"], 9), "level"),
        (broken(["valid_until"], "01-10-2026"), "valid_until"),
        (broken(["blocks"], []), "blocks"),
        (
            broken(["blocks", 0, "competencies", 0, "activities"], ["A9"]),
            "blocks[0].competencies[0].activities",
        ),
        (
            broken(["blocks", 0, "assessments", 0, "criteria", 0, "competencies"], ["C2"]),
            "criteria[0].competencies",
        ),
        (broken(["blocks", 0, "assessments", 0, "kind"], "quiz"), "assessments[0].kind"),
        (broken(["rules"], {"competency_policy": "vote"}), "rules.competency_policy"),
    ],
)
def test_validate_names_the_path_of_the_problem(document, where):
    with pytest.raises(ImportRefused) as refused:
        validate_canonical(document)

    assert where in str(refused.value)


def test_validate_refuses_duplicated_codes():
    document = copy.deepcopy(VALID)
    document["blocks"][0]["competencies"].append({"code": "C1", "text": "Encore"})

    with pytest.raises(ImportRefused, match=r"C1 is already used at blocks\[0\]\.competencies\[0\]"):
        validate_canonical(document)


def test_parse_canonical_refuses_malformed_json_with_its_line():
    text = json.dumps(VALID, indent=2).replace('"Titre"', '"Titre",', 1)

    with pytest.raises(ImportRefused) as refused:
        parse_canonical(text)

    assert refused.value.line == 3


def test_parse_canonical_refuses_an_empty_array():
    with pytest.raises(ImportRefused, match="empty"):
        parse_canonical("[]")
