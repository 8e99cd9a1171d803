"""``certiflow import``: the report, the exit codes (0 ok, 1 warnings, 2 refused) and all-or-nothing."""

import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from certiflow.frameworks.models import Certification, Framework
from tests.conftest import REPO_ROOT, SEED_000, SEED_003

pytestmark = pytest.mark.django_db

TITLE_003 = "Responsable de production de projets culturels"


def run_import(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("import", *map(str, args), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    except CommandError as error:
        code = error.returncode
    return code, out.getvalue(), err.getvalue()


def test_import_with_warnings_exits_1_and_prints_every_warning():
    code, out, _err = run_import(SEED_003, "--title", TITLE_003)

    assert code == 1
    assert "RNCP39603" in out
    assert "RNCP39603BC01" in out
    assert out.count("\n    - ") >= 5
    assert Framework.objects.filter(certification__code="RNCP39603").exists()


def test_import_of_a_clean_canonical_document_exits_0(tmp_path):
    path = tmp_path / "clean.json"
    path.write_text(
        json.dumps({"code": "RNCP1", "title": "T", "blocks": [{"code": "B1", "title": "Bloc"}]}),
        encoding="utf-8",
    )

    code, _out, _err = run_import(path)

    assert code == 0
    assert Certification.objects.get().code == "RNCP1"


def test_import_dry_run_writes_nothing_and_says_what_an_import_needs():
    code, out, _err = run_import(SEED_003, "--dry-run")

    assert code == 1
    assert "--title" in out
    assert not Certification.objects.exists()


def test_import_of_a_document_without_title_is_refused_with_exit_2():
    code, _out, err = run_import(SEED_003)

    assert code == 2
    assert "title" in err
    assert not Certification.objects.exists()


def test_import_without_a_code_is_refused_with_exit_2():
    code, _out, err = run_import(SEED_000)

    assert code == 2
    assert "--code" in err
    assert not Certification.objects.exists()


def test_import_of_several_documents_is_all_or_nothing(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")

    code, _out, err = run_import(SEED_003, bad, "--title", TITLE_003)

    assert code == 2
    assert "binary" in err
    assert not Certification.objects.exists()


def test_import_with_a_user_code_and_version():
    code, _out, _err = run_import(SEED_000, "--code", "ICART-MIC", "--version", "1")

    assert code == 1
    framework = Framework.objects.get()
    assert (framework.certification.code, framework.certification.code_source, framework.version) == (
        "ICART-MIC",
        "user",
        "1",
    )


def test_import_of_a_missing_file_is_refused(tmp_path):
    code, _out, err = run_import(tmp_path / "nope.txt")

    assert code == 2
    assert "no such file" in err


def test_command_line_entry_point_runs_as_a_module(tmp_path):
    env = {
        **os.environ,
        "CERTIFLOW_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "certiflow.common.settings",
    }

    completed = subprocess.run(
        [sys.executable, "-m", "certiflow", "import", str(SEED_003), "--dry-run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        check=False,
    )

    assert completed.returncode == 1, completed.stderr
    assert "RNCP39603" in completed.stdout
