"""The canonical référentiel JSON (DESIGN.md), its validation and its importer.

One object per certification version::

    {"code": "RNCP39603", "title": "…", "version": "2024", "level": 6,
     "certifiers": [{"name": "…", "siret": "…", "commercial_name": "…", "website": "…"}],
     "nsf": ["323"], "formacodes": ["32135"], "rome": ["L1303"], "valid_until": "2026-10-01",
     "replaces": ["RNCP37040"],
     "labels": {"nsf": {"323": "…"}, "formacodes": {…}, "rome": {…}, "replaces": {"RNCP37040": "…"}},
     "access_routes": [{"route": "vae", "label": "Par expérience", "open": true, "jury": "…",
                        "jury_rules": {"members": 4, "min_professional_ratio": 0.5,
                                       "roles": ["…"], "parity_checked": true}}],
     "prerequisites": {"entry": [Prerequisite…], "validation": [Prerequisite…], "derogations": ["…"]},
     "statistics": [{"year": 2022, "certified": 41, "certified_vae": 0, "employment_rate_6m": 74,
                     "employment_rate_6m_job": 53, "employment_rate_2y_job": null}],
     "rules": {"competency_policy": "all_criteria"},
     "sections": {"Objectifs et contexte de la certification": "…"},
     "activities": [Activity…],            # activities the document does not attach to a bloc
     "blocks": [{"code": "RNCP39603BC01", "title": "…", "description": "…",
       "activities": [{"code": "A1", "text": "…"}],
       "competencies": [{"code": "C1", "text": "…", "activities": ["A1"]}],
       "assessments": [{"code": "E1", "title": "…", "kind": "case_study", "individual": true,
                        "collective": false, "written": true, "oral": false,
                        "description": "…", "deliverables": ["…"], "competencies": ["C1"],
                        "criteria": [{"code": "E1.1", "text": "…", "competencies": ["C1"]}]}]}],
     "source": {"layout": "html_table", "name": "…", "sha256": "…", "encoding": "utf-8"},
     "warnings": ["…"]}

    Prerequisite = {"routes": ["formation_initiale"], "route_text": "En formation initiale",
                    "case": "Entrée en 2ème année", "year": 2,
                    "conditions": [{"text": "…", "alternative": false, "min_level": 4, "min_ects": 60,
                                    "min_experience_months": null, "programme_months": null,
                                    "experience_months": null, "billed_hours": null}]}

Any item whose code the document does not give carries ``"generated": true``. Only ``code``,
``title`` and ``blocks`` are required; everything else defaults to empty.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from .base import CanonicalDocument, ImportRefused, ParseResult

COMPETENCY_POLICIES = ("all_criteria", "threshold")
ASSESSMENT_KINDS = (
    "case_study",
    "simulated_situation",
    "real_situation",
    "professional_project",
    "business_case",
    "field_survey",
    "role_play",
    "portfolio",
    "oral",
    "written",
    "other",
)
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,63}$")


def looks_like_canonical(text: str) -> bool:
    stripped = text.lstrip()
    return stripped.startswith("{") or stripped.startswith("[")


def parse_canonical(text: str) -> list[ParseResult]:
    """Read canonical JSON (one object, or an array of them as ``export`` writes) and validate it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            _("The JSON is malformed: %(error)s (column %(col)s).") % {"error": exc.msg, "col": exc.colno},
            line=exc.lineno,
            hint=_("Fix the JSON or export it again from certiflow."),
        ) from exc
    documents = data if isinstance(data, list) else [data]
    if not documents:
        raise ImportRefused(_("The JSON array is empty: there is no certification to import."))
    results = []
    for index, document in enumerate(documents):
        where = _("certification #%(n)s") % {"n": index + 1} if len(documents) > 1 else ""
        validate_canonical(document, where=where)
        result = ParseResult(layout="canonical_json", document=document)
        for warning in document.get("warnings", []):
            result.warn("document_warning", str(warning))
        results.append(result)
    return results


