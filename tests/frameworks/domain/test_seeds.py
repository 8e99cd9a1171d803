"""The three seed certifications, checked against their documents (../shared/seeds)."""

import re

import pytest

from certiflow.frameworks.domain.seeds import (
    SEED_SOURCES,
    build_seed_document,
    load_seed_documents,
    read_seed_fixture,
)
from certiflow.frameworks.exporters.canonical_json import export_framework
from certiflow.frameworks.importers.base import normalise_space
from certiflow.frameworks.importers.canonical import document_counts
from certiflow.frameworks.models import Framework
from tests.conftest import SEEDS_DIR

BY_DOCUMENT = {source.document[:3]: source for source in SEED_SOURCES}


def readable(document_text: str) -> str:
    """The words of a document as a reader sees them: markup removed, whitespace normalised."""
    return normalise_space(re.sub(r"<[^>]+>", " ", document_text))


def texts(document):
    yield from (a["text"] for a in document["activities"])
    for block in document["blocks"]:
        yield block["title"]
        yield from (a["text"] for a in block["activities"])
        yield from (c["text"] for c in block["competencies"])
        for assessment in block["assessments"]:
            yield assessment["title"]
            yield from assessment["deliverables"]
            yield from (k["text"] for k in assessment["criteria"])


@pytest.mark.parametrize("source", SEED_SOURCES, ids=lambda s: s.fixture)
def test_seed_fixture_is_what_the_importer_produces_plus_the_review(source):
    assert read_seed_fixture(source) == build_seed_document(source, SEEDS_DIR)


@pytest.mark.parametrize("source", SEED_SOURCES, ids=lambda s: s.fixture)
def test_seed_fixture_texts_are_in_the_document_exactly(source, seed_texts):
    document = readable(seed_texts[source.document[:3]])

    missing = [text for text in texts(read_seed_fixture(source)) if text not in document]

    assert missing == []


@pytest.mark.parametrize(
    ("seed", "counts"),
    [
        ("000", {"blocks": 4, "activities": 12, "competencies": 39, "assessments": 19, "criteria": 79}),
        ("001", {"blocks": 3, "activities": 8, "competencies": 16, "assessments": 3, "criteria": 50}),
        ("003", {"blocks": 4, "activities": 21, "competencies": 22, "assessments": 6, "criteria": 0}),
    ],
)
def test_seed_fixture_counts(seed, counts):
    assert document_counts(read_seed_fixture(BY_DOCUMENT[seed])) == counts


def test_seed_003_metadata_is_the_fiches():
    document = read_seed_fixture(BY_DOCUMENT["003"])

    assert document["code"] == "RNCP39603"
    assert document["level"] == 6
    assert document["nsf"] == ["323", "323s"]
    assert document["formacodes"] == ["32135", "44067", "44035", "32096"]
    assert document["rome"] == ["L1303", "K1602", "K1206", "L1302"]
    assert document["labels"]["rome"]["L1303"] == "Promotion d''artistes et de spectacles"
    assert document["valid_until"] == "2026-10-01"
    assert document["certifiers"][0]["siret"] == "33115405400091"
    assert document["certifiers"][0]["name"] == "ECAD CONSULTANTS - IESA ART&CULTURE"
    assert document["replaces"] == ["RNCP37040"]
    assert [b["code"] for b in document["blocks"]] == [f"RNCP39603BC0{n}" for n in range(1, 5)]
    assert [len(b["competencies"]) for b in document["blocks"]] == [6, 5, 5, 6]
    assert [len(b["assessments"]) for b in document["blocks"]] == [1, 2, 1, 2]
    assert [row["year"] for row in document["statistics"]] == [2022, 2021, 2020]
    assert document["statistics"][0]["employment_rate_2y_job"] is None
    vae = next(r for r in document["access_routes"] if r["route"] == "vae")
    assert vae["jury_rules"]["members"] == 4
    assert vae["jury_rules"]["min_professional_ratio"] == 0.5


def test_seed_001_blocks_and_version():
    document = read_seed_fixture(BY_DOCUMENT["001"])

    assert (document["title"], document["version"]) == ("Manager de l’ingénierie culturelle", "2024")
    assert [b["title"] for b in document["blocks"]] == [
        "Concevoir la direction artistique d’un projet culturel.",
        "Définir les stratégies marketing et de communication d’un projet culturel.",
        "Encadrer et superviser la gestion d’un projet culturel.",
    ]


@pytest.mark.django_db
def test_loaded_seeds_export_to_their_fixtures():
    load_seed_documents()

    for source in SEED_SOURCES:
        fixture = read_seed_fixture(source)
        framework = Framework.objects.get(
            certification__code=fixture["code"], version=fixture["version"] or "1"
        )
        exported = export_framework(framework)
        for document in (exported, fixture):
            document.pop("source"), document.pop("review", None), document.pop("version")
        assert exported == fixture


@pytest.mark.django_db
def test_loading_the_seeds_twice_duplicates_nothing():
    first = load_seed_documents()

    again = load_seed_documents()

    assert all(outcome.created for outcome in first)
    assert not any(outcome.created for outcome in again)
    assert Framework.objects.count() == 3
