"""The seed certifications: canonical JSON produced by the importers from ../shared/seeds, reviewed."""

from __future__ import annotations

import json
from pathlib import Path

from .imports import ImportOutcome, import_framework

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def seed_files() -> list[Path]:
    return sorted(SEEDS_DIR.glob("*.json"))


def load_seed_documents() -> list[ImportOutcome]:
    """Import each seed document unless the same content is already there (so it can run twice)."""
    outcomes = []
    for path in seed_files():
        document = json.loads(path.read_text(encoding="utf-8"))
        document.pop("review", None)
        outcomes.append(import_framework(document=document))
    return outcomes
