"""The jury's pages (DESIGN rule 7, « the engine proposes, the jury decides »).

- the deliberations a user may see, and preparing one from a session;
- the deliberation: its jury (composed while it is prepared), the composition rules of the routes
  presented and what the check finds, opening, closing by the president, each member's confirmation,
  the signed minutes and the rectifications;
- the board: every candidate presented with the engine's proposal and the jury's decision, filters,
  a summary; the proposals come from the set-based engine, once per page;
- the candidate's file (drill-down): the proposal and its reasons, the progress matrix, prerequisites,
  exemption proposals and equivalences with their rulings, and the decision;
- presenting an equivalence or a VAE from the candidate's page.

Every rule is the domain's (``certiflow.jury.domain``): these views parse the input, check the
permissions (``jury.*`` rules) and show what the domain answers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from certiflow.assessment.domain.progress import progress_matrix
from certiflow.assessment.models import Assignment, Session
from certiflow.candidates.domain.prerequisites import check_prerequisites
from certiflow.candidates.models import ConflictOfInterest, Enrolment, ExemptionProposal, RoleGrant
from certiflow.common.domain.errors import Conflict, NotAllowed, Refused
from certiflow.frameworks.models import AccessRoute, Block, Correspondence
from certiflow.jury.domain.composition import (
    UnreadableRule,
    composition_problems,
    required_roles_of,
    rule_for,
)
from certiflow.jury.domain.deliberations import (
    CannotOpen,
    add_member,
    close_deliberation,
    confirm,
    create_deliberation,
    current_snapshots,
    differs_from_proposal,
    is_stale,
    open_deliberation,
    present_equivalence,
    presented,
    proposal_for_decision,
    record_decision,
    rectify,
    remove_member,
    rule_on_equivalence,
    rule_on_exemption,
    snapshot_validated,
)
from certiflow.jury.domain.engine import (
    DECISION_FOR,
    INCOMPLETE,
    NOT_CERTIFIED,
    TO_DECIDE,
    VALIDATED,
)
from certiflow.jury.domain.selectors import visible_deliberations
from certiflow.jury.models import (
    BlockDecision,
    CompositionRule,
    Decision,
    Deliberation,
    Equivalence,
    JuryMember,
    JuryRole,
    Minutes,
    Side,
)

from ..forms import (
    DecisionForm,
    DeliberationForm,
    EquivalenceForm,
    EquivalenceRulingForm,
    ExemptionRulingForm,
    JuryMemberForm,
    PasswordForm,
    RectifyForm,
)
from ._common import add_refusal, enrolment_or_404, require

Status = Deliberation.Status
Result = Decision.Result

#: The engine's overall proposals, as the jury reads them.
PROPOSAL_LABELS = {
    "certified": gettext_lazy("full certification"),
    "partial": gettext_lazy("partial certification"),
    NOT_CERTIFIED: gettext_lazy("failure"),
    INCOMPLETE: gettext_lazy("incomplete: the jury decides"),
}
#: The jury's results, short (the summary chart).
DECISION_LABELS = {
    Result.CERTIFIED: gettext_lazy("full certification"),
    Result.PARTIAL: gettext_lazy("partial certification"),
    Result.FAILED: gettext_lazy("failure"),
    Result.ABSENT: gettext_lazy("absent"),
    Result.EXCUSED: gettext_lazy("excused"),
}
#: The engine's bloc statuses.
BLOCK_LABELS = {
    VALIDATED: gettext_lazy("validated"),
    "failed": gettext_lazy("not validated"),
    "pending": gettext_lazy("waiting for a result"),
    TO_DECIDE: gettext_lazy("equivalence to rule on"),
}
#: Why a proposal is what it is: one sentence per reason code of the engine, ``%(detail)s`` being the
#: codes of the criteria or blocs concerned (or the prerequisites' texts).
REASON_SENTENCES = {
    "disagreement": gettext_lazy(
        "The two markers disagree on %(detail)s and no agreed result has been recorded yet."
    ),
    "pending": gettext_lazy("These criteria are still waiting for a result: %(detail)s."),
    "to_decide": gettext_lazy(
        "An equivalence or a VAE is presented for %(detail)s: the jury rules on it before deciding."
    ),
    "failed_blocks": gettext_lazy("These blocs are not validated: %(detail)s."),
    "prerequisites": gettext_lazy(
        "Prerequisites are not met, so the candidate cannot be certified: %(detail)s"
    ),
    "no_blocks": gettext_lazy("The référentiel has no bloc to validate."),
}
FILTERS = ("route", "provider", "proposal", "decided", "disagreement")


# --- loading what a user may see ---------------------------------------------------------------------
def _deliberation_or_404(request: HttpRequest, pk: int) -> Deliberation:
    """The deliberation if the user may see it (an administrator, a member of its jury); 404 otherwise,
    so its existence is not disclosed."""
    deliberation = get_object_or_404(
        Deliberation.objects.select_related(
            "session__framework__certification", "rectifies"
        ).prefetch_related(
            Prefetch("members", queryset=JuryMember.objects.select_related("user", "confirmation"))
        ),
        pk=pk,
    )
    if not request.user.has_perm("jury.view_deliberation", deliberation):
        raise Http404
    return deliberation


def _decision_or_404(request: HttpRequest, deliberation: Deliberation, pk: int) -> Decision:
    """A decision of ``deliberation``; 403 for someone who declared a conflict with its candidate."""
    decision = get_object_or_404(
        Decision.objects.select_related(
            "enrolment__candidate",
            "enrolment__access_route",
            "enrolment__provider",
            "enrolment__framework__certification",
            "decided_by",
            "supersedes__deliberation",
        ),
        pk=pk,
        deliberation=deliberation,
    )
    decision.deliberation = deliberation  # the seats the rules read are cached on this instance
    if not request.user.has_perm("jury.judge_enrolment", decision):
        raise PermissionDenied
    return decision


def _refusal_text(refusal: Refused) -> str:
    return f"{refusal.message} {refusal.hint}".strip()


# --- the list and the creation -----------------------------------------------------------------------
@permission_required("jury.view_deliberation_list", raise_exception=True)
def deliberation_list(request: HttpRequest) -> HttpResponse:
    """Administrators see every deliberation; anyone else those they sit on."""
    user = request.user
    mine = JuryMember.objects.filter(deliberation=OuterRef("pk"), user=user)
    deliberations = (
        visible_deliberations(user)
        .select_related("session__framework__certification")
        .annotate(
            candidate_count=Count("decisions", distinct=True),
            member_count=Count("members", distinct=True),
            i_preside=Exists(mine.filter(is_president=True)),
            to_confirm=Exists(mine.filter(confirmation__isnull=True)),
        )
        .order_by("-meets_on", "-id")
    )
    return render(
        request,
        "web/jury/deliberation_list.html",
        {"deliberations": list(deliberations), "sees_all": user.has_perm("jury.manage_deliberation", None)},
    )


@permission_required("jury.manage_deliberation", raise_exception=True)
@require_http_methods(["GET", "POST"])
def deliberation_create(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(Session.objects.select_related("framework__certification"), pk=pk)
    form = DeliberationForm(
        request.POST or None,
        initial={"title": _("Jury — %(session)s") % {"session": session.title}, "meets_on": session.ends_on},
    )
    if request.method == "POST" and form.is_valid():
        try:
            deliberation = create_deliberation(actor=request.user, session=session, **form.cleaned_data)
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(request, _("Deliberation created. Now compose its jury."))
            return redirect("web:deliberation-detail", pk=deliberation.pk)
    return render(
        request,
        "web/jury/deliberation_form.html",
        {"session": session, "form": form},
        status=400 if form.errors else 200,
    )


# --- the deliberation page ---------------------------------------------------------------------------
def _people(deliberation: Deliberation) -> list[tuple[str, list[tuple[int, str]]]]:
    """Active accounts that may be seated, those holding the jury member role first; never a candidate's
    account nor someone already seated."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, candidate__isnull=True)
        .exclude(jury_seats__deliberation=deliberation)
        .annotate(
            is_jury=Exists(RoleGrant.objects.filter(user=OuterRef("pk"), role=RoleGrant.Role.JURY_MEMBER))
        )
        .order_by("-is_jury", "last_name", "first_name", "username")
    )

    def label(user) -> str:
        name = user.get_full_name()
        return f"{name} ({user.get_username()})" if name else user.get_username()

    jury, others = [], []
    for user in users:
        (jury if user.is_jury else others).append((user.pk, label(user)))
    groups = []
    if jury:
        groups.append((_("Jury members"), jury))
    if others:
        groups.append((_("Other active accounts"), others))
    return groups


