"""Importing a provider's roster (CSV or XLSX): reading, checking against the registry, writing."""

import codecs
import csv
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from certiflow.candidates.importers.roster import (
    COLUMNS,
    MAX_ROSTER_BYTES,
    MAX_ROSTER_ROWS,
    Change,
    RosterValues,
    import_roster,
    parse_roster,
    validate_roster,
)
from certiflow.candidates.models import Candidate, Cohort, Enrolment, Provider, ProviderAuthorisation
from certiflow.common.domain.errors import Refused
from certiflow.common.models import AuditLogEntry
from certiflow.frameworks.models import AccessRoute
from tests.factories import AdministratorFactory, CertificationFactory, FrameworkFactory

HEADER = [
    "Nom",
    "Prénom",
    "Email",
    "Date de naissance",
    "Certification",
    "Voie d'accès",
    "Promotion",
    "Date de début",
]
HELENE = [
    "Lefèvre",
    "Hélène",
    "helene.lefevre@example.fr",
    "15/03/2001",
    "RNCP39603",
    "formation initiale",
    "Promo 2024",
    "02/09/2024",
]
FRANCOIS = [
    "N'Diaye-Œuvray",
    "François",
    "f.ndiaye@example.fr",
    "",
    "RNCP39603",
    "apprentissage",
    "Promo 2024",
    "2024-09-02",
]


