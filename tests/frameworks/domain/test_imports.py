"""Writing a référentiel into the registry (DESIGN.md: versioned, never overwritten; atomic; audited)."""

import copy

import pytest
from django.db import IntegrityError

from certiflow.common.models import AuditLogEntry
from certiflow.frameworks.domain.imports import (
    confirm_import,
    discard_import,
    import_framework,
    prepare_document,
    stage_import,
)
from certiflow.frameworks.exporters.canonical_json import export_framework, normal_form
from certiflow.frameworks.importers.base import ImportRefused
from certiflow.frameworks.models import Certification, Criterion, Framework, PendingImport
from tests.factories import AdministratorFactory

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "code": "RNCP90001",
    "title": "Responsable de test",
    "level": 6,
    "nsf": ["323"],
    "labels": {"nsf": {"323": "Techniques de l'image et du son"}},
    "valid_until": "2026-10-01",
    "certifiers": [{"name": "ÉCOLE", "siret": "33115405400091"}],
    "access_routes": [{"route": "vae", "label": "Par expérience", "open": True, "jury": "4 membres"}],
    "statistics": [{"year": 2022, "certified": 41, "certified_vae": 0, "employment_rate_6m": 74}],
    "activities": [{"code": "A1", "generated": True, "text": "Activité de la fiche"}],
    "blocks": [
        {
            "code": "RNCP90001BC01",
            "title": "Bloc un",
            "competencies": [
                {"code": "C1", "text": "Compétence un", "activities": ["A1"]},
                {"code": "C2", "text": "Compétence deux"},
            ],
            "assessments": [
                {
                    "code": "E1",
                    "title": "Cas pratique",
                    "kind": "case_study",
                    "individual": True,
                    "competencies": ["C1", "C2"],
                    "criteria": [
                        {"code": "E1.1", "generated": True, "text": "Critère un", "competencies": ["C1"]},
                        {"code": "E1.2", "generated": True, "text": "Critère deux", "competencies": ["C2"]},
                    ],
                }
            ],
        }
    ],
    "warnings": ["line 3: a warning"],
}


def test_import_framework_writes_everything_and_audits_it():
    actor = AdministratorFactory()

    outcome = import_framework(document=DOCUMENT, actor=actor)

    framework = outcome.framework
    assert outcome.created
    assert (framework.certification.code, framework.version, framework.ordinal) == ("RNCP90001", "1", 1)
    assert framework.certification.certifiers.get().siret == "33115405400091"
    assert Criterion.objects.get(code="E1.2").competencies.get().code == "C2"
    assert framework.warnings == ["line 3: a warning"]
    entry = AuditLogEntry.objects.get(action="framework.imported")
    assert entry.actor == actor
    assert entry.changes["counts"] == {
        "blocks": 1,
        "activities": 1,
        "competencies": 2,
        "assessments": 1,
        "criteria": 2,
    }


def test_import_framework_twice_is_a_no_op():
    first = import_framework(document=DOCUMENT)

    again = import_framework(document=copy.deepcopy(DOCUMENT))

    assert not again.created
    assert again.framework == first.framework
    assert Framework.objects.count() == 1
    assert AuditLogEntry.objects.count() == 1


def test_import_framework_refuses_to_overwrite_a_version():
    import_framework(document={**DOCUMENT, "version": "2024"})
    changed = copy.deepcopy(DOCUMENT)
    changed["version"] = "2024"
    changed["blocks"][0]["title"] = "Bloc un, modifié"

    with pytest.raises(ImportRefused, match="never overwritten"):
        import_framework(document=changed)

    assert Framework.objects.get().blocks.get().title == "Bloc un"


def test_import_framework_new_content_is_a_new_version():
    import_framework(document={**DOCUMENT, "version": "2023"})
    newer = copy.deepcopy(DOCUMENT)
    newer.update(version="2024", title="Nouveau titre", level=7)

    outcome = import_framework(document=newer)

    assert [(f.version, f.ordinal) for f in Framework.objects.order_by("ordinal")] == [
        ("2023", 1),
        ("2024", 2),
    ]
    assert outcome.framework.certification.title == "Nouveau titre"
    assert Certification.objects.get().level == 7
    assert Framework.objects.get(version="2023").blocks.get().title == "Bloc un"


def test_import_framework_failing_in_the_database_writes_nothing():
    # More certified by VAE than certified at all: the database's check constraint refuses it after the
    # certification row has been written, so the transaction must roll everything back.
    document = {**DOCUMENT, "statistics": [{"year": 2022, "certified": 1, "certified_vae": 5}]}

    with pytest.raises(IntegrityError):
        import_framework(document=document)

    assert not Certification.objects.exists()
    assert not AuditLogEntry.objects.exists()


def test_import_framework_refuses_an_invalid_document_before_writing():
    document = copy.deepcopy(DOCUMENT)
    document["blocks"][0]["assessments"][0]["criteria"][0]["competencies"] = ["C9"]

    with pytest.raises(ImportRefused, match="C9"):
        import_framework(document=document)

    assert not Certification.objects.exists()


def test_prepare_document_requires_a_code_when_the_document_has_none():
    with pytest.raises(ImportRefused, match="no RNCP code"):
        prepare_document({**DOCUMENT, "code": None})


def test_prepare_document_uses_the_users_code_and_marks_it():
    document = prepare_document({**DOCUMENT, "code": None}, code="ICART-MIC", version="2024")

    assert (document["code"], document["code_source"], document["version"]) == ("ICART-MIC", "user", "2024")


def test_prepare_document_refuses_a_code_that_contradicts_the_document():
    with pytest.raises(ImportRefused, match="states the code RNCP90001"):
        prepare_document(DOCUMENT, code="OTHER")


def test_prepare_document_requires_a_title():
    with pytest.raises(ImportRefused, match="title"):
        prepare_document({**DOCUMENT, "title": None})


def test_export_of_an_import_is_the_document_in_normal_form():
    framework = import_framework(document={**DOCUMENT, "version": "2024"}).framework

    exported = export_framework(framework)

    expected = normal_form({**DOCUMENT, "version": "2024"})
    for key in ("source",):
        exported.pop(key), expected.pop(key)
    assert exported == expected


def test_import_framework_of_the_same_content_without_version_is_a_no_op():
    document = {key: value for key, value in DOCUMENT.items() if key != "version"}
    first = import_framework(document=document)

    again = import_framework(document=export_framework(first.framework))

    assert not again.created
    assert Framework.objects.count() == 1


def test_stage_then_discard_writes_no_framework_and_audits_both(seed_texts):
    actor = AdministratorFactory()

    (pending,) = stage_import(raw=seed_texts["003"].encode(), name="fiche.txt", actor=actor)
    discard_import(pending=pending, actor=actor)

    assert not PendingImport.objects.exists()
    assert not Framework.objects.exists()
    assert list(AuditLogEntry.objects.order_by("id").values_list("action", "actor")) == [
        ("import.staged", actor.pk),
        ("import.discarded", actor.pk),
    ]


def test_confirm_import_writes_the_previewed_document_and_drops_the_draft(seed_texts):
    actor = AdministratorFactory()
    (pending,) = stage_import(raw=seed_texts["003"].encode(), name="fiche.txt", actor=actor)

    outcome = confirm_import(
        pending=pending, actor=actor, title="Responsable de production de projets culturels"
    )

    assert outcome.framework.certification.code == "RNCP39603"
    assert not PendingImport.objects.exists()
