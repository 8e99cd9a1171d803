"""The procès-verbal (minutes) of a deliberation, as a PDF (DESIGN rule 7: signed minutes are immutable).

:func:`render_minutes` is called by the signing function, inside the transaction that signs the
deliberation, and its bytes are stored once in :class:`~certiflow.jury.models.Minutes`. It renders
``jury/minutes.html`` in French with WeasyPrint: the certification, the session, the jury and the
composition rules it answers to, every decision with its blocs and grounds, the exemption rulings (the
two cumulative conditions as the jury recorded them, seed 003, never a medical detail: accommodations
are not read at all), the equivalences ruled, the members' confirmations and an integrity summary.

The same deliberation and ``signed_at`` give the same bytes: the PDF's dates come from ``signed_at``,
it carries no random identifier and WeasyPrint fetches nothing (every URL is refused). It reads the
database in a fixed number of queries, whatever the number of candidates.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from certiflow.assessment.models import Session
from certiflow.candidates.models import Candidate
from certiflow.common.domain import pdf
from certiflow.frameworks.models import AccessRoute, Block
from certiflow.jury.models import (
    BlockDecision,
    CompositionRule,
    Confirmation,
    Decision,
    Deliberation,
    Equivalence,
    ExemptionRuling,
    JuryMember,
)

TEMPLATE = "jury/minutes.html"
#: The minutes are a French legal record, whatever the language of whoever signs them.
LANGUAGE = "fr"
#: Times in the minutes are the certifier's local time.
TIME_ZONE = ZoneInfo("Europe/Paris")

#: The engine's bloc statuses (``BlockDecision.proposed_status``), as the minutes name them.
BLOCK_PROPOSAL_LABELS = {
    "validated": _("validated"),
    "failed": _("not validated"),
    "pending": _("waiting for a result"),
    "to_decide": _("left to the jury"),
}


#: The minutes could not be rendered (for instance the template asked for an external resource).
MinutesRenderingError = pdf.PdfRenderingError


@dataclass(frozen=True)
class BlockLine:
    """A bloc of a decision: the jury's ruling, its ground, and the engine's proposal when it differed."""

    decision: BlockDecision
    proposed_label: str
    differs: bool


@dataclass(frozen=True)
class DecisionRow:
    """One line of the minutes: a decision and what the template shows of it."""

    decision: Decision
    candidate: Candidate
    route: AccessRoute
    blocks: tuple[BlockLine, ...]
    proposed_label: str
    differs: bool

    @property
    def superseded(self) -> Decision | None:
        return self.decision.supersedes


@dataclass(frozen=True)
class RouteComposition:
    route: AccessRoute
    rule: CompositionRule | None

    @property
    def professional_percent(self) -> int | None:
        return None if self.rule is None else round(self.rule.min_professional_ratio * 100)


def render_minutes(*, deliberation: Deliberation, signed_at: datetime) -> bytes:
    """The PDF minutes of ``deliberation``, signed at ``signed_at`` (an aware datetime)."""
    if timezone.is_naive(signed_at):
        raise ValueError("signed_at must be an aware datetime")
    with translation.override(LANGUAGE), timezone.override(TIME_ZONE):
        html = render_to_string(TEMPLATE, minutes_context(deliberation=deliberation, signed_at=signed_at))
    return html_to_pdf(html)


def minutes_context(*, deliberation: Deliberation, signed_at: datetime) -> dict[str, Any]:
    """What the minutes template shows, loaded in a fixed number of queries."""
    session = Session.objects.select_related("framework__certification").get(pk=deliberation.session_id)
    certification = session.framework.certification
    rectified = Deliberation.objects.get(pk=deliberation.rectifies_id) if deliberation.rectifies_id else None
    members = list(
        JuryMember.objects.filter(deliberation=deliberation)
        .select_related("user", "confirmation")
        .order_by("-is_president", "id")
    )
    decisions = list(
        Decision.objects.filter(deliberation=deliberation)
        .select_related(
            "enrolment__candidate", "enrolment__access_route", "enrolment__provider", "supersedes"
        )
        .prefetch_related(
            Prefetch(
                "blocks",
                queryset=BlockDecision.objects.select_related("block").order_by("block__position", "id"),
            )
        )
        .order_by("enrolment__candidate__last_name", "enrolment__candidate__first_name", "id")
    )
    rows = [_decision_row(decision) for decision in decisions]

    routes = sorted(
        {row.route.pk: row.route for row in rows}.values(), key=lambda route: (route.position, route.pk)
    )
    rules = {
        rule.access_route_id: rule
        for rule in CompositionRule.objects.filter(access_route__in=[route.pk for route in routes])
        .prefetch_related("required_roles")
        .order_by("id")
    }
    blocks: dict[int, Block] = {}
    for row in rows:
        for line in row.blocks:
            blocks.setdefault(line.decision.block_id, line.decision.block)

    exemption_rulings = list(
        ExemptionRuling.objects.filter(deliberation=deliberation)
        .select_related("proposal__enrolment__candidate", "proposal__criterion")
        .order_by(
            "proposal__enrolment__candidate__last_name",
            "proposal__enrolment__candidate__first_name",
            "proposal__criterion__position",
            "id",
        )
    )
    equivalences = list(
        Equivalence.objects.filter(decided_in=deliberation)
        .select_related("enrolment__candidate", "block", "source_block")
        .order_by(
            "enrolment__candidate__last_name", "enrolment__candidate__first_name", "block__position", "id"
        )
    )

    results = Counter(decision.result for decision in decisions)
    return {
        "deliberation": deliberation,
        "rectified": rectified,
        "session": session,
        "framework": session.framework,
        "certification": certification,
        "certifiers": list(certification.certifiers.all()),
        "signed_at": signed_at,
        # The PDF's creation date (W3C format, no fraction of a second): the signing time.
        "created": signed_at.astimezone(TIME_ZONE).replace(microsecond=0).isoformat(),
        "members": members,
        "confirmations": [(member, _confirmation(member)) for member in members],
        "president": next((member for member in members if member.is_president), None),
        "compositions": [RouteComposition(route=route, rule=rules.get(route.pk)) for route in routes],
        "rows": rows,
        "blocks": sorted(blocks.values(), key=lambda block: (block.position, block.code)),
        "exemption_rulings": exemption_rulings,
        "equivalences": equivalences,
        "integrity": {
            "candidates": len(decisions),
            "results": [
                {"label": label, "count": results[value]} for value, label in Decision.Result.choices
            ],
            "undecided": results[""],
            "blocks_validated": sum(1 for row in rows for line in row.blocks if line.decision.validated),
            "blocks": sum(len(row.blocks) for row in rows),
            "exemptions_granted": sum(1 for ruling in exemption_rulings if ruling.granted),
            "equivalences_accepted": sum(
                1 for equivalence in equivalences if equivalence.status == Equivalence.Status.ACCEPTED
            ),
            "members": len(members),
            "confirmations": sum(1 for member in members if _confirmation(member) is not None),
        },
    }


def html_to_pdf(html: str) -> bytes:
    """Render ``html`` (self-contained: no URL is fetched) to tagged PDF bytes."""
    return pdf.layout(html, what="the minutes").write_pdf(pdf_tags=True)


def _decision_row(decision: Decision) -> DecisionRow:
    proposed = decision.proposed_result
    if proposed in Decision.Result.values:
        proposed_label = Decision.Result(proposed).label
    elif (decision.proposal or {}).get("result") == "incomplete":
        proposed_label = _("incomplete: left to the jury")
    else:
        proposed_label = "—"
    return DecisionRow(
        decision=decision,
        candidate=decision.enrolment.candidate,
        route=decision.enrolment.access_route,
        blocks=tuple(
            BlockLine(
                decision=block,
                proposed_label=BLOCK_PROPOSAL_LABELS.get(block.proposed_status, block.proposed_status or "—"),
                differs=block.validated != (block.proposed_status == "validated"),
            )
            for block in decision.blocks.all()
        ),
        proposed_label=proposed_label,
        differs=bool(decision.result) and decision.result != proposed,
    )


def _confirmation(member: JuryMember) -> Confirmation | None:
    try:
        return member.confirmation
    except JuryMember.confirmation.RelatedObjectDoesNotExist:
        return None