def csv_bytes(rows, *, delimiter=";", encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def certification():
    """RNCP39603 with two référentiel versions and three open access routes."""
    certification = CertificationFactory(code="RNCP39603")
    FrameworkFactory(certification=certification, version="2023", ordinal=1)
    FrameworkFactory(certification=certification, version="2024", ordinal=2)
    for position, (route, label) in enumerate(
        [
            ("formation_initiale", "En tant qu'élève ou étudiant"),
            ("apprentissage", "En contrat d'apprentissage"),
            ("vae", "Par expérience"),
        ],
        1,
    ):
        AccessRoute.objects.create(
            certification=certification, route=route, label=label, is_open=True, position=position
        )
    return certification


@pytest.fixture
def provider(certification):
    provider = Provider.objects.create(name="École Supérieure des Arts", siret="12345678900011")
    ProviderAuthorisation.objects.create(
        provider=provider, certification=certification, starts_on=datetime.date(2020, 1, 1)
    )
    return provider


@pytest.fixture
def actor():
    return AdministratorFactory()


def check(data, provider, filename="liste.csv"):
    return validate_roster(parse=parse_roster(data=data, filename=filename), provider=provider)


def run_import(data, provider, actor, *, skip_invalid=False, filename="liste.csv"):
    report = check(data, provider, filename=filename)
    return import_roster(actor=actor, report=report, provider=provider, skip_invalid=skip_invalid)


# --- reading ------------------------------------------------------------------------------------


def test_parse_csv_semicolon_windows_1252_keeps_accents():
    data = csv_bytes([HEADER, HELENE, FRANCOIS], encoding="cp1252")

    parse = parse_roster(data=data, filename="liste.csv")

    assert parse.encoding == "windows-1252"
    assert [row.number for row in parse.rows] == [2, 3]
    assert parse.rows[0].values == RosterValues(
        last_name="Lefèvre",
        first_name="Hélène",
        email="helene.lefevre@example.fr",
        birth_date=datetime.date(2001, 3, 15),
        certification="RNCP39603",
        access_route="formation initiale",
        cohort="Promo 2024",
        starts_on=datetime.date(2024, 9, 2),
    )
    assert parse.rows[1].values.last_name == "N'Diaye-Œuvray"
    assert parse.rows[1].values.birth_date is None
    assert all(not row.errors for row in parse.rows)


def test_parse_csv_comma_utf8_with_bom():
    data = codecs.BOM_UTF8 + csv_bytes([HEADER, HELENE], delimiter=",")

    parse = parse_roster(data=data, filename="LISTE.CSV")

    assert parse.encoding == "utf-8-sig"
    assert parse.columns["last_name"] == "Nom"
    assert parse.rows[0].values.first_name == "Hélène"
    assert not parse.rows[0].errors


def test_parse_csv_tab_delimited():
    parse = parse_roster(data=csv_bytes([HEADER, HELENE], delimiter="\t"), filename="liste.csv")

    assert parse.rows[0].values.email == "helene.lefevre@example.fr"


def test_parse_xlsx_reads_real_dates_and_numbers():
    header = [*HEADER, "Année d'entrée", "N° étudiant"]
    row = [
        *HELENE[:3],
        datetime.datetime(2001, 3, 15),
        *HELENE[4:7],
        datetime.datetime(2024, 9, 2),
        2,
        20240017,
    ]
    data = xlsx_bytes([header, row])

    parse = parse_roster(data=data, filename="liste.xlsx")

    values = parse.rows[0].values
    assert parse.format == "xlsx"
    assert parse.rows[0].number == 2
    assert (values.birth_date, values.starts_on) == (datetime.date(2001, 3, 15), datetime.date(2024, 9, 2))
    assert (values.entry_year, values.reference) == (2, "20240017")
    assert not parse.rows[0].errors


def test_parse_xlsx_numbers_rows_as_the_sheet_does_and_skips_blank_rows():
    data = xlsx_bytes([HEADER, HELENE, [None] * len(HEADER), FRANCOIS])

    parse = parse_roster(data=data, filename="liste.xlsx")

    assert [row.number for row in parse.rows] == [2, 4]


def test_parse_header_aliases_ignore_case_accents_and_language():
    header = [
        "LAST NAME",
        "First name",
        "Courriel",
        "birth date",
        "Certification",
        "VOIE D’ACCES",
        "cohort",
        "Start Date",
    ]

    parse = parse_roster(data=csv_bytes([header, HELENE]), filename="liste.csv")

    assert parse.columns == {
        "last_name": "LAST NAME",
        "first_name": "First name",
        "email": "Courriel",
        "birth_date": "birth date",
        "certification": "Certification",
        "access_route": "VOIE D’ACCES",
        "cohort": "cohort",
        "starts_on": "Start Date",
    }
    assert parse.rows[0].values.last_name == "Lefèvre"


def test_parse_every_accepted_header_name_is_recognised():
    for column in COLUMNS:
        for name in column.names:
            header = [c.names[0] for c in COLUMNS if c.required and c.key != column.key] + [name.upper()]

            parse = parse_roster(data=csv_bytes([header, ["x"] * len(header)]), filename="a.csv")

            assert column.key in parse.columns, name


def test_parse_missing_required_column_is_refused_naming_it_and_its_accepted_names():
    header = [name for name in HEADER if name != "Date de début"]

    with pytest.raises(Refused) as refusal:
        parse_roster(data=csv_bytes([header, HELENE[:-1]]), filename="liste.csv")

    assert "liste.csv has no column « date de début » (accepted names: date de début, start date)" in str(
        refusal.value
    )
    assert "Add the column" in refusal.value.hint


def test_parse_unknown_column_is_a_warning_and_ignored():
    parse = parse_roster(
        data=csv_bytes([[*HEADER, "Téléphone"], [*HELENE, "06 12 34 56 78"]]), filename="a.csv"
    )

    assert parse.warnings == ("Column « Téléphone » is not one the import reads: it is ignored.",)
    assert not parse.rows[0].errors


def test_parse_same_column_twice_is_refused():
    with pytest.raises(Refused, match="two columns for « email »: « Email » and « Courriel »"):
        parse_roster(data=csv_bytes([[*HEADER, "Courriel"], [*HELENE, "x@example.fr"]]), filename="a.csv")


def test_parse_bad_date_is_an_error_on_its_row_naming_the_column_and_value():
    bad = [*FRANCOIS[:7], "31/02/2024"]

    parse = parse_roster(data=csv_bytes([HEADER, HELENE, bad]), filename="liste.csv")

    assert parse.rows[0].errors == ()
    assert parse.rows[1].number == 3
    assert parse.rows[1].errors == (
        "Date de début: « 31/02/2024 » is not a date; write it as DD/MM/YYYY (for example 05/09/2024) "
        "or YYYY-MM-DD.",
    )
    assert parse.rows[1].raw["starts_on"] == "31/02/2024"


def test_parse_bad_cells_each_give_an_error():
    bad = ["", "Jean", "jean@", "1er mars", "RNCP39603", "vae", "", "02/09/2024"]

    parse = parse_roster(data=csv_bytes([HEADER, bad]), filename="liste.csv")

    assert parse.rows[0].errors == (
        "Nom: empty; fill it in.",
        "Email: « jean@ » is not an e-mail address; write it as name@example.fr.",
        "Date de naissance: « 1er mars » is not a date; write it as DD/MM/YYYY (for example 05/09/2024) "
        "or YYYY-MM-DD.",
    )


def test_parse_entry_year_outside_1_to_5_is_an_error():
    parse = parse_roster(data=csv_bytes([[*HEADER, "Année d'entrée"], [*HELENE, "6"]]), filename="a.csv")

    assert parse.rows[0].errors == (
        "Année d'entrée: « 6 » is not a year of entry; write a whole number from 1 to 5.",
    )


def test_parse_certification_code_is_normalised():
    row = [*HELENE[:4], "rncp 39603", *HELENE[5:]]

    parse = parse_roster(data=csv_bytes([HEADER, row]), filename="a.csv")

    assert parse.rows[0].values.certification == "RNCP39603"


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "liste.csv", "liste.csv is empty."),
        (b"  \r\n ", "liste.csv", "liste.csv is empty."),
        (b"Nom;Prenom\n", "liste.pdf", "liste.pdf is not a CSV file or an Excel workbook"),
        (bytes(range(256)) * 8, "liste.csv", "liste.csv is a binary file"),
        (bytes(range(256)) * 8, "liste.xlsx", "liste.xlsx is not a valid Excel workbook (.xlsx)."),
        (b"PK\x03\x04 not really a zip", "liste.xlsx", "liste.xlsx is not a valid Excel workbook (.xlsx)."),
        (b"\n" + "Nom;Prénom\n".encode(), "liste.csv", "liste.csv has no header"),
        ("Téléphone;Adresse\n06;Paris\n".encode(), "liste.csv", "liste.csv has no header"),
        (
            "Nom;Prénom;Email;Certification;Voie d'accès;Date de début\n".encode(),
            "a.csv",
            "has a header but no",
        ),
        (b'Nom;"Pr\xc3\xa9nom\n', "a.csv", "a.csv, line 1: a value opens a quote"),
        ((";".join(HEADER) + '\nA;"B"C\n').encode(), "a.csv", "a.csv, line 2: a value opens a quote"),
    ],
)
def test_parse_unreadable_file_is_refused_with_what_and_how_to_fix(data, filename, message):
    with pytest.raises(Refused) as refusal:
        parse_roster(data=data, filename=filename)

    assert message in str(refusal.value)
    assert refusal.value.hint


