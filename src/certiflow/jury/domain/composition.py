"""Jury composition: the rules per access route, and what is wrong with a deliberation's jury.

DESIGN rule 6, seed 003 « Composition des jurys »: « Le jury est composé de 4 membres dont 50% de
professionnels : Le directeur de l'école ; Un responsable pédagogique ou enseignant ; Deux
professionnels externes, exerçant dans le métier visé. La parité employeur/salarié est contrôlée. »
and « a member who trained a candidate does not judge that candidate » (declared conflicts).

The fiche's words are read once into a :class:`CompositionRule` (``source = document``); a role the
words do not name clearly is not guessed: the rule is not created and the certifier is told to set it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from certiflow.candidates.models import ConflictOfInterest, Enrolment
from certiflow.common.domain import audit
from certiflow.frameworks.importers.base import fold
from certiflow.frameworks.models import AccessRoute
from certiflow.jury.models import CompositionRule, Deliberation, JuryMember, JuryRole, RequiredRole, Side

_COUNT_WORDS = {"un": 1, "une": 1, "le": 1, "la": 1, "l'": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5}

#: Keywords of each role in the fiche's folded words, most specific first.
_ROLE_KEYWORDS: tuple[tuple[JuryRole, re.Pattern[str]], ...] = (
    (JuryRole.EXTERNAL_PROFESSIONAL, re.compile(r"\bprofessionnels? externes?\b")),
    (JuryRole.DIRECTOR, re.compile(r"\bdirect(?:eur|rice)\b")),
    (JuryRole.PEDAGOGICAL_LEAD, re.compile(r"\bresponsable pedagogique\b|\benseignant")),
)


@dataclass(frozen=True)
class ReadRole:
    role: JuryRole | None
    count: int | None
    label: str


def read_roles(labels: Iterable[str]) -> list[ReadRole]:
    """The role and count each line of the fiche names (``None`` where the words are unclear)."""
    read = []
    for label in labels:
        folded = fold(label)
        first = folded.split()[0] if folded.split() else ""
        token = "l'" if first.startswith("l'") else first
        count = int(token) if token.isdigit() else _COUNT_WORDS.get(token)
        role = next((role for role, pattern in _ROLE_KEYWORDS if pattern.search(folded)), None)
        read.append(ReadRole(role=role, count=count, label=label))
    return read


class UnreadableRule(ValueError):
    """The fiche's composition cannot be turned into a rule without guessing."""


def rule_for(
    *, access_route: AccessRoute, actor: AbstractBaseUser | None = None, persist: bool = True
) -> CompositionRule:
    """The composition rule of ``access_route``: the stored one, else read from the fiche and stored
    (audited). With ``persist=False`` (pages that only show it) a rule read from the fiche is returned
    unsaved, its roles in :func:`required_roles_of`.

    Raises :class:`UnreadableRule` with what is unclear when the fiche gives no usable composition.
    """
    existing = (
        CompositionRule.objects.filter(access_route=access_route).prefetch_related("required_roles").first()
    )
    if existing is not None:
        return existing
    stated = access_route.jury_rules or {}
    if not stated.get("members") or stated.get("min_professional_ratio") is None:
        raise UnreadableRule(
            _("The fiche gives no jury composition for the route “%(route)s”.")
            % {"route": access_route.label}
        )
    roles = read_roles(stated.get("roles") or [])
    unclear = [r.label for r in roles if r.role is None or r.count is None]
    if unclear:
        raise UnreadableRule(
            _("The jury composition of the route “%(route)s” names roles that cannot be read: %(roles)s.")
            % {"route": access_route.label, "roles": "; ".join(unclear)}
        )
    rule = CompositionRule(
        access_route=access_route,
        members=stated["members"],
        min_professional_ratio=Decimal(str(stated["min_professional_ratio"])),
        parity_checked=bool(stated.get("parity_checked")),
        source=CompositionRule.Source.DOCUMENT,
    )
    required = [RequiredRole(rule=rule, role=r.role, count=r.count, label=r.label) for r in roles]
    if not persist:
        rule._unsaved_roles = required
        return rule
    with transaction.atomic():
        rule.save()
        for role in required:
            role.rule = rule
        RequiredRole.objects.bulk_create(required)
        audit.record(
            actor=actor,
            action="jury.rule_read",
            obj=rule,
            changes={
                "members": rule.members,
                "min_professional_ratio": str(rule.min_professional_ratio),
                "parity_checked": rule.parity_checked,
                "roles": [[r.role, r.count] for r in roles],
            },
        )
    return rule


