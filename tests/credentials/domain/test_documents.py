"""Every field of an issued credential traced to the decision and the référentiel it comes from."""

from __future__ import annotations

import hashlib
import json

from certiflow.credentials.domain.documents import end_of, start_of
from certiflow.credentials.models import IssuedCredential, IssuerKey
from certiflow.credentials.vc import schema

Kind = IssuedCredential.Kind
SECTION = (
    "Description des modalités d'acquisition de la certification par capitalisation des blocs de "
    "compétences et/ou par correspondance"
)
#: Seed 003, that section's text (two lines of the fiche, verbatim).
SECTION_TEXT = (
    "L'obtention de la certification est conditionnée à  la validation de l'ensemble des blocs de "
    "compétences.\nChaque bloc de compétences est capitalisable durant toute la durée de la certification."
)


def _document(issued, enrolment, kind, code=""):
    credentials = IssuedCredential.objects.filter(candidate=enrolment.candidate, kind=kind)
    if code:
        credentials = credentials.filter(block_decision__block__code=code)
    credential = credentials.get()
    return credential, json.loads(credential.document)


def test_every_issued_credential_validates_against_the_achievement_credential_schema(issued):
    documents = [json.loads(text) for text in IssuedCredential.objects.values_list("document", flat=True)]

    assert [schema.schema_errors(document) for document in documents] == [[], [], [], []]


def test_certificate_fields_trace_to_the_decision_and_the_referentiel(issued):
    world, deliberation = issued.world, issued.deliberation
    credential, document = _document(issued, issued.certified, Kind.CERTIFICATE)
    certifier = world.certification.certifiers.get()
    key = IssuerKey.objects.get(certifier=certifier)
    candidate = issued.certified.candidate
    achievement = document["credentialSubject"]["achievement"]

    assert document["id"] == f"urn:uuid:{credential.pk}"
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["issuer"]["id"] == key.did
    assert document["issuer"]["name"] == certifier.name
    assert document["issuer"]["url"] == certifier.website
    assert document["issuer"]["otherIdentifier"][0]["identifier"] == certifier.siret
    assert document["validFrom"] == start_of(deliberation.meets_on) == "2025-07-03T00:00:00+02:00"
    assert "validUntil" not in document  # a certification obtained does not expire
    assert document["awardedDate"] == deliberation.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert document["name"] == f"Certificat — {world.certification.title}"
    assert achievement["achievementType"] == "Certification"
    assert achievement["humanCode"] == world.certification.code
    assert achievement["name"] == world.certification.title
    assert achievement["version"] == world.framework.version
    alignments = {a["targetCode"]: a["targetName"] for a in achievement["alignment"]}
    assert alignments == {
        "6": "Niveau 6",
        "RNCP39603BC01": world.blocks[0].title,
        "RNCP39603BC02": world.blocks[1].title,
    }
    for block in world.blocks:
        assert f"- {block.code} : {block.title}" in achievement["criteria"]["narrative"]
    name, email = document["credentialSubject"]["identifier"]
    assert name == {
        "type": "IdentityObject",
        "identityHash": f"{candidate.first_name} {candidate.last_name}",
        "identityType": "name",
        "hashed": False,
    }
    digest = hashlib.sha256(f"{candidate.email}{email['salt']}".encode()).hexdigest()
    assert email["identityHash"] == f"sha256${digest}"
    status = document["credentialStatus"]
    assert status["statusListIndex"] == str(credential.status_index)
    assert status["statusListCredential"].endswith(f"/credentials/status/{credential.status_list_id}")
    assert document["proof"][0]["verificationMethod"] == key.verification_method


def test_bloc_attestation_fields_trace_to_the_bloc_and_its_criteria(issued):
    world = issued.world
    block = world.blocks[1]
    _credential, document = _document(issued, issued.certified, Kind.BLOCK_ATTESTATION, block.code)
    achievement = document["credentialSubject"]["achievement"]

    assert document["validUntil"] == end_of(world.certification.valid_until) == "2031-12-31T23:59:59+01:00"
    assert achievement["achievementType"] == "ext:BlocDeCompetences"
    assert achievement["humanCode"] == block.code
    assert achievement["name"] == block.title
    competencies = {
        a["targetCode"]: a["targetName"]
        for a in achievement["alignment"]
        if a["targetType"] == "ceasn:Competency"
    }
    assert competencies == {c.code: c.text for c in block.competencies.all()}
    narrative = achievement["criteria"]["narrative"]
    for assessment in block.assessments.all():
        assert f"Modalité d'évaluation {assessment.code} : {assessment.title}" in narrative
        for criterion in assessment.criteria.all():
            assert f"- {criterion.code} : {criterion.text}" in narrative


def test_rncp_code_aligns_the_certification_with_its_fiche(signed):
    certification = signed.world.certification
    certification.code_source = "rncp"
    certification.save()

    signed.issue()

    _credential, document = _document(signed, signed.certified, Kind.CERTIFICATE)
    fiche = next(
        a
        for a in document["credentialSubject"]["achievement"]["alignment"]
        if a["targetType"] == "ceterms:Credential"
    )
    assert fiche["targetUrl"] == "https://www.francecompetences.fr/recherche/rncp/39603/"
    assert fiche["targetCode"] == "RNCP39603"


def test_certificate_criteria_quote_the_fiche_verbatim(signed):
    framework = signed.world.framework
    framework.sections = {
        SECTION: SECTION_TEXT,
        "Objectifs et contexte de la certification": "Piloter des projets.",
    }
    framework.save()

    signed.issue()

    _credential, document = _document(signed, signed.certified, Kind.CERTIFICATE)
    achievement = document["credentialSubject"]["achievement"]
    assert achievement["criteria"]["narrative"].startswith(SECTION_TEXT)
    assert achievement["description"] == "Piloter des projets."