def test_parse_a_zip_that_is_not_a_workbook_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("word/document.xml", "<w:document/>")

    with pytest.raises(Refused, match="not a valid Excel workbook"):
        parse_roster(data=archive.getvalue(), filename="liste.xlsx")


def test_parse_oversize_file_is_refused():
    data = csv_bytes([HEADER]) + b"x" * MAX_ROSTER_BYTES

    with pytest.raises(Refused, match=f"the limit is {MAX_ROSTER_BYTES} bytes"):
        parse_roster(data=data, filename="liste.csv")


def test_parse_more_rows_than_the_limit_is_refused():
    rows = [
        ["D", "J", f"j{n}@e.fr", "", "RNCP1", "vae", "", "02/09/2024"] for n in range(MAX_ROSTER_ROWS + 1)
    ]

    with pytest.raises(Refused, match=f"more than {MAX_ROSTER_ROWS} rows"):
        parse_roster(data=csv_bytes([HEADER, *rows]), filename="liste.csv")


# --- checking against the registry ----------------------------------------------------------------


@pytest.mark.django_db
def test_validate_resolves_newest_version_route_labels_and_plans_new_rows(provider):
    vae = [*FRANCOIS[:5], "Par expérience", "", FRANCOIS[7]]
    english = [*HELENE[:2], "h2@example.fr", *HELENE[3:5], "APPRENTICESHIP", "", HELENE[7]]

    report = check(csv_bytes([HEADER, HELENE, vae, english]), provider)

    plans = [row.plan for row in report.rows]
    assert [plan.framework.version for plan in plans] == ["2024", "2024", "2024"]
    assert [plan.access_route.route for plan in plans] == ["formation_initiale", "vae", "apprentissage"]
    assert [(plan.candidate_change, plan.enrolment_change) for plan in plans] == [
        (Change.NEW, Change.NEW)
    ] * 3
    assert [(c.code, name) for c, name in report.new_cohorts] == [("RNCP39603", "Promo 2024")]