def required_roles_of(rule: CompositionRule) -> list[RequiredRole]:
    unsaved = getattr(rule, "_unsaved_roles", None)
    return unsaved if unsaved is not None else list(rule.required_roles.all())


def rule_problems(*, rule: CompositionRule, members: list[JuryMember]) -> list[str]:
    """What breaks ``rule`` in a jury of ``members`` (empty when it is properly composed)."""
    problems = []
    if len(members) != rule.members:
        problems.append(
            _("The jury must have %(expected)s members; it has %(actual)s.")
            % {"expected": rule.members, "actual": len(members)}
        )
    professionals = [m for m in members if m.is_professional]
    if members and Decimal(len(professionals)) < rule.min_professional_ratio * len(members):
        problems.append(
            _("At least %(share)s %% of the members must be professionals; %(count)s of %(total)s are.")
            % {
                "share": int(rule.min_professional_ratio * 100),
                "count": len(professionals),
                "total": len(members),
            }
        )
    for required in required_roles_of(rule):
        holding = [m for m in members if m.role == required.role]
        if len(holding) < required.count:
            problems.append(
                _("%(count)s × “%(role)s” required (« %(label)s »); the jury has %(actual)s.")
                % {
                    "count": required.count,
                    "role": required.get_role_display(),
                    "label": required.label,
                    "actual": len(holding),
                }
            )
    if rule.parity_checked:
        sideless = [m for m in professionals if not m.side]
        for member in sideless:
            problems.append(
                _("Say whether %(member)s sits as an employer or an employee (parity is checked).")
                % {"member": member}
            )
        employers = sum(m.side == Side.EMPLOYER for m in professionals)
        employees = sum(m.side == Side.EMPLOYEE for m in professionals)
        if not sideless and employers != employees:
            problems.append(
                _(
                    "employer/employee parity is not met: %(employers)s employer(s), %(employees)s employee(s)."
                )
                % {"employers": employers, "employees": employees}
            )
    return problems


def composition_problems(
    *,
    deliberation: Deliberation,
    enrolments: Iterable[Enrolment],
    actor: AbstractBaseUser | None = None,
    persist: bool = False,
) -> list[str]:
    """Everything that stops ``deliberation`` from opening for ``enrolments``: no president, the rule of
    each access route presented, and members who declared a conflict with a presented candidate.
    ``persist`` stores the rules read from the fiche (opening does; a page showing the check does not)."""
    members = list(deliberation.members.select_related("user"))
    enrolments = list(enrolments)
    problems: list[str] = []
    if not enrolments:
        problems.append(_("No candidate is presented to this deliberation."))
    if sum(m.is_president for m in members) != 1:
        problems.append(_("Name the president of the jury among its members."))
    for member in members:
        if member.role == JuryRole.EXTERNAL_PROFESSIONAL and not member.is_professional:
            problems.append(
                _("%(member)s is an external professional and must be counted as a professional.")
                % {"member": member}
            )
    # Routes often share one rule (seed 003): each problem is said once, with the routes it concerns.
    by_problem: dict[str, list[str]] = {}
    routes = AccessRoute.objects.filter(pk__in={e.access_route_id for e in enrolments}).order_by("position")
    for route in routes:
        try:
            rule = rule_for(access_route=route, actor=actor, persist=persist)
        except UnreadableRule as unreadable:
            problems.append(
                _("%(problem)s Set the composition rule of this route in the administration.")
                % {"problem": unreadable}
            )
            continue
        for problem in rule_problems(rule=rule, members=members):
            by_problem.setdefault(problem, []).append(route.label)
    problems += [
        _("%(problem)s — route(s): %(routes)s.")
        % {"problem": problem.rstrip("."), "routes": "; ".join(labels)}
        for problem, labels in by_problem.items()
    ]
    by_user = {m.user_id: m for m in members}
    conflicts = (
        ConflictOfInterest.objects.filter(person_id__in=by_user, candidate__enrolments__in=enrolments)
        .select_related("candidate")
        .distinct()
        .order_by("candidate__last_name", "pk")
    )
    for conflict in conflicts:
        problems.append(
            _(
                "%(member)s declared a conflict of interest with %(candidate)s (%(nature)s): they cannot judge them."
            )
            % {
                "member": by_user[conflict.person_id],
                "candidate": conflict.candidate,
                "nature": conflict.nature,
            }
        )
    return problems
