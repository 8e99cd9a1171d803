"""The procès-verbal PDF of a deliberation (DESIGN rules 5 and 7, seed 003)."""

import datetime
import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext
from pypdf import PdfReader

from certiflow.candidates.models import Accommodation, ExemptionProposal
from certiflow.frameworks.models import Certifier
from certiflow.jury.domain.minutes import MinutesRenderingError, html_to_pdf, render_minutes
from certiflow.jury.models import (
    CompositionRule,
    Confirmation,
    Decision,
    Deliberation,
    Equivalence,
    ExemptionRuling,
    JuryRole,
    RequiredRole,
)
from tests.factories import (
    AccessRouteFactory,
    AssessmentFactory,
    BlockDecisionFactory,
    BlockFactory,
    CandidateFactory,
    CertificationFactory,
    CriterionFactory,
    DecisionFactory,
    DeliberationFactory,
    EnrolmentFactory,
    FrameworkFactory,
    JuryMemberFactory,
    ProviderFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SIGNED_AT = datetime.datetime(2025, 7, 3, 16, 30, 0, tzinfo=datetime.UTC)  # 18:30:00 in Paris
MEDICAL_DETAILS = "Sclérose en plaques diagnostiquée en 2019, traitement lourd"
FAILED_REASON = "Le jury constate l'absence du dossier professionnel exigé pour la validation"
EXEMPTION_REASON = "Le critère de prise de parole en continu ne relève pas de la pratique visée"


@dataclass
class Jury:
    deliberation: Deliberation
    members: list
    decisions: dict
    criterion: object
    framework: object
    blocks: list
    route: object
    decide: Callable[..., Decision]


def build_jury() -> Jury:
    """A deliberation of RNCP39999 closed by its president, with a full jury and three decisions
    (certified, partial with BC02 not validated, failed with a reason), an exemption granted, a VAE
    accepted, and every member's confirmation. ``Jury.decide`` adds a decision."""
    certifier = Certifier.objects.create(name="Institut Européen de l'Événementiel", siret="12345678900011")
    certification = CertificationFactory(code="RNCP39999", title="Chargé de projets événementiels", level=6)
    certification.certifiers.add(certifier)
    framework = FrameworkFactory(certification=certification, version="2024")
    bc01 = BlockFactory(framework=framework, code="RNCP39999BC01", position=1, title="Concevoir un événement")
    bc02 = BlockFactory(framework=framework, code="RNCP39999BC02", position=2, title="Piloter la production")
    criterion = CriterionFactory(
        assessment=AssessmentFactory(block=bc02, code="E2"),
        code="E2.3",
        text="Présente oralement le bilan de l'événement",
    )
    route = AccessRouteFactory(certification=certification, route="formation_initiale")
    rule = CompositionRule.objects.create(
        access_route=route,
        members=4,
        min_professional_ratio=Decimal("0.50"),
        parity_checked=True,
        source=CompositionRule.Source.DOCUMENT,
    )
    RequiredRole.objects.create(rule=rule, role=JuryRole.DIRECTOR, count=1, label="Le directeur de l'école")
    RequiredRole.objects.create(rule=rule, role=JuryRole.EXTERNAL_PROFESSIONAL, count=2)

    session = SessionFactory(framework=framework, title="Session de juin 2025")
    deliberation = DeliberationFactory(
        session=session, title="Jury de juillet 2025", place="Paris, salle du conseil", status="closing"
    )
    members = [
        JuryMemberFactory(
            deliberation=deliberation,
            user__first_name="Hélène",
            user__last_name="Directrice",
            role="director",
            is_professional=False,
            side="",
            organisation="IEE",
            is_president=True,
        ),
        JuryMemberFactory(
            deliberation=deliberation,
            user__first_name="Paul",
            user__last_name="Enseignant",
            role="pedagogical_lead",
            is_professional=False,
            side="",
        ),
        JuryMemberFactory(
            deliberation=deliberation, user__first_name="Inès", user__last_name="Employeuse", side="employer"
        ),
        JuryMemberFactory(
            deliberation=deliberation, user__first_name="Marc", user__last_name="Salarié", side="employee"
        ),
    ]
    provider = ProviderFactory(name="École Lumière")

    def decide(last_name, result, proposed, statuses, *, reason="", sources=("graded", "graded")):
        enrolment = EnrolmentFactory(
            candidate=CandidateFactory(last_name=last_name, first_name="Léa"),
            framework=framework,
            access_route=route,
            provider=provider,
        )
        decision = DecisionFactory(
            deliberation=deliberation,
            enrolment=enrolment,
            proposal={"result": proposed, "blocks": [], "reasons": []},
            proposed_result={"not_certified": "failed"}.get(proposed, proposed),
            result=result,
            reason=reason,
        )
        for block, validated, source in zip((bc01, bc02), statuses, sources, strict=True):
            BlockDecisionFactory(
                decision=decision,
                block=block,
                validated=validated,
                proposed_status="validated" if validated else "failed",
                source=source,
            )
        return decision

    decisions = {
        "certified": decide("Aubert", "certified", "certified", (True, True), sources=("graded", "vae")),
        "partial": decide("Bernard", "partial", "partial", (True, False), sources=("capitalised", "graded")),
        "failed": decide("Chevalier", "failed", "partial", (True, False), reason=FAILED_REASON),
    }

    partial = decisions["partial"].enrolment
    referent = UserFactory()
    Accommodation.objects.create(
        enrolment=partial, extra_time_minutes=30, medical_details=MEDICAL_DETAILS, recorded_by=referent
    )
    proposal = ExemptionProposal.objects.create(
        enrolment=partial,
        criterion=criterion,
        opinion="Avis motivé du référent",
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
        proposed_by=referent,
    )
    ExemptionRuling.objects.create(
        deliberation=deliberation,
        proposal=proposal,
        granted=True,
        keeps_overall_capability=True,
        not_applicable_to_future_practice=True,
        reason=EXEMPTION_REASON,
        decided_by=members[0].user,
    )
    Equivalence.objects.create(
        enrolment=decisions["certified"].enrolment,
        block=bc02,
        kind=Equivalence.Kind.VAE,
        evidence="Dossier de VAE",
        status=Equivalence.Status.ACCEPTED,
        ruling_reason="Expérience de cinq ans en production",
        decided_in=deliberation,
        presented_by=referent,
    )
    for minutes, member in enumerate(members):
        confirmation = Confirmation.objects.create(member=member)
        Confirmation.objects.filter(pk=confirmation.pk).update(
            confirmed_at=datetime.datetime(2025, 7, 3, 16, 10 + minutes, 7, tzinfo=datetime.UTC)
        )
    return Jury(deliberation, members, decisions, criterion, framework, [bc01, bc02], route, decide)


def pdf_text(pdf: bytes) -> str:
    """The text of every page, with whitespace (and so line breaks inside table cells) collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def french(message: str) -> str:
    with translation.override("fr"):
        return gettext(message)


def french_label(choice) -> str:
    with translation.override("fr"):
        return str(choice.label)


@pytest.fixture
def jury() -> Jury:
    return build_jury()


@pytest.fixture
def text(jury) -> str:
    return pdf_text(render_minutes(deliberation=jury.deliberation, signed_at=SIGNED_AT))


def test_render_minutes_is_an_a4_pdf(jury):
    pdf = render_minutes(deliberation=jury.deliberation, signed_at=SIGNED_AT)

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(595, abs=1)
        assert float(page.mediabox.height) == pytest.approx(842, abs=1)
    assert reader.metadata.title.startswith(french("Minutes of the jury deliberation"))
    assert "RNCP39999" in reader.metadata.author
    assert reader.metadata.creation_date == SIGNED_AT


def test_render_minutes_names_the_certification_and_session(text):
    assert "RNCP39999" in text
    assert "Chargé de projets événementiels" in text
    assert "Institut Européen de l'Événementiel" in text
    assert "Session de juin 2025" in text
    assert "Jury de juillet 2025" in text
    assert "Paris, salle du conseil" in text
    assert "3 juillet 2025" in text  # dates in French


def test_render_minutes_lists_members_with_their_roles(jury, text):
    for name in ("Hélène Directrice", "Paul Enseignant", "Inès Employeuse", "Marc Salarié"):
        assert name in text
    for role in (JuryRole.DIRECTOR, JuryRole.PEDAGOGICAL_LEAD, JuryRole.EXTERNAL_PROFESSIONAL):
        assert capfirst(french_label(role)) in text
    assert f"Hélène Directrice — {french('president')}" in text
    assert "IEE" in text


def test_render_minutes_summarises_the_composition_rule(text):
    assert "50 %" in text
    assert french("employer/employee parity checked") in text


def test_render_minutes_gives_each_decision_with_its_blocs(text):
    for last_name, result in (
        ("AUBERT", Decision.Result.CERTIFIED),
        ("BERNARD", Decision.Result.PARTIAL),
        ("CHEVALIER", Decision.Result.FAILED),
    ):
        assert f"{last_name} Léa" in text
        assert capfirst(french_label(result)) in text
    assert FAILED_REASON in text
    assert "RNCP39999BC01" in text
    assert "RNCP39999BC02" in text
    assert "Concevoir un événement" in text
    assert "Piloter la production" in text
    assert french("not validated") in text
    assert "École Lumière" in text


def test_render_minutes_records_the_exemption_conditions_without_medical_details(text):
    assert "E2.3" in text
    assert french("Overall professional capability not called into question") in text
    assert french("Not meant to apply in the future practice") in text
    assert french("Granted") in text
    assert EXEMPTION_REASON in text
    assert "Sclérose" not in text
    assert MEDICAL_DETAILS not in text


def test_render_minutes_records_equivalences_ruled(text):
    assert "Expérience de cinq ans en production" in text


def test_render_minutes_gives_confirmation_times_in_paris_time(text):
    for minute in range(10, 14):
        assert f"18:{minute}:07" in text
    assert "18:30:00" in text  # signed at


def test_render_minutes_counts_results(text):
    assert f"{french_label(Decision.Result.CERTIFIED)} : 1" in text
    assert f"{french_label(Decision.Result.PARTIAL)} : 1" in text
    assert f"{french_label(Decision.Result.FAILED)} : 1" in text


def test_render_minutes_of_rectification_names_what_it_corrects(jury):
    original = jury.deliberation
    failed = jury.decisions["failed"]
    rectification = DeliberationFactory(
        session=original.session,
        title="Jury rectificatif",
        rectifies=original,
        rectification_reason="Erreur matérielle sur le dossier de Mme Chevalier",
    )
    DecisionFactory(
        deliberation=rectification,
        enrolment=failed.enrolment,
        supersedes=failed,
        proposed_result="partial",
        result="partial",
        reason="Dossier retrouvé",
    )

    text = pdf_text(render_minutes(deliberation=rectification, signed_at=SIGNED_AT))

    assert french("Corrective minutes") in text
    assert "Jury de juillet 2025" in text
    assert "Erreur matérielle sur le dossier de Mme Chevalier" in text
    assert french_label(Decision.Result.FAILED) in text  # the superseded result
    assert "CHEVALIER Léa" in text


def test_render_minutes_same_bytes_for_same_deliberation(jury):
    first = render_minutes(deliberation=jury.deliberation, signed_at=SIGNED_AT)
    second = render_minutes(deliberation=jury.deliberation, signed_at=SIGNED_AT)

    assert first == second


def test_render_minutes_queries_do_not_grow_with_candidates(jury):
    with CaptureQueriesContext(connection) as three:
        render_minutes(deliberation=jury.deliberation, signed_at=SIGNED_AT)
    for n in range(5):
        jury.decide(f"Zeller{n}", "certified", "certified", (True, True))
    with CaptureQueriesContext(connection) as eight:
        render_minutes(deliberation=jury.deliberation, signed_at=SIGNED_AT)

    assert len(eight) == len(three)


def test_render_minutes_logs_no_warning(jury, caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_minutes(deliberation=jury.deliberation, signed_at=SIGNED_AT)

    assert caplog.records == []


def test_render_minutes_refuses_naive_signing_time(jury):
    with pytest.raises(ValueError, match="aware"):
        render_minutes(deliberation=jury.deliberation, signed_at=datetime.datetime(2025, 7, 3, 18, 30))


def test_html_to_pdf_fetches_no_url():
    with pytest.raises(MinutesRenderingError, match="refusing to fetch"):
        html_to_pdf('<p>x</p><img src="https://example.org/logo.png" alt="">')