def _member_form(deliberation: Deliberation, data=None) -> JuryMemberForm:
    return JuryMemberForm(
        data,
        people=_people(deliberation),
        roles=JuryRole.choices,
        sides=Side.choices,
        prefix="member",
    )


@dataclass(frozen=True)
class RouteRule:
    route: AccessRoute
    rule: CompositionRule | None
    unreadable: str = ""

    @property
    def professional_percent(self) -> int | None:
        return None if self.rule is None else round(self.rule.min_professional_ratio * 100)

    @property
    def roles(self) -> list:
        return [] if self.rule is None else required_roles_of(self.rule)


def _route_rules(request: HttpRequest, routes: list[AccessRoute]) -> list[RouteRule]:
    found = []
    for route in routes:
        try:
            found.append(RouteRule(route=route, rule=rule_for(access_route=route, persist=False)))
        except UnreadableRule as unreadable:
            found.append(RouteRule(route=route, rule=None, unreadable=str(unreadable)))
    return found


def _detail_context(
    request: HttpRequest, deliberation: Deliberation, forms: dict | None = None, open_problems=None
) -> dict:
    user = request.user
    forms = forms or {}
    members = list(deliberation.members.all())
    seat = next((m for m in members if m.user_id == user.pk), None)
    can_manage = user.has_perm("jury.manage_deliberation", deliberation)
    preparing = deliberation.status == Status.PREPARING
    if preparing:
        enrolments = presented(deliberation)
        route_ids = {e.access_route_id for e in enrolments}
        problems = composition_problems(deliberation=deliberation, enrolments=enrolments, actor=user)
    else:
        enrolments = []
        route_ids = set(deliberation.decisions.values_list("enrolment__access_route_id", flat=True))
        problems = []
    routes = list(AccessRoute.objects.filter(pk__in=route_ids).order_by("position"))
    decisions = (
        list(deliberation.decisions.select_related("enrolment__candidate"))
        if deliberation.status == Status.CLOSED
        else []
    )
    minutes = (
        Minutes.objects.filter(deliberation=deliberation).defer("pdf").first()
        if deliberation.status == Status.CLOSED
        else None
    )
    return {
        "deliberation": deliberation,
        "session": deliberation.session,
        "members": members,
        "seat": seat,
        "can_manage": can_manage,
        "presented": enrolments,
        "route_rules": _route_rules(request, routes),
        "problems": problems,
        "open_problems": open_problems,
        "member_form": forms.get("member")
        or (_member_form(deliberation) if preparing and can_manage else None),
        "close_form": forms.get("close")
        or (
            PasswordForm(prefix="close")
            if deliberation.status == Status.OPEN and user.has_perm("jury.close_deliberation", deliberation)
            else None
        ),
        "confirm_form": forms.get("confirm")
        or (
            PasswordForm(prefix="confirm")
            if deliberation.status == Status.CLOSING
            and seat is not None
            and not hasattr(seat, "confirmation")
            else None
        ),
        "confirmed": [m for m in members if hasattr(m, "confirmation")],
        "waiting": [m for m in members if not hasattr(m, "confirmation")],
        "minutes": minutes,
        "rectify_form": forms.get("rectify")
        or (
            RectifyForm(
                prefix="rectify",
                enrolments=[(d.enrolment_id, str(d.enrolment.candidate)) for d in decisions],
                initial={"meets_on": timezone.localdate()},
            )
            if decisions and can_manage
            else None
        ),
        "rectifications": list(deliberation.rectifications.order_by("meets_on", "pk")),
    }


