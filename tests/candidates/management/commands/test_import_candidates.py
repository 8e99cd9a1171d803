"""``certiflow import_candidates``: the row-by-row report, the exit codes (0 imported, 1 invalid rows
skipped or found by a dry run, 2 refused) and what is written."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from certiflow.candidates.models import Candidate, Enrolment, Provider, ProviderAuthorisation
from certiflow.common.models import AuditLogEntry
from certiflow.frameworks.models import AccessRoute
from tests.factories import CertificationFactory, FrameworkFactory

pytestmark = pytest.mark.django_db

SIRET = "12345678900011"
HEADER = "Nom;Prénom;Email;Certification;Voie d'accès;Promotion;Date de début\n"
HELENE = "Lefèvre;Hélène;helene.lefevre@example.fr;RNCP39603;formation initiale;Promo 2024;02/09/2024\n"
FRANCOIS = "N'Diaye;François;f.ndiaye@example.fr;RNCP39603;apprentissage;Promo 2024;02/09/2024\n"
BAD_DATE = "Martin;Jean;jean.martin@example.fr;RNCP39603;apprentissage;;31/02/2024\n"


@pytest.fixture(autouse=True)
def provider():
    certification = CertificationFactory(code="RNCP39603")
    FrameworkFactory(certification=certification, version="2024")
    for position, route in enumerate(["formation_initiale", "apprentissage"], 1):
        AccessRoute.objects.create(certification=certification, route=route, label=route, position=position)
    provider = Provider.objects.create(name="École Supérieure des Arts", siret=SIRET)
    ProviderAuthorisation.objects.create(
        provider=provider, certification=certification, starts_on=datetime.date(2020, 1, 1)
    )
    return provider


def roster(tmp_path, *rows, name="liste.csv"):
    path = tmp_path / name
    path.write_bytes((HEADER + "".join(rows)).encode("cp1252"))
    return path


def run(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("import_candidates", *map(str, args), stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    except CommandError as error:
        code = error.returncode
    return code, out.getvalue(), err.getvalue()


def test_import_candidates_imports_and_exits_0(tmp_path, provider):
    code, out, _err = run(roster(tmp_path, HELENE, FRANCOIS), "--provider", SIRET)

    assert code == 0
    assert "liste.csv (CSV, windows-1252) — École Supérieure des Arts: 2 rows" in out
    assert "row 2  new candidate, new enrolment (RNCP39603 v2024, initial training)" in out
    assert "row 3  new candidate, new enrolment (RNCP39603 v2024, apprenticeship)" in out
    assert "new cohort: Promo 2024 (RNCP39603)" in out
    assert "Imported: 2 new · 0 updated · 0 unchanged · 0 invalid rows skipped · 1 cohort created" in out
    assert Enrolment.objects.filter(provider=provider).count() == 2


def test_import_candidates_again_reports_unchanged_rows(tmp_path):
    path = roster(tmp_path, HELENE)
    run(path, "--provider", SIRET)

    code, out, _err = run(path, "--provider", SIRET)

    assert code == 0
    assert "row 2  candidate unchanged, enrolment unchanged" in out
    assert "Imported: 0 new · 0 updated · 1 unchanged" in out


def test_import_candidates_with_an_invalid_row_is_refused_with_exit_2(tmp_path):
    code, out, err = run(roster(tmp_path, HELENE, BAD_DATE), "--provider", SIRET)

    assert code == 2
    assert "row 3  invalid" in out
    assert "    - Date de début: « 31/02/2024 » is not a date" in out
    assert "Refused: Row 3 of liste.csv is invalid: nothing was imported." in err
    assert not Candidate.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_import_candidates_skip_invalid_imports_the_others_and_exits_1(tmp_path):
    code, out, _err = run(roster(tmp_path, HELENE, BAD_DATE), "--provider", SIRET, "--skip-invalid")

    assert code == 1
    assert "Imported: 1 new · 0 updated · 0 unchanged · 1 invalid row skipped" in out
    assert list(Candidate.objects.values_list("email", flat=True)) == ["helene.lefevre@example.fr"]


def test_import_candidates_dry_run_writes_nothing_and_exits_0_when_valid(tmp_path):
    code, out, _err = run(roster(tmp_path, HELENE), "--provider", SIRET, "--dry-run")

    assert code == 0
    assert "Dry run: nothing was written." in out
    assert "Importing would give: 1 new · 0 updated" in out
    assert not Candidate.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_import_candidates_dry_run_with_errors_exits_1(tmp_path):
    code, out, _err = run(roster(tmp_path, HELENE, BAD_DATE), "--provider", SIRET, "--dry-run")

    assert code == 1
    assert "Importing would be refused: 1 row is invalid (--skip-invalid imports the others)." in out
    assert not Candidate.objects.exists()


def test_import_candidates_unreadable_file_is_refused_with_exit_2(tmp_path):
    path = tmp_path / "liste.xlsx"
    path.write_bytes(b"not a workbook")

    code, _out, err = run(path, "--provider", SIRET)

    assert code == 2
    assert "Refused: liste.xlsx is not a valid Excel workbook (.xlsx)." in err


def test_import_candidates_unknown_provider_is_refused_with_exit_2(tmp_path):
    code, _out, err = run(roster(tmp_path, HELENE), "--provider", "00000000000000")

    assert code == 2
    assert "No training provider has the SIRET 00000000000000." in err


def test_import_candidates_missing_file_is_refused_with_exit_2(tmp_path):
    code, _out, err = run(tmp_path / "absent.csv", "--provider", SIRET)

    assert code == 2
    assert "absent.csv: no such file." in err