@pytest.mark.django_db
def test_validate_uses_the_version_the_row_names(provider):
    data = csv_bytes([[*HEADER, "Version"], [*HELENE, "2023"], [*FRANCOIS, "2022"]])

    report = check(data, provider)

    assert report.rows[0].plan.framework.version == "2023"
    assert report.rows[1].errors == (
        "Version: RNCP39603 has no version « 2022 »; its versions are 2023, 2024. Leave the cell empty to use "
        "the newest.",
    )


@pytest.mark.django_db
def test_validate_unknown_route_is_a_row_error_listing_the_routes(provider):
    row = [*HELENE[:5], "alternance", *HELENE[6:]]

    report = check(csv_bytes([HEADER, row]), provider)

    assert report.rows[0].errors == (
        "Voie d'accès: « alternance » is not an access route of RNCP39603; write one of: initial training, "
        "apprenticeship, validation of prior experience (VAE).",
    )


@pytest.mark.django_db
def test_validate_unknown_certification_is_a_row_error(provider):
    row = [*HELENE[:4], "RNCP12345", *HELENE[5:]]

    report = check(csv_bytes([HEADER, row]), provider)

    assert report.rows[0].plan is None
    assert report.rows[0].errors[0].startswith("Certification: no certification « RNCP12345 » is registered.")


@pytest.mark.django_db
def test_validate_provider_not_authorised_is_a_row_error(certification):
    stranger = Provider.objects.create(name="Autre école", siret="99999999900099")

    report = check(csv_bytes([HEADER, HELENE]), stranger)

    assert report.rows[0].errors == (
        "Autre école is not authorised to prepare RNCP39603 on 2024-09-02. Record the provider's authorisation "
        "first, or correct the start date.",
    )


@pytest.mark.django_db
def test_validate_end_before_start_names_the_column(provider):
    data = csv_bytes([[*HEADER, "Date de fin"], [*HELENE, "01/09/2024"]])

    report = check(data, provider)

    assert report.rows[0].errors == ("Date de fin: The programme ends before it starts.",)


@pytest.mark.django_db
def test_validate_duplicate_email_is_an_error_on_both_rows(provider):
    twin = [*FRANCOIS[:2], "Helene.Lefevre@example.fr", *FRANCOIS[3:]]

    report = check(csv_bytes([HEADER, HELENE, FRANCOIS, twin]), provider)

    assert [row.number for row in report.invalid_rows] == [2, 4]
    assert report.rows[0].errors == (
        "Email: helene.lefevre@example.fr is also on row 4; each candidate must be on one row only. "
        "Remove or merge the duplicate rows.",
    )
    assert "is also on row 2;" in report.rows[2].errors[0]


