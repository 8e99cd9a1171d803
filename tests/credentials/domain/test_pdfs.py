"""The PDF of a certificate (parchemin) and of a bloc attestation: pure, French, tagged, offline, stable."""

import dataclasses
import datetime
import io
import logging
import re

import pytest
import segno
from pypdf import PdfReader

from certiflow.credentials.domain.pdfs import (
    ATTACHMENT_NAME,
    Kind,
    PdfRenderingError,
    PrintedBlock,
    PrintedCredential,
    french_date,
    html_to_pdf,
    render_html,
    render_pdf,
)

CREDENTIAL_ID = "7f0c2b0e-8a43-4b0c-9d55-0a7e3d1c5e21"
VERIFICATION_URL = f"https://certiflow.example.org/verifier/{CREDENTIAL_ID}"
ISSUER_DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
ISSUED_AT = datetime.datetime(2026, 6, 15, 9, 30, 0, tzinfo=datetime.UTC)  # 11:30 in Paris
CERTIFICATION_TITLE = "Responsable de production de projets culturels"
LONG_BLOCKS = (
    PrintedBlock(
        "RNCP39603BC01",
        "Concevoir un projet culturel et en définir les conditions de réalisation artistiques, techniques et financières",
        "évaluation",
    ),
    PrintedBlock(
        "RNCP39603BC02",
        "Gérer la dimension administrative, juridique et financière d’un projet culturel dans le respect de la réglementation",
        "VAE",
    ),
    PrintedBlock(
        "RNCP39603BC03",
        "Mettre en œuvre un projet culturel en coordonnant les équipes artistiques, techniques et les partenaires",
        "capitalisé (session du 12/06/2025)",
    ),
    PrintedBlock(
        "RNCP39603BC04",
        "Elaborer et déployer une stratégie marketing et communication autour d’un projet culturel et de ses publics",
        "équivalence",
    ),
    PrintedBlock(
        "RNCP39603BC05",
        "Manager une équipe pluridisciplinaire et piloter les relations avec les prestataires et les institutions publiques",
        "évaluation",
    ),
    PrintedBlock(
        "RNCP39603BC06",
        "Évaluer un projet culturel, en mesurer l'impact et en rendre compte aux financeurs et aux partenaires institutionnels",
        "évaluation",
    ),
)
CREDENTIAL_JSON = (
    '{\n  "@context": ["https://www.w3.org/ns/credentials/v2"],\n  "name": "Léa Aubert — RNCP39603"\n}'
)


def certificate(**changes) -> PrintedCredential:
    printed = PrintedCredential(
        kind=Kind.CERTIFICATE,
        credential_id=CREDENTIAL_ID,
        verification_url=VERIFICATION_URL,
        certifier_name="ECAD CONSULTANTS - IESA ART&CULTURE",
        certifier_siret="33115405400091",
        certifier_website="https://www.iesa.fr",
        certification_title=CERTIFICATION_TITLE,
        rncp_code="RNCP39603",
        level=6,
        candidate_first_name="Marie-Hélène",
        candidate_last_name="de La Tour-Dumoulin",
        candidate_birth_date=datetime.date(1994, 3, 7),
        blocks=LONG_BLOCKS,
        jury_date=datetime.date(2026, 6, 12),
        jury_place="Paris",
        issued_at=ISSUED_AT,
        valid_until=None,
        issuer_did=ISSUER_DID,
    )
    return dataclasses.replace(printed, **changes)


def attestation(**changes) -> PrintedCredential:
    defaults = {"blocks": (LONG_BLOCKS[2],), "valid_until": datetime.date(2031, 6, 12)}
    return certificate(**{"kind": Kind.BLOCK_ATTESTATION, **defaults, **changes})


