"""Entry and validation prerequisites (DESIGN rule 8, seed 003 « Prérequis à l'entrée » and « Prérequis à
la validation de la certification »), checked against the evidence recorded for an enrolment.

The certification's prerequisites are data imported from its fiche (``Certification.prerequisites``):
cases per access route and year of entry, each a list of conditions; a condition marked ``alternative``
is an « Ou » to the one before it. Only verified evidence satisfies a condition; evidence awaiting
verification makes it « to verify », never met.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certiflow.candidates.models import Enrolment, PrerequisiteEvidence
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused

Kind = PrerequisiteEvidence.Kind

MET, UNMET, TO_VERIFY = "met", "unmet", "to_verify"

#: « niveau 5 … ou avoir validé 120 crédits ECTS » accepts either; « … et avoir validé 60 crédits »
#: needs both. The fiche says which in words, so the check reads the condition's own text.
_ECTS_ALTERNATIVE = re.compile(r"\bou\s+avoir\s+valid", re.IGNORECASE)


@dataclass(frozen=True)
class ConditionResult:
    text: str
    status: str
    alternative: bool


@dataclass(frozen=True)
class CaseResult:
    case: str
    route_text: str
    year: int | None
    conditions: list[ConditionResult]

    @property
    def status(self) -> str:
        return _combine_case(self.conditions)


@dataclass(frozen=True)
class PrerequisiteReport:
    """Entry and validation results for one enrolment. When several cases apply (e.g. alternance
    entries by programme length, which the enrolment does not state), the best one counts, and the
    report lists them all."""

    entry: list[CaseResult] = field(default_factory=list)
    validation: list[CaseResult] = field(default_factory=list)

    @staticmethod
    def _best(cases: list[CaseResult]) -> str | None:
        if not cases:
            return None
        statuses = {case.status for case in cases}
        return MET if MET in statuses else TO_VERIFY if TO_VERIFY in statuses else UNMET

    @property
    def entry_status(self) -> str | None:
        return self._best(self.entry)

    @property
    def validation_status(self) -> str | None:
        return self._best(self.validation)

    @property
    def all_met(self) -> bool:
        """True only when every stated prerequisite is met; blocks certification otherwise (issue 4)."""
        return all(status in (MET, None) for status in (self.entry_status, self.validation_status))

    @property
    def unmet(self) -> list[str]:
        """The texts of what is missing, for the badges shown wherever the candidate appears."""
        missing = []
        for cases, status in ((self.entry, self.entry_status), (self.validation, self.validation_status)):
            if status != MET:
                for case in cases:
                    missing += [c.text for c in case.conditions if c.status != MET and c.text not in missing]
        return missing


def check_prerequisites(
    enrolment: Enrolment, evidence: list[PrerequisiteEvidence] | None = None
) -> PrerequisiteReport:
    """Check ``enrolment`` against its certification's prerequisites. Pass ``evidence`` when it is
    already loaded (lists prefetch it) to avoid a query."""
    stated = enrolment.framework.certification.prerequisites or {}
    if evidence is None:
        evidence = list(enrolment.prerequisite_evidence.all())
    route = enrolment.access_route.route
    return PrerequisiteReport(
        entry=[
            _check_case(case, evidence)
            for case in _applicable(stated.get("entry", []), route, enrolment.entry_year)
        ],
        validation=[
            _check_case(case, evidence)
            for case in _applicable(stated.get("validation", []), route, enrolment.entry_year)
        ],
    )


def _applicable(cases: list[dict[str, Any]], route: str, entry_year: int | None) -> list[dict[str, Any]]:
    for_route = [case for case in cases if route in case.get("routes", [])]
    if entry_year is not None and any(case.get("year") == entry_year for case in for_route):
        return [case for case in for_route if case.get("year") == entry_year]
    return for_route


def _check_case(case: dict[str, Any], evidence: list[PrerequisiteEvidence]) -> CaseResult:
    return CaseResult(
        case=case.get("case", ""),
        route_text=case.get("route_text", ""),
        year=case.get("year"),
        conditions=[
            ConditionResult(
                text=c["text"], status=_check_condition(c, evidence), alternative=bool(c.get("alternative"))
            )
            for c in case.get("conditions", [])
        ],
    )


def _combine_case(conditions: list[ConditionResult]) -> str:
    """Conditions are ANDed, except that an ``alternative`` condition is ORed with the one before."""
    groups: list[list[str]] = []
    for condition in conditions:
        if condition.alternative and groups:
            groups[-1].append(condition.status)
        else:
            groups.append([condition.status])
    group_statuses = [MET if MET in g else TO_VERIFY if TO_VERIFY in g else UNMET for g in groups]
    if all(s == MET for s in group_statuses):
        return MET
    return UNMET if UNMET in group_statuses else TO_VERIFY


def _best_value(evidence: list[PrerequisiteEvidence], kind: str) -> tuple[Decimal | None, Decimal | None]:
    """(best verified value, best value awaiting verification) for one kind of evidence."""
    verified = [
        e.value for e in evidence if e.kind == kind and e.verified_at is not None and e.value is not None
    ]
    pending = [e.value for e in evidence if e.kind == kind and e.verified_at is None and e.value is not None]
    return (max(verified) if verified else None, max(pending) if pending else None)


def _threshold(evidence: list[PrerequisiteEvidence], kind: str, minimum: int) -> str:
    verified, pending = _best_value(evidence, kind)
    if verified is not None and verified >= minimum:
        return MET
    if pending is not None and pending >= minimum:
        return TO_VERIFY
    return UNMET


def _any_of(*statuses: str) -> str:
    return MET if MET in statuses else TO_VERIFY if TO_VERIFY in statuses else UNMET


def _all_of(*statuses: str) -> str:
    return MET if all(s == MET for s in statuses) else UNMET if UNMET in statuses else TO_VERIFY


def _check_condition(condition: dict[str, Any], evidence: list[PrerequisiteEvidence]) -> str:
    parts: list[str] = []
    level, ects = condition.get("min_level"), condition.get("min_ects")
    level_status = _threshold(evidence, Kind.LEVEL, level) if level else None
    ects_status = _threshold(evidence, Kind.ECTS, ects) if ects else None
    if level_status and ects_status:
        either = _ECTS_ALTERNATIVE.search(condition["text"])
        parts.append(_any_of(level_status, ects_status) if either else _all_of(level_status, ects_status))
    elif level_status or ects_status:
        parts.append(level_status or ects_status)
    if months := condition.get("min_experience_months"):
        parts.append(_threshold(evidence, Kind.SECTOR_EXPERIENCE_MONTHS, months))
    if months := condition.get("programme_months"):
        parts.append(_threshold(evidence, Kind.PROGRAMME_MONTHS, months))
    experience, hours = condition.get("experience_months"), condition.get("billed_hours")
    if experience or hours:
        # Seed 003: « 4 mois d'expérience professionnelle … et/ou avoir facturé 200 h »: either suffices.
        options = []
        if experience:
            options.append(_threshold(evidence, Kind.EXPERIENCE_MONTHS, experience))
        if hours:
            options.append(_threshold(evidence, Kind.BILLED_HOURS, hours))
        parts.append(_any_of(*options))
    if not parts:
        # A condition with no figure (« Avoir validé les conditions d'accès ») needs a statement of it.
        statements = [e for e in evidence if e.kind == Kind.STATEMENT and e.condition == condition["text"]]
        if any(e.verified_at for e in statements):
            return MET
        return TO_VERIFY if statements else UNMET
    return _all_of(*parts)


def record_evidence(
    *,
    actor: AbstractBaseUser,
    enrolment: Enrolment,
    kind: str,
    description: str,
    value: Decimal | None = None,
    condition: str = "",
    link: str = "",
) -> PrerequisiteEvidence:
    """Record what the candidate has shown. It counts once an administrator verifies it."""
    if kind not in Kind.values:
        raise Refused(_("Unknown kind of evidence « %(kind)s ».") % {"kind": kind}, field="kind")
    if kind != Kind.STATEMENT and value is None:
        raise Refused(
            _("Give the figure this evidence shows (a level, credits, months or hours)."), field="value"
        )
    if value is not None and value < 0:
        raise Refused(_("The figure cannot be negative."), field="value")
    if kind == Kind.STATEMENT and not condition:
        raise Refused(_("Say which condition this statement answers."), field="condition")
    if not description.strip():
        raise Refused(_("Describe the evidence (the document, who issued it, when)."), field="description")
    with transaction.atomic():
        item = PrerequisiteEvidence.objects.create(
            enrolment=enrolment,
            kind=kind,
            value=value,
            condition=condition,
            description=description.strip(),
            link=link,
            recorded_by=actor,
        )
        audit.record(
            actor=actor,
            action="prerequisite.record",
            obj=enrolment,
            changes={"kind": kind, "value": None if value is None else str(value), "condition": condition},
        )
    return item


def verify_evidence(*, actor: AbstractBaseUser, evidence: PrerequisiteEvidence) -> PrerequisiteEvidence:
    with transaction.atomic():
        item = PrerequisiteEvidence.objects.select_for_update().get(pk=evidence.pk)
        if item.verified_at is not None:
            return item
        item.verified_by, item.verified_at = actor, timezone.now()
        item.save(update_fields=["verified_by", "verified_at"])
        audit.record(
            actor=actor, action="prerequisite.verify", obj=item.enrolment, changes={"evidence": item.pk}
        )
    return item