@pytest.mark.django_db
def test_validate_refuses_an_enrolment_held_by_another_provider(provider, certification, actor):
    run_import(csv_bytes([HEADER, HELENE]), provider, actor)
    other = Provider.objects.create(name="Autre école", siret="99999999900099")
    ProviderAuthorisation.objects.create(
        provider=other, certification=certification, starts_on=datetime.date(2020, 1, 1)
    )

    report = check(csv_bytes([HEADER, HELENE]), other)

    assert report.rows[0].errors == (
        "helene.lefevre@example.fr is already enrolled in RNCP39603 v2024, but not through this training "
        "provider; ask the certifier to transfer the enrolment.",
    )


@pytest.mark.django_db
def test_validate_queries_do_not_grow_with_the_rows(provider, actor):
    rows = [[*HELENE[:2], f"c{n}@example.fr", *HELENE[3:]] for n in range(50)]
    run_import(csv_bytes([HEADER, *rows[:10]]), provider, actor)
    counts = []
    for size in (5, 50):
        parse = parse_roster(data=csv_bytes([HEADER, *rows[:size]]), filename="a.csv")

        with CaptureQueriesContext(connection) as queries:
            validate_roster(parse=parse, provider=provider)

        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db
def test_validate_writes_nothing(provider):
    check(csv_bytes([HEADER, HELENE, FRANCOIS]), provider)

    assert not Candidate.objects.exists()
    assert not Cohort.objects.exists()
    assert not AuditLogEntry.objects.exists()


# --- writing --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_import_creates_candidates_enrolments_and_one_cohort_all_audited(provider, actor):
    outcome = run_import(csv_bytes([HEADER, HELENE, FRANCOIS]), provider, actor)

    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.skipped) == (2, 0, 0, 0)
    assert outcome.cohorts_created == 1
    enrolment = Enrolment.objects.get(candidate__email="helene.lefevre@example.fr")
    assert (enrolment.framework.version, enrolment.access_route.route) == ("2024", "formation_initiale")
    assert (enrolment.provider, enrolment.cohort.name) == (provider, "Promo 2024")
    assert enrolment.starts_on == datetime.date(2024, 9, 2)
    assert Cohort.objects.get().provider == provider
    assert sorted(AuditLogEntry.objects.values_list("action", flat=True)) == [
        "candidate.create",
        "candidate.create",
        "cohort.create",
        "enrolment.create",
        "enrolment.create",
        "roster.import",
    ]
    entry = AuditLogEntry.objects.get(action="roster.import")
    assert (entry.object_type, entry.object_id, entry.actor) == (
        "candidates.provider",
        str(provider.pk),
        actor,
    )
    assert entry.changes == {
        "filename": "liste.csv",
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "cohorts_created": 1,
    }


@pytest.mark.django_db
def test_import_with_one_invalid_row_is_refused_and_writes_nothing(provider, actor):
    bad = [*FRANCOIS[:7], "02/13/2024"]

    with pytest.raises(Refused, match=re.escape("Row 3 of liste.csv is invalid: nothing was imported.")):
        run_import(csv_bytes([HEADER, HELENE, bad]), provider, actor)

    assert not Candidate.objects.exists()
    assert not Cohort.objects.exists()
    assert not AuditLogEntry.objects.exists()


@pytest.mark.django_db
def test_import_skip_invalid_imports_the_other_rows(provider, actor):
    bad = [*FRANCOIS[:5], "alternance", *FRANCOIS[6:]]

    outcome = run_import(csv_bytes([HEADER, bad, HELENE]), provider, actor, skip_invalid=True)

    assert (outcome.created, outcome.skipped) == (1, 1)
    assert list(Candidate.objects.values_list("email", flat=True)) == ["helene.lefevre@example.fr"]


