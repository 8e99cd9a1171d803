"""The référentiel table as HTML rows (layout of seed 000)."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certiflow.frameworks.importers import html_table
from certiflow.frameworks.importers.base import ImportRefused
from certiflow.frameworks.importers.canonical import validate_canonical

HEADER = (
    "## ELEMENTS COMPLEMENTAIRES RELATIFS A LA DEMANDE\n\n"
    "REFERENTIEL D'ACTIVITES <i>décrit les situations</i>\tREFERENTIEL DE COMPETENCES <i>identifie</i>\t"
    "REFERENTIEL D'ÉVALUATION <i>définit</i>\t\n"
    "\t\tMODALITÉS D'ÉVALUATION\tCRITÈRES D'ÉVALUATION\n"
)


@pytest.fixture(scope="module")
def seed(seed_texts):
    return html_table.parse(seed_texts["000"], name="000.txt")


def all_of(document, key):
    return [item for block in document["blocks"] for item in block[key]]


def test_seed_000_blocks_have_their_titles_and_counts(seed):
    blocks = seed.document["blocks"]

    assert [(b["code"], b["title"]) for b in blocks] == [
        ("BC01", "Concevoir et participer à la direction d'une politique ou d'une programmation culturelle"),
        ("BC02", "Piloter les aspects financiers et administratifs d'un projet culturel"),
        (
            "BC03",
            "Définir et mettre en œuvre les stratégies de communication, de médiation et de marketing culturel",
        ),
        ("BC04", "Gérer les équipes dédiées à un projet culturel"),
    ]
    assert all(b["generated"] for b in blocks)
    assert [len(b["activities"]) for b in blocks] == [3, 3, 4, 2]
    assert [len(b["competencies"]) for b in blocks] == [12, 10, 11, 6]
    assert [[e["code"] for e in b["assessments"]] for b in blocks] == [
        ["E1", "E2", "E3", "E4", "E5", "E6"],
        ["E7", "E8", "E9", "E10"],
        ["E11", "E12", "E13", "E14", "E15"],
        ["E16", "E17", "E18", "E19"],
    ]


def test_seed_000_codes_are_the_documents(seed):
    activities = [a["code"] for a in all_of(seed.document, "activities")]
    competencies = [c["code"] for c in all_of(seed.document, "competencies")]

    assert activities == ["A1", "A2", "A3", "A4", "A6", "A7", "A8", "A9", "A10", "A11", "A12", "A13"]
    assert competencies == [f"C{n}" for n in range(1, 40)]
    assert seed.document["title"] == "MANAGER DE L'INGENIERIE CULTURELLE"


def test_seed_000_texts_are_exact(seed):
    competencies = {c["code"]: c["text"] for c in all_of(seed.document, "competencies")}
    activities = {a["code"]: a for a in all_of(seed.document, "activities")}

    assert competencies["C13"] == (
        "Élaborer le business model, le business plan, le budget prévisionnel de production et d'exploitation "
        "du projet artistique en collaboration avec les différentes parties prenantes du projet afin de "
        "s'assurer de la viabilité de celui-ci."
    )
    assert competencies["C6"] == (
        "Pitcher avec conviction son projet pour créer l'adhésion des parties prenantes "
        "(artistes, partenaires, mécènes etc.)."
    )
    # A competency's list stays part of it.
    assert competencies["C4"].startswith("Définir et interroger le concept du projet")
    assert competencies["C4"].endswith("- des normes ISO, des enjeux RSE/RSO de l'entreprise et du projet")
    assert activities["A3"]["text"] == "Direction artistique du projet"
    assert activities["A3"]["description"].startswith("Une fois le projet validé")
    assert activities["A6"]["text"].endswith("autorisation de diffuser de la musique – Sacem, etc.)")


def test_seed_000_criteria_are_exact_and_attached_to_their_modality(seed):
    assessments = {e["code"]: e for e in all_of(seed.document, "assessments")}

    assert [len(assessments[f"E{n}"]["criteria"]) for n in range(1, 20)] == [
        8,
        3,
        4,
        5,
        4,
        4,
        3,
        6,
        3,
        4,
        5,
        4,
        4,
        4,
        4,
        4,
        5,
        2,
        3,
    ]
    assert assessments["E1"]["criteria"][0] == {
        "code": "E1.1",
        "generated": True,
        "text": "diagnostic clair et exhaustif",
        "competencies": ["C1", "C2", "C3"],
    }
    assert assessments["E3"]["criteria"][2]["text"] == (
        "Qualités rédactionnelles : clarté, concision et rythme du texte, utilisation d'un vocabulaire adapté et varié-"
    )
    # Nested list: the sub-items are criteria under their heading.
    e5 = assessments["E5"]["criteria"]
    assert e5[1]["heading"] == "La qualité de l'argumentaire :"
    assert e5[2]["text"] == "utilisation d'un vocabulaire approprié pour exprimer un jugement critique."
    # Criteria written inline, separated by dashes (E11), are split at each dash.
    assert assessments["E11"]["criteria"][0]["text"] == (
        "La problématique du client est bien intégrée et reformulée de manière professionnelle."
    )
    assert assessments["E8"]["criteria"][3] == {
        "code": "E8.4",
        "generated": True,
        "text": "force de proposition",
        "heading": "Le candidat est évalué également sur ses aptitudes commerciales et relationnelles :",
        "competencies": ["C13", "C14", "C15", "C16", "C17"],
    }


def test_seed_000_modalities_keep_kind_modes_and_deliverables(seed):
    assessments = {e["code"]: e for e in all_of(seed.document, "assessments")}

    assert assessments["E2"]["kind"] == "field_survey"
    assert assessments["E2"]["collective"] is True
    assert assessments["E2"]["individual"] is False
    assert assessments["E1"]["deliverables"] == ["Présentation orale individuelle."]
    assert assessments["E17"]["kind"] == "role_play"
    assert assessments["E7"]["kind"] == "case_study"


def test_seed_000_links_follow_the_row(seed):
    competencies = {c["code"]: c for c in all_of(seed.document, "competencies")}
    assessments = {e["code"]: e for e in all_of(seed.document, "assessments")}

    assert competencies["C7"]["activities"] == ["A3"]  # one activity in the row: an explicit link
    assert competencies["C18"]["activities"] == ["A6", "A7"]  # two: every one, with a warning
    assert assessments["E19"]["competencies"] == ["C38", "C39"]


def test_seed_000_warnings_name_what_cannot_be_decided(seed):
    codes = [(issue.code, issue.line) for issue in seed.issues]

    assert ("numbering_gap", 37) in codes  # A5 is missing
    assert ("loose_criterion", 18) in codes  # "Ces contraintes sont clairement explicitées."
    assert ("inline_criteria", 44) in codes
    assert ("ambiguous_link", 37) in codes
    assert any("A5" in str(issue) for issue in seed.issues)
    assert seed.document["warnings"] == [str(issue) for issue in seed.issues]


def test_seed_000_no_header_text_leaks(seed):
    texts = re.findall(r'"(?:text|title|description)": "([^"]*)"', str(seed.document))

    assert not any("REFERENTIEL" in text or "ELEMENTS COMPLEMENTAIRES" in text for text in texts)
    assert "REFERENTIEL" not in str([b["description"] for b in seed.document["blocks"]])


def test_seed_000_output_is_valid_canonical_json(seed):
    document = {**seed.document, "code": "ICART-MIC"}

    validate_canonical(document)


def test_looks_like_recognises_only_its_layout(seed_texts):
    assert html_table.looks_like(seed_texts["000"])
    assert not html_table.looks_like(seed_texts["001"])
    assert not html_table.looks_like(seed_texts["003"])


# --- unseen documents of the same layout ---------------------------------------------------------


def row(*cells: str) -> str:
    return "\t".join(cells) + "\n"


def test_unseen_document_with_one_modality_per_competency_links_exactly():
    text = (
        "### REFERENTIELS DE LA CERTIFICATION « Chargé de projet »\n"
        + HEADER
        + row("<b>BLOC DE COMPÉTENCES 1 : Piloter</b>", "", "", "")
        + row(
            "<p><b>A1 – Pilotage du projet</b></p>",
            "<p><b>C1 :</b> Planifier le projet.</p>",
            "<p><b>Cas pratique.</b></p> <p><b>E1 – Étude de cas</b> Rédiger un plan. ⇒ Production écrite individuelle.</p>",
            "<p><b>E1 – Qualité du plan :</b></p> <ul><li>- plan complet</li><li>- délais réalistes</li></ul>",
        )
        + HEADER
        + row("<b>BLOC DE COMPÉTENCES 2 : Animer</b>", "", "", "")
        + row(
            "<p><b>A2 - Animation</b></p>",
            "<p><b>C2</b> : Animer une réunion.</p>",
            "<p><b>E2 - Jeu de rôle</b> ⇒ Évaluation orale collective.</p>",
            "<p><b>E2 - Qualité :</b></p> <ul><li>- écoute</li></ul>",
        )
    )

    result = html_table.parse(text)

    blocks = result.document["blocks"]
    assert result.document["title"] == "Chargé de projet"
    assert [b["title"] for b in blocks] == ["Piloter", "Animer"]
    e1 = blocks[0]["assessments"][0]
    assert e1["title"] == "Étude de cas"
    assert e1["kind"] == "case_study"
    assert e1["written"]
    assert e1["individual"]
    assert [c["text"] for c in e1["criteria"]] == ["plan complet", "délais réalistes"]
    assert all(c["competencies"] == ["C1"] for c in e1["criteria"])
    assert blocks[1]["assessments"][0]["collective"] is True
    assert not [i for i in result.issues if i.code == "ambiguous_link"]


def test_unseen_document_with_orphan_criteria_warns_and_keeps_them():
    text = (
        HEADER
        + row("<b>BLOC DE COMPÉTENCES 1 : Piloter</b>", "", "", "")
        + row(
            "<p><b>A1 - Pilotage</b></p>",
            "<p><b>C1 :</b> Planifier.</p>",
            "<p><b>E1 - Étude de cas</b> individuelle</p>",
            "<p><b>E1 - Qualité :</b></p><ul><li>- complet</li></ul><p><b>E9 - Autre :</b></p><ul><li>- x</li></ul>",
        )
    )

    result = html_table.parse(text)

    codes = {issue.code for issue in result.issues}
    assert {"orphan_criterion", "missing_title"} <= codes
    assessments = result.document["blocks"][0]["assessments"]
    assert [(e["code"], [k["text"] for k in e["criteria"]]) for e in assessments] == [
        ("E1", ["complet"]),
        ("E9", ["x"]),
    ]


def test_unseen_document_with_a_duplicated_code_is_refused_at_its_line():
    text = (
        HEADER
        + row("<b>BLOC DE COMPÉTENCES 1 : Piloter</b>", "", "", "")
        + row(
            "<p><b>A1 - Pilotage</b></p>", "<p><b>C1 :</b> Planifier.</p> <p><b>C1 :</b> Suivre.</p>", "", ""
        )
    )

    with pytest.raises(ImportRefused) as refused:
        html_table.parse(text)

    assert "C1 appears twice" in str(refused.value)
    assert refused.value.line == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER, "No 'BLOC DE COMPÉTENCES'"),
        (HEADER + row("<p><b>A1 - x</b></p>", "<p><b>C1 :</b> y</p>", "", ""), "before any"),
        (HEADER + row("<b>BLOC DE COMPÉTENCES 1 : P</b>", "", "", "") + "<p><b>A1 - x</b></p>\t<p>", "cells"),
        (
            HEADER
            + row("<b>BLOC DE COMPÉTENCES 1 : P</b>", "", "", "")
            + row("<p><b>A1 - x</b>", "", "", ""),
            "markup",
        ),
        (HEADER + row("<b>BLOC DE COMPÉTENCES 1 : P</b>", "", "", ""), "truncated"),
    ],
    ids=["no-bloc", "row-before-bloc", "cut-row", "unclosed-tag", "empty-bloc"],
)
def test_unreadable_document_is_refused_with_a_line(text, message):
    with pytest.raises(ImportRefused) as refused:
        html_table.parse(text)

    assert message in str(refused.value)


# --- property: any référentiel rendered in this layout reads back exactly --------------------------

words = st.text(alphabet="abcdeéèfghilmnoprstuvàç", min_size=2, max_size=9)
sentence = st.lists(words, min_size=2, max_size=8).map(lambda ws: ws[0].capitalize() + " " + " ".join(ws[1:]))


@st.composite
def referentiels(draw):
    blocks = []
    a = c = e = 0
    for _b in range(draw(st.integers(1, 3))):
        rows = []
        for _r in range(draw(st.integers(1, 3))):
            a += 1
            e += 1
            competencies = []
            for _c in range(draw(st.integers(1, 3))):
                c += 1
                competencies.append((f"C{c}", draw(sentence)))
            criteria = draw(st.lists(sentence, min_size=1, max_size=4))
            rows.append(
                ((f"A{a}", draw(sentence)), competencies, (f"E{e}", draw(sentence), draw(sentence)), criteria)
            )
        blocks.append((draw(sentence), rows))
    return blocks


def render(blocks) -> str:
    out = ["### REFERENTIELS DE LA CERTIFICATION « Titre »\n"]
    for number, (title, rows) in enumerate(blocks, start=1):
        out.append(HEADER + row(f"<b>BLOC DE COMPÉTENCES {number} : {title}</b>", "", "", ""))
        for (acode, atext), competencies, (ecode, etitle, edesc), criteria in rows:
            out.append(HEADER)
            out.append(
                row(
                    f"<p><b>{acode} - {atext}</b></p>",
                    " ".join(f"<p><b>{code}</b> : {text}</p>" for code, text in competencies),
                    f"<p><b>Mise en situation professionnelle reconstituée.</b></p> <p><b>{ecode} - {etitle}</b> {edesc} ⇒ Production écrite individuelle.</p>",
                    f"<p><b>{ecode} - Qualité :</b></p> <ul>"
                    + "".join(f"<li>- {k}</li>" for k in criteria)
                    + "</ul>",
                )
            )
    return "".join(out)


@settings(max_examples=60, deadline=None)
@given(referentiels())
def test_any_referentiel_in_this_layout_reads_back_exactly(blocks):
    result = html_table.parse(render(blocks))

    parsed = result.document["blocks"]
    assert [b["title"] for b in parsed] == [title for title, _rows in blocks]
    for (_title, rows), block in zip(blocks, parsed, strict=True):
        assert [(a["code"], a["text"]) for a in block["activities"]] == [r[0] for r in rows]
        assert [(c["code"], c["text"]) for c in block["competencies"]] == [c for r in rows for c in r[1]]
        for (activity, competencies, (ecode, etitle, edesc), criteria), assessment in zip(
            rows, block["assessments"], strict=True
        ):
            assert (assessment["code"], assessment["title"], assessment["description"]) == (
                ecode,
                etitle,
                edesc,
            )
            assert [k["text"] for k in assessment["criteria"]] == criteria
            codes = [code for code, _text in competencies]
            assert all(k["competencies"] == codes for k in assessment["criteria"])
            assert all(c["activities"] == [activity[0]] for c in block["competencies"] if c["code"] in codes)
    validate_canonical({**result.document, "code": "X"})
