"""What a credential says, built from the jury's decision and the référentiel (before it is signed).

Every value traces to a record: the certification's fiche (code, title, level, registration end,
sections kept verbatim), the référentiel version the candidate was assessed on (blocs, competencies,
modalities, criteria, exactly as imported), the signed decision (result, blocs and their grounds) and the
jury's date. Nothing is invented; where the fiche has no text for a field that Open Badges requires, the
field says plainly what the record is, in French (the language of the credential).

Terms are only those of the bundled contexts (VC 2.0, OB 3.0.3): the canonicalisation refuses any other.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch

from certiflow.candidates.models import Candidate
from certiflow.frameworks.models import Assessment, Block, Certification, Certifier, Competency, Framework

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
#: Dates of the jury and of the registration end are French calendar dates.
PARIS = ZoneInfo("Europe/Paris")
#: The fiche's section on how blocs add up to the certification (seed 003).
ACQUISITION_SECTION_PREFIX = "Description des modalités d'acquisition de la certification"
OBJECTIVES_SECTION = "Objectifs et contexte de la certification"
#: Open Badges has no type for a bloc de compétences (a part of an RNCP certification that is certified on
#: its own): the specification's extension syntax names it.
BLOCK_ACHIEVEMENT_TYPE = "ext:BlocDeCompetences"
CERTIFICATION_ACHIEVEMENT_TYPE = "Certification"
RNCP_FRAMEWORK = "Répertoire national des certifications professionnelles (RNCP)"
LEVEL_FRAMEWORK = "Cadre national des certifications professionnelles"
#: The national framework's levels are aligned on the European Qualifications Framework (same numbers).
LEVEL_URL = "https://europa.eu/europass/fr/description-des-huit-niveaux-du-cec"


def public_url(path: str) -> str:
    return f"{settings.CERTIFLOW_PUBLIC_URL}{path}"


def verification_url(credential_id: Any) -> str:
    """What the QR code of a printed credential encodes."""
    return public_url(f"/verify/{credential_id}/")


def status_list_url(status_list_id: int) -> str:
    return public_url(f"/credentials/status/{status_list_id}")


def rncp_fiche_url(certification: Certification) -> str | None:
    match = re.fullmatch(r"RNCP(\d+)", certification.code)
    if certification.code_source != "rncp" or match is None:
        return None
    return f"https://www.francecompetences.fr/recherche/rncp/{match.group(1)}/"


def timestamp(moment: datetime) -> str:
    """An XSD dateTime in UTC to the second, as the Data Integrity examples write them."""
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def start_of(day: date) -> str:
    return datetime.combine(day, time.min, tzinfo=PARIS).isoformat()


def end_of(day: date) -> str:
    return datetime.combine(day, time(23, 59, 59), tzinfo=PARIS).isoformat()


# --- achievements (what was obtained), built once per référentiel version ------------------------------


@dataclass(frozen=True)
class Achievements:
    """The Open Badges achievements of one référentiel version: the certification and each bloc."""

    certification: dict[str, Any]
    blocks: dict[int, dict[str, Any]]


def achievement_url(certification: Certification, framework: Framework, block: Block | None = None) -> str:
    path = f"/achievements/{quote(certification.code, safe='')}/{quote(framework.version, safe='')}/"
    if block is not None:
        path += f"{quote(block.code, safe='')}/"
    return public_url(path)


def achievements_for(framework: Framework) -> Achievements:
    """The achievements of ``framework``, from the référentiel's own texts (four queries)."""
    certification = framework.certification
    blocks = list(
        Block.objects.filter(framework=framework)
        .order_by("position")
        .prefetch_related(
            Prefetch("competencies", queryset=Competency.objects.order_by("position")),
            Prefetch(
                "assessments", queryset=Assessment.objects.order_by("position").prefetch_related("criteria")
            ),
        )
    )
    context = _certification_alignments(certification)
    by_block = {block.pk: _block_achievement(certification, framework, block, context) for block in blocks}
    return Achievements(
        certification=_certification_achievement(certification, framework, blocks, context), blocks=by_block
    )


def _certification_alignments(certification: Certification) -> list[dict[str, Any]]:
    alignments = []
    if fiche := rncp_fiche_url(certification):
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": certification.title,
                "targetUrl": fiche,
                "targetCode": certification.code,
                "targetFramework": RNCP_FRAMEWORK,
                "targetType": "ceterms:Credential",
            }
        )
    if certification.level is not None:
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": f"Niveau {certification.level}",
                "targetUrl": LEVEL_URL,
                "targetCode": str(certification.level),
                "targetFramework": LEVEL_FRAMEWORK,
                "targetType": "ext:NiveauDeQualification",
            }
        )
    return alignments


