"""Writing a parsed référentiel into the registry: the one state change of this app.

Invariants: an import is all or nothing (one transaction); a framework, once written, is never
changed by a later import (a new référentiel is a new version, DESIGN.md); importing the very same
content again is a no-op, so loading the seeds twice duplicates nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from certiflow.common.domain import audit
from certiflow.frameworks.exporters.canonical_json import STATISTICS_KEYS, normal_form
from certiflow.frameworks.importers import read_document
from certiflow.frameworks.importers.base import CanonicalDocument, ImportRefused
from certiflow.frameworks.importers.canonical import validate_canonical
from certiflow.frameworks.models import (
    AccessRoute,
    Activity,
    Assessment,
    Block,
    Certification,
    Certifier,
    Competency,
    Criterion,
    Framework,
    PendingImport,
    StatisticsRow,
)

Progress = Callable[[str, int, int], None]

#: Keys that describe where a document came from, what the importer noticed or how the user labelled
#: it, not what it says: the same content under another name is still the same référentiel.
_NOT_CONTENT = ("source", "warnings", "version")


@dataclass(frozen=True)
class ImportOutcome:
    framework: Framework
    created: bool


def content_digest(document: CanonicalDocument) -> str:
    """A fingerprint of what the document says (not where it came from), in normal form."""
    content = {k: v for k, v in normal_form(document).items() if k not in _NOT_CONTENT}
    return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def prepare_document(
    document: CanonicalDocument,
    *,
    code: str | None = None,
    version: str | None = None,
    title: str | None = None,
) -> CanonicalDocument:
    """Apply what the user chose (code, version label, title) where the document leaves them open.

    A user's code is refused when the document states a different RNCP code: the document wins, and
    silently filing it under another code would mislabel a registered certification.
    """
    document = dict(document)
    if code:
        stated = document.get("code")
        if stated and document.get("code_source", "document") == "document" and stated != code:
            raise ImportRefused(
                _("The document states the code %(stated)s; it cannot be imported as %(code)s.")
                % {"stated": stated, "code": code},
                hint=_("Leave out --code, or import the right document."),
            )
        if not stated:
            document["code"] = code
            document["code_source"] = "user"
    if version:
        document["version"] = version
    if title:
        document["title"] = title
    check_identified(document)
    return document


def check_identified(document: CanonicalDocument) -> None:
    """A certification is filed under a code and shown under a title: refuse a document lacking either."""
    if not document.get("code"):
        raise ImportRefused(
            _("The document has no RNCP code."),
            hint=_("Choose a code for this certification (command line: --code, e.g. --code ICART-MIC)."),
        )
    if not document.get("title"):
        raise ImportRefused(
            _("The document does not state the certification's title."),
            hint=_('Give it (command line: --title "…").'),
        )


@transaction.atomic
def import_framework(
    *, document: CanonicalDocument, actor: Any = None, progress: Progress | None = None
) -> ImportOutcome:
    """Create the certification (if new) and a new framework version from a canonical document.

    Refuses (:class:`ImportRefused`, nothing written) when the document is invalid, or when the
    version label already exists with other content. Writes one audit entry per created object
    group. The certification's metadata follows the newest version.
    """
    validate_canonical(document)
    digest = content_digest(document)
    certification = Certification.objects.select_for_update().filter(code=document["code"]).first()
    label = str(document.get("version") or "")
    if certification is not None:
        existing = certification.frameworks.filter(content_sha256=digest).first()
        if existing is not None:
            return ImportOutcome(framework=existing, created=False)
        if label and certification.frameworks.filter(version=label).exists():
            raise ImportRefused(
                _(
                    "%(code)s already has a version %(version)s with different content; a version is never "
                    "overwritten."
                )
                % {"code": certification.code, "version": label},
                hint=_("Import it as a new version (command line: --version LABEL)."),
            )
        ordinal = (
            certification.frameworks.order_by("-ordinal").values_list("ordinal", flat=True).first() or 0
        ) + 1
    else:
        certification = Certification(
            code=document["code"], code_source=document.get("code_source", "document")
        )
        ordinal = 1
    _apply_metadata(certification, document)
    certification.save()
    _replace_fiche_rows(certification, document)

    framework = Framework.objects.create(
        certification=certification,
        version=label or str(ordinal),
        ordinal=ordinal,
        title=document["title"],
        competency_policy=(document.get("rules") or {}).get("competency_policy", "all_criteria"),
        policy_threshold=(document.get("rules") or {}).get("threshold"),
        source_layout=(document.get("source") or {}).get("layout", "canonical_json"),
        source_name=(document.get("source") or {}).get("name", "")[:255],
        source_sha256=(document.get("source") or {}).get("sha256", ""),
        content_sha256=digest,
        sections=dict(document.get("sections") or {}),
        warnings=list(document.get("warnings", [])),
    )
    _write_content(framework, document, progress)
    audit.record(
        actor=actor,
        action="framework.imported",
        obj=framework,
        changes={
            "certification": certification.code,
            "version": framework.version,
            "layout": framework.source_layout,
            "document": framework.source_name,
            "sha256": framework.source_sha256,
            "counts": framework_counts(framework),
            "warnings": len(framework.warnings),
        },
    )
    return ImportOutcome(framework=framework, created=True)


def framework_counts(framework: Framework) -> dict[str, int]:
    return {
        "blocks": framework.blocks.count(),
        "activities": framework.activities.count(),
        "competencies": framework.competencies.count(),
        "assessments": framework.assessments.count(),
        "criteria": framework.criteria.count(),
    }


def _apply_metadata(certification: Certification, document: CanonicalDocument) -> None:
    certification.title = document["title"]
    # A référentiel that does not restate the fiche's metadata leaves it as it was.
    for field in ("level", "nsf", "formacodes", "rome", "labels", "replaces", "prerequisites"):
        if document.get(field):
            setattr(certification, field, document[field])
    if document.get("valid_until"):
        certification.valid_until = date.fromisoformat(document["valid_until"])


def _replace_fiche_rows(certification: Certification, document: CanonicalDocument) -> None:
    """Certifiers, access routes and statistics follow the newest document that states them."""
    if document.get("certifiers"):
        certifiers = []
        for row in document["certifiers"]:
            values = {
                "name": row.get("name") or "",
                "commercial_name": row.get("commercial_name") or "",
                "website": row.get("website") or "",
            }
            if row.get("siret"):
                certifier, _created = Certifier.objects.update_or_create(siret=row["siret"], defaults=values)
            else:
                certifier = Certifier.objects.create(**values)
            certifiers.append(certifier)
        certification.certifiers.set(certifiers)
    if document.get("access_routes"):
        certification.access_routes.all().delete()
        AccessRoute.objects.bulk_create(
            AccessRoute(
                certification=certification,
                route=row["route"],
                label=row.get("label") or row["route"],
                is_open=row.get("open"),
                jury_text=row.get("jury") or "",
                jury_rules=row.get("jury_rules"),
                position=position,
            )
            for position, row in enumerate(document["access_routes"], start=1)
        )
    if document.get("statistics"):
        certification.statistics.all().delete()
        StatisticsRow.objects.bulk_create(
            StatisticsRow(
                certification=certification,
                **{key: row.get(key) for key in STATISTICS_KEYS},
            )
            for row in document["statistics"]
        )


def _write_content(framework: Framework, document: CanonicalDocument, progress: Progress | None) -> None:
    blocks = document["blocks"]
    activities: dict[str, Activity] = {}
    competencies: dict[str, Competency] = {}
    counters = {"activity": 0, "competency": 0, "assessment": 0, "criterion": 0}

    def next_position(kind: str) -> int:
        counters[kind] += 1
        return counters[kind]

    def add_activity(row: dict, block: Block | None) -> None:
        activities[row["code"]] = Activity.objects.create(
            framework=framework,
            block=block,
            code=row["code"],
            generated=bool(row.get("generated")),
            position=next_position("activity"),
            text=row["text"],
            description=row.get("description") or "",
        )

    for row in document.get("activities", []):
        add_activity(row, None)
    for index, block_row in enumerate(blocks, start=1):
        if progress:
            progress(block_row["code"], index, len(blocks))
        block = Block.objects.create(
            framework=framework,
            code=block_row["code"],
            generated=bool(block_row.get("generated")),
            position=index,
            title=block_row["title"],
            description=block_row.get("description") or "",
        )
        for row in block_row.get("activities", []):
            add_activity(row, block)
        for row in block_row.get("competencies", []):
            competency = Competency.objects.create(
                framework=framework,
                block=block,
                code=row["code"],
                generated=bool(row.get("generated")),
                position=next_position("competency"),
                text=row["text"],
                summary=row.get("summary") or "",
            )
            competency.activities.set([activities[code] for code in row.get("activities", [])])
            competencies[row["code"]] = competency
    # Assessments may evaluate competencies of any bloc, so they are written once all exist.
    for block_row, block in zip(blocks, framework.blocks.order_by("position"), strict=True):
        for row in block_row.get("assessments", []):
            assessment = Assessment.objects.create(
                framework=framework,
                block=block,
                code=row["code"],
                generated=bool(row.get("generated")),
                position=next_position("assessment"),
                title=row["title"],
                kind=row.get("kind") or Assessment.Kind.OTHER,
                individual=row.get("individual"),
                collective=bool(row.get("collective")),
                written=bool(row.get("written")),
                oral=bool(row.get("oral")),
                description=row.get("description") or "",
                deliverables=list(row.get("deliverables", [])),
                criteria_heading=row.get("criteria_heading") or "",
            )
            assessment.competencies.set([competencies[code] for code in row.get("competencies", [])])
            for criterion_row in row.get("criteria", []):
                criterion = Criterion.objects.create(
                    framework=framework,
                    assessment=assessment,
                    code=criterion_row["code"],
                    generated=bool(criterion_row.get("generated")),
                    position=next_position("criterion"),
                    text=criterion_row["text"],
                    heading=criterion_row.get("heading") or "",
                )
                criterion.competencies.set(
                    [competencies[code] for code in criterion_row.get("competencies", [])]
                )


@transaction.atomic
def stage_import(*, raw: bytes, name: str, actor: Any) -> list[PendingImport]:
    """Parse an upload and keep the result for preview; raises :class:`ImportRefused` (nothing kept)."""
    results = read_document(raw, name=name)
    pending = []
    for result in results:
        draft = PendingImport.objects.create(
            created_by=actor,
            name=name[:255],
            layout=result.layout,
            document=result.document,
            warnings=[str(issue) for issue in result.issues],
        )
        audit.record(
            actor=actor,
            action="import.staged",
            obj=draft,
            changes={"layout": draft.layout, "sha256": result.document["source"]["sha256"]},
        )
        pending.append(draft)
    return pending


@transaction.atomic
def confirm_import(
    *,
    pending: PendingImport,
    actor: Any,
    code: str | None = None,
    version: str | None = None,
    title: str | None = None,
) -> ImportOutcome:
    """Write a previewed document (with the code, version and title the user gave) and drop the draft.

    Raises :class:`ImportRefused` and keeps the draft when the document cannot be written as is.
    """
    document = prepare_document(pending.document, code=code, version=version, title=title)
    outcome = import_framework(document=document, actor=actor)
    pending.delete()
    return outcome


@transaction.atomic
def discard_import(*, pending: PendingImport, actor: Any) -> None:
    """Drop a previewed document without writing it (audited: who looked at what and let it go)."""
    audit.record(actor=actor, action="import.discarded", obj=pending, changes={"layout": pending.layout})
    pending.delete()