def validate_canonical(document: Any, *, where: str = "") -> None:
    """Raise :class:`ImportRefused` naming the first path that breaks the canonical structure.

    Checks types, required keys, code syntax, uniqueness of codes within a framework and that every
    link (criterion → competency, competency → activity, assessment → competency) names a code that
    exists in the same document.
    """
    errors: list[str] = []

    def fail(path: str, message: str) -> None:
        errors.append(f"{path}: {message}")

    if not isinstance(document, dict):
        raise ImportRefused(_("%(where)s is not a JSON object.") % {"where": where or _("the document")})
    for key in ("code", "title", "blocks"):
        if key not in document:
            fail(key, _("is required"))
    _check_str(document, "code", fail, "code", code=True)
    _check_str(document, "title", fail, "title")
    if (
        "level" in document
        and document["level"] is not None
        and not (isinstance(document["level"], int) and 1 <= document["level"] <= 8)
    ):
        fail("level", _("must be an integer from 1 to 8"))
    if document.get("valid_until"):
        try:
            date.fromisoformat(document["valid_until"])
        except (TypeError, ValueError):
            fail("valid_until", _("must be a date written YYYY-MM-DD"))
    policy = (document.get("rules") or {}).get("competency_policy", "all_criteria")
    if policy not in COMPETENCY_POLICIES:
        fail(
            "rules.competency_policy",
            _("must be one of %(values)s") % {"values": ", ".join(COMPETENCY_POLICIES)},
        )
    for key in ("nsf", "formacodes", "rome", "replaces", "warnings"):
        value = document.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            fail(key, _("must be a list of strings"))

    blocks = document.get("blocks", [])
    if not isinstance(blocks, list) or not blocks:
        fail("blocks", _("must be a non-empty list"))
        blocks = []
    seen: dict[str, dict[str, str]] = {
        "block": {},
        "activity": {},
        "competency": {},
        "assessment": {},
        "criterion": {},
    }

    def register(kind: str, code: Any, path: str) -> None:
        if not isinstance(code, str) or not _CODE_RE.match(code):
            fail(f"{path}.code", _("must be a code of letters, digits, '.', '_' or '-'"))
            return
        if code in seen[kind]:
            fail(
                f"{path}.code",
                _("%(code)s is already used at %(other)s") % {"code": code, "other": seen[kind][code]},
            )
        seen[kind][code] = path

    for i, activity in enumerate(document.get("activities", [])):
        register("activity", activity.get("code") if isinstance(activity, dict) else None, f"activities[{i}]")
    links: list[tuple[str, str, str]] = []
    for b, block in enumerate(blocks):
        bpath = f"blocks[{b}]"
        if not isinstance(block, dict):
            fail(bpath, _("must be an object"))
            continue
        register("block", block.get("code"), bpath)
        _check_str(block, "title", fail, f"{bpath}.title")
        for a, activity in enumerate(block.get("activities", [])):
            register("activity", activity.get("code"), f"{bpath}.activities[{a}]")
            _check_str(activity, "text", fail, f"{bpath}.activities[{a}].text")
        for c, competency in enumerate(block.get("competencies", [])):
            cpath = f"{bpath}.competencies[{c}]"
            register("competency", competency.get("code"), cpath)
            _check_str(competency, "text", fail, f"{cpath}.text")
            links += [("activity", code, f"{cpath}.activities") for code in competency.get("activities", [])]
        for e, assessment in enumerate(block.get("assessments", [])):
            epath = f"{bpath}.assessments[{e}]"
            register("assessment", assessment.get("code"), epath)
            _check_str(assessment, "title", fail, f"{epath}.title")
            kind = assessment.get("kind", "other")
            if kind not in ASSESSMENT_KINDS:
                fail(
                    f"{epath}.kind", _("must be one of %(values)s") % {"values": ", ".join(ASSESSMENT_KINDS)}
                )
            links += [
                ("competency", code, f"{epath}.competencies") for code in assessment.get("competencies", [])
            ]
            for k, criterion in enumerate(assessment.get("criteria", [])):
                kpath = f"{epath}.criteria[{k}]"
                register("criterion", criterion.get("code"), kpath)
                _check_str(criterion, "text", fail, f"{kpath}.text")
                links += [
                    ("competency", code, f"{kpath}.competencies")
                    for code in criterion.get("competencies", [])
                ]
    for kind, code, path in links:
        if code not in seen[kind]:
            fail(path, _("links to %(code)s, which is not in the document") % {"code": code})
    if errors:
        prefix = f"{where}: " if where else ""
        raise ImportRefused(
            prefix
            + _("the canonical JSON is invalid: %(first)s") % {"first": errors[0]}
            + (_(" (and %(n)s more problems)") % {"n": len(errors) - 1} if len(errors) > 1 else ""),
            hint=_("Correct the file; nothing was imported."),
        )


def _check_str(obj: dict, key: str, fail, path: str, *, code: bool = False) -> None:
    value = obj.get(key)
    if value is None:
        return
    if not isinstance(value, str) or not value.strip():
        fail(path, _("must be a non-empty string"))
    elif code and not _CODE_RE.match(value):
        fail(path, _("must be a code of letters, digits, '.', '_' or '-'"))


def dump_canonical(documents: list[CanonicalDocument] | CanonicalDocument) -> str:
    """Serialise like ``export`` does: UTF-8 text, stable key order as built, two-space indent."""
    return json.dumps(documents, ensure_ascii=False, indent=2) + "\n"


def document_counts(document: CanonicalDocument) -> dict[str, int]:
    """How many blocs, activities, competencies, modalities and criteria a canonical document holds."""
    blocks = document.get("blocks", [])
    assessments = [e for b in blocks for e in b.get("assessments", [])]
    return {
        "blocks": len(blocks),
        "activities": len(document.get("activities", [])) + sum(len(b.get("activities", [])) for b in blocks),
        "competencies": sum(len(b.get("competencies", [])) for b in blocks),
        "assessments": len(assessments),
        "criteria": sum(len(e.get("criteria", [])) for e in assessments),
    }