def _certification_achievement(
    certification: Certification, framework: Framework, blocks: list[Block], context: list[dict[str, Any]]
) -> dict[str, Any]:
    sections = framework.sections or {}
    acquisition = next(
        (text for heading, text in sections.items() if heading.startswith(ACQUISITION_SECTION_PREFIX)), ""
    )
    narrative = acquisition.strip() or "Validation de l'ensemble des blocs de compétences :"
    narrative += "\n\n" + "\n".join(f"- {block.code} : {block.title}" for block in blocks)
    level = f", niveau {certification.level}" if certification.level is not None else ""
    description = (sections.get(OBJECTIVES_SECTION) or "").strip() or (
        f"Certification professionnelle « {certification.title} » ({certification.code}{level})."
    )
    return {
        "id": achievement_url(certification, framework),
        "type": ["Achievement"],
        "achievementType": CERTIFICATION_ACHIEVEMENT_TYPE,
        "name": certification.title,
        "description": description,
        "criteria": {"narrative": narrative},
        "humanCode": certification.code,
        "inLanguage": "fr",
        "version": framework.version,
        "alignment": [
            *context,
            *(
                {
                    "type": ["Alignment"],
                    "targetName": block.title,
                    "targetUrl": achievement_url(certification, framework, block),
                    "targetCode": block.code,
                    "targetFramework": f"{certification.code} — {framework.version}",
                    "targetType": BLOCK_ACHIEVEMENT_TYPE,
                }
                for block in blocks
            ),
        ],
    }


def _block_achievement(
    certification: Certification, framework: Framework, block: Block, context: list[dict[str, Any]]
) -> dict[str, Any]:
    lines = []
    for assessment in block.assessments.all():
        lines.append(f"Modalité d'évaluation {assessment.code} : {assessment.title}")
        if assessment.description:
            lines.append(assessment.description)
        criteria = list(assessment.criteria.all())
        if criteria:
            lines.append(assessment.criteria_heading or "Critères d'évaluation :")
            lines.extend(
                f"- {criterion.code} : {criterion.text}"
                for criterion in sorted(criteria, key=lambda c: c.position)
            )
        lines.append("")
    narrative = (
        "\n".join(lines).strip()
        or "Modalités d'évaluation du bloc : voir le référentiel de la certification."
    )
    level = f", niveau {certification.level}" if certification.level is not None else ""
    return {
        "id": achievement_url(certification, framework, block),
        "type": ["Achievement"],
        "achievementType": BLOCK_ACHIEVEMENT_TYPE,
        "name": block.title,
        "description": block.description.strip()
        or f"Bloc de compétences {block.code} de la certification professionnelle « {certification.title} » "
        f"({certification.code}{level}).",
        "criteria": {"narrative": narrative},
        "humanCode": block.code,
        "inLanguage": "fr",
        "version": framework.version,
        "alignment": [
            *context,
            *(
                {
                    "type": ["Alignment"],
                    "targetName": competency.text,
                    "targetUrl": f"{achievement_url(certification, framework, block)}#{quote(competency.code, safe='')}",
                    "targetCode": competency.code,
                    "targetFramework": f"{certification.code} — {framework.version}",
                    "targetType": "ceasn:Competency",
                }
                for competency in block.competencies.all()
            ),
        ],
    }


# --- the credential --------------------------------------------------------------------------------------


def issuer_profile(*, certifier: Certifier, did: str) -> dict[str, Any]:
    profile: dict[str, Any] = {"id": did, "type": ["Profile"], "name": certifier.name}
    if certifier.website:
        profile["url"] = certifier.website
    if certifier.siret:
        profile["otherIdentifier"] = [
            {"type": "IdentifierEntry", "identifier": certifier.siret, "identifierType": "ext:SIRET"}
        ]
    return profile


def subject_identifiers(candidate: Candidate) -> list[dict[str, Any]]:
    """The candidate, named in clear and identified by a salted hash of their e-mail address (so a
    verifier who knows the address can check it, and nobody can read it off the credential)."""
    salt = secrets.token_hex(8)
    digest = hashlib.sha256(f"{candidate.email.strip().lower()}{salt}".encode()).hexdigest()
    return [
        {
            "type": "IdentityObject",
            "identityHash": f"{candidate.first_name} {candidate.last_name}",
            "identityType": "name",
            "hashed": False,
        },
        {
            "type": "IdentityObject",
            "identityHash": f"sha256${digest}",
            "identityType": "emailAddress",
            "hashed": True,
            "salt": salt,
        },
    ]


def credential(
    *,
    credential_id: Any,
    name: str,
    issuer: dict[str, Any],
    candidate: Candidate,
    achievement: dict[str, Any],
    jury_date: date,
    awarded_at: datetime,
    valid_until: date | None,
    status_list_id: int,
    status_index: int,
) -> dict[str, Any]:
    """The unsigned ``OpenBadgeCredential``. ``validFrom`` is the start of the jury's day; ``validUntil``
    (bloc attestations) the end of the registration, since seed 003 says « Chaque bloc de compétences est
    capitalisable durant toute la durée de la certification »."""
    list_url = status_list_url(status_list_id)
    document: dict[str, Any] = {
        "@context": list(CONTEXT),
        "id": f"urn:uuid:{credential_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer,
        "validFrom": start_of(jury_date),
        "awardedDate": timestamp(awarded_at),
        "name": name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": subject_identifiers(candidate),
            "achievement": achievement,
        },
        "credentialStatus": {
            "id": f"{list_url}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": list_url,
        },
    }
    if valid_until is not None:
        document["validUntil"] = end_of(valid_until)
    return document


def status_list_credential(
    *, status_list_id: int, issuer_did: str, encoded_list: str, updated_at: datetime
) -> dict[str, Any]:
    list_url = status_list_url(status_list_id)
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": timestamp(updated_at),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }
