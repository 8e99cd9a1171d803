"""The canonical JSON of a framework version (DESIGN.md), and the normal form of such a document.

:func:`normal_form` gives every canonical document the same keys in the same order with explicit
defaults, so a document read from a file and the same document exported from the database compare
equal; :func:`export_framework` is what ``certiflow export`` and the fixtures write.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from certiflow.frameworks.importers.base import CanonicalDocument
from certiflow.frameworks.models import Assessment, Competency, Criterion, Framework

STATISTICS_KEYS = (
    "year",
    "certified",
    "certified_vae",
    "employment_rate_6m",
    "employment_rate_6m_job",
    "employment_rate_2y_job",
)


def _coded(row: dict, **fields: Any) -> dict:
    out: dict[str, Any] = {"code": row["code"]}
    if row.get("generated"):
        out["generated"] = True
    out.update(fields)
    return out


def _activity(row: dict) -> dict:
    return _coded(row, text=row["text"], description=row.get("description") or "")


def normal_form(document: CanonicalDocument) -> CanonicalDocument:
    """The document with every canonical key, in order, and defaults for what it leaves out."""
    rules = dict(document.get("rules") or {})
    rules.setdefault("competency_policy", "all_criteria")
    blocks = []
    for block in document.get("blocks", []):
        assessments = []
        for row in block.get("assessments", []):
            assessments.append(
                _coded(
                    row,
                    title=row["title"],
                    kind=row.get("kind") or "other",
                    individual=row.get("individual"),
                    collective=bool(row.get("collective")),
                    written=bool(row.get("written")),
                    oral=bool(row.get("oral")),
                    description=row.get("description") or "",
                    deliverables=list(row.get("deliverables", [])),
                    criteria_heading=row.get("criteria_heading") or "",
                    competencies=list(row.get("competencies", [])),
                    criteria=[
                        _coded(
                            c,
                            text=c["text"],
                            heading=c.get("heading") or "",
                            competencies=list(c.get("competencies", [])),
                        )
                        for c in row.get("criteria", [])
                    ],
                )
            )
        blocks.append(
            _coded(
                block,
                title=block["title"],
                description=block.get("description") or "",
                activities=[_activity(a) for a in block.get("activities", [])],
                competencies=[
                    _coded(
                        c,
                        text=c["text"],
                        summary=c.get("summary") or "",
                        activities=list(c.get("activities", [])),
                    )
                    for c in block.get("competencies", [])
                ],
                assessments=assessments,
            )
        )
    return {
        "code": document.get("code"),
        "code_source": document.get("code_source") or "document",
        "title": document.get("title"),
        "version": document.get("version"),
        "level": document.get("level"),
        "certifiers": [
            {
                "name": c.get("name") or "",
                "siret": c.get("siret") or "",
                "commercial_name": c.get("commercial_name") or "",
                "website": c.get("website") or "",
            }
            for c in document.get("certifiers") or []
        ],
        "nsf": list(document.get("nsf") or []),
        "formacodes": list(document.get("formacodes") or []),
        "rome": list(document.get("rome") or []),
        "valid_until": document.get("valid_until"),
        "replaces": list(document.get("replaces") or []),
        "labels": dict(document.get("labels") or {}),
        "access_routes": [
            {
                "route": r["route"],
                "label": r.get("label") or "",
                "open": r.get("open"),
                "jury": r.get("jury") or "",
                "jury_rules": r.get("jury_rules"),
            }
            for r in document.get("access_routes") or []
        ],
        "prerequisites": dict(document.get("prerequisites") or {}),
        "statistics": [
            {key: row.get(key) for key in STATISTICS_KEYS} for row in document.get("statistics") or []
        ],
        "rules": rules,
        "sections": dict(document.get("sections") or {}),
        "activities": [_activity(a) for a in document.get("activities") or []],
        "blocks": blocks,
        "source": dict(document.get("source") or {}),
        "warnings": list(document.get("warnings") or []),
    }


def export_framework(framework: Framework) -> CanonicalDocument:
    """The canonical document of one stored framework version (5 queries whatever its size)."""
    certification = framework.certification
    framework = (
        Framework.objects.select_related("certification")
        .prefetch_related(
            "certification__certifiers",
            "certification__access_routes",
            "certification__statistics",
            "activities",
            Prefetch("competencies", queryset=Competency.objects.prefetch_related("activities")),
            Prefetch(
                "assessments",
                queryset=Assessment.objects.prefetch_related(
                    "competencies",
                    Prefetch("criteria", queryset=Criterion.objects.prefetch_related("competencies")),
                ),
            ),
            "blocks",
        )
        .get(pk=framework.pk)
    )
    certification = framework.certification

    def coded(item) -> dict:
        return {"code": item.code, "generated": item.generated}

    blocks = []
    for block in framework.blocks.all():
        blocks.append(
            {
                **coded(block),
                "title": block.title,
                "description": block.description,
                "activities": [
                    {**coded(a), "text": a.text, "description": a.description}
                    for a in framework.activities.all()
                    if a.block_id == block.pk
                ],
                "competencies": [
                    {
                        **coded(c),
                        "text": c.text,
                        "summary": c.summary,
                        "activities": [a.code for a in sorted(c.activities.all(), key=lambda a: a.position)],
                    }
                    for c in framework.competencies.all()
                    if c.block_id == block.pk
                ],
                "assessments": [
                    {
                        **coded(e),
                        "title": e.title,
                        "kind": e.kind,
                        "individual": e.individual,
                        "collective": e.collective,
                        "written": e.written,
                        "oral": e.oral,
                        "description": e.description,
                        "deliverables": e.deliverables,
                        "criteria_heading": e.criteria_heading,
                        "competencies": [
                            c.code for c in sorted(e.competencies.all(), key=lambda c: c.position)
                        ],
                        "criteria": [
                            {
                                **coded(k),
                                "text": k.text,
                                "heading": k.heading,
                                "competencies": [
                                    c.code for c in sorted(k.competencies.all(), key=lambda c: c.position)
                                ],
                            }
                            for k in e.criteria.all()
                        ],
                    }
                    for e in framework.assessments.all()
                    if e.block_id == block.pk
                ],
            }
        )
    return normal_form(
        {
            "code": certification.code,
            "code_source": certification.code_source,
            "title": framework.title,
            "version": framework.version,
            "level": certification.level,
            "certifiers": [
                {"name": c.name, "siret": c.siret, "commercial_name": c.commercial_name, "website": c.website}
                for c in certification.certifiers.all()
            ],
            "nsf": certification.nsf,
            "formacodes": certification.formacodes,
            "rome": certification.rome,
            "valid_until": certification.valid_until.isoformat() if certification.valid_until else None,
            "replaces": certification.replaces,
            "labels": certification.labels,
            "access_routes": [
                {
                    "route": r.route,
                    "label": r.label,
                    "open": r.is_open,
                    "jury": r.jury_text,
                    "jury_rules": r.jury_rules,
                }
                for r in certification.access_routes.all()
            ],
            "prerequisites": certification.prerequisites,
            "statistics": [
                {key: getattr(row, key) for key in STATISTICS_KEYS}
                for row in sorted(certification.statistics.all(), key=lambda row: row.pk)
            ],
            "rules": _rules(framework),
            "sections": framework.sections,
            "activities": [
                {**coded(a), "text": a.text, "description": a.description}
                for a in framework.activities.all()
                if a.block_id is None
            ],
            "blocks": blocks,
            "source": {
                "layout": framework.source_layout,
                "name": framework.source_name,
                "sha256": framework.source_sha256,
            },
            "warnings": framework.warnings,
        }
    )


def _rules(framework: Framework) -> dict:
    rules: dict[str, Any] = {"competency_policy": framework.competency_policy}
    if framework.policy_threshold is not None:
        rules["threshold"] = float(framework.policy_threshold)
    return rules