def deliberation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = _deliberation_or_404(request, pk)
    return render(request, "web/jury/deliberation_detail.html", _detail_context(request, deliberation))


def _render_detail(request, deliberation, *, forms=None, open_problems=None, status=400) -> HttpResponse:
    return render(
        request,
        "web/jury/deliberation_detail.html",
        _detail_context(request, deliberation, forms=forms, open_problems=open_problems),
        status=status,
    )


@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = _deliberation_or_404(request, pk)
    require(request, "jury.manage_deliberation", deliberation)
    form = _member_form(deliberation, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        person = get_user_model().objects.filter(pk=data["user"], is_active=True).first()
        try:
            if person is None:
                raise Refused(_("Choose an active account."), field="user")
            add_member(
                actor=request.user,
                deliberation=deliberation,
                user=person,
                role=data["role"],
                is_professional=data["is_professional"],
                side=data["side"],
                organisation=data["organisation"],
                is_president=data["is_president"],
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("%(person)s now sits on the jury.")
                % {"person": person.get_full_name() or person.get_username()},
            )
            return redirect(f"{reverse('web:deliberation-detail', args=[pk])}#members")
    return _render_detail(request, deliberation, forms={"member": form})


@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    deliberation = _deliberation_or_404(request, pk)
    require(request, "jury.manage_deliberation", deliberation)
    member = get_object_or_404(
        JuryMember.objects.select_related("user"), pk=member_pk, deliberation=deliberation
    )
    member.deliberation = deliberation
    try:
        remove_member(actor=request.user, member=member)
    except Refused as refusal:
        messages.error(request, _refusal_text(refusal))
    else:
        messages.success(request, _("%(person)s no longer sits on the jury.") % {"person": member})
    return redirect(f"{reverse('web:deliberation-detail', args=[pk])}#members")


@require_POST
def deliberation_open(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = _deliberation_or_404(request, pk)
    require(request, "jury.manage_deliberation", deliberation)
    try:
        open_deliberation(actor=request.user, deliberation=deliberation)
    except CannotOpen as cannot:
        return _render_detail(request, deliberation, open_problems=cannot)
    except Refused as refusal:
        messages.error(request, _refusal_text(refusal))
        return redirect("web:deliberation-detail", pk=pk)
    messages.success(request, _("The deliberation is open: the jury can rule and decide."))
    return redirect("web:deliberation-board", pk=pk)


@require_POST
def deliberation_close(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = _deliberation_or_404(request, pk)
    require(request, "jury.close_deliberation", deliberation)
    form = PasswordForm(request.POST, prefix="close")
    status = 400
    if form.is_valid():
        try:
            close_deliberation(
                actor=request.user, deliberation=deliberation, password=form.cleaned_data["password"]
            )
        except Refused as refusal:
            add_refusal(form, refusal)
            status = refusal.status
        else:
            messages.success(
                request,
                _("Deliberation closed. Each member of the jury now confirms it with their password."),
            )
            return redirect("web:deliberation-detail", pk=pk)
    return _render_detail(request, deliberation, forms={"close": form}, status=status)


@require_POST
def deliberation_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = _deliberation_or_404(request, pk)
    require(request, "jury.confirm_deliberation", deliberation)
    form = PasswordForm(request.POST, prefix="confirm")
    status = 400
    if form.is_valid():
        try:
            confirm(actor=request.user, deliberation=deliberation, password=form.cleaned_data["password"])
        except Refused as refusal:
            add_refusal(form, refusal)
            status = refusal.status
        else:
            deliberation.refresh_from_db(fields=["status"])
            if deliberation.status == Status.CLOSED:
                messages.success(
                    request, _("Confirmation recorded. The deliberation is signed; its minutes are ready.")
                )
            else:
                messages.success(request, _("Confirmation recorded."))
            return redirect("web:deliberation-detail", pk=pk)
    return _render_detail(request, deliberation, forms={"confirm": form}, status=status)


def deliberation_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed minutes (procès-verbal), as the PDF stored when the deliberation was signed."""
    deliberation = _deliberation_or_404(request, pk)
    minutes = Minutes.objects.filter(deliberation=deliberation).first()
    if minutes is None:
        raise Http404
    response = HttpResponse(bytes(minutes.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="proces-verbal-{deliberation.pk}.pdf"'
    return response


@require_POST
def deliberation_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    deliberation = _deliberation_or_404(request, pk)
    require(request, "jury.manage_deliberation", deliberation)
    decisions = list(deliberation.decisions.select_related("enrolment__candidate"))
    form = RectifyForm(
        request.POST,
        prefix="rectify",
        enrolments=[(d.enrolment_id, str(d.enrolment.candidate)) for d in decisions],
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            rectification = rectify(
                actor=request.user,
                deliberation=deliberation,
                enrolments=[d.enrolment for d in decisions if d.enrolment_id in set(data["enrolments"])],
                reason=data["reason"],
                meets_on=data["meets_on"],
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request, _("Rectifying deliberation created: check its jury, then open it to decide again.")
            )
            return redirect("web:deliberation-detail", pk=rectification.pk)
    return _render_detail(request, deliberation, forms={"rectify": form})


# --- the board ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BoardRow:
    decision: Decision
    proposal: dict  # the current proposal's snapshot (the recorded one once the deliberation is closed)
    proposed_codes: list[str]
    decided_codes: list[str]
    differs: bool
    stale: bool
    disagreement: bool
    conflict: bool

    @property
    def proposal_result(self) -> str:
        return self.proposal.get("result", "")


def _board_rows(request: HttpRequest, deliberation: Deliberation) -> list[BoardRow]:
    decisions = list(
        deliberation.decisions.select_related(
            "enrolment__candidate", "enrolment__access_route", "enrolment__provider"
        ).prefetch_related(Prefetch("blocks", queryset=BlockDecision.objects.select_related("block")))
    )
    current = current_snapshots(deliberation, decisions)
    conflicts = set(
        ConflictOfInterest.objects.filter(
            person_id=request.user.pk, candidate_id__in={d.enrolment.candidate_id for d in decisions}
        ).values_list("candidate_id", flat=True)
    )
    rows = []
    for decision in decisions:
        snapshot = current.get(decision.enrolment_id, {})
        decided = [b for b in decision.blocks.all() if b.validated]
        decided_ids = {b.block_id for b in decided}
        rows.append(
            BoardRow(
                decision=decision,
                proposal=snapshot,
                proposed_codes=[b["code"] for b in snapshot.get("blocks", ()) if b["status"] == VALIDATED],
                decided_codes=[b.block.code for b in decided],
                differs=bool(decision.result)
                and differs_from_proposal(
                    snapshot=decision.proposal or {}, result=decision.result, validated=decided_ids
                ),
                stale=is_stale(decision, snapshot),
                disagreement=any(r["code"] == "disagreement" for r in snapshot.get("reasons", ())),
                conflict=decision.enrolment.candidate_id in conflicts,
            )
        )
    return rows


def _filtered(rows: list[BoardRow], filters: dict[str, str]) -> list[BoardRow]:
    def keep(row: BoardRow) -> bool:
        enrolment = row.decision.enrolment
        if filters["route"] and str(enrolment.access_route_id) != filters["route"]:
            return False
        if filters["provider"] and str(enrolment.provider_id or "none") != filters["provider"]:
            return False
        if filters["proposal"] and row.proposal_result != filters["proposal"]:
            return False
        if filters["decided"] == "yes" and not row.decision.result:
            return False
        if filters["decided"] == "no" and row.decision.result:
            return False
        if filters["decided"] == "attention" and not (row.differs or row.stale):
            return False
        return not (filters["disagreement"] == "yes" and not row.disagreement)

    return [row for row in rows if keep(row)]


@dataclass(frozen=True)
class ChartLine:
    """One line of the summary chart: a heading (``css`` empty), or a label with its bar."""

    y: int
    label: str
    css: str = ""
    value: int = 0
    width: int = 0


CHART_LABEL_WIDTH = 210
CHART_BAR_WIDTH = 280
CHART_LINE = 22


def _summary_chart(groups: list[tuple[str, list[tuple[str, str, int]]]]) -> dict:
    """Horizontal bars, one group per series (proposals, decisions): (heading, [(label, css, count)])."""
    top = max((count for _heading, items in groups for _label, _css, count in items), default=0) or 1
    lines: list[ChartLine] = []
    y = 0
    for heading, items in groups:
        lines.append(ChartLine(y=y, label=heading))
        y += CHART_LINE
        for label, css, count in items:
            width = round(CHART_BAR_WIDTH * count / top)
            lines.append(ChartLine(y=y, label=str(label), css=css, value=count, width=width))
            y += CHART_LINE
        y += CHART_LINE // 2
    return {
        "lines": lines,
        "height": y,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 40,
        "label_x": CHART_LABEL_WIDTH - 8,
        "bar_x": CHART_LABEL_WIDTH,
    }


def _summary(rows: list[BoardRow]) -> dict:
    proposed = Counter(row.proposal_result for row in rows)
    decided = Counter(row.decision.result or "" for row in rows)
    proposal_items = [(PROPOSAL_LABELS[code], f"p-{code}", proposed[code]) for code in PROPOSAL_LABELS]
    decision_items = [(label, f"d-{code}", decided[code]) for code, label in DECISION_LABELS.items()] + [
        (_("to decide"), "d-undecided", decided[""])
    ]
    return {
        "proposals": proposal_items,
        "decisions": decision_items,
        "total": len(rows),
        "decided": len(rows) - decided[""],
        "differs": sum(row.differs for row in rows),
        "stale": sum(row.stale for row in rows),
        "disagreements": sum(row.disagreement for row in rows),
        "chart": _summary_chart(
            [(_("Proposals of the engine"), proposal_items), (_("Decisions of the jury"), decision_items)]
        ),
    }


def deliberation_board(request: HttpRequest, pk: int) -> HttpResponse:
    """Every candidate presented, with the proposal and the decision. Filters are plain GET parameters
    (the form works without JavaScript); with htmx only the table comes back."""
    deliberation = _deliberation_or_404(request, pk)
    if deliberation.status == Status.PREPARING:
        messages.info(request, _("The board opens with the deliberation."))
        return redirect("web:deliberation-detail", pk=pk)
    rows = _board_rows(request, deliberation)
    filters = {name: request.GET.get(name, "").strip() for name in FILTERS}
    shown = _filtered(rows, filters)
    routes = {row.decision.enrolment.access_route for row in rows}
    providers = {row.decision.enrolment.provider for row in rows}
    context = {
        "deliberation": deliberation,
        "rows": shown,
        "total": len(rows),
        "filters": filters,
        "filtered": any(filters.values()),
        "routes": sorted(routes, key=lambda r: r.position),
        "providers": sorted((p for p in providers if p is not None), key=lambda p: p.name),
        "without_provider": None in providers,
        "proposal_choices": list(PROPOSAL_LABELS.items()),
        "can_decide": deliberation.status == Status.OPEN
        and request.user.has_perm("jury.decide", deliberation),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "web/jury/_board_rows.html", context)
    context["summary"] = _summary(rows)
    return render(request, "web/jury/board.html", context)


# --- the candidate's file ----------------------------------------------------------------------------
def _reason_sentences(snapshot: dict) -> list[str]:
    sentences = []
    for reason in snapshot.get("reasons", ()):
        template = REASON_SENTENCES.get(reason["code"])
        sentences.append(str(template) % {"detail": reason["detail"]} if template else reason["detail"])
    return sentences


def _block_choices(snapshot: dict, blocks: dict[int, Block]) -> list[tuple[int, str]]:
    choices = []
    for item in snapshot.get("blocks", ()):
        block = blocks.get(item["block_id"])
        choices.append(
            (
                item["block_id"],
                _("%(code)s — %(title)s (proposal: %(status)s; %(ground)s)")
                % {
                    "code": item["code"],
                    "title": block.title if block else "",
                    "status": BLOCK_LABELS.get(item["status"], item["status"]),
                    "ground": BlockDecision.Source(item["source"]).label,
                },
            )
        )
    return choices


def _decision_form(decision: Decision, snapshot: dict, blocks: dict[int, Block], data=None) -> DecisionForm:
    if decision.result:
        initial_blocks = [b.block_id for b in decision.blocks.all() if b.validated]
        initial_result = decision.result
    else:
        initial_blocks = sorted(snapshot_validated(snapshot))
        initial_result = DECISION_FOR.get(snapshot.get("result", ""), "")
    return DecisionForm(
        data,
        results=Result.choices,
        blocks=_block_choices(snapshot, blocks),
        initial={
            "result": initial_result,
            "blocks": initial_blocks,
            "reason": decision.reason,
            "base_revision": decision.revision,
        },
        prefix="decision",
    )


def _neighbours(request: HttpRequest, deliberation: Deliberation, decision: Decision) -> dict:
    """The previous and next candidates the user may judge, in the board's order."""
    conflicts = set(
        ConflictOfInterest.objects.filter(
            person_id=request.user.pk, candidate__enrolments__jury_decisions__deliberation=deliberation
        ).values_list("candidate_id", flat=True)
    )
    order = [
        d
        for d in deliberation.decisions.select_related("enrolment__candidate")
        if d.enrolment.candidate_id not in conflicts or d.pk == decision.pk
    ]
    index = next(i for i, d in enumerate(order) if d.pk == decision.pk)
    return {
        "previous": order[index - 1] if index > 0 else None,
        "next": order[index + 1] if index + 1 < len(order) else None,
        "position": index + 1,
        "count": len(order),
    }


def _decision_context(
    request: HttpRequest,
    deliberation: Deliberation,
    decision: Decision,
    *,
    forms: dict | None = None,
    conflict: Conflict | None = None,
) -> dict:
    user = request.user
    forms = forms or {}
    enrolment = decision.enrolment
    is_open = deliberation.status == Status.OPEN
    if is_open:
        proposal = proposal_for_decision(decision)
        snapshot, matrix = proposal.snapshot(), proposal.matrix
    else:
        snapshot, matrix = decision.proposal or {}, progress_matrix(enrolment)
    blocks = {row.block.pk: row.block for row in matrix.blocks} if matrix else {}
    can_decide = is_open and user.has_perm("jury.decide", deliberation)
    stored_blocks = [b for b in decision.blocks.all() if b.validated]

    exemptions = list(
        enrolment.exemption_proposals.select_related(
            "criterion__assessment", "proposed_by", "ruling__decided_by", "ruling__deliberation"
        ).exclude(status=ExemptionProposal.Status.WITHDRAWN)
    )
    exemption_forms = {
        p.pk: forms.get(("exemption", p.pk)) or ExemptionRulingForm(prefix=f"exemption-{p.pk}")
        for p in exemptions
        if can_decide and p.status == ExemptionProposal.Status.PROPOSED
    }
    equivalences = list(
        enrolment.equivalences.select_related(
            "block", "source_block__framework__certification", "presented_by", "decided_in"
        )
    )
    equivalence_forms = {
        e.pk: forms.get(("equivalence", e.pk))
        or EquivalenceRulingForm(
            prefix=f"equivalence-{e.pk}",
            initial={"interview_notes": e.interview_notes, "interview_on": e.interview_on},
        )
        for e in equivalences
        if can_decide and e.status == Equivalence.Status.PRESENTED
    }
    assignments = [
        a
        for a in Assignment.objects.filter(
            Q(sitting__enrolment=enrolment) | Q(group__sittings__enrolment=enrolment),
            scheduled__session=deliberation.session,
        )
        .select_related("scheduled__assessment", "evaluator", "sitting", "group")
        .prefetch_related("evidence__criterion")
        .distinct()
        .order_by("scheduled__starts_at", "rank")
        if user.has_perm("assessment.view_assignment", a)
    ]
    theirs = None
    if conflict is not None:
        current = conflict.current
        theirs = {
            "result": Result(current["result"]).label if current.get("result") else _("not decided"),
            "reason": current.get("reason", ""),
            "blocks": [blocks[i].code for i in current.get("blocks", ()) if i in blocks],
        }
    form = forms.get("decision")
    if form is not None:
        form.fields["blocks"].choices = _block_choices(snapshot, blocks)
    yours = None
    if conflict is not None and form is not None:
        yours = {
            "result": Result(form.cleaned_data["result"]).label,
            "reason": form.cleaned_data.get("reason", ""),
            "blocks": [blocks[i].code for i in form.cleaned_data.get("blocks", ()) if i in blocks],
        }
    return {
        "deliberation": deliberation,
        "decision": decision,
        "enrolment": enrolment,
        "candidate": enrolment.candidate,
        "proposal": snapshot,
        "proposal_label": PROPOSAL_LABELS.get(snapshot.get("result", ""), ""),
        "proposal_blocks": [
            {
                **item,
                "block": blocks.get(item["block_id"]),
                "label": BLOCK_LABELS.get(item["status"], item["status"]),
                "ground": BlockDecision.Source(item["source"]).label,
            }
            for item in snapshot.get("blocks", ())
        ],
        "reasons": _reason_sentences(snapshot),
        "stale": is_stale(decision, snapshot),
        "differs": bool(decision.result)
        and differs_from_proposal(
            snapshot=decision.proposal or {},
            result=decision.result,
            validated={b.block_id for b in stored_blocks},
        ),
        "stored_blocks": stored_blocks,
        "matrix": matrix,
        "prerequisites": check_prerequisites(enrolment),
        "exemptions": exemptions,
        "exemption_forms": exemption_forms,
        "equivalences": equivalences,
        "equivalence_forms": equivalence_forms,
        "assignments": assignments,
        "can_decide": can_decide,
        "decision_form": (form or _decision_form(decision, snapshot, blocks)) if can_decide else None,
        "conflict": conflict,
        "theirs": theirs,
        "yours": yours,
        **_neighbours(request, deliberation, decision),
    }


def _decision_url(deliberation: Deliberation, decision: Decision, anchor: str = "") -> str:
    url = reverse("web:deliberation-decision", args=[deliberation.pk, decision.pk])
    return f"{url}#{anchor}" if anchor else url


def _open_decision(request: HttpRequest, pk: int, decision_pk: int) -> tuple[Deliberation, Decision]:
    deliberation = _deliberation_or_404(request, pk)
    decision = _decision_or_404(request, deliberation, decision_pk)
    return deliberation, decision


@require_http_methods(["GET", "POST"])
def decision_detail(request: HttpRequest, pk: int, decision_pk: int) -> HttpResponse:
    """The candidate's file and the jury's decision on it. A decision that differs from the proposal
    needs the jury's reason; a decision recorded meanwhile by someone else is shown beside yours (409)."""
    deliberation, decision = _open_decision(request, pk, decision_pk)
    if deliberation.status == Status.PREPARING:
        return redirect("web:deliberation-detail", pk=pk)
    if request.method == "GET":
        return render(
            request, "web/jury/decision_detail.html", _decision_context(request, deliberation, decision)
        )
    require(request, "jury.decide", deliberation)
    form = DecisionForm(
        request.POST,
        results=Result.choices,
        blocks=[(b.pk, b.code) for b in decision.enrolment.framework.blocks.all()],
        prefix="decision",
    )
    conflict = None
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            record_decision(
                actor=request.user,
                decision=decision,
                result=data["result"],
                validated_block_ids=data["blocks"],
                reason=data["reason"],
                base_revision=data["base_revision"],
            )
        except Conflict as exc:
            conflict, status = exc, 409
            # Saving again now replaces the decision recorded meanwhile (the user has seen it).
            form.data = form.data.copy()
            form.data[form.add_prefix("base_revision")] = exc.current["revision"]
            decision = _decision_or_404(request, deliberation, decision.pk)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Decision recorded for %(candidate)s.") % {"candidate": decision.enrolment.candidate},
            )
            return redirect(_decision_url(deliberation, decision, "decision"))
    context = _decision_context(request, deliberation, decision, forms={"decision": form}, conflict=conflict)
    return render(request, "web/jury/decision_detail.html", context, status=status)


@require_POST
def exemption_rule(request: HttpRequest, pk: int, decision_pk: int, proposal_pk: int) -> HttpResponse:
    """The jury grants or refuses a referent's exemption proposal, recording both cumulative
    conditions itself (seed 003)."""
    deliberation, decision = _open_decision(request, pk, decision_pk)
    require(request, "jury.decide", deliberation)
    proposal = get_object_or_404(
        ExemptionProposal.objects.select_related("criterion", "enrolment__candidate"),
        pk=proposal_pk,
        enrolment=decision.enrolment,
    )
    form = ExemptionRulingForm(request.POST, prefix=f"exemption-{proposal.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule_on_exemption(
                actor=request.user,
                deliberation=deliberation,
                proposal=proposal,
                granted=data["granted"],
                keeps_overall_capability=data["keeps_overall_capability"],
                not_applicable_to_future_practice=data["not_applicable_to_future_practice"],
                reason=data["reason"],
            )
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Ruling recorded on the exemption of %(code)s.") % {"code": proposal.criterion.code},
            )
            return redirect(_decision_url(deliberation, decision, f"exemption-{proposal.pk}"))
    context = _decision_context(request, deliberation, decision, forms={("exemption", proposal.pk): form})
    return render(request, "web/jury/decision_detail.html", context, status=400)


@require_POST
def equivalence_rule(request: HttpRequest, pk: int, decision_pk: int, equivalence_pk: int) -> HttpResponse:
    """The jury accepts or refuses an equivalence or a VAE presented for a bloc (DESIGN rule 4)."""
    deliberation, decision = _open_decision(request, pk, decision_pk)
    require(request, "jury.decide", deliberation)
    equivalence = get_object_or_404(
        Equivalence.objects.select_related("block", "enrolment__candidate"),
        pk=equivalence_pk,
        enrolment=decision.enrolment,
    )
    form = EquivalenceRulingForm(request.POST, prefix=f"equivalence-{equivalence.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule_on_equivalence(
                actor=request.user,
                deliberation=deliberation,
                equivalence=equivalence,
                accepted=data["accepted"],
                reason=data["reason"],
                interview_notes=data["interview_notes"],
                interview_on=data["interview_on"],
            )
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from refusal
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Ruling recorded on the equivalence for %(code)s.") % {"code": equivalence.block.code},
            )
            return redirect(_decision_url(deliberation, decision, f"equivalence-{equivalence.pk}"))
    context = _decision_context(
        request, deliberation, decision, forms={("equivalence", equivalence.pk): form}
    )
    return render(request, "web/jury/decision_detail.html", context, status=400)