def pdf_text(pdf: bytes) -> str:
    """The text of every page, with whitespace (and so line breaks) collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def structure(pdf: bytes) -> list[tuple[str, str | None]]:
    """The tagged structure of ``pdf`` in reading order: (tag, alternative text) of every element."""
    reader = PdfReader(io.BytesIO(pdf))
    found = []

    def walk(node):
        node = node.get_object()
        if not hasattr(node, "get") or node.get("/Type") not in ("/StructElem", "/StructTreeRoot"):
            return
        if "/S" in node:
            found.append((str(node["/S"]), node.get("/Alt")))
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def dark_modules_of_path(d: str) -> set[tuple[int, int]]:
    """The dark modules drawn by a segno SVG path (``M x y``, ``m dx dy``, ``h length``)."""
    dark, x, y = set(), 0.0, 0.0
    for command, arguments in re.findall(r"([Mmh])([^Mmh]*)", d):
        values = [float(value) for value in arguments.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            dark.update((int(x) + i, int(y)) for i in range(int(values[0])))
            x += values[0]
    return dark


@pytest.fixture(scope="module")
def certificate_pdf() -> bytes:
    """The PDF of the default certificate, rendered once for the tests that only read it."""
    return render_pdf(certificate())


@pytest.fixture(scope="module")
def attestation_pdf() -> bytes:
    return render_pdf(attestation())


def test_render_pdf_certificate_with_six_long_blocs_fits_on_one_a4_page(certificate_pdf):
    reader = PdfReader(io.BytesIO(certificate_pdf))

    assert certificate_pdf.startswith(b"%PDF-")
    assert len(reader.pages) == 1
    assert float(reader.pages[0].mediabox.width) == pytest.approx(595, abs=1)
    assert float(reader.pages[0].mediabox.height) == pytest.approx(842, abs=1)


def test_render_pdf_certificate_with_everything_long_still_fits_on_one_page():
    title = (
        "Piloter la conception, la production et l'évaluation d'un projet culturel et artistique "
        "en mobilisant les partenaires publics et privés du territoire"
    )
    printed = certificate(
        certifier_name="ÉCOLE SUPÉRIEURE DES MÉTIERS DE LA CULTURE ET DE LA COMMUNICATION - IESA ART&CULTURE",
        certification_title="Responsable de la production et de la diffusion de projets culturels et artistiques",
        candidate_first_name="Marie-Hélène Anne-Sophie",
        candidate_last_name="de La Tour-Dumoulin de Saint-Exupéry",
        blocks=tuple(
            PrintedBlock(f"RNCP39603BC0{n}", title, "capitalisé (session du 12/06/2025)") for n in range(1, 7)
        ),
        replaces="3b1d2c9e-1111-4a2b-8c3d-123456789abc",
    )

    pdf = render_pdf(printed)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert pdf_text(pdf).count(title) == 6


def test_render_pdf_certificate_prints_the_certification_and_the_candidate(certificate_pdf):
    text = pdf_text(certificate_pdf)

    assert "ECAD CONSULTANTS - IESA ART&CULTURE" in text
    assert "SIRET 33115405400091" in text
    assert "CERTIFICAT" in text
    assert "Certification professionnelle enregistrée au RNCP sous le code RNCP39603, niveau 6" in text
    assert CERTIFICATION_TITLE in text
    assert "Marie-Hélène DE LA TOUR-DUMOULIN" in text
    assert "né(e) le 7 mars 1994" in text
    assert "a obtenu la certification par décision du jury du 12 juin 2026" in text
    assert "Fait à Paris, le 15 juin 2026" in text


def test_render_pdf_certificate_lists_every_bloc_with_its_ground(certificate_pdf):
    text = pdf_text(certificate_pdf)

    for block in LONG_BLOCKS:
        assert block.code in text
        assert block.title in text
        assert block.ground in text
    assert text.index("RNCP39603BC01") < text.index("RNCP39603BC06")


def test_render_pdf_certificate_without_grounds_has_no_ground_column():
    blocks = tuple(dataclasses.replace(block, ground="") for block in LONG_BLOCKS)

    text = pdf_text(render_pdf(certificate(blocks=blocks)))

    assert "Mode d'obtention" not in text
    assert LONG_BLOCKS[0].title in text


def test_render_pdf_prints_the_reference_the_verification_url_and_the_issuer(certificate_pdf):
    text = pdf_text(certificate_pdf)

    assert CREDENTIAL_ID in text
    assert VERIFICATION_URL in text
    assert ISSUER_DID in text


def test_render_pdf_without_optional_data_says_nothing_of_it():
    text = pdf_text(
        render_pdf(
            certificate(certifier_siret="", certifier_website="", candidate_birth_date=None, jury_place="")
        )
    )

    assert "SIRET" not in text
    assert "né(e)" not in text
    assert "Fait le 15 juin 2026" in text
    assert "annule et remplace" not in text


def test_render_pdf_certificate_without_rncp_code_does_not_claim_registration():
    text = pdf_text(render_pdf(certificate(rncp_code="ICART-MIC-2024", level=None)))

    assert "Certification professionnelle, code ICART-MIC-2024" in text
    assert "enregistrée au RNCP" not in text


def test_render_pdf_attestation_prints_the_bloc_of_the_certification(attestation_pdf):
    text = pdf_text(attestation_pdf)

    assert "ATTESTATION DE VALIDATION D'UN BLOC DE COMPÉTENCES" in text
    assert "RNCP39603BC03" in text
    assert LONG_BLOCKS[2].title in text
    assert f"de la certification professionnelle « {CERTIFICATION_TITLE} »" in text
    assert "enregistrée au RNCP sous le code RNCP39603, niveau 6" in text
    assert "Marie-Hélène DE LA TOUR-DUMOULIN" in text
    assert "a validé ce bloc de compétences par décision du jury du 12 juin 2026" in text
    assert "Mode d'obtention : capitalisé (session du 12/06/2025)" in text
    assert "capitalisable jusqu'au 12 juin 2031" in text
    assert "RNCP39603BC01" not in text


def test_render_pdf_attestation_without_ground_or_validity_says_nothing_of_them():
    printed = attestation(valid_until=None, blocks=(dataclasses.replace(LONG_BLOCKS[2], ground=""),))

    text = pdf_text(render_pdf(printed))

    assert "Mode d'obtention" not in text
    assert "capitalisable" not in text


def test_render_pdf_replacement_names_the_replaced_document():
    earlier = "3b1d2c9e-1111-4a2b-8c3d-123456789abc"

    for printed in (certificate(replaces=earlier), attestation(replaces=earlier)):
        text = pdf_text(render_pdf(printed))

        assert f"Ce document annule et remplace le document n° {earlier}" in text


def test_french_date_writes_the_month_in_french_and_the_first_day_as_1er():
    assert french_date(datetime.date(2026, 6, 12)) == "12 juin 2026"
    assert french_date(datetime.date(2026, 8, 1)) == "1er août 2026"
    assert french_date(datetime.date(2027, 2, 28)) == "28 février 2027"


def test_render_html_qr_code_encodes_exactly_the_verification_url():
    html = render_html(certificate())

    svg = re.search(r'<svg[^>]*class="qr".*?</svg>', html, re.DOTALL)
    assert svg is not None
    paths = re.findall(r'<path[^>]* d="([^"]+)"', svg.group())
    assert len(paths) == 1
    qr = segno.make_qr(VERIFICATION_URL, error="m", boost_error=False)
    expected = {
        (x, y) for y, row in enumerate(qr.matrix_iter(border=4)) for x, dark in enumerate(row) if dark
    }
    assert dark_modules_of_path(paths[0]) == expected
    assert f"<title>Code QR pour vérifier ce document à l'adresse {VERIFICATION_URL}</title>" in svg.group()


def test_render_pdf_is_tagged_with_ordered_headings_and_the_qr_code_as_a_figure(certificate_pdf):
    tags = structure(certificate_pdf)

    headings = [tag for tag, _ in tags if re.fullmatch(r"/H\d", tag)]
    assert headings == ["/H1", "/H2", "/H3", "/H3"]
    figures = [alt for tag, alt in tags if tag == "/Figure"]
    assert figures == [f"Code QR pour vérifier ce document à l'adresse {VERIFICATION_URL}"]
    assert "/Table" in [tag for tag, _ in tags]


def test_render_pdf_metadata_gives_title_language_author_and_issuing_date(certificate_pdf, attestation_pdf):
    for pdf, title in (
        (certificate_pdf, f"Certificat — {CERTIFICATION_TITLE}"),
        (attestation_pdf, "Attestation de bloc de compétences — RNCP39603BC03"),
    ):
        reader = PdfReader(io.BytesIO(pdf))

        assert reader.metadata.title == title
        assert reader.metadata.author == "ECAD CONSULTANTS - IESA ART&CULTURE"
        assert reader.metadata.creation_date == ISSUED_AT
        assert reader.metadata.modification_date == ISSUED_AT
        assert reader.trailer["/Root"]["/Lang"] == "fr"
        assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]


def test_render_pdf_embeds_the_credential_json():
    pdf = render_pdf(attestation(credential_json=CREDENTIAL_JSON))

    attachments = PdfReader(io.BytesIO(pdf)).attachments
    assert list(attachments) == [ATTACHMENT_NAME]
    assert [content.decode() for content in attachments[ATTACHMENT_NAME]] == [CREDENTIAL_JSON]


def test_render_pdf_without_credential_json_embeds_nothing(certificate_pdf):
    assert dict(PdfReader(io.BytesIO(certificate_pdf)).attachments) == {}


def test_render_pdf_same_bytes_for_same_input():
    printed = certificate(credential_json=CREDENTIAL_JSON, replaces="3b1d2c9e-1111-4a2b-8c3d-123456789abc")

    first = render_pdf(printed)
    second = render_pdf(dataclasses.replace(printed))

    assert first == second


def test_render_pdf_prints_urls_in_the_data_without_fetching_them():
    # Every fetch is refused and fails the rendering: rendering at all shows nothing was fetched.
    printed = certificate(certifier_website="https://www.example.org/logo.png")

    text = pdf_text(render_pdf(printed))

    assert "https://www.example.org/logo.png" in text


def test_render_pdf_logs_no_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render_pdf(certificate(credential_json=CREDENTIAL_JSON))
        render_pdf(attestation())

    assert caplog.records == []


def test_html_to_pdf_fetches_no_url():
    with pytest.raises(PdfRenderingError, match="refusing to fetch"):
        html_to_pdf('<p>x</p><img src="https://example.org/logo.png" alt="">')


def test_html_to_pdf_refuses_data_urls_too():
    with pytest.raises(PdfRenderingError, match="refusing to fetch"):
        html_to_pdf('<p>x</p><img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E" alt="">')


def test_printed_credential_attestation_of_two_blocs_is_refused():
    with pytest.raises(ValueError, match="exactly one bloc"):
        attestation(blocks=LONG_BLOCKS[:2])


def test_printed_credential_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        certificate(kind="diploma")


def test_printed_credential_naive_issuing_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        certificate(issued_at=datetime.datetime(2026, 6, 15, 11, 30))
