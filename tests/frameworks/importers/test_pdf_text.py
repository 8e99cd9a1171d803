"""The PDF-text importer (layout of seed 001), on the seed, on unseen documents and on generated ones."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from certiflow.frameworks.importers import pdf_text
from certiflow.frameworks.importers.base import ImportRefused, ParseResult, detect_modes
from certiflow.frameworks.importers.canonical import validate_canonical

DOCUMENTS = Path(__file__).parent / "documents"

#: The page header of the layout, as the PDF extraction gives it before each bloc.
HEADER = "\n".join(
    [
        "Référentiels d’activités, de compétences et d’évaluation  ",
        " ",
        "",
        "REFERENTIEL D’ACTIVITES ",
        "décrit les situations de travail et les ",
        "",
        "activités exercées, les métiers ou ",
        "emplois visés ",
        "",
        "REFERENTIEL DE COMPETENCES ",
        "identifie les compétences et les ",
        "",
        "connaissances, y compris transversales, qui ",
        "découlent du référentiel d’activités ",
        "",
        "REFERENTIEL D’EVALUATION ",
        "définit les critères et les modalités d'évaluation des acquis ",
        "",
        "MODALITÉS D’ÉVALUATION CRITÈRES D’ÉVALUATION ",
        "",
    ]
)
HEADER_FRAGMENTS = (
    "Référentiels d’activités",
    "REFERENTIEL",
    "décrit les situations de travail",
    "identifie les compétences et les",
    "définit les critères et les modalités",
    "MODALITÉS D’ÉVALUATION",
    "CRITÈRES D’ÉVALUATION",
)


def parse(text: str, *, name: str = "document") -> ParseResult:
    with translation.override("en"):
        return pdf_text.parse(text, name=name)


def read_document(name: str) -> str:
    return (DOCUMENTS / f"pdf_text_{name}.txt").read_text(encoding="utf-8")


def codes_of(result: ParseResult) -> Counter[str]:
    return Counter(issue.code for issue in result.issues)


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


def by_code(items: list[dict]) -> dict[str, dict]:
    return {item["code"]: item for item in items}


@pytest.fixture(scope="module")
def seed_001(seed_texts: dict[str, str]) -> ParseResult:
    return parse(seed_texts["001"], name="001_c459e45e6be1a8f1.txt")


@pytest.fixture(scope="module")
def seed_001_blocks(seed_001: ParseResult) -> list[dict]:
    return seed_001.document["blocks"]


# --- looks_like ---------------------------------------------------------------------------------


def test_looks_like_recognises_seed_001(seed_texts):
    # Arrange
    text = seed_texts["001"]

    # Act
    recognised = pdf_text.looks_like(text)

    # Assert
    assert recognised is True


@pytest.mark.parametrize("seed", ["000", "003"])
def test_looks_like_rejects_the_other_seeds(seed_texts, seed):
    # Arrange
    text = seed_texts[seed]

    # Act
    recognised = pdf_text.looks_like(text)

    # Assert
    assert recognised is False


@pytest.mark.parametrize("name", ["explicit_links", "numbering", "two_modalities"])
def test_looks_like_recognises_unseen_documents_of_the_layout(name):
    # Arrange
    text = read_document(name)

    # Act
    recognised = pdf_text.looks_like(text)

    # Assert
    assert recognised is True


def test_looks_like_rejects_tab_separated_html_cells():
    # Arrange
    text = (
        "<b>BLOC DE COMPÉTENCES 1 : Titre</b>\t\t\t\n"
        "BLOC DE COMPÉTENCES 1 : Titre\n"
        "<p>C1. Faire</p>\t<p>x</p>\t\t\n"
    )

    # Act
    recognised = pdf_text.looks_like(text)

    # Assert
    assert recognised is False


# --- seed 001 ------------------------------------------------------------------------------------


def test_parse_seed_001_reads_title_version_and_leaves_the_code_open(seed_001):
    # Arrange
    document = seed_001.document

    # Act
    header = (document["code"], document["title"], document["version"], document["level"])

    # Assert
    assert header == (None, "Manager de l’ingénierie culturelle", "2024", None)
    assert seed_001.layout == "pdf_text"
    assert document["certifiers"] == []
    assert document["rules"] == {"competency_policy": "all_criteria"}
    assert document["source"] == {"layout": "pdf_text", "name": "001_c459e45e6be1a8f1.txt"}
    assert list(document) == [
        "code",
        "title",
        "version",
        "level",
        "certifiers",
        "rules",
        "blocks",
        "source",
        "warnings",
    ]


def test_parse_seed_001_finds_three_generated_blocs_with_exact_titles(seed_001_blocks):
    # Arrange
    expected = [
        ("BC01", "Concevoir la direction artistique d’un projet culturel."),
        ("BC02", "Définir les stratégies marketing et de communication d’un projet culturel."),
        ("BC03", "Encadrer et superviser la gestion d’un projet culturel."),
    ]

    # Act
    found = [(block["code"], block["title"]) for block in seed_001_blocks]

    # Assert
    assert found == expected
    assert all(block["generated"] is True for block in seed_001_blocks)


def test_parse_seed_001_keeps_the_bloc_context_as_description(seed_001_blocks):
    # Arrange
    first, _second, third = seed_001_blocks

    # Act
    descriptions = (first["description"], third["description"])

    # Assert
    assert descriptions[0].startswith(
        "Dans le cadre d'une institution (centre culturel, centre d'art, musée,"
    )
    assert descriptions[0].endswith(
        "le Manager de l’ingénierie culturelle analyse le contexte dans lequel s’inscrit le projet avant de "
        "définir une politique culturelle ou une programmation artistique innovante."
    )
    assert descriptions[1] == (
        "En France ou à l’international, le manager de l’ingénierie culturelle pilote, assume les "
        "responsabilités financières, administratives et managériales d’un projet culturel complexe."
    )


def test_parse_seed_001_counts_activities_competencies_and_criteria_per_bloc(seed_001_blocks):
    # Arrange
    expected = [
        (["A1", "A2"], ["C1", "C2", "C3", "C4"], 13),
        (["A3", "A4", "A5"], ["C5", "C6", "C7", "C8", "C9", "C10"], 17),
        (["A6", "A7", "A8"], ["C11", "C12", "C13", "C14", "C15", "C16"], 20),
    ]

    # Act
    found = [
        (
            [a["code"] for a in block["activities"]],
            [c["code"] for c in block["competencies"]],
            sum(len(e["criteria"]) for e in block["assessments"]),
        )
        for block in seed_001_blocks
    ]

    # Assert
    assert found == expected
    assert [len(block["assessments"]) for block in seed_001_blocks] == [1, 1, 1]


def test_parse_seed_001_reads_activity_texts_exactly_with_their_typos(seed_001_blocks):
    # Arrange
    activities = by_code([a for block in seed_001_blocks for a in block["activities"]])

    # Act
    texts = {code: activities[code]["text"] for code in ("A1", "A2", "A4", "A6", "A7", "A8")}

    # Assert
    assert texts == {
        "A1": "Définition de l’orientation artistique d’un projet culturel en s’appuyant sur une veille "
        "permanente.",
        "A2": "Sélection des artistes et des œuvres en faorisant le diversité et validation de la direction "
        "artisitque du projet.",
        "A4": "Développement d’une stratégie de communication éthique et inclusive pour valoriser le projet "
        "culturel.",
        "A6": "Définition et pilotage de la stratégie financière et juridique d’un projet culturel, en "
        "intégrant les spécificités d’un environnement changeant.",
        "A7": "Organisation et optimisation des ressources humaines (RH) moblisées autour d’un projet "
        "culturel (équipes internes, partenaires, prestataires…) dans un contexte évolutif.",
        "A8": "Déploiement d’indicateurs de suivi liés à la gestion financière, juridique et des ressources "
        "humaines d’un projet culturel.",
    }
    assert all("generated" not in a for a in activities.values())


def test_parse_seed_001_reads_competency_texts_exactly_across_empty_lines(seed_001_blocks):
    # Arrange
    competencies = by_code([c for block in seed_001_blocks for c in block["competencies"]])

    # Act
    texts = {code: competencies[code]["text"] for code in ("C1", "C3", "C4", "C10", "C11", "C16")}

    # Assert
    assert texts == {
        "C1": "Réaliser une veille artistique et culturelle, en mobilisant notamment les technologies "
        "numériques et d’IA pertinentes, afin de pouvoir formuler une recommandation artistique "
        "innovante, dans le respect des besoins et des enjeux du projet formulés par le commanditaire.",
        "C3": "Sélectionner des artistes et des œuvres en cohérence avec la direction artistique définie, en "
        "favorisant la diversité des expressions artistiques et culturelles , afin d’attirer du public et "
        "d’obtenir une forte résonance médiatique.",
        "C4": "Défendre les choix artistiques réalisés en vue de convaincre sa direction et/ou un comité "
        "artistique en s’appuyant sur des critères préalablement définis et en valorisant différentes formes "
        "de création.",
        "C10": "Ajuster les stratégies sur la base de l’analyse des résultats (KPI) pour maximiser "
        "l'attractivité, la visibilité, l’engagement et l’impact RSE du projet.",
        "C11": "Définir le modèle économique « hybride » et le cadre budgétaire d’un projet culturel "
        "mobilisant les financements adaptés, afin de garantir la faisabilité et la viabilité du projet "
        "dans un environnement en mutation.",
        "C16": "Ajuster les stratégies mises en œuvre pour garantir la viabilité économique, la conformité "
        "juridique et l’efficience du projet culturel à long terme.",
    }


def test_parse_seed_001_links_each_competency_to_every_activity_of_its_bloc(seed_001_blocks):
    # Arrange
    first, second, _third = seed_001_blocks

    # Act
    links = [c["activities"] for c in first["competencies"]] + [
        c["activities"] for c in second["competencies"]
    ]

    # Assert
    assert links == [["A1", "A2"]] * 4 + [["A3", "A4", "A5"]] * 6


def test_parse_seed_001_reads_the_modality_of_each_bloc(seed_001_blocks):
    # Arrange
    assessments = [block["assessments"][0] for block in seed_001_blocks]

    # Act
    summary = [
        (e["code"], e["generated"], e["title"], e["kind"], e["individual"], e["oral"]) for e in assessments
    ]

    # Assert
    assert summary == [
        ("E1", True, "Mise en situation professionnelle réelle.", "real_situation", True, True),
        (
            "E2",
            True,
            "Mise en situation professionnelle simulée- Etude de cas.",
            "simulated_situation",
            True,
            True,
        ),
        (
            "E3",
            True,
            "Mise en situation professionnelle simulée- Etude de cas.",
            "simulated_situation",
            True,
            True,
        ),
    ]
    assert [e["competencies"] for e in assessments] == [
        ["C1", "C2", "C3", "C4"],
        ["C5", "C6", "C7", "C8", "C9", "C10"],
        ["C11", "C12", "C13", "C14", "C15", "C16"],
    ]


def test_parse_seed_001_keeps_the_modality_description_with_its_sub_items(seed_001_blocks):
    # Arrange
    first, second, third = (block["assessments"][0] for block in seed_001_blocks)

    # Act
    descriptions = (first["description"], second["description"], third["description"])

    # Assert
    assert descriptions[0] == (
        "Organisation d’un événement artistique et culturel avec : o Définition d’une direction artistique ; "
        "o Programmation d’artistes émergents (art, musique, spectacle vivant, cinéma)."
    )
    assert descriptions[1].startswith("À partir du brief détaillé d’un projet culturel (festival")
    assert descriptions[1].endswith("intégrant l’utilisation d’outils d’intelligence artificielle :")
    assert descriptions[2].startswith("À partir d’un brief d’une entreprise culturelle innovante")
    assert descriptions[2].endswith("l’analyse des données et l’organisation du travail.")


def test_parse_seed_001_reads_each_deliverable_with_its_bullets(seed_001_blocks):
    # Arrange
    first, second, third = (block["assessments"][0] for block in seed_001_blocks)

    # Act
    deliverables = (first["deliverables"], second["deliverables"], third["deliverables"])

    # Assert
    assert deliverables[0] == [
        "Elaboration collectif d’un dossier artistique intégrant : • Une veille artistique et culturelle "
        "avec l’utilisation d’outils numériques et d’IA. • Une note d’intention décrivant l’identité de "
        "l’événement, la direction artistique, les objectifs et l’impact attendu pour le public. • Une "
        "sélection d’œuvres et d’artistes basée sur des critères définis.",
        "Production individuelle d’une note de synthèse et restitution orale individuelle: • Résumé des "
        "éléments essentiels du dossier artistique • Présentation des principaux enseignements de la veille "
        "et de la direction artistique. • Argumentation et défense du choix d’un artiste sélectionné dans le "
        "cadre de la programmation.",
    ]
    assert len(deliverables[1]) == 2
    assert deliverables[1][1] == "Présentation orale individuelle."
    assert deliverables[2] == [
        "Production individuelle d’une note stratégique intégrant : • Une stratégie financière et "
        "juridique ; • Une stratégie RH détaillée ; • Des indicateurs de suivi (KPI) et et un plan "
        "d’amélioration continu.",
        "Présentation orale individuelle.",
    ]


def test_parse_seed_001_joins_wrapped_criteria_exactly(seed_001_blocks):
    # Arrange
    criteria = by_code([k for block in seed_001_blocks for e in block["assessments"] for k in e["criteria"]])

    # Act
    texts = {code: criteria[code]["text"] for code in ("E1.1", "E1.4", "E1.11", "E1.13", "E2.16", "E3.18")}

    # Assert
    assert texts == {
        "E1.1": "Les informations collectées via le processus de veille sont pertinentes, diversifiées et "
        "fiables (concurrence, infrastructures, tendances artistiques, publics cibles…)",
        "E1.4": "Les besoins et les enjeux du projet sont recuueillis et intégrés.",
        "E1.11": "La programmation artistique générale proposée est argumentée",
        "E1.13": "Des connaissances esthétiques, des références artistiques, des outils, sont mobilisées de "
        "manière pertinentes.",
        "E2.16": "Les ajustements proposés permettent de maximiser l’impact des stratégies marketing et de "
        "communicaiton.",
        "E3.18": "L’analyse des indicateurs permet de détecter les écarts avec les objectifs stratégiques du "
        "projet et d’ajuster les stratégies financières, juridiques et managériales.",
    }
    assert all(k["generated"] is True for k in criteria.values())


def test_parse_seed_001_links_every_criterion_to_every_competency_of_its_bloc(seed_001_blocks):
    # Arrange
    blocks = seed_001_blocks

    # Act
    mismatched = [
        criterion["code"]
        for block in blocks
        for assessment in block["assessments"]
        for criterion in assessment["criteria"]
        if criterion["competencies"] != [c["code"] for c in block["competencies"]]
    ]

    # Assert
    assert mismatched == []


def test_parse_seed_001_warns_that_the_paragraph_links_cannot_be_decided(seed_001):
    # Arrange
    ambiguous = [issue for issue in seed_001.issues if issue.code == "ambiguous_link"]

    # Act
    criteria_warnings = [(i.line, i.message) for i in ambiguous if "criteria in" in i.message]

    # Assert
    assert len(ambiguous) == 6
    assert [line for line, _message in criteria_warnings] == [129, 312, 490]
    assert criteria_warnings[0][1].startswith(
        "bloc BC01: 13 criteria in 3 paragraphs for 4 competencies (C1–C4): which criterion evaluates which "
        "competency cannot be decided; each criterion is linked to every competency of the bloc."
    )
    assert "17 criteria in 1 paragraph for 6 competencies (C5–C10)" in criteria_warnings[1][1]
    assert "20 criteria in 3 paragraphs for 6 competencies (C11–C16)" in criteria_warnings[2][1]


def test_parse_seed_001_raises_only_the_link_warnings(seed_001):
    # Arrange
    document = seed_001.document

    # Act
    codes = codes_of(seed_001)

    # Assert
    assert codes == Counter({"ambiguous_link": 6})
    assert document["warnings"] == [str(issue) for issue in seed_001.issues]


def test_parse_seed_001_keeps_the_page_header_out_of_every_text(seed_001):
    # Arrange
    texts = [*strings_in(seed_001.document["blocks"]), seed_001.document["title"]]

    # Act
    leaks = [text for text in texts for fragment in HEADER_FRAGMENTS if fragment in text]

    # Assert
    assert leaks == []


def test_parse_seed_001_output_is_valid_canonical_json(seed_001):
    # Arrange
    document = seed_001.document

    # Act
    validate_canonical(document)

    # Assert
    assert document["blocks"]


# --- unseen documents of the same layout -------------------------------------------------------


def test_parse_explicit_links_document_links_each_paragraph_to_its_competency():
    # Arrange
    text = read_document("explicit_links")

    # Act
    result = parse(text)

    # Assert
    document = result.document
    validate_canonical(document)
    assert (document["code"], document["title"], document["version"]) == (
        "RNCP12345",
        "Chargé de projets numériques culturels",
        "2025",
    )
    first, second = document["blocks"]
    assert [(k["text"], k["competencies"]) for k in first["assessments"][0]["criteria"]] == [
        ("Les besoins des publics sont identifiés.", ["C1"]),
        ("Les équipes sont consultées.", ["C1"]),
        ("Le planning est réaliste et tient compte du budget.", ["C2"]),
    ]
    assert [(k["code"], k["competencies"]) for k in second["assessments"][0]["criteria"]] == [
        ("E2.1", ["C3"]),
        ("E2.2", ["C4"]),
        ("E2.3", ["C4"]),
        ("E2.4", ["C5"]),
    ]


def test_parse_explicit_links_document_reads_other_separators():
    # Arrange
    text = read_document("explicit_links")

    # Act
    result = parse(text)

    # Assert
    first, second = result.document["blocks"]
    assert first["activities"] == [
        {"code": "A1", "text": "Pilotage d’un projet de numérisation des collections."}
    ]
    assert [(c["code"], c["text"]) for c in first["competencies"]] == [
        ("C1", "Analyser les besoins des publics et des équipes afin de cadrer le projet."),
        ("C2", "Planifier les étapes du projet en tenant compte des contraintes budgétaires."),
    ]
    assert [a["text"] for a in second["activities"]] == [
        "Animation des réseaux sociaux.",
        "Modération des échanges avec les publics.",
    ]
    assert [c["code"] for c in second["competencies"]] == ["C3", "C4", "C5"]
    assert second["competencies"][2]["text"] == "Mesurer l’audience des publications."


def test_parse_explicit_links_document_reads_titles_descriptions_and_modalities():
    # Arrange
    text = read_document("explicit_links")

    # Act
    result = parse(text)

    # Assert
    first, second = result.document["blocks"]
    assert first["title"] == "Piloter un projet numérique culturel."
    assert first["description"] == (
        "Au sein d’une structure culturelle, le chargé de projets conduit la transformation numérique des "
        "collections."
    )
    case_study = first["assessments"][0]
    assert (case_study["title"], case_study["kind"], case_study["individual"]) == (
        "Étude de cas.",
        "case_study",
        True,
    )
    assert (
        case_study["description"]
        == "À partir d’un cahier des charges, le candidat rédige une note de cadrage."
    )
    assert case_study["deliverables"] == [
        "Note de cadrage individuelle comprenant : • Une analyse des besoins ; • Un planning."
    ]
    real = second["assessments"][0]
    assert (real["code"], real["kind"], real["individual"], real["collective"]) == (
        "E2",
        "real_situation",
        False,
        True,
    )


def test_parse_explicit_links_document_warns_only_about_the_bloc_with_several_activities():
    # Arrange
    text = read_document("explicit_links")

    # Act
    result = parse(text)

    # Assert
    assert codes_of(result) == Counter({"ambiguous_link": 1})
    assert result.issues[0].message.startswith("bloc BC02: 2 activities (A2, A3) for 3 competencies (C3–C5)")
    first, second = result.document["blocks"]
    assert [c["activities"] for c in first["competencies"]] == [["A1"], ["A1"]]
    assert [c["activities"] for c in second["competencies"]] == [["A2", "A3"]] * 3


def test_parse_numbering_document_refuses_its_duplicated_code():
    # Arrange
    text = read_document("numbering")

    # Act
    with pytest.raises(ImportRefused) as refused:
        parse(text)

    # Assert
    assert refused.value.line == 75
    assert "C3 appears twice (first on line" in str(refused.value)


def test_parse_numbering_document_warns_about_gaps():
    # Arrange
    text = read_document("numbering").replace("C3. Régler le son", "C5. Régler le son")

    # Act
    result = parse(text)

    # Assert
    validate_canonical(result.document)
    first, third = result.document["blocks"]
    assert [b["code"] for b in result.document["blocks"]] == ["BC01", "BC03"]
    assert [a["code"] for a in first["activities"] + third["activities"]] == ["A1", "A2", "A4"]
    assert [c["code"] for c in first["competencies"]] == ["C1", "C2", "C3"]
    assert third["competencies"][0] == {
        "code": "C5",
        "text": "Régler le son et la lumière.",
        "activities": ["A4"],
    }
    assert third["assessments"][0]["criteria"][0]["competencies"] == ["C5"]
    issues = {(issue.code, issue.line) for issue in result.issues}
    assert {
        ("no_version", 2),
        ("unreadable", 4),
        ("numbering_gap", 69),
        ("numbering_gap", 72),
        ("unknown_kind", 79),
        ("undetermined_mode", 79),
    } <= issues


def test_parse_numbering_document_names_what_is_missing():
    # Arrange
    text = read_document("numbering").replace("C3. Régler le son", "C5. Régler le son")

    # Act
    result = parse(text)

    # Assert
    warnings = result.document["warnings"]
    assert "line 72: Activity numbering jumps from A2 to A4: A3 missing in the document." in warnings
    assert "line 69: Bloc numbering jumps from 1 to 3: 2 missing in the document." in warnings
    assert any(w.startswith("line 4: ") and "Document de travail, ne pas diffuser" in w for w in warnings)
    assert result.document["title"] == "Régisseur de spectacle"
    assert result.document["version"] is None
    assert result.document["blocks"][1]["assessments"][0]["kind"] == "other"


def test_parse_two_modalities_in_one_bloc_splits_their_criteria():
    # Arrange
    text = read_document("two_modalities")

    # Act
    result = parse(text)

    # Assert
    validate_canonical(result.document)
    (block,) = result.document["blocks"]
    first, second = block["assessments"]
    assert (first["code"], first["title"], first["kind"]) == ("E1", "Étude de cas.", "case_study")
    assert (second["code"], second["title"], second["kind"]) == (
        "E2",
        "Soutenance orale individuelle.",
        "oral",
    )
    assert second["description"] == "Présentation devant le jury."
    assert [(k["code"], k["competencies"]) for k in first["criteria"]] == [("E1.1", ["C1"]), ("E1.2", ["C2"])]
    assert [(k["text"], k["competencies"]) for k in second["criteria"]] == [
        ("La présentation est claire.", ["C1", "C2"]),
        ("Les questions du jury reçoivent une réponse.", ["C1", "C2"]),
    ]
    assert codes_of(result) == Counter({"ambiguous_link": 1})


def test_parse_criterion_before_any_modality_is_kept_and_warned():
    # Arrange
    text = "BLOC DE COMPÉTENCES 1 : Titre.\n \nA1. Activité.\n\nC1. Compétence.\n\n- Critère orphelin.\n"

    # Act
    result = parse(text)

    # Assert
    validate_canonical(result.document)
    (assessment,) = result.document["blocks"][0]["assessments"]
    assert (assessment["title"], assessment["kind"]) == ("E1", "other")
    assert assessment["criteria"] == [
        {"code": "E1.1", "generated": True, "text": "Critère orphelin.", "competencies": ["C1"]}
    ]
    assert ("orphan_criterion", 7) in {(issue.code, issue.line) for issue in result.issues}


def test_parse_modality_without_heading_is_warned():
    # Arrange
    text = (
        "BLOC DE COMPÉTENCES 1 : Titre.\n \nA1. Activité.\n\nC1. Compétence.\n\n"
        "Modalité : oral.\n- Critère.\n"
    )

    # Act
    result = parse(text)

    # Assert
    (assessment,) = result.document["blocks"][0]["assessments"]
    assert (assessment["title"], assessment["kind"], assessment["description"]) == ("E1", "other", "oral.")
    assert result.document["blocks"][0]["competencies"][0]["text"] == "Compétence."
    assert {"no_modality_heading", "unknown_kind"} <= set(codes_of(result))


def test_parse_heading_glued_to_the_last_competency_is_split_and_warned():
    # Arrange
    text = (
        "BLOC DE COMPÉTENCES 1 : Titre.\n \nA1. Activité.\n\nC1. Compétence sans point\n"
        "Mise en situation professionnelle\nréelle.\n\nModalité : faire.\n- Critère.\n"
    )

    # Act
    result = parse(text)

    # Assert
    block = result.document["blocks"][0]
    assert block["competencies"][0]["text"] == "Compétence sans point"
    assert block["assessments"][0]["title"] == "Mise en situation professionnelle réelle."
    assert ("uncertain_boundary", 6) in {(issue.code, issue.line) for issue in result.issues}


def test_parse_page_header_inside_a_criterion_is_skipped():
    # Arrange
    text = (
        "BLOC DE COMPÉTENCES 1 : Titre.\n \nA1. Activité.\n\nC1. Compétence.\n \nÉtude de cas.\n"
        "- Les besoins sont\n" + HEADER + "\nrecueillis.\n- Autre critère.\n"
    )

    # Act
    result = parse(text)

    # Assert
    criteria = result.document["blocks"][0]["assessments"][0]["criteria"]
    assert [k["text"] for k in criteria] == ["Les besoins sont recueillis.", "Autre critère."]


def test_parse_without_title_line_warns_missing_title_and_version():
    # Arrange
    text = (
        "BLOC DE COMPÉTENCES 1 : Titre.\n \nA1. Activité.\n\nC1. Compétence.\n \nÉtude de cas.\n- Critère.\n"
    )

    # Act
    result = parse(text)

    # Assert
    assert result.document["title"] is None
    assert {"missing_title", "no_version"} <= set(codes_of(result))


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        ("\n\nNothing here but words.\nAnd more words.\n", 3),
        ("%PDF-1.7\n1 0 obj << /Type /Catalog >>\nendobj\n", 1),
    ],
)
def test_parse_refuses_text_without_bloc_heading(text, line):
    # Arrange
    document = text

    # Act
    with pytest.raises(ImportRefused) as refused:
        parse(document)

    # Assert
    assert refused.value.line == line
    assert refused.value.hint


def test_parse_refuses_a_bloc_heading_followed_by_nothing(seed_texts):
    # Arrange
    text = "\n".join(seed_texts["001"].split("\n")[:389])  # cut right after "BLOC DE COMPÉTENCES 3 :"

    # Act
    with pytest.raises(ImportRefused) as refused:
        parse(text)

    # Assert
    assert refused.value.line == 389
    assert "truncated" in refused.value.message
    assert refused.value.hint


def test_parse_refuses_a_bloc_without_competencies(seed_texts):
    # Arrange
    text = "\n".join(seed_texts["001"].split("\n")[:418])  # cut after the activities of bloc 3

    # Act
    with pytest.raises(ImportRefused) as refused:
        parse(text)

    # Assert
    assert refused.value.line == 389
    assert "no competency" in refused.value.message


# --- generated référentiels --------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzéèêàâçôûùœ"
_HEADINGS = {
    "Mise en situation professionnelle réelle.": "real_situation",
    "Mise en situation professionnelle simulée- Etude de cas.": "simulated_situation",
    "Étude de cas.": "case_study",
    "Projet professionnel.": "professional_project",
    "Soutenance orale.": "oral",
}
_SEPARATORS = (". ", ".  ", " - ", " -  ", " – ", " : ")


@st.composite
def texts(draw, min_words: int = 1, max_words: int = 18) -> str:
    words = draw(
        st.lists(st.text(alphabet=_LETTERS, min_size=1, max_size=11), min_size=min_words, max_size=max_words)
    )
    text = words[0][0].upper() + words[0][1:]
    for word in words[1:]:
        text += draw(st.sampled_from([" ", " ", " ", ", "])) + word
    return text + draw(st.sampled_from(["", "."]))


@st.composite
def referentiels(draw) -> dict:
    blocs = []
    for _ in range(draw(st.integers(1, 4))):
        competencies = draw(st.lists(texts(), min_size=1, max_size=5))
        group_count = draw(st.one_of(st.just(len(competencies)), st.integers(1, 5)))
        blocs.append(
            {
                "title": draw(texts(max_words=10)),
                "description": draw(texts()),
                "activities": draw(st.lists(texts(), min_size=1, max_size=4)),
                "competencies": competencies,
                "heading": draw(st.sampled_from(sorted(_HEADINGS))),
                "modality": draw(texts()),
                "deliverables": draw(st.lists(st.tuples(texts(), st.lists(texts(), max_size=3)), max_size=2)),
                "groups": [draw(st.lists(texts(), min_size=1, max_size=3)) for _ in range(group_count)],
            }
        )
    return {"title": draw(texts(max_words=6)), "year": draw(st.integers(1990, 2039)), "blocs": blocs}


def wrap(text: str, rng: random.Random, *, prefix: str = "", width: int = 45) -> list[str]:
    """Cut ``prefix + text`` into lines of about ``width`` characters like the PDF extraction does:
    trailing spaces here and there, and empty lines inside the paragraph."""
    lines: list[str] = []
    current = prefix
    for word in text.split(" "):
        if current.strip() and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current and not current.endswith(" ") else current + word
    lines.append(current)
    out: list[str] = []
    for index, line in enumerate(lines):
        if index and rng.random() < 0.2:
            out.append("")
        out.append(line + (" " if rng.random() < 0.5 else ""))
    return out


def render(referentiel: dict, rng: random.Random) -> str:
    lines = [
        "",
        f"Intitulé : Certification professionnelle « {referentiel['title']} » - ICART - "
        f"{referentiel['year']} ",
    ]
    activity = competency = 0
    for number, bloc in enumerate(referentiel["blocs"], start=1):
        lines += ["", *HEADER.split("\n")]
        lines += wrap(bloc["title"], rng, prefix=f"BLOC DE COMPÉTENCES {number} : ")
        lines += [" "]
        lines += [*wrap(bloc["description"], rng), " "]
        for text in bloc["activities"]:
            activity += 1
            lines += wrap(text, rng, prefix=f"A{activity}{rng.choice(_SEPARATORS)}")
            lines += rng.choice([[" "], [" ", " ", " "], [""], [" ", ""]])
        for text in bloc["competencies"]:
            competency += 1
            lines += wrap(text, rng, prefix=f"C{competency}{rng.choice(_SEPARATORS)}")
            lines += rng.choice([[" "], [" ", " "], [" ", ""]] + ([[""]] if text.endswith(".") else []))
        lines += [*wrap(bloc["heading"], rng), rng.choice(["", " "])]
        lines += [*wrap(bloc["modality"], rng, prefix="Modalité : "), rng.choice(["", " "])]
        for text, bullets in bloc["deliverables"]:
            lines += wrap(text, rng, prefix="➢ ")
            for bullet in bullets:
                lines += ["", *wrap(bullet, rng, prefix="• ")]
            lines += [rng.choice(["", " "])]
        for index, group in enumerate(bloc["groups"]):
            if index:
                lines += rng.choice([[" "], ["", " ", ""], [" ", ""]])
            for text in group:
                lines += wrap(text, rng, prefix="- ") + rng.choice([[], [""]])
    lines += ["", ""]
    return "\n".join(lines)


def modality_of(bloc: dict) -> str:
    deliverables = [
        " ".join([text, *(f"• {bullet}" for bullet in bullets)]) for text, bullets in bloc["deliverables"]
    ]
    return " ".join([bloc["heading"], bloc["modality"], *deliverables])


def expected_issue_codes(referentiel: dict) -> Counter[str]:
    expected: Counter[str] = Counter()
    for bloc in referentiel["blocs"]:
        competencies = len(bloc["competencies"])
        if len(bloc["activities"]) > 1 and competencies > 1:
            expected["ambiguous_link"] += 1
        if competencies > 1 and len(bloc["groups"]) != competencies:
            expected["ambiguous_link"] += 1
        if detect_modes(modality_of(bloc))["individual"] is None:
            expected["undetermined_mode"] += 1
    return expected


@settings(max_examples=60, deadline=None)
@given(referentiel=referentiels(), rng=st.randoms(use_true_random=False))
def test_parse_generated_referentiels_come_back_exactly(referentiel, rng):
    # Arrange
    text = render(referentiel, rng)

    # Act
    result = parse(text)

    # Assert
    document = result.document
    validate_canonical(document)
    assert pdf_text.looks_like(text)
    assert (document["title"], document["version"]) == (referentiel["title"], str(referentiel["year"]))
    assert len(document["blocks"]) == len(referentiel["blocs"])
    activity = competency = 0
    for number, (bloc, block) in enumerate(
        zip(referentiel["blocs"], document["blocks"], strict=True), start=1
    ):
        codes_a = [f"A{activity + k}" for k in range(1, len(bloc["activities"]) + 1)]
        codes_c = [f"C{competency + k}" for k in range(1, len(bloc["competencies"]) + 1)]
        activity, competency = activity + len(codes_a), competency + len(codes_c)
        assert (block["code"], block["title"], block["description"]) == (
            f"BC{number:02d}",
            bloc["title"],
            bloc["description"],
        )
        assert block["activities"] == [
            {"code": code, "text": text} for code, text in zip(codes_a, bloc["activities"], strict=True)
        ]
        assert block["competencies"] == [
            {"code": code, "text": text, "activities": codes_a}
            for code, text in zip(codes_c, bloc["competencies"], strict=True)
        ]
        (assessment,) = block["assessments"]
        assert (assessment["code"], assessment["title"], assessment["kind"]) == (
            f"E{number}",
            bloc["heading"],
            _HEADINGS[bloc["heading"]],
        )
        assert assessment["description"] == bloc["modality"]
        assert assessment["deliverables"] == [
            " ".join([text, *(f"• {bullet}" for bullet in bullets)]) for text, bullets in bloc["deliverables"]
        ]
        assert assessment["competencies"] == codes_c
        assert {
            key: assessment[key] for key in ("individual", "collective", "written", "oral")
        } == detect_modes(modality_of(bloc))
        explicit = len(bloc["groups"]) == len(codes_c)
        expected_criteria = [
            {
                "code": f"E{number}.{index}",
                "generated": True,
                "text": text,
                "competencies": [codes_c[group]] if explicit else codes_c,
            }
            for index, (group, text) in enumerate(
                ((g, t) for g, texts_ in enumerate(bloc["groups"]) for t in texts_), start=1
            )
        ]
        assert assessment["criteria"] == expected_criteria
    assert codes_of(result) == expected_issue_codes(referentiel)


def test_parse_bloc_cut_after_its_competencies_is_warned(seed_texts):
    # Arrange
    text = "\n".join(seed_texts["001"].split("\n")[:460])  # cut right after C16

    # Act
    result = parse(text)

    # Assert
    third = result.document["blocks"][2]
    assert third["assessments"] == []
    assert third["competencies"][-1]["text"].endswith("du projet culturel à long terme.")
    assert ("no_assessment", 456) in {(issue.code, issue.line) for issue in result.issues}


def test_parse_competency_without_text_gets_its_code_and_a_warning():
    # Arrange
    text = (
        "BLOC DE COMPÉTENCES 1 : Titre.\n \nA1. Activité.\n\n"
        "C1.\nC2. Deuxième.\n \nÉtude de cas.\n- Critère.\n"
    )

    # Act
    result = parse(text)

    # Assert
    validate_canonical(result.document)
    competencies = result.document["blocks"][0]["competencies"]
    assert [(c["code"], c["text"]) for c in competencies] == [("C1", "C1"), ("C2", "Deuxième.")]
    assert ("empty_text", 5) in {(issue.code, issue.line) for issue in result.issues}