def equivalence_document(
    request: HttpRequest, pk: int, decision_pk: int, equivalence_pk: int
) -> FileResponse:
    """The document presented with an equivalence: never public, for the jury of this candidate."""
    _deliberation, decision = _open_decision(request, pk, decision_pk)
    equivalence = get_object_or_404(Equivalence, pk=equivalence_pk, enrolment=decision.enrolment)
    if not equivalence.document:
        raise Http404
    return FileResponse(
        equivalence.document.open("rb"),
        as_attachment=True,
        filename=equivalence.document.name.rsplit("/", 1)[-1],
    )


# --- presenting an equivalence -----------------------------------------------------------------------
def _source_blocks(enrolment: Enrolment) -> list[tuple[str, list[tuple[int, str]]]]:
    """Blocs of other certifications or versions: those the correspondence table links to a bloc of
    this référentiel first, then the others."""
    linked: dict[int, str] = {}
    for correspondence in Correspondence.objects.filter(
        to_block__framework=enrolment.framework
    ).select_related("from_block__framework__certification", "to_block"):
        source = correspondence.from_block
        linked.setdefault(
            source.pk,
            f"{source.code} → {correspondence.to_block.code} "
            f"({source.framework.certification.code}, {source.framework.version})",
        )
    others = (
        Block.objects.exclude(framework=enrolment.framework)
        .exclude(pk__in=linked)
        .select_related("framework__certification")
        .order_by("framework__certification__code", "framework__ordinal", "position")
    )
    groups = []
    if linked:
        groups.append((_("With a correspondence to this référentiel"), list(linked.items())))
    rest = [
        (b.pk, f"{b.code} — {b.title[:80]} ({b.framework.certification.code}, {b.framework.version})")
        for b in others
    ]
    if rest:
        groups.append((_("Other certifications and versions"), rest))
    return groups


