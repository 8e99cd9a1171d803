"""A realistic demonstration session, built through the real domain functions (``certiflow demo``).

What it builds, deterministically from ``seed``:
- accounts with known usernames and one password: ``admin`` (staff), ``gestionnaire-<provider>``,
  ``evaluateur1``…``evaluateur4``, ``referent``, ``jury1``, ``jury2`` and ``candidat1``…``candidat3``
  (linked to the first three candidates);
- two authorised training providers with their cohorts, and candidates enrolled through the fiche's
  access routes (formation initiale, apprentissage, formation continue) with prerequisite evidence —
  verified for most, missing or awaiting verification for a few;
- accommodations, one exemption proposal stating both conditions, one declared conflict of interest;
- the « Session de juin 2026 » scheduling every assessment of the référentiel, double marking for the
  professional projects, groups for the collective part, an evaluator for every sitting and group;
- at ``graded``: every grid marked and submitted but one or two left in draft, two double-marking
  disagreements of which one is reconciled. Results stay unpublished unless ``publish``.

The référentiel. The seed fiche RNCP39603 (document 003) states blocs, competencies and modalities
but no evaluation criteria: it refers to a separate « référentiel d'évaluation » that is not among the
seeds, so nothing of it can be graded. When the newest RNCP39603 version has criteria for every
modality it is used as is; otherwise the demo imports, through the normal import, a clearly separate
certification :data:`DEMO_CODE` (« démonstration ») that copies the fiche and adds illustrative
criteria, one or more per competency. The real RNCP39603 is never changed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from certiflow.assessment.domain.grading import criteria_for, save_mark, submit_assignment
from certiflow.assessment.domain.results import reconcile
from certiflow.assessment.domain.sessions import (
    assign_evaluator,
    create_session,
    form_group,
    publish_results,
    schedule_assessment,
    seat_enrolments,
)
from certiflow.assessment.models import Assignment, Group, Mark, ScheduledAssessment, Session, Sitting
from certiflow.candidates.domain.accommodations import propose_exemption, save_accommodation
from certiflow.candidates.domain.enrolments import CandidateDetails, enrol, save_candidate
from certiflow.candidates.domain.people import (
    authorise_provider,
    create_cohort,
    create_provider,
    declare_conflict,
    grant_role,
    is_authorised,
    link_user,
)
from certiflow.candidates.domain.prerequisites import record_evidence, verify_evidence
from certiflow.candidates.models import (
    Cohort,
    ConflictOfInterest,
    Enrolment,
    PrerequisiteEvidence,
    Provider,
    RoleGrant,
)
from certiflow.common.domain import audit
from certiflow.common.domain.errors import Refused
from certiflow.frameworks.domain.imports import import_framework
from certiflow.frameworks.domain.seeds import SEED_SOURCES, load_seed_documents, read_seed_fixture
from certiflow.frameworks.models import AccessRoute, Certification, Criterion, Framework

ENROLLED, GRADED = "enrolled", "graded"
STAGES = (ENROLLED, GRADED)
DEFAULT_CANDIDATES = 24
MIN_CANDIDATES, MAX_CANDIDATES = 6, 500
DEFAULT_PASSWORD = "demo-certiflow-2026"  # noqa: S105 — the documented demo password, printed by the command
DEFAULT_SEED = 2026

BASE_CODE = "RNCP39603"
DEMO_CODE = "DEMO-RNCP39603"
SESSION_TITLE = "Session de juin 2026"
SESSION_STARTS, SESSION_ENDS = date(2026, 6, 8), date(2026, 6, 19)
PROGRAMME_ENDS = date(2026, 7, 10)
PARIS = ZoneInfo("Europe/Paris")

EVALUATORS = ("evaluateur1", "evaluateur2", "evaluateur3", "evaluateur4")
JURY = ("jury1", "jury2")
REFERENT = "referent"
ADMIN = "admin"
CANDIDATE_ACCOUNTS = 3

Progress = Callable[[str], None]


# --- The people -------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Léa", "Chloé", "Inès", "Zoé", "Manon", "Camille", "Émilie", "Anaïs", "Maëlle", "Clémence",
    "Hélène", "Océane", "Agathe", "Noémie", "Salomé", "Bérénice", "Louis", "Théo", "Hugo", "Mathéo",
    "Jérôme", "Raphaël", "Gaël", "Noé", "Timothée", "Loïc", "Clément", "Aurélien", "Benoît", "Joël",
    "Anatole", "Étienne", "Adèle", "Joséphine", "Aïcha", "Yasmine", "Malik", "Karim", "Thaïs", "Maël",
)  # fmt: skip
LAST_NAMES = (
    "Lefèvre", "Dupré", "Mercier", "Lemaître", "Girard", "Bérard", "Chevalier", "Fontaine", "Rousseau",
    "Gauthier", "Perrin", "Faure", "Noël", "Boucher", "Lacroix", "Hébert", "Giraud", "Ménard",
    "Brunet", "Poirier", "Caron", "Lebrun", "Barbier", "Benoît", "Besson", "Collin", "Duval", "Masson",
    "Rivière", "Léger", "Pélissier", "Texier", "Aubé", "Thériault", "Daoudi", "Nguyen", "Ben Saïd",
    "Le Goff", "Da Silva", "Kervella",
)  # fmt: skip


@dataclass(frozen=True)
class ProviderPlan:
    slug: str
    name: str
    siret_base: str  # 13 digits; the 14th is the Luhn check digit, as on a real SIRET
    city: str
    cohorts: tuple[str, ...]


PROVIDERS = (
    ProviderPlan(
        slug="iamc",
        name="Institut des Arts et de la Médiation Culturelle",
        siret_base="4128735600021",
        city="Lyon",
        cohorts=("Promotion 2026", "Promotion 2026 — Alternance"),
    ),
    ProviderPlan(
        slug="epsc",
        name="École de Production et de Spectacle Culturel",
        siret_base="8930214700034",
        city="Nantes",
        cohorts=("Promotion 2026",),
    ),
)

#: (route, share of candidates). The fiche's three training routes.
ROUTES = (
    (AccessRoute.Route.FORMATION_INITIALE, 0.5),
    (AccessRoute.Route.APPRENTISSAGE, 0.3),
    (AccessRoute.Route.FORMATION_CONTINUE, 0.2),
)

NOT_MET_COMMENTS = (
    "Analyse trop superficielle : les besoins identifiés ne sont pas étayés par des sources.",
    "Livrable incomplet : plusieurs éléments attendus par le critère sont absents.",
    "Argumentation insuffisante ; les choix ne sont pas justifiés au regard des objectifs du projet.",
    "Erreurs de méthode qui compromettent l'exploitation du document par l'équipe.",
    "Le travail rendu ne répond pas à la consigne : hors sujet sur ce point.",
    "Chiffrage incohérent : les totaux ne correspondent pas au détail des postes.",
)
MET_COMMENTS = (
    "Travail rigoureux et bien documenté.",
    "Très bonne maîtrise, démarche claire.",
    "Attendus couverts ; quelques approximations sans conséquence.",
    "Bonne prise en compte des contraintes du terrain.",
)

# --- The illustrative criteria of the demo référentiel -------------------------------------------------
#: Per modality: its competencies (the fiche links each modality of a two-modality bloc to every
#: competency of the bloc; the demo splits them) and its criteria (code suffix, text, competencies).
DEMO_CRITERIA: dict[str, dict] = {
    "E1": {
        "competencies": ["C1", "C2", "C3", "C4", "C5", "C6"],
        "deliverables": ["Dossier de conception du projet culturel", "Soutenance orale devant le jury"],
        "criteria": [
            ("La demande est analysée avec méthode : besoins humains, techniques et financiers identifiés, impact social et environnemental étudié.", ["C1"]),
            ("Le diagnostic de l'existant est critique et s'appuie sur le cahier des charges, le public cible et le territoire.", ["C2"]),
            ("Les orientations et les objectifs du projet découlent du diagnostic et sont formulés de manière mesurable.", ["C3"]),
            ("Le plan d'action traduit chaque objectif en étapes opérationnelles, avec les ressources nécessaires.", ["C4"]),
            ("Les indicateurs d'évaluation et les livrables de chaque étape sont définis, ainsi que les ajustements prévus en cas d'écart.", ["C5"]),
            ("Les parties prenantes pertinentes (institutions, professionnels, partenaires privés, publics) sont identifiées et leur mobilisation est planifiée.", ["C6"]),
            ("La soutenance orale du projet est claire, structurée et convaincante.", ["C3", "C4"]),
        ],
    },
    "E2": {
        "competencies": ["C7", "C8", "C9"],
        "deliverables": ["Cas pratiques traités par écrit"],
        "criteria": [
            ("Le budget prévisionnel recense l'ensemble des postes de dépenses et de recettes et il est équilibré.", ["C7"]),
            ("Le dossier de demande de subvention ou de mécénat est complet et adapté au financeur sollicité.", ["C8"]),
            ("Les tableaux de suivi budgétaire sont exacts et les écarts sont analysés pour proposer des décisions.", ["C9"]),
        ],
    },
    "E3": {
        "competencies": ["C10", "C11"],
        "deliverables": ["Dossier juridique du projet (contrats et autorisations)"],
        "criteria": [
            ("Le contrat retenu (coproduction, résidence, cession, travail) est adapté à la situation et ses clauses essentielles sont correctes.", ["C10"]),
            ("Les autorisations relatives aux droits d'auteur et aux droits voisins sont identifiées et les démarches auprès des organismes de gestion collective sont justes.", ["C11"]),
            ("Les obligations réglementaires de l'exploitation (licence d'entrepreneur de spectacles, sécurité des publics) sont prises en compte.", ["C10", "C11"]),
        ],
    },
    "E4": {
        "competencies": ["C12", "C13", "C14", "C15", "C16"],
        "deliverables": ["Dossier de production", "Fiches techniques"],
        "criteria": [
            ("Les dispositifs et parcours de visite ou de spectateur sont conçus en cohérence avec le projet et ses publics.", ["C12"]),
            ("Le choix du lieu d'accueil est justifié au regard des besoins techniques, artistiques et d'accessibilité.", ["C13"]),
            ("Le repérage physique du lieu (accès, circulations, zones de chargement) est réalisé et documenté.", ["C14"]),
            ("Le rétroplanning logistique est complet et réaliste.", ["C14"]),
            ("La coordination des équipes techniques, d'accueil et artistiques est organisée (rôles, réunions, outils partagés).", ["C15"]),
            ("Les fiches techniques sont complètes, lisibles et exploitables par les prestataires.", ["C16"]),
        ],
    },
    "E5": {
        "competencies": ["C17", "C18", "C19", "C20", "C21"],
        "deliverables": ["Plan de communication", "Communiqué et dossier de presse"],
        "criteria": [
            ("La veille culturelle et stratégique s'appuie sur des sources variées et fiables et fait l'objet d'un suivi régulier.", ["C17"]),
            ("Le plan de communication en ligne et hors ligne précise les actions, les supports, les canaux et le calendrier.", ["C18"]),
            ("La campagne digitale (e-mailing, réseaux sociaux) est cohérente avec l'image du projet et ses objectifs.", ["C19"]),
            ("Le communiqué et le dossier de presse sont adaptés à la ligne éditoriale des médias visés.", ["C20"]),
            ("Le fichier média est ciblé, à jour et accompagné d'un plan de relances.", ["C21"]),
        ],
    },
    "E6": {
        "competencies": ["C22", "C18"],
        "individual": True,
        "collective": True,
        "deliverables": [
            "Dossier de business case produit en équipe de 3 à 4 candidats",
            "Soutenance individuelle de l'argumentaire commercial",
        ],
        "criteria": [
            ("L'argumentaire de vente est adapté aux publics et aux institutions ciblés.", ["C22"]),
            ("Les objectifs de vente sont chiffrés en fonction de la jauge des lieux.", ["C22"]),
            ("Le dossier de business case produit en équipe est complet, chiffré et cohérent avec le plan de communication.", ["C22", "C18"]),
        ],
    },
}  # fmt: skip


# --- Results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password_set: bool = True


@dataclass
class DemoReport:
    stage: str
    framework: Framework
    session: Session
    password: str
    accounts: list[DemoAccount] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# --- Small pure helpers (tested on their own) -------------------------------------------------------


def luhn_complete(digits: str) -> str:
    """``digits`` followed by the Luhn check digit (a SIRET's last digit)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # the digit left of the check digit is doubled
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return digits + str((10 - total % 10) % 10)


def email_for(first_name: str, last_name: str) -> str:
    """``prenom.nom@exemple.fr``: accents removed, spaces and apostrophes dropped."""

    def plain(text: str) -> str:
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9-]", "", text.lower().replace(" ", "-"))

    return f"{plain(first_name)}.{plain(last_name)}@exemple.fr"