@pytest.mark.django_db
def test_import_again_changes_nothing_and_audits_only_the_import(provider, actor):
    data = csv_bytes([HEADER, HELENE, FRANCOIS])
    run_import(data, provider, actor)
    entries_before = AuditLogEntry.objects.count()

    outcome = run_import(data, provider, actor)

    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.cohorts_created) == (0, 0, 2, 0)
    assert (Candidate.objects.count(), Enrolment.objects.count(), Cohort.objects.count()) == (2, 2, 1)
    assert AuditLogEntry.objects.count() == entries_before + 1
    assert AuditLogEntry.objects.first().action == "roster.import"


@pytest.mark.django_db
def test_import_again_after_a_new_version_keeps_the_enrolled_version(provider, certification, actor):
    data = csv_bytes([HEADER, HELENE])
    run_import(data, provider, actor)
    FrameworkFactory(certification=certification, version="2025", ordinal=3)

    outcome = run_import(data, provider, actor)

    assert outcome.unchanged == 1
    assert Enrolment.objects.get().framework.version == "2024"


@pytest.mark.django_db
def test_import_again_with_a_changed_name_updates_the_candidate(provider, actor):
    run_import(csv_bytes([HEADER, HELENE]), provider, actor)
    married = ["Lefèvre-Martin", *HELENE[1:]]

    report = check(csv_bytes([HEADER, married]), provider)
    outcome = import_roster(actor=actor, report=report, provider=provider, skip_invalid=False)

    assert report.rows[0].plan.candidate_change == Change.UPDATE
    assert report.rows[0].plan.enrolment_change == Change.UNCHANGED
    assert (outcome.created, outcome.updated) == (0, 1)
    assert Candidate.objects.get().last_name == "Lefèvre-Martin"
    update = AuditLogEntry.objects.get(action="candidate.update")
    assert update.changes == {"last_name": ["Lefèvre", "Lefèvre-Martin"]}


@pytest.mark.django_db
def test_import_empty_optional_cells_keep_what_is_stored(provider, actor):
    run_import(csv_bytes([HEADER, HELENE]), provider, actor)
    without_birth_date_or_cohort = [*HELENE[:3], "", *HELENE[4:6], "", HELENE[7]]

    outcome = run_import(csv_bytes([HEADER, without_birth_date_or_cohort]), provider, actor)

    assert outcome.unchanged == 1
    enrolment = Enrolment.objects.select_related("candidate", "cohort").get()
    assert enrolment.candidate.birth_date == datetime.date(2001, 3, 15)
    assert enrolment.cohort.name == "Promo 2024"


@pytest.mark.django_db
def test_import_changed_route_updates_the_enrolment(provider, actor):
    run_import(csv_bytes([HEADER, HELENE]), provider, actor)
    by_vae = [*HELENE[:5], "VAE", *HELENE[6:]]

    outcome = run_import(csv_bytes([HEADER, by_vae]), provider, actor)

    assert outcome.updated == 1
    assert Enrolment.objects.get().access_route.route == "vae"
    assert AuditLogEntry.objects.filter(action="enrolment.update").count() == 1


@pytest.mark.django_db
def test_import_cohort_names_differing_in_case_are_one_cohort(provider, actor):
    other = [*FRANCOIS[:6], "PROMO 2024", FRANCOIS[7]]

    outcome = run_import(csv_bytes([HEADER, HELENE, other]), provider, actor)

    assert outcome.cohorts_created == 1
    assert list(Cohort.objects.values_list("name", flat=True)) == ["Promo 2024"]
    assert Enrolment.objects.filter(cohort__name="Promo 2024").count() == 2


@pytest.mark.django_db
def test_import_reports_progress_every_hundred_rows_and_at_the_end(provider, actor):
    rows = [[*HELENE[:2], f"c{n}@example.fr", *HELENE[3:]] for n in range(250)]
    report = check(csv_bytes([HEADER, *rows]), provider)
    calls = []

    import_roster(
        actor=actor,
        report=report,
        provider=provider,
        skip_invalid=False,
        progress=lambda done, total: calls.append((done, total)),
    )

    assert calls == [(100, 250), (200, 250), (250, 250)]