@require_http_methods(["GET", "POST"])
def equivalence_present(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a bloc the candidate presents to the jury instead of being evaluated on it (seed 003)."""
    enrolment = enrolment_or_404(request, pk)
    require(request, "jury.present_equivalence", enrolment)
    blocks = list(enrolment.framework.blocks.order_by("position"))
    form = EquivalenceForm(
        request.POST or None,
        request.FILES or None,
        blocks=[(b.pk, f"{b.code} — {b.title[:100]}") for b in blocks],
        kinds=Equivalence.Kind.choices,
        source_blocks=_source_blocks(enrolment),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        block = next(b for b in blocks if b.pk == data["block"])
        source = Block.objects.filter(pk=data["source_block"]).first() if data["source_block"] else None
        try:
            present_equivalence(
                actor=request.user,
                enrolment=enrolment,
                block=block,
                kind=data["kind"],
                evidence=data["evidence"],
                source_block=source,
                document=data["document"],
                interview_on=data["interview_on"],
                interview_notes=data["interview_notes"],
            )
        except Refused as refusal:
            add_refusal(form, refusal)
        else:
            messages.success(
                request,
                _("Equivalence for %(code)s presented: the jury rules on it at the next deliberation.")
                % {"code": block.code},
            )
            return redirect("web:enrolment-detail", pk=enrolment.pk)
    return render(
        request,
        "web/jury/equivalence_form.html",
        {"enrolment": enrolment, "candidate": enrolment.candidate, "form": form},
        status=400 if form.errors else 200,
    )