def choose_evaluator(
    *,
    evaluators: Sequence[int],
    candidate_ids: Iterable[int],
    conflicts: set[tuple[int, int]],
    load: dict[int, int],
    exclude: Iterable[int] = (),
) -> int | None:
    """The least-loaded evaluator (ties: in the given order) with no conflict of interest with any of
    ``candidate_ids``, other than those in ``exclude``; ``None`` when nobody is free of conflict."""
    candidate_ids, excluded = list(candidate_ids), set(exclude)
    eligible = [
        e for e in evaluators if e not in excluded and not any((e, c) in conflicts for c in candidate_ids)
    ]
    if not eligible:
        return None
    return min(eligible, key=lambda e: (load.get(e, 0), evaluators.index(e)))


def group_sizes(count: int) -> list[int]:
    """Split ``count`` candidates into groups of 3 or 4 (as even as possible; never below 2)."""
    if count < 2:
        return []
    groups = max(1, -(-count // 4))
    base, extra = divmod(count, groups)
    return [base + 1] * extra + [base] * (groups - extra)


def collective_criteria_of(criteria: Sequence[Criterion]) -> list[Criterion]:
    """For a modality with a collective part: the criteria whose text names the team's work, else the
    last criterion."""
    named = [c for c in criteria if re.search(r"\b(équipe|collecti\w*|groupe)\b", c.text, re.IGNORECASE)]
    return named or list(criteria[-1:])


def demo_document() -> dict:
    """The canonical document of :data:`DEMO_CODE`: the seed fiche RNCP39603 with illustrative criteria."""
    source = next(s for s in SEED_SOURCES if s.fixture == f"{BASE_CODE}.json")
    document = read_seed_fixture(source)
    document = {k: v for k, v in document.items() if k not in ("statistics", "replaces", "review", "source")}
    document.update(
        code=DEMO_CODE,
        code_source="user",
        version="démo",
        title=f"{document['title']} (démonstration)",
        source={"layout": "canonical_json", "name": "certiflow demo"},
    )
    for block in document["blocks"]:
        for assessment in block["assessments"]:
            plan = DEMO_CRITERIA[assessment["code"]]
            assessment["competencies"] = list(plan["competencies"])
            assessment["deliverables"] = list(plan["deliverables"])
            assessment["individual"] = plan.get("individual", True)
            assessment["collective"] = plan.get("collective", False)
            assessment["criteria"] = [
                {"code": f"{assessment['code']}.{n}", "generated": True, "text": text, "competencies": links}
                for n, (text, links) in enumerate(plan["criteria"], start=1)
            ]
    document["warnings"] = [
        *document.get("warnings", []),
        f"Référentiel de démonstration créé par « certiflow demo » d'après la fiche {BASE_CODE} : la fiche "
        "ne donne pas les critères d'évaluation (elle renvoie au référentiel d'évaluation, absent des "
        "documents sources) ; les critères et la répartition des compétences entre les modalités d'un même "
        "bloc sont illustratifs.",
    ]
    return document


# --- The builder ------------------------------------------------------------------------------------


def existing_demo_session() -> Session | None:
    return (
        Session.objects.filter(title=SESSION_TITLE, framework__certification__code__in=[BASE_CODE, DEMO_CODE])
        .select_related("framework__certification")
        .first()
    )


def check_options(*, stage: str, candidates: int, password: str, publish: bool) -> None:
    if stage not in STAGES:
        raise Refused(f"Unknown stage « {stage} »: choose {' or '.join(STAGES)}.", field="stage")
    if not MIN_CANDIDATES <= candidates <= MAX_CANDIDATES:
        raise Refused(
            f"The demo needs between {MIN_CANDIDATES} and {MAX_CANDIDATES} candidates.", field="candidates"
        )
    if publish and stage != GRADED:
        raise Refused("Only graded results can be published: use --stage graded with --publish.")
    try:
        password_validation.validate_password(password)
    except ValidationError as error:
        raise Refused("The password is too weak: " + " ".join(error.messages), field="password") from None


def ensure_seeds(*, progress: Progress) -> None:
    """Load the seed certifications when one is missing (the load is idempotent)."""
    wanted = {source.code or BASE_CODE for source in SEED_SOURCES}
    present = set(Certification.objects.filter(code__in=wanted).values_list("code", flat=True))
    if present != wanted:
        load_seed_documents()
        progress("Seed certifications loaded (certiflow load_seeds).")


def demo_framework(*, actor: AbstractBaseUser, progress: Progress) -> Framework:
    """The newest RNCP39603 version when every modality has criteria, else the demo référentiel."""
    newest = Framework.objects.filter(certification__code=BASE_CODE).order_by("-ordinal").first()
    if newest is None:
        raise Refused(f"{BASE_CODE} is not in the registry.", hint="Run `certiflow load_seeds` first.")
    assessments = list(newest.assessments.all())
    if assessments and all(a.criteria.exists() for a in assessments):
        return newest
    outcome = import_framework(document=demo_document(), actor=actor)
    if outcome.created:
        progress(
            f"{BASE_CODE} has no evaluation criteria (the fiche refers to a référentiel d'évaluation not "
            f"among the seeds): imported the demonstration référentiel {DEMO_CODE} with illustrative criteria."
        )
    return outcome.framework


@transaction.atomic
def build_demo(
    *,
    stage: str = GRADED,
    candidates: int = DEFAULT_CANDIDATES,
    password: str = DEFAULT_PASSWORD,
    seed: int = DEFAULT_SEED,
    publish: bool = False,
    progress: Progress | None = None,
) -> DemoReport:
    """Build the demonstration in one transaction: a refusal or a failure leaves nothing behind."""
    say = progress or (lambda _message: None)
    check_options(stage=stage, candidates=candidates, password=password, publish=publish)
    if existing := existing_demo_session():
        raise Refused(
            f"A demo session « {existing.title} » already exists ({existing.framework}, created "
            f"{timezone.localtime(existing.created_at):%d/%m/%Y %H:%M}): the demo is built once per database.",
            hint="Start from an empty database (delete var/certiflow.sqlite3, then `certiflow migrate`) "
            "to build it again.",
        )
    rng = random.Random(seed)
    builder = _Builder(rng=rng, password=password, say=say)
    ensure_seeds(progress=say)
    builder.accounts()
    framework = demo_framework(actor=builder.admin, progress=say)
    builder.framework = framework
    builder.providers()
    builder.candidates(candidates)
    builder.prerequisites()
    builder.support()
    builder.session()
    builder.assign()
    if stage == GRADED:
        builder.grade()
        if publish:
            builder.publish()
    return builder.report(stage)


class _Builder:
    """The steps of :func:`build_demo`, sharing what they created."""

    def __init__(self, *, rng: random.Random, password: str, say: Progress) -> None:
        self.rng, self.password, self.say = rng, password, say
        # Hashed once: every demo account has the same, documented password.
        self.password_hash = make_password(password)
        self.framework: Framework
        self.users: dict[str, AbstractBaseUser] = {}
        self.accounts_made: list[DemoAccount] = []
        self.notes: list[str] = []
        self.provider_rows: list[tuple[ProviderPlan, Provider, list[Cohort]]] = []
        self.enrolments: list[Enrolment] = []
        self.scheduled: list[ScheduledAssessment] = []
        self.assignments: list[Assignment] = []
        self.conflicts: set[tuple[int, int]] = set()

    # -- accounts

    def _user(self, username: str, *, role: str, staff: bool = False) -> AbstractBaseUser:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None and username == ADMIN:
            if not (user.is_active and user.is_staff):
                raise Refused(
                    "A user « admin » exists but is not an active staff member; the demo needs an administrator.",
                    hint="Give « admin » the staff status, or rename that account.",
                )
            self.accounts_made.append(DemoAccount(username, role, password_set=False))
            self.notes.append("« admin » already existed: it was kept, with its own password.")
        elif user is not None:
            # Never take over someone's account: its password and rights stay theirs.
            raise Refused(
                f"An account « {username} » already exists; the demo creates its own accounts.",
                hint="Run the demo on an empty database, or rename that account.",
            )
        else:
            user = User.objects.create(username=username, is_staff=staff, password=self.password_hash)
            audit.record(
                actor=None,
                action="user.create",
                obj=user,
                changes={"username": username, "staff": staff, "by": "demo"},
            )
            self.accounts_made.append(DemoAccount(username, role))
        self.users[username] = user
        return user

    def accounts(self) -> None:
        self.admin = self._user(ADMIN, role="administrateur", staff=True)
        self.say("Accounts: admin, evaluators, disability referent, jury members.")
        self.evaluators = [self._user(name, role="évaluateur") for name in EVALUATORS]
        for user in self.evaluators:
            grant_role(actor=self.admin, user=user, role=RoleGrant.Role.EVALUATOR)
        self.referent = self._user(REFERENT, role="référent handicap")
        grant_role(actor=self.admin, user=self.referent, role=RoleGrant.Role.DISABILITY_REFERENT)
        for name in JURY:
            grant_role(
                actor=self.admin,
                user=self._user(name, role="membre du jury"),
                role=RoleGrant.Role.JURY_MEMBER,
            )

    # -- providers, cohorts

    def providers(self) -> None:
        certification = self.framework.certification
        for plan in PROVIDERS:
            siret = luhn_complete(plan.siret_base)
            provider = Provider.objects.filter(siret=siret).first()
            if provider is None:
                provider = create_provider(actor=self.admin, name=plan.name, siret=siret, city=plan.city)
            if not is_authorised(provider=provider, certification=certification, on=date(2023, 9, 1)):
                authorise_provider(
                    actor=self.admin,
                    provider=provider,
                    certification=certification,
                    starts_on=date(2022, 9, 1),
                    ends_on=certification.valid_until,
                )
            manager = self._user(f"gestionnaire-{plan.slug}", role=f"gestionnaire ({plan.name})")
            grant_role(
                actor=self.admin, user=manager, role=RoleGrant.Role.PROVIDER_MANAGER, provider=provider
            )
            cohorts = []
            for name in plan.cohorts:
                cohort = Cohort.objects.filter(
                    provider=provider, certification=certification, name=name
                ).first()
                if cohort is None:
                    cohort = create_cohort(
                        actor=self.admin,
                        provider=provider,
                        certification=certification,
                        name=name,
                        starts_on=date(2023, 9, 1),
                        ends_on=PROGRAMME_ENDS,
                    )
                cohorts.append(cohort)
            self.provider_rows.append((plan, provider, cohorts))
        self.say(f"Providers: {', '.join(p.name for p in PROVIDERS)} (authorised, with their cohorts).")

    # -- candidates and enrolments

    def candidates(self, count: int) -> None:
        routes = {r.route: r for r in self.framework.certification.access_routes.all()}
        pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
        self.rng.shuffle(pairs)
        used: set[str] = set()
        plan_routes = [route for route, share in ROUTES for _ in range(round(share * count))]
        plan_routes = (plan_routes + [ROUTES[0][0]] * count)[:count]
        self.rng.shuffle(plan_routes)
        for index in range(count):
            first, last = pairs[index % len(pairs)]
            email = email_for(first, last)
            if email in used:
                email = email.replace("@", f"{index}@")
            used.add(email)
            birth = date(2001, 1, 1) + timedelta(days=self.rng.randrange(0, 5 * 365))
            candidate, _created = save_candidate(
                actor=self.admin,
                details=CandidateDetails(
                    last_name=last,
                    first_name=first,
                    email=email,
                    birth_date=birth,
                    reference=f"DEMO-{index + 1:04d}",
                ),
            )
            route = plan_routes[index]
            plan, provider, cohorts = self.provider_rows[index % len(self.provider_rows)]
            cohort = cohorts[-1] if route == AccessRoute.Route.APPRENTISSAGE else cohorts[0]
            entry_year, starts_on = self._entry(route)
            enrolment, _created = enrol(
                actor=self.users[f"gestionnaire-{plan.slug}"],
                candidate=candidate,
                framework=self.framework,
                access_route=routes[route],
                provider=provider,
                cohort=cohort,
                entry_year=entry_year,
                starts_on=starts_on,
                ends_on=PROGRAMME_ENDS,
            )
            self.enrolments.append(enrolment)
        for number, enrolment in enumerate(self.enrolments[:CANDIDATE_ACCOUNTS], start=1):
            user = self._user(f"candidat{number}", role=f"candidat ({enrolment.candidate})")
            candidate = enrolment.candidate
            if candidate.user_id != user.pk:
                link_user(actor=self.admin, candidate=candidate, user=user)
        self.say(f"Candidates: {count} enrolled in {self.framework} through the fiche's access routes.")

    def _entry(self, route: str) -> tuple[int, date]:
        """(year of entry, programme start) so that the programme ends in July 2026."""
        if route == AccessRoute.Route.FORMATION_INITIALE:
            year = self.rng.choice((1, 2, 3, 3))
        elif route == AccessRoute.Route.APPRENTISSAGE:
            year = self.rng.choice((1, 2, 3))
        else:
            year = 3
        return year, date(2026 - (4 - year), 9, 1)

    # -- prerequisites

    def prerequisites(self) -> None:
        stated = self.framework.certification.prerequisites or {}
        count = len(self.enrolments)
        unmet = set(self.rng.sample(range(CANDIDATE_ACCOUNTS, count), k=max(1, count // 8)))
        pending = self.rng.choice([i for i in range(CANDIDATE_ACCOUNTS, count) if i not in unmet])
        for index, enrolment in enumerate(self.enrolments):
            if enrolment.prerequisite_evidence.exists():
                continue
            manager = self.users[f"gestionnaire-{self._plan_of(enrolment).slug}"]
            rows = [
                *self._evidence(enrolment, stated.get("entry", [])),
                *self._evidence(enrolment, stated.get("validation", [])),
            ]
            if index in unmet and rows:
                rows = rows[:-1]  # the last validation proof is missing: the jury will see it
            for position, (kind, value, condition, description) in enumerate(rows):
                item = record_evidence(
                    actor=manager,
                    enrolment=enrolment,
                    kind=kind,
                    value=value,
                    condition=condition,
                    description=description,
                )
                if not (index == pending and position == 0):
                    verify_evidence(actor=self.admin, evidence=item)
        self.say(
            f"Prerequisite evidence recorded and verified; {len(unmet)} candidate(s) with missing proof, "
            "1 awaiting verification."
        )

    def _plan_of(self, enrolment: Enrolment) -> ProviderPlan:
        return next(plan for plan, provider, _c in self.provider_rows if provider.pk == enrolment.provider_id)

    def _evidence(
        self, enrolment: Enrolment, cases: list[dict]
    ) -> list[tuple[str, Decimal | None, str, str]]:
        route, year = enrolment.access_route.route, enrolment.entry_year
        mine = [c for c in cases if route in c.get("routes", [])]
        if any(c.get("year") == year for c in mine):
            mine = [c for c in mine if c.get("year") == year]
        else:
            wanted = f"{4 - (year or 1)} an"
            mine = [c for c in mine if wanted in c.get("case", "")] or mine
        if not mine:
            return []
        Kind = PrerequisiteEvidence.Kind
        rows: list[tuple[str, Decimal | None, str, str]] = []
        for condition in mine[0].get("conditions", []):
            if condition.get("alternative"):
                continue
            text = condition["text"]
            figures = False
            if level := condition.get("min_level"):
                figures = True
                rows.append(
                    (
                        Kind.LEVEL,
                        Decimal(level),
                        "",
                        "Baccalauréat général, mention assez bien (2021)"
                        if level <= 4
                        else "BTS Communication, obtenu en 2024",
                    )
                )
                ects = condition.get("min_ects")
                if ects and not re.search(r"\bou\s+avoir\s+valid", text, re.IGNORECASE):
                    rows.append(
                        (
                            Kind.ECTS,
                            Decimal(ects),
                            "",
                            f"Relevé de notes universitaire : {ects} crédits ECTS validés (licence Arts du spectacle)",
                        )
                    )
            if months := condition.get("min_experience_months"):
                figures = True
                rows.append(
                    (
                        Kind.SECTOR_EXPERIENCE_MONTHS,
                        Decimal(months + 6),
                        "",
                        "Attestations d'employeurs : chargé(e) de production dans une compagnie de théâtre",
                    )
                )
            if months := condition.get("programme_months"):
                figures = True
                rows.append(
                    (
                        Kind.PROGRAMME_MONTHS,
                        Decimal(months),
                        "",
                        "Attestation d'assiduité délivrée par l'organisme de formation",
                    )
                )
            if condition.get("experience_months") or condition.get("billed_hours"):
                figures = True
                months = (condition.get("experience_months") or 4) + self.rng.choice((0, 1, 2))
                rows.append(
                    (
                        Kind.EXPERIENCE_MONTHS,
                        Decimal(months),
                        "",
                        f"Convention de stage de {months} mois (festival de musiques actuelles) et attestation de fin de stage",
                    )
                )
            if not figures:
                rows.append(
                    (
                        Kind.STATEMENT,
                        None,
                        text,
                        "Vérifié sur le dossier d'admission et le livret de formation",
                    )
                )
        return rows

    # -- accommodations, exemption, conflict

    def support(self) -> None:
        by_code = {a.code: a for a in self.framework.assessments.all()}
        written = [by_code[c] for c in ("E2", "E3") if c in by_code]
        chosen = self.rng.sample(self.enrolments[CANDIDATE_ACCOUNTS:], k=3)
        plans = [
            {
                "extra_time_minutes": 30,
                "assistance": "",
                "adapted_materials": "Sujets imprimés en police Arial 16, interlignage 1,5, sur papier crème.",
                "adapted_format": "",
                "medical_details": "Dyslexie et dysorthographie sévères (bilan orthophonique de 2023).",
                "assessments": written,
            },
            {
                "extra_time_minutes": None,
                "assistance": "Interprète en langue des signes française (LSF) pendant les soutenances.",
                "adapted_materials": "",
                "adapted_format": "Questions du jury également remises par écrit.",
                "medical_details": "Surdité profonde bilatérale ; appareillage non suffisant en milieu bruyant.",
                "assessments": [],
            },
            {
                "extra_time_minutes": 20,
                "assistance": "Pause de dix minutes par heure d'épreuve.",
                "adapted_materials": "Salle de plain-pied, accessible en fauteuil roulant.",
                "adapted_format": "Repérage du lieu réalisé à partir de plans et de visites virtuelles.",
                "medical_details": "Paraplégie (accident en 2019) ; fatigabilité importante.",
                "assessments": [by_code[c] for c in ("E4",) if c in by_code],
            },
        ]
        for enrolment, plan in zip(chosen, plans, strict=True):
            if not enrolment.accommodations.exists():
                save_accommodation(actor=self.referent, enrolment=enrolment, **plan)
        mobility = chosen[2]
        criterion = (
            Criterion.objects.filter(framework=self.framework, text__icontains="repérage physique").first()
            or Criterion.objects.filter(framework=self.framework).order_by("position").first()
        )
        if criterion is not None and not mobility.exemption_proposals.exists():
            propose_exemption(
                actor=self.referent,
                enrolment=mobility,
                criterion=criterion,
                opinion=(
                    "Le repérage physique des accès et des zones de chargement n'est pas réalisable en "
                    "fauteuil dans la plupart des lieux. La personne candidate se destine à l'administration "
                    "de production, en bureau : le critère n'a pas vocation à s'appliquer dans sa pratique "
                    "future, et le repérage sur plans et visites virtuelles démontre la compétence par "
                    "ailleurs, sans remettre en cause sa capacité professionnelle globale."
                ),
                keeps_overall_capability=True,
                not_applicable_to_future_practice=True,
            )
        trained = self.enrolments[CANDIDATE_ACCOUNTS]
        trainer = self.evaluators[0]
        if not ConflictOfInterest.objects.filter(person=trainer, candidate=trained.candidate).exists():
            declare_conflict(
                actor=self.admin,
                person=trainer,
                candidate=trained.candidate,
                nature="A été son formateur (module « Gestion de projet culturel », 2025-2026).",
            )
        self.conflicts = set(ConflictOfInterest.objects.values_list("person_id", "candidate_id"))
        self.say(
            f"Support: 3 accommodations, 1 exemption proposal, 1 conflict of interest "
            f"({trainer.get_username()} trained {trained.candidate})."
        )

    # -- session, scheduling, groups

    def session(self) -> None:
        self.demo_session = create_session(
            actor=self.admin,
            framework=self.framework,
            title=SESSION_TITLE,
            starts_on=SESSION_STARTS,
            ends_on=SESSION_ENDS,
        )
        assessments = list(self.framework.assessments.order_by("position").prefetch_related("criteria"))
        project_kinds = {"professional_project"}
        doubled = [a for a in assessments if a.kind in project_kinds][:2] or assessments[:1]
        day = SESSION_STARTS
        for index, assessment in enumerate(assessments):
            while day.weekday() >= 5:
                day += timedelta(days=1)
            criteria = sorted(assessment.criteria.all(), key=lambda c: c.position)
            online = index == 1
            scheduled = schedule_assessment(
                actor=self.admin,
                session=self.demo_session,
                assessment=assessment,
                starts_at=datetime.combine(day, time(9 if index % 2 == 0 else 14), tzinfo=PARIS),
                place="" if online else f"Centre d'examens de Lyon, 12 rue Garibaldi — salle {101 + index}",
                online=online,
                duration_minutes=(180, 120, 240, 90)[index % 4],
                double_marking=assessment in doubled,
                collective_criteria=collective_criteria_of(criteria) if assessment.collective else [],
            )
            seat_enrolments(actor=self.admin, scheduled=scheduled, enrolments=self.enrolments)
            if assessment.collective:
                sittings = list(
                    scheduled.sittings.select_related("enrolment__candidate").order_by(
                        "enrolment__provider_id", "enrolment__id"
                    )
                )
                start = 0
                for number, size in enumerate(group_sizes(len(sittings)), start=1):
                    form_group(
                        actor=self.admin,
                        scheduled=scheduled,
                        name=f"Équipe {number}",
                        sittings=sittings[start : start + size],
                    )
                    start += size
            self.scheduled.append(scheduled)
            day += timedelta(days=1)
        self.say(
            f"Session « {SESSION_TITLE} »: {len(assessments)} modalities scheduled "
            f"({', '.join(a.code for a in doubled)} double marked), every candidate seated, groups formed."
        )

    def assign(self) -> None:
        evaluator_ids = [e.pk for e in self.evaluators]
        users = {e.pk: e for e in self.evaluators}
        load: dict[int, int] = defaultdict(int)
        for scheduled in self.scheduled:
            targets: list[tuple[Sitting | None, Group | None, list[int]]] = [
                (s, None, [s.enrolment.candidate_id])
                for s in scheduled.sittings.select_related("enrolment").order_by("id")
            ]
            targets += [
                (None, g, [s.enrolment.candidate_id for s in g.sittings.select_related("enrolment")])
                for g in scheduled.groups.order_by("name")
            ]
            for sitting, group, candidate_ids in targets:
                chosen: list[int] = []
                for rank in (1, 2) if scheduled.double_marking else (1,):
                    pick = choose_evaluator(
                        evaluators=evaluator_ids,
                        candidate_ids=candidate_ids,
                        conflicts=self.conflicts,
                        load=load,
                        exclude=chosen,
                    )
                    if pick is None:
                        raise Refused("No evaluator is free of conflicts of interest for a sitting.")
                    self.assignments.append(
                        assign_evaluator(
                            actor=self.admin, evaluator=users[pick], sitting=sitting, group=group, rank=rank
                        )
                    )
                    chosen.append(pick)
                    load[pick] += 1
        self.say(f"Evaluators assigned: {len(self.assignments)} grids, conflicts of interest respected.")

    # -- grading

    def grade(self) -> None:
        rng = self.rng
        by_id = {a.pk: a for a in self.assignments}
        single = [a for a in self.assignments if not a.scheduled.double_marking and a.sitting_id]
        count = len(self.enrolments)
        # Weak candidates: one or two criteria not met in one modality (their bloc fails).
        weak = rng.sample(self.enrolments[CANDIDATE_ACCOUNTS:], k=max(2, count // 5))
        failing: set[tuple[int, int]] = set()  # (sitting id, criterion id)
        for enrolment in weak:
            sitting = rng.choice([a.sitting for a in single if a.sitting.enrolment_id == enrolment.pk])
            criteria = criteria_for(by_id[next(a.pk for a in single if a.sitting_id == sitting.pk)])
            for criterion in rng.sample(criteria, k=min(len(criteria), rng.choice((1, 1, 2)))):
                failing.add((sitting.pk, criterion.pk))
        groups = [a for a in self.assignments if a.group_id]
        failing_groups = {rng.choice(groups).group_id} if len(groups) >= 4 else set()
        # Two disagreements between double markers on one modality; the first is reconciled.
        doubled = [a for a in self.assignments if a.scheduled.double_marking and a.sitting_id and a.rank == 2]
        disagreements: list[tuple[Assignment, Criterion]] = []
        if doubled:
            first_scheduled = doubled[0].scheduled_id
            pool = [a for a in doubled if a.scheduled_id == first_scheduled]
            for assignment in rng.sample(pool, k=min(2, len(pool))):
                disagreements.append((assignment, rng.choice(criteria_for(assignment))))
        flipped = {(a.pk, c.pk) for a, c in disagreements}
        # One or two grids left in draft, half marked.
        drafts = {a.pk for a in rng.sample(single, k=2 if count >= 12 else 1)}

        marks = 0
        for assignment in self.assignments:
            criteria = criteria_for(assignment)
            if assignment.pk in drafts:
                criteria = criteria[: max(1, len(criteria) // 2)]
            for criterion in criteria:
                if assignment.group_id:
                    fails = assignment.group_id in failing_groups
                else:
                    fails = (assignment.sitting_id, criterion.pk) in failing
                if (assignment.pk, criterion.pk) in flipped:
                    fails = not fails
                comment = (
                    rng.choice(NOT_MET_COMMENTS)
                    if fails
                    else (rng.choice(MET_COMMENTS) if rng.random() < 0.15 else "")
                )
                save_mark(
                    actor=assignment.evaluator,
                    assignment=assignment,
                    criterion=criterion,
                    value=Mark.Value.NOT_MET if fails else Mark.Value.MET,
                    comment=comment,
                    base_revision=0,
                )
                marks += 1
            if assignment.pk not in drafts:
                submit_assignment(actor=assignment.evaluator, assignment=assignment)
        if disagreements:
            assignment, criterion = disagreements[0]
            reconcile(
                actor=self.admin,
                sitting=assignment.sitting,
                criterion=criterion,
                value=Mark.Value.MET,
                comment=(
                    "Après échange entre les deux correcteurs : les éléments jugés manquants figurent en "
                    "annexe du dossier ; le critère est retenu comme atteint."
                ),
            )
        self.say(
            f"Grading: {marks} criteria marked, {len(self.assignments) - len(drafts)} grids submitted, "
            f"{len(drafts)} left in draft, {len(disagreements)} double-marking disagreement(s), "
            f"{min(1, len(disagreements))} reconciled."
        )

    def publish(self) -> None:
        publish_results(actor=self.admin, session=self.demo_session)
        self.say("Results published.")

    # -- summary

    def report(self, stage: str) -> DemoReport:
        session = self.demo_session
        assignments = Assignment.objects.filter(scheduled__session=session)
        counts = {
            "providers": len(self.provider_rows),
            "candidates": len(self.enrolments),
            "scheduled": len(self.scheduled),
            "sittings": Sitting.objects.filter(scheduled__session=session).count(),
            "groups": Group.objects.filter(scheduled__session=session).count(),
            "assignments": assignments.count(),
            "submitted": assignments.filter(status=Assignment.Status.SUBMITTED).count(),
            "marks": Mark.objects.filter(assignment__scheduled__session=session).count(),
        }
        return DemoReport(
            stage=stage,
            framework=self.framework,
            session=session,
            password=self.password,
            accounts=self.accounts_made,
            counts=counts,
            notes=self.notes,
        )
