"""``certiflow export`` and ``certiflow list``."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from certiflow.frameworks.domain.seeds import load_seed_documents

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds():
    return load_seed_documents()


def export(*args) -> str:
    out = StringIO()
    call_command("export", *args, stdout=out)
    return out.getvalue()


def test_export_without_code_is_an_array_of_every_version(seeds):
    documents = json.loads(export("--format", "json"))

    assert [(d["code"], d["version"]) for d in documents] == [
        ("ICART-MIC", "1"),
        ("ICART-MIC", "2024"),
        ("RNCP39603", "1"),
    ]


def test_export_one_code_is_its_newest_version(seeds):
    document = json.loads(export("ICART-MIC"))

    assert document["version"] == "2024"


def test_export_code_at_version_to_a_file(seeds, tmp_path):
    target = tmp_path / "out.json"

    export("ICART-MIC@1", "-o", str(target))

    assert json.loads(target.read_text(encoding="utf-8"))["title"] == "MANAGER DE L'INGENIERIE CULTURELLE"


def test_export_of_an_unknown_code_names_the_known_ones(seeds):
    with pytest.raises(CommandError, match="RNCP39603@1"):
        export("RNCP00000")


def test_list_shows_the_certifications(seeds):
    out = StringIO()

    call_command("list", stdout=out)

    assert "RNCP39603" in out.getvalue()
    assert "ICART-MIC" in out.getvalue()
