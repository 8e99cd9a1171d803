"""Layout detection and the single entry point ``read_document``."""

import json

import pytest

from certiflow.frameworks.importers import detect_layout, read_document
from certiflow.frameworks.importers.base import ImportRefused


@pytest.mark.parametrize(
    ("seed", "layout"), [("000", "html_table"), ("001", "pdf_text"), ("003", "rncp_fiche")]
)
def test_detect_layout_of_each_seed(seed_texts, seed, layout):
    assert detect_layout(seed_texts[seed]) == layout


def test_read_document_records_its_source(seed_texts):
    (result,) = read_document(seed_texts["003"].encode(), name="fiche.txt")

    source = result.document["source"]
    assert source["layout"] == "rncp_fiche"
    assert source["name"] == "fiche.txt"
    assert source["encoding"] == "utf-8"
    assert len(source["sha256"]) == 64


def test_read_document_refuses_a_document_in_no_layout():
    with pytest.raises(ImportRefused) as refused:
        read_document(b"Liste de courses\n- pain\n- lait\n", name="courses.txt")

    assert "none of the layouts" in str(refused.value)
    assert "courses.txt" in str(refused.value)


def test_read_document_reads_a_windows_1252_seed(seed_texts):
    raw = seed_texts["003"].replace("\u2019", "'").encode("cp1252", errors="strict")

    (result,) = read_document(raw, name="fiche-1252.txt")

    assert result.document["source"]["encoding"] == "windows-1252"
    assert result.document["code"] == "RNCP39603"


def test_read_document_reads_a_utf16_seed(seed_texts):
    (result,) = read_document(seed_texts["000"].encode("utf-16"), name="ref-utf16.txt")

    assert result.document["source"]["encoding"] == "utf-16"
    assert len(result.document["blocks"]) == 4


def test_read_document_reads_a_canonical_array():
    documents = [
        {"code": f"X{n}", "title": "T", "blocks": [{"code": "B1", "title": "b", "competencies": []}]}
        for n in (1, 2)
    ]

    results = read_document(json.dumps(documents).encode(), name="export.json")

    assert [r.document["code"] for r in results] == ["X1", "X2"]
