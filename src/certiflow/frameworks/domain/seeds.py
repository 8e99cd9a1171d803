"""The seed certifications: canonical JSON produced by the importers from the three source documents
(../shared/seeds), then reviewed. What the review added is recorded in each file's ``review`` key:
only what a document leaves to the user (a code, a version label, a title), never its content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import translation

from certiflow.frameworks.exporters.canonical_json import normal_form
from certiflow.frameworks.importers import read_document
from certiflow.frameworks.importers.base import CanonicalDocument

from .imports import ImportOutcome, import_framework, prepare_document

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


@dataclass(frozen=True)
class SeedSource:
    document: str
    fixture: str
    code: str | None = None
    version: str | None = None
    title: str | None = None
    reason: str = ""


SEED_SOURCES = (
    SeedSource(
        document="000_4ae278d368183100.txt",
        fixture="ICART-MIC-1.json",
        code="ICART-MIC",
        version="1",
        reason=(
            "The earlier ICART référentiel gives neither an RNCP code nor a date: filed under the code "
            "ICART-MIC chosen for both ICART référentiels, as version 1 (before the 2024 one)."
        ),
    ),
    SeedSource(
        document="001_c459e45e6be1a8f1.txt",
        fixture="ICART-MIC-2024.json",
        code="ICART-MIC",
        reason="The 2024 ICART référentiel gives no RNCP code: filed under ICART-MIC, its version is the document's (2024).",
    ),
    SeedSource(
        document="003_0ffbd60cb05e4341.txt",
        fixture="RNCP39603.json",
        title="Responsable de production de projets culturels",
        reason=(
            "The fiche's text has no title line. The title is the certification's name as the seeds' README "
            "gives it; it is also the title of RNCP37040, which the fiche says this certification replaces."
        ),
    ),
)


def build_seed_document(source: SeedSource, documents_dir: Path) -> CanonicalDocument:
    """Run the importer on a source document and apply the review: the fixture's exact content."""
    path = documents_dir / source.document
    # The warnings are kept as text with the version: written in the product's language.
    with translation.override(settings.LANGUAGE_CODE):
        (result,) = read_document(path.read_bytes(), name=source.document)
    document = normal_form(
        prepare_document(result.document, code=source.code, version=source.version, title=source.title)
    )
    document["review"] = {
        key: value
        for key, value in (("code", source.code), ("version", source.version), ("title", source.title))
        if value
    } | {"reason": source.reason}
    return document


def write_seed_fixtures(documents_dir: Path) -> list[Path]:
    written = []
    for source in SEED_SOURCES:
        target = SEEDS_DIR / source.fixture
        document = build_seed_document(source, documents_dir)
        target.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
    return written


def read_seed_fixture(source: SeedSource) -> CanonicalDocument:
    return json.loads((SEEDS_DIR / source.fixture).read_text(encoding="utf-8"))


@transaction.atomic
def load_seed_documents() -> list[ImportOutcome]:
    """Import each seed unless the same content is already there (so ``make run`` can run twice)."""
    return [import_framework(document=read_seed_fixture(source)) for source in SEED_SOURCES]