@pytest.mark.django_db
def test_import_checks_the_rows_again_when_writing(provider, certification, actor):
    report = check(csv_bytes([HEADER, HELENE]), provider)
    ProviderAuthorisation.objects.filter(provider=provider).delete()

    with pytest.raises(Refused, match=re.escape("Row 2 of liste.csv is invalid")):
        import_roster(actor=actor, report=report, provider=provider, skip_invalid=False)

    assert not Candidate.objects.exists()


@pytest.mark.django_db
def test_import_xlsx(provider, actor):
    row = [*HELENE[:3], datetime.datetime(2001, 3, 15), *HELENE[4:7], datetime.datetime(2024, 9, 2)]

    outcome = run_import(xlsx_bytes([HEADER, row]), provider, actor, filename="liste.xlsx")

    assert outcome.created == 1
    assert Candidate.objects.get().birth_date == datetime.date(2001, 3, 15)


# --- property: what is written as CSV reads back exactly -------------------------------------------

_letters = st.sampled_from("abcdefghijklmnopqrstuvwxyzéèêëàâäîïôöùûüçœæ")
_word = st.text(_letters, min_size=1, max_size=8).map(str.capitalize)
_name = st.builds(
    lambda words, separators: (
        words[0] + "".join(sep + word for sep, word in zip(separators, words[1:], strict=False))
    ),
    st.lists(_word, min_size=1, max_size=3),
    st.lists(st.sampled_from([" ", "-", "'", "’"]), min_size=2, max_size=2),
)
_local_part = st.lists(st.from_regex(r"[a-z0-9_-]{1,8}", fullmatch=True), min_size=1, max_size=3).map(
    ".".join
)
_email = st.builds(
    lambda local, domain: f"{local}@{domain}",
    _local_part,
    st.sampled_from(["example.fr", "école.fr", "mail.com"]),
)
_date = st.dates(min_value=datetime.date(1950, 1, 1), max_value=datetime.date(2040, 12, 31))
_values = st.builds(
    RosterValues,
    last_name=_name,
    first_name=_name,
    email=_email,
    birth_date=st.none() | _date,
    reference=st.sampled_from(["", "E-2024-017", "20240017"]),
    certification=st.sampled_from(["RNCP39603", "RNCP37040"]),
    version=st.sampled_from(["", "2024"]),
    access_route=st.sampled_from(["formation initiale", "apprentissage", "Par expérience", "vae"]),
    cohort=st.sampled_from(["", "Promo 2024", "M1 – Alternance"]),
    entry_year=st.none() | st.integers(1, 5),
    starts_on=_date,
    ends_on=st.none() | _date,
)
_FIELDS = [column.key for column in COLUMNS]


def _cell(value, date_format):
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime(date_format)
    return str(value)


@settings(max_examples=80, deadline=None)
@given(
    rosters=st.lists(_values, min_size=1, max_size=8, unique_by=lambda values: values.email),
    headers=st.lists(st.integers(0, 4), min_size=len(COLUMNS), max_size=len(COLUMNS)),
    delimiter=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig"]),
    date_format=st.sampled_from(["%d/%m/%Y", "%Y-%m-%d"]),
)
def test_parse_any_valid_roster_written_as_csv_reads_back_exactly(
    rosters, headers, delimiter, encoding, date_format
):
    header = [
        column.names[pick % len(column.names)].upper() for column, pick in zip(COLUMNS, headers, strict=True)
    ]
    rows = [[_cell(getattr(values, key), date_format) for key in _FIELDS] for values in rosters]

    parse = parse_roster(
        data=csv_bytes([header, *rows], delimiter=delimiter, encoding=encoding), filename="a.csv"
    )

    assert [row.values for row in parse.rows] == rosters
    assert [row.errors for row in parse.rows] == [()] * len(rosters)
    assert [row.number for row in parse.rows] == list(range(2, len(rosters) + 2))
