"""The RNCP fiche importer on the seed fiche (003), on synthetic fiches of its layout, on random ones."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certiflow.frameworks.importers import rncp_fiche
from certiflow.frameworks.importers.base import ImportRefused
from certiflow.frameworks.importers.canonical import validate_canonical

DOCUMENTS = Path(__file__).parent / "documents"
BLOC_END = (
    "Pour plus d'information sur les attendus des modalités d'évaluation, veuillez télécharger le "
    "référentiel d'activités, de compétences et d'évaluation."
)
CANONICAL_KEY_ORDER = [
    "code",
    "title",
    "version",
    "level",
    "certifiers",
    "nsf",
    "formacodes",
    "rome",
    "valid_until",
    "replaces",
    "labels",
    "access_routes",
    "prerequisites",
    "statistics",
    "rules",
    "sections",
    "activities",
    "blocks",
    "source",
    "warnings",
]


@pytest.fixture(scope="module")
def seed(seed_texts):
    return rncp_fiche.parse(seed_texts["003"], name="003_0ffbd60cb05e4341.txt")


@pytest.fixture(scope="module")
def seed_doc(seed):
    return seed.document


def _document(name: str) -> str:
    return (DOCUMENTS / name).read_text(encoding="utf-8")


def _codes(result) -> list[str]:
    return [issue.code for issue in result.issues]


def _issues(result, code: str) -> list:
    return [issue for issue in result.issues if issue.code == code]


def _competencies(doc) -> dict[str, dict]:
    return {c["code"]: c for block in doc["blocks"] for c in block["competencies"]}


def _prerequisite(groups, route: str, case: str) -> dict:
    return next(g for g in groups if route in g["routes"] and g["case"] == case)


# --- the seed fiche (003): identity, nomenclatures, certifier ------------------------------------------


def test_parse_seed_reads_code_level_and_expiry(seed_doc):
    # The seed is parsed once for the module (fixtures `seed`, `seed_doc`); each test asserts one aspect.
    assert seed_doc["code"] == "RNCP39603"
    assert seed_doc["level"] == 6
    assert seed_doc["valid_until"] == "2026-10-01"
    assert seed_doc["version"] is None


def test_parse_seed_without_title_line_leaves_title_empty(seed, seed_doc):
    assert seed_doc["title"] is None
    assert "missing_title" in _codes(seed)


def test_parse_seed_reads_nsf_codes_with_labels(seed_doc):
    assert seed_doc["nsf"] == ["323", "323s"]
    assert seed_doc["labels"]["nsf"] == {
        "323": "Techniques de l'image et du son, métiers connexes du spectacle",
        "323s": "Techniques de l'image et du son, métiers connexes du spectacle",
    }


def test_parse_seed_reads_formacodes_with_labels(seed_doc):
    assert seed_doc["formacodes"] == ["32135", "44067", "44035", "32096"]
    assert seed_doc["labels"]["formacodes"]["32135"] == "Conduite projet"
    assert seed_doc["labels"]["formacodes"]["32096"] == "Gestion entreprise culturelle"


def test_parse_seed_reads_rome_codes_keeping_doubled_apostrophe(seed_doc):
    assert seed_doc["rome"] == ["L1303", "K1602", "K1206", "L1302"]
    assert seed_doc["labels"]["rome"]["L1303"] == "Promotion d''artistes et de spectacles"
    assert (
        seed_doc["labels"]["rome"]["L1302"] == "Production et administration spectacle, cinéma et audiovisuel"
    )


def test_parse_seed_with_identical_repeated_summary_does_not_warn(seed):
    assert "summary_mismatch" not in _codes(seed)
    assert "conflicting_label" not in _codes(seed)


def test_parse_seed_reads_certifier_with_valid_siret(seed, seed_doc):
    assert seed_doc["certifiers"] == [
        {
            "name": "ECAD CONSULTANTS - IESA ART&CULTURE",
            "siret": "33115405400091",
            "commercial_name": "IESA arts et culture",
            "website": "https://www.iesa.fr/",
        }
    ]
    assert "invalid_siret" not in _codes(seed)


def test_parse_seed_reads_replaced_certification(seed_doc):
    assert seed_doc["replaces"] == ["RNCP37040"]
    assert seed_doc["labels"]["replaces"] == {"RNCP37040": "Responsable de production de projets culturels"}


# --- the seed fiche: activities, blocs, competencies, modalities -----------------------------------------


def test_parse_seed_keeps_activities_unattached_with_generated_codes(seed, seed_doc):
    activities = seed_doc["activities"]

    assert len(activities) == 21
    assert activities[0] == {
        "code": "A1",
        "generated": True,
        "text": "Analyse de la demande liée à un projet culturel",
    }
    assert activities[16]["text"] == "Mise en place d’une veille culturelle et stratégique"
    assert activities[20]["code"] == "A21"
    assert [i.line for i in _issues(seed, "activities_unattached")] == [62]
    assert all(block["activities"] == [] for block in seed_doc["blocks"])


def test_parse_seed_reads_four_blocs_with_titles(seed_doc):
    assert [(b["code"], b["title"]) for b in seed_doc["blocks"]] == [
        ("RNCP39603BC01", "Définir un projet culturel"),
        ("RNCP39603BC02", "Gérer la dimension administrative et financière d’un projet culturel"),
        ("RNCP39603BC03", "Mettre en œuvre un projet culturel"),
        (
            "RNCP39603BC04",
            "Elaborer et déployer une stratégie marketing et communication autour d’un projet culturel",
        ),
    ]


def test_parse_seed_counts_competencies_per_bloc(seed_doc):
    assert [len(b["competencies"]) for b in seed_doc["blocks"]] == [6, 5, 5, 6]


def test_parse_seed_numbers_competencies_across_blocs(seed_doc):
    competencies = [c for b in seed_doc["blocks"] for c in b["competencies"]]

    assert [c["code"] for c in competencies] == [f"C{n}" for n in range(1, 23)]
    assert all(c["generated"] is True and c["activities"] == [] for c in competencies)


def test_parse_seed_keeps_competency_texts_exactly(seed_doc):
    competencies = _competencies(seed_doc)

    assert competencies["C1"]["text"] == (
        "Etudier la demande liée à la production culturelle en s'appuyant sur les différentes techniques de "
        "questionnement et d’analyse à disposition, en étudiant l'impact social et environnemental du "
        "projet afin de relever les différents besoins humains, matériels et techniques du projet"
    )
    assert competencies["C12"]["text"].startswith(
        "Concevoir les dispositifs et parcours liés au projet culturel (exposition, festival, "
        "représentation…)"
    )
    assert competencies["C22"]["text"] == (
        "Participer à la commercialisation d’un projet culturel en déterminant les éléments de langage "
        "utilisés dans l’argumentaire, en organisant des échanges avec des institutions et en déterminant "
        "des objectifs de vente en fonction de la capacité des lieux afin de diffuser largement le projet "
        "auprès du public cible"
    )


def test_parse_seed_joins_competency_continued_over_paragraphs(seed_doc):
    contracts = _competencies(seed_doc)["C10"]

    assert contracts["text"] == (
        "Établir les différents types de contrats de coproduction, de résidence, de cession, de travail, "
        "conventions, etc. nécessaires à la production et à l’exploitation du projet artistique, en tenant "
        "compte : des règlementations applicables des accords mutuels entre les parties-prenantes des "
        "spécificités de la production afin de formaliser les engagements avec les différents "
        "partenaires/collaborateurs."
    )
    assert _competencies(seed_doc)["C11"]["text"].startswith("Effectuer les demandes d’autorisation")


def test_parse_seed_attaches_short_forms_in_order(seed, seed_doc):
    competencies = _competencies(seed_doc)

    assert competencies["C1"]["summary"] == "Etudier de la demande liée à la production culturelle"
    assert competencies["C16"]["summary"] == "Elaborer des fiches techniques"
    assert competencies["C22"]["summary"] == "Participer à la commercialisation d'un projet culturel"
    assert "summary_count" not in _codes(seed)


def test_parse_seed_reads_modalities_per_bloc(seed_doc):
    titles = [[a["title"] for a in b["assessments"]] for b in seed_doc["blocks"]]

    assert titles == [
        ["Projet professionnel dans le cadre de la conceptualisation d'un projet culturel réel ou fictif."],
        [
            "Cas pratiques à partir de cas réels ou fictifs de gestion administrative et/ou financière d'un "
            "projet culturel",
            "Projet professionnel à partir d'un cas réel ou fictif de gestion juridique d'un projet culturel",
        ],
        ["Projet professionnel de mise en oeuvre d'un projet culturel réel ou fictif"],
        [
            "Projet professionnel à partir d'un cas réel ou fictif de promotion d'un projet culturel",
            "Business case à partir d'un projet culturel réel ou fictif en cours de commercialisation",
        ],
    ]


def test_parse_seed_classifies_modalities(seed_doc):
    assessments = [a for b in seed_doc["blocks"] for a in b["assessments"]]

    assert [(a["code"], a["kind"]) for a in assessments] == [
        ("E1", "professional_project"),
        ("E2", "case_study"),
        ("E3", "professional_project"),
        ("E4", "professional_project"),
        ("E5", "professional_project"),
        ("E6", "business_case"),
    ]
    assert all(a["generated"] and a["individual"] is None for a in assessments)
    assert all(
        a["criteria"] == [] and a["deliverables"] == [] and a["description"] == "" for a in assessments
    )


def test_parse_seed_links_each_modality_to_all_bloc_competencies(seed_doc):
    bc02 = seed_doc["blocks"][1]

    assert [a["competencies"] for a in bc02["assessments"]] == [["C7", "C8", "C9", "C10", "C11"]] * 2
    assert seed_doc["blocks"][0]["assessments"][0]["competencies"] == ["C1", "C2", "C3", "C4", "C5", "C6"]


def test_parse_seed_warns_ambiguous_links_for_blocs_with_several_modalities(seed):
    assert [i.line for i in _issues(seed, "ambiguous_link")] == [190, 236]


# --- the seed fiche: access routes, juries -------------------------------------------------------------


def test_parse_seed_reads_six_access_routes(seed_doc):
    routes = seed_doc["access_routes"]

    assert [(r["route"], r["label"]) for r in routes] == [
        ("formation_initiale", "Après un parcours de formation sous statut d’élève ou d’étudiant"),
        ("apprentissage", "En contrat d’apprentissage"),
        ("formation_continue", "Après un parcours de formation continue"),
        ("contrat_professionnalisation", "En contrat de professionnalisation"),
        ("candidature_individuelle", "Par candidature individuelle"),
        ("vae", "Par expérience"),
    ]
    assert [r["open"] for r in routes] == [True, True, True, True, None, True]


def test_parse_seed_keeps_jury_composition_text(seed_doc):
    vae = seed_doc["access_routes"][5]

    assert vae["jury"] == (
        "Le jury est composé de 4 membres dont 50% de professionnels :\n"
        "- Le directeur de l'école\n"
        "- Un responsable pédagogique ou enseignant\n"
        "- Deux professionnels externes, excerçant dans le métier visé\n"
        "La parité employeur/salarié est contrôlée."
    )


def test_parse_seed_reads_jury_rules(seed_doc):
    expected = {
        "members": 4,
        "min_professional_ratio": 0.5,
        "roles": [
            "Le directeur de l'école",
            "Un responsable pédagogique ou enseignant",
            "Deux professionnels externes, excerçant dans le métier visé",
        ],
        "parity_checked": True,
    }

    rules = [r["jury_rules"] for r in seed_doc["access_routes"]]

    assert rules == [expected] * 4 + [None, expected]


def test_parse_seed_warns_route_without_jury_is_ambiguous(seed):
    assert [i.line for i in _issues(seed, "ambiguous_route")] == [488]
    assert "jury_unreadable" not in _codes(seed)


# --- the seed fiche: prerequisites, statistics, rules, sections ------------------------------------------


def test_parse_seed_reads_entry_prerequisites_by_route_and_year(seed_doc):
    entry = seed_doc["prerequisites"]["entry"]

    year2 = _prerequisite(entry, "formation_initiale", "Entrée en 2ème année")

    assert len(entry) == 8
    assert year2["year"] == 2
    assert year2["route_text"] == "En formation initiale"
    assert [(c["min_level"], c["min_ects"]) for c in year2["conditions"]] == [(4, 60)]
    assert _prerequisite(entry, "formation_initiale", "Entrée en 1ère année")["year"] == 1


def test_parse_seed_reads_alternance_prerequisites_for_both_contracts(seed_doc):
    entry = seed_doc["prerequisites"]["entry"]

    three_years = _prerequisite(entry, "apprentissage", "Pour un cursus en 3 ans")

    assert three_years["routes"] == ["apprentissage", "contrat_professionnalisation"]
    assert three_years["conditions"][0]["min_level"] == 4


def test_parse_seed_reads_alternative_condition_of_formation_continue(seed_doc):
    entry = seed_doc["prerequisites"]["entry"]

    case1 = _prerequisite(entry, "formation_continue", "Cas 1 : Entrée avec un niveau 5 (Bac+2)")
    case2 = _prerequisite(entry, "formation_continue", "Cas 2 : Entrée avec un niveau 4")

    assert [c["alternative"] for c in case1["conditions"]] == [False, True]
    assert case1["conditions"][1]["text"].startswith("Ou Etre titulaire d’une certification de niveau 5")
    assert case1["conditions"][1]["min_experience_months"] == 12
    assert (case1["conditions"][1]["min_level"], case1["conditions"][1]["min_ects"]) == (5, 120)
    assert case2["conditions"][0]["min_experience_months"] == 24


def test_parse_seed_reads_validation_prerequisites(seed_doc):
    validation = seed_doc["prerequisites"]["validation"]

    year1 = _prerequisite(validation, "formation_initiale", "En cas d'intégration en 1ère année")
    alternance = _prerequisite(validation, "contrat_professionnalisation", "Pour un cursus en 2 ans")

    assert len(validation) == 8
    assert year1["year"] == 1
    assert [c["programme_months"] for c in year1["conditions"]] == [None, 36, None]
    experience = year1["conditions"][2]
    assert (experience["experience_months"], experience["billed_hours"]) == (4, 200)
    assert experience["text"].startswith("Avoir réalisé 4 mois d'expérience professionnelle")
    assert alternance["conditions"][1]["programme_months"] == 24


def test_parse_seed_reads_derogations(seed_doc):
    derogations = seed_doc["prerequisites"]["derogations"]

    assert len(derogations) == 1
    assert derogations[0].startswith("Si le candidat ne dispose pas de l’expérience professionnelle")


def test_parse_seed_reads_statistics(seed_doc):
    assert seed_doc["statistics"] == [
        {
            "year": 2022,
            "certified": 41,
            "certified_vae": 0,
            "employment_rate_6m": 74,
            "employment_rate_6m_job": 53,
            "employment_rate_2y_job": None,
        },
        {
            "year": 2021,
            "certified": 79,
            "certified_vae": 0,
            "employment_rate_6m": 100,
            "employment_rate_6m_job": 79,
            "employment_rate_2y_job": 74,
        },
        {
            "year": 2020,
            "certified": 82,
            "certified_vae": 0,
            "employment_rate_6m": 100,
            "employment_rate_6m_job": 71,
            "employment_rate_2y_job": 72,
        },
    ]


def test_parse_seed_keeps_rule_texts_in_sections(seed_doc):
    sections = seed_doc["sections"]

    assert seed_doc["rules"] == {"competency_policy": "all_criteria"}
    assert "Chaque compétence est donc évaluée de manière indépendante" in sections["Modalités d'évaluation"]
    assert (
        "Candidat en situation de handicap : Dans le cadre du respect" in sections["Modalités d'évaluation"]
    )
    capitalisation = sections[
        "Description des modalités d'acquisition de la certification par capitalisation des blocs de "
        "compétences et/ou par correspondance"
    ]
    assert "Chaque bloc de compétences est capitalisable durant toute la durée de la certification." in (
        capitalisation.split("\n")
    )
    assert "il revient au candidat de présenter cette équivalence au jury pour validation." in capitalisation
    assert capitalisation.endswith("Ces deux critères étant cumulatifs.")


def test_parse_seed_keeps_other_titled_sections(seed_doc):
    sections = seed_doc["sections"]

    assert sections["Objectifs et contexte de la certification"].startswith("Pilotant la réalisation")
    assert (
        sections["Secteurs d’activités"].split("\n")[1]
        == "Les arts visuels (peinture, sculpture, arts graphiques…) ;"
    )
    assert "Directeur de festival ;" in sections["Type d'emplois accessibles"].split("\n")
    assert sections["Références juridiques des règlementations d’activité"] == "N/A"
    assert sections["Pré-requis disctincts pour les blocs de compétences"] == "Non"
    assert sections["Lien internet vers le descriptif de la certification"] == (
        "https://www.iesa.fr/formation/bachelor-productions-mediation-culturelles"
    )
    assert sections["Liste des organismes préparant à la certification"] == ""
    assert sections["Validité des composantes acquises"] == (
        "Validité des composantes acquises\nOui Non\n"
        "Inscrite au cadre de la Nouvelle Calédonie X\nInscrite au cadre de la Polynésie française X"
    )


# --- the seed fiche: warnings, validity, detection ------------------------------------------------------


def test_parse_seed_raises_exactly_the_expected_warnings(seed):
    assert sorted(_codes(seed)) == sorted(
        [
            "missing_title",
            "activities_unattached",
            "ambiguous_link",
            "ambiguous_link",
            "ambiguous_route",
            "individual_unknown",
            "no_criteria",
        ]
    )


def test_parse_seed_copies_warnings_into_document(seed, seed_doc):
    assert seed_doc["warnings"] == [str(issue) for issue in seed.issues]
    assert any(w.startswith("line 488: ") for w in seed_doc["warnings"])


def test_parse_seed_output_passes_canonical_validation(seed_doc):
    document = copy.deepcopy(seed_doc)
    document["title"] = "Responsable de production de projets culturels"

    validate_canonical(document)


def test_parse_seed_orders_keys_like_canonical(seed, seed_doc):
    assert list(seed_doc) == CANONICAL_KEY_ORDER
    assert seed.layout == rncp_fiche.LAYOUT
    assert seed_doc["source"] == {"layout": "rncp_fiche", "name": "003_0ffbd60cb05e4341.txt"}


def test_looks_like_seed_fiche_is_true(seed_texts):
    assert rncp_fiche.looks_like(seed_texts["003"]) is True


@pytest.mark.parametrize("key", ["000", "001"])
def test_looks_like_referentiel_seeds_is_false(seed_texts, key):
    assert rncp_fiche.looks_like(seed_texts[key]) is False


def test_looks_like_fiche_text_without_bloc_is_false(seed_texts):
    head = "\n".join(seed_texts["003"].split("\n")[:160])

    assert rncp_fiche.looks_like(head) is False


# --- synthetic fiches of the same layout --------------------------------------------------------------


def test_parse_two_bloc_fiche_reads_title_line_and_structure():
    result = rncp_fiche.parse(_document("rncp_fiche_two_blocs.txt"), name="two")
    doc = result.document

    assert (doc["code"], doc["title"], doc["level"]) == ("RNCP12345", "Chargé de médiation numérique", 5)
    assert doc["valid_until"] == "2027-12-31"
    assert [b["code"] for b in doc["blocks"]] == ["RNCP12345BC01", "RNCP12345BC02"]
    assert [len(b["competencies"]) for b in doc["blocks"]] == [2, 3]
    assert doc["blocks"][1]["competencies"][0]["text"] == (
        "Animer des ateliers collectifs d'initiation au numérique en tenant compte : des niveaux des "
        "participants des outils disponibles afin que chacun progresse à son rythme."
    )
    assert "missing_title" not in _codes(result)


def test_parse_two_bloc_fiche_reads_modality_kinds_and_modes():
    doc = rncp_fiche.parse(_document("rncp_fiche_two_blocs.txt")).document

    modes = [
        (a["kind"], a["individual"], a["collective"], a["written"], a["oral"])
        for b in doc["blocks"]
        for a in b["assessments"]
    ]

    assert modes == [
        ("simulated_situation", True, False, False, True),
        ("case_study", False, True, True, False),
        ("portfolio", None, False, True, True),
    ]


def test_parse_two_bloc_fiche_warns_on_bad_siret_disagreeing_summary_and_stray_line():
    result = rncp_fiche.parse(_document("rncp_fiche_two_blocs.txt"))

    assert result.document["certifiers"][0]["siret"] == "12345678901234"
    assert [i.line for i in _issues(result, "invalid_siret")] == [32]
    assert [i.line for i in _issues(result, "summary_mismatch")] == [27]
    assert result.document["labels"]["formacodes"] == {"46312": "Médiation numérique"}
    assert [i.line for i in _issues(result, "unreadable")] == [34]


def test_parse_two_bloc_fiche_with_unticked_route_and_free_jury_warns():
    result = rncp_fiche.parse(_document("rncp_fiche_two_blocs.txt"))
    routes = result.document["access_routes"]

    assert [(r["route"], r["open"]) for r in routes] == [
        ("formation_initiale", True),
        ("candidature_individuelle", None),
        ("vae", True),
    ]
    assert routes[0]["jury_rules"] == {
        "members": 3,
        "min_professional_ratio": 0.5,
        "roles": ["Le responsable de la formation", "Deux professionnels du secteur"],
        "parity_checked": True,
    }
    assert routes[2]["jury"] == "Jury composé de professionnels du secteur."
    assert routes[2]["jury_rules"] is None
    assert [i.line for i in _issues(result, "route_unmarked")] == [108]
    assert [i.line for i in _issues(result, "jury_unreadable")] == [109]


def test_parse_two_bloc_fiche_without_statistics_warns_and_keeps_unknown_section():
    result = rncp_fiche.parse(_document("rncp_fiche_two_blocs.txt"))

    assert result.document["statistics"] == []
    assert "no_statistics" in _codes(result)
    assert (
        result.document["sections"]["Informations complémentaires"] == "Fiche de test écrite pour certiflow."
    )


def test_parse_two_bloc_fiche_with_short_list_of_other_length_warns():
    result = rncp_fiche.parse(_document("rncp_fiche_two_blocs.txt"))

    assert [i.line for i in _issues(result, "summary_count")] == [46]
    assert all(c["summary"] is None for c in _competencies(result.document).values())


def test_parse_five_bloc_fiche_reads_header_line_and_structure():
    result = rncp_fiche.parse(_document("rncp_fiche_five_blocs.txt"))
    doc = result.document

    assert (doc["code"], doc["title"], doc["level"]) == (
        "RNCP40001",
        "Développeur d'applications immersives",
        7,
    )
    assert [b["code"] for b in doc["blocks"]] == [
        "RNCP40001BC01",
        "RNCP40001BC02",
        "RNCP40001BC03",
        "RNCP40001BC04",
        "RNCP40010BC05",
    ]
    assert [len(b["competencies"]) for b in doc["blocks"]] == [2, 1, 2, 2, 1]
    assert _competencies(doc)["C8"]["summary"] == "Piloter un projet"
    assert doc["activities"] == []
    assert "activities_unattached" not in _codes(result)


def test_parse_five_bloc_fiche_warns_on_foreign_bloc_code():
    result = rncp_fiche.parse(_document("rncp_fiche_five_blocs.txt"))

    assert [i.line for i in _issues(result, "code_mismatch")] == [99]


def test_parse_five_bloc_fiche_keeps_unclassifiable_modality_with_warning():
    result = rncp_fiche.parse(_document("rncp_fiche_five_blocs.txt"))
    bc03 = result.document["blocks"][2]

    assert [(a["title"], a["kind"]) for a in bc03["assessments"]] == [
        ("Projet professionnel de développement", "professional_project"),
        ("Revue de code par les pairs", "other"),
    ]
    assert [i.line for i in _issues(result, "unclassified_modality")] == [83]


def test_parse_five_bloc_fiche_reads_spaced_siret_and_several_certifiers():
    result = rncp_fiche.parse(_document("rncp_fiche_five_blocs.txt"))

    assert result.document["certifiers"] == [
        {
            "name": "ECAD CONSULTANTS",
            "siret": "33115405400091",
            "commercial_name": "IESA",
            "website": "https://www.iesa.fr/",
        },
        {
            "name": "STUDIO IMMERSIF",
            "siret": "73282932000074",
            "commercial_name": "Studio immersif",
            "website": None,
        },
    ]
    assert "invalid_siret" not in _codes(result)


def test_parse_five_bloc_fiche_skips_short_statistics_row_with_warning():
    result = rncp_fiche.parse(_document("rncp_fiche_five_blocs.txt"))

    assert [row["year"] for row in result.document["statistics"]] == [2023]
    assert result.document["statistics"][0]["certified_vae"] == 1
    assert [i.line for i in _issues(result, "statistics_row")] == [126]


def test_parse_five_bloc_fiche_reads_experience_in_years_and_vae_route():
    entry = rncp_fiche.parse(_document("rncp_fiche_five_blocs.txt")).document["prerequisites"]["entry"]

    assert [(g["routes"], g["case"]) for g in entry] == [
        (["formation_continue"], "Cas unique"),
        (["vae"], "Pour toute candidature"),
    ]
    assert [g["conditions"][0]["min_experience_months"] for g in entry] == [24, 36]
    assert entry[0]["conditions"][0]["min_level"] == 6


def test_parse_five_bloc_fiche_reads_several_replaced_certifications():
    doc = rncp_fiche.parse(_document("rncp_fiche_five_blocs.txt")).document

    assert doc["replaces"] == ["RNCP30001", "RNCP30002"]
    assert doc["labels"]["replaces"]["RNCP30002"] == "Concepteur d'expériences immersives"


@pytest.mark.parametrize("name", ["rncp_fiche_two_blocs.txt", "rncp_fiche_five_blocs.txt"])
def test_parse_synthetic_fiche_passes_canonical_validation(name):
    text = _document(name)

    doc = rncp_fiche.parse(text, name=name).document

    assert rncp_fiche.looks_like(text) is True
    validate_canonical(doc)


def test_parse_seed_without_blank_lines_reads_the_same_document(seed_texts, seed_doc):
    text = "\n".join(line for line in seed_texts["003"].split("\n") if line.strip())

    doc = rncp_fiche.parse(text, name="003_0ffbd60cb05e4341.txt").document

    assert {k: v for k, v in doc.items() if k != "warnings"} == {
        k: v for k, v in seed_doc.items() if k != "warnings"
    }


def test_parse_seed_with_windows_line_endings_reads_the_same_blocs(seed_texts, seed_doc):
    doc = rncp_fiche.parse(seed_texts["003"].replace("\n", "\r\n")).document

    assert doc["blocks"] == seed_doc["blocks"]
    assert doc["access_routes"] == seed_doc["access_routes"]


def test_parse_bloc_with_column_headers_on_own_lines_reads_modalities():
    text = "\n\n".join(
        [
            "Niveau 4",
            "RNCP11111BC01 - Accueillir",
            "Liste de compétences :",
            "Accueillir le public.",
            "Modalités d'évaluation :",
            "Présentation devant un jury",
            BLOC_END,
        ]
    )

    result = rncp_fiche.parse(text)
    block = result.document["blocks"][0]

    assert [c["text"] for c in block["competencies"]] == ["Accueillir le public."]
    assert [(a["title"], a["kind"]) for a in block["assessments"]] == [
        ("Présentation devant un jury", "other")
    ]
    assert [i.line for i in _issues(result, "unclassified_modality")] == [11]


def _mini_fiche(*tail: str) -> str:
    """A one-bloc fiche followed by the given lines (one per paragraph)."""
    head = [
        "Niveau 5",
        "RNCP22222BC01 - Accueillir",
        "Accueillir le public.",
        "Cas pratique d'accueil",
        BLOC_END,
    ]
    return "\n\n".join([*head, *tail]) + "\n"


def test_parse_routes_with_unknown_and_repeated_route_keeps_them_aside_with_warnings():
    text = _mini_fiche(
        "Validité des composantes acquises :",
        "Voie d’accès à la certification Oui Non Composition des jurys Date de dernière modification\n"
        "Par la voie de l'alternance X\n\nJury de trois professionnels\n-\n"
        "Par expérience X\n\nLe jury est composé de 2 membres dont 50% de professionnels :\n- Un formateur\n"
        "- Un professionnel\n-\n"
        "Par expérience X - -\n"
        "Par expérience X\n\nLe jury est composé de 2 membres dont 50% de professionnels :\n- Un formateur\n"
        "- Un professionnel\n-",
    )

    result = rncp_fiche.parse(text)
    doc = result.document

    assert [(r["route"], r["open"]) for r in doc["access_routes"]] == [("vae", True)]
    assert doc["access_routes"][0]["jury_rules"]["roles"] == ["Un formateur", "Un professionnel"]
    assert [i.line for i in _issues(result, "unknown_route")] == [14]
    assert [i.line for i in _issues(result, "duplicate_route")] == [24, 25]
    assert doc["sections"]["Validité des composantes acquises"] == (
        "Par la voie de l'alternance X\nJury de trois professionnels\nPar expérience X - -"
    )


def test_parse_statistics_with_repeated_year_and_decimal_rate_warns():
    text = _mini_fiche(
        "Statistiques :",
        "Statistiques\n"
        "Année d'obtention de la certification Nombre de certifiés Nombre de certifiés à la suite d’un "
        "parcours vae Taux d'insertion global à 6 mois (en %) Taux d'insertion dans le métier visé à 6 mois "
        "(en %) Taux "
        "d'insertion dans le métier visé à 2 ans (en %)\n"
        "2023 10 0 80,6 70 -\n2023 11 0 81 70 -\n2022 9 1 50 40 30",
    )

    result = rncp_fiche.parse(text)

    assert [(r["year"], r["employment_rate_6m"]) for r in result.document["statistics"]] == [
        (2023, 81),
        (2022, 50),
    ]
    assert [i.line for i in _issues(result, "statistics_rounded")] == [15]
    assert [i.line for i in _issues(result, "statistics_row")] == [16]


# --- refusals -----------------------------------------------------------------------------------------


def test_parse_fiche_cut_inside_a_bloc_is_refused(seed_texts):
    truncated = "\n".join(seed_texts["003"].split("\n")[:200])

    with pytest.raises(ImportRefused) as refused:
        rncp_fiche.parse(truncated)

    assert refused.value.line == 190
    assert "RNCP39603BC02" in refused.value.message
    assert refused.value.hint


def test_parse_bloc_heading_without_competencies_is_refused(seed_texts):
    lines = seed_texts["003"].split("\n")
    text = "\n".join(lines[:219] + lines[234:])  # BC03's heading, then directly BC04

    with pytest.raises(ImportRefused) as refused:
        rncp_fiche.parse(text)

    assert refused.value.line == 218
    assert "RNCP39603BC03" in refused.value.message


def test_parse_fiche_without_bloc_is_refused(seed_texts):
    head = "\n".join(seed_texts["003"].split("\n")[:169])

    with pytest.raises(ImportRefused) as refused:
        rncp_fiche.parse(head)

    assert refused.value.line == 156
    assert refused.value.hint


def test_parse_empty_text_is_refused():
    with pytest.raises(ImportRefused) as refused:
        rncp_fiche.parse("")

    assert refused.value.line == 1


def test_parse_duplicate_bloc_code_with_other_title_is_refused(seed_texts):
    text = seed_texts["003"].replace(
        "RNCP39603BC03 - Mettre en œuvre un projet culturel",
        "RNCP39603BC02 - Mettre en œuvre un projet culturel",
    )

    with pytest.raises(ImportRefused) as refused:
        rncp_fiche.parse(text)

    assert refused.value.line == 218
    assert "RNCP39603BC02" in refused.value.message


def test_parse_identical_repeated_bloc_is_kept_once_with_warning(seed_texts):
    lines = seed_texts["003"].split("\n")
    text = "\n".join(lines[:234] + lines[217:234] + lines[234:])

    result = rncp_fiche.parse(text)

    assert [b["code"] for b in result.document["blocks"]] == [f"RNCP39603BC0{n}" for n in range(1, 5)]
    assert [i.line for i in _issues(result, "duplicate_bloc")] == [235]


# --- small rules --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("33115405400091", True),
        ("73282932000074", True),
        ("12345678901234", False),
        ("35600000000001", True),
        ("35600000000048", False),
    ],
)
def test_luhn_valid_checks_siret(siret, valid):
    assert rncp_fiche.luhn_valid(siret) is valid


# --- property: random fiches of this layout read back exactly -------------------------------------------

VERBS = [
    "Analyser",
    "Concevoir",
    "Piloter",
    "Rédiger",
    "Organiser",
    "Évaluer",
    "Coordonner",
    "Négocier",
    "Suivre",
]
WORDS = [
    "le",
    "projet",
    "culturel",
    "des",
    "publics",
    "budget",
    "en",
    "équipe",
    "partenaires",
    "plan",
    "de",
    "communication",
    "afin",
    "qualité",
    "données",
    "outils",
    "numériques",
    "l’action",
    "territoire",
]
MODALITY_TERMS = [
    ("Projets professionnels", "Projet professionnel", "professional_project"),
    ("Cas pratiques", "Cas pratique", "case_study"),
    ("Business cases", "Business case", "business_case"),
    ("Études de cas", "Étude de cas", "case_study"),
    ("Mises en situation professionnelle", "Mise en situation professionnelle", "simulated_situation"),
]

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)
competency_st = st.tuples(st.sampled_from(VERBS), words, st.lists(words, max_size=2)).map(
    lambda t: [f"{t[0]} {t[1]}" + (" :" if t[2] else ""), *t[2]]
)
modality_st = st.tuples(st.integers(0, len(MODALITY_TERMS) - 1), st.booleans(), words)
bloc_st = st.tuples(
    st.sampled_from(VERBS),
    words,
    st.lists(competency_st, min_size=1, max_size=5),
    st.lists(modality_st, min_size=1, max_size=3),
)
stat_cell = st.one_of(st.just("-"), st.integers(0, 100).map(str))


def _siret(body: int) -> str:
    digits = f"{body:013d}"
    for check in range(10):
        if rncp_fiche.luhn_valid(digits + str(check)):
            return digits + str(check)
    raise AssertionError("no Luhn check digit")


def _render_fiche(number, level, blocs, stats, siret_body):
    code = f"RNCP{number}"
    lines = [
        "L'essentiel",
        "",
        "Intitulé : Certification de test",
        "",
        "Nomenclature",
        "du niveau de qualification",
        "",
        f"Niveau {level}",
        "",
        "Code(s) NSF",
        "",
        "320 : Spécialités plurivalentes",
        "",
        "Formacode(s)",
        "",
        "15054 : Test",
        "",
        "01-02-2030",
        "",
        f"Niveau {level}",
        "",
        "320 : Spécialités plurivalentes",
        "",
        "15054 : Test",
        "",
        "01-02-2030",
        "",
        "Nom légal Siret Nom commercial Site internet",
        f"ORGANISME DE TEST {_siret(siret_body)} Test https://example.org/",
        "",
        "Compétences attestées :",
        "",
        "La certification vise les compétences suivantes :",
        "",
    ]
    for _verb, _title, competencies, _modalities in blocs:
        for paragraphs in competencies:
            lines += [paragraphs[0].split(" ")[0] + " abrégé", ""]
    used = sorted({MODALITY_TERMS[index][0] for *_rest, modalities in blocs for index, _p, _w in modalities})
    lines += [
        "Modalités d'évaluation :",
        "",
        "Les modalités d'évaluation sont les suivantes : ",
        "",
        ", ".join(used),
        "",
    ]
    for n, (verb, title, competencies, modalities) in enumerate(blocs, start=1):
        lines += [f"{code}BC{n:02d} - {verb} {title}", "", "Liste de compétences Modalités d'évaluation", ""]
        for paragraphs in competencies:
            for paragraph in paragraphs:
                lines += [paragraph, ""]
        for index, plural, tail in modalities:
            term = MODALITY_TERMS[index][0 if plural else 1]
            lines += [f"{term} {tail}", ""]
        lines += [BLOC_END, ""]
    if stats:
        lines += ["Statistiques :", "", "Statistiques"]
        lines.append(
            "Année d'obtention de la certification Nombre de certifiés Nombre de certifiés à la suite d’un "
            "parcours vae Taux d'insertion global à 6 mois (en %) Taux d'insertion dans le métier visé à 6 "
            "mois (en %) Taux d'insertion dans le métier visé à 2 ans (en %)"
        )
        for year, cells in stats:
            lines.append(" ".join([str(year), *cells]))
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None)
@given(
    number=st.integers(10000, 99999),
    level=st.integers(3, 8),
    blocs=st.lists(bloc_st, min_size=1, max_size=5),
    stats=st.lists(
        st.tuples(st.integers(2000, 2030), st.lists(stat_cell, min_size=5, max_size=5)),
        max_size=3,
        unique_by=lambda row: row[0],
    ),
    siret_body=st.integers(0, 10**13 - 1),
)
def test_parse_random_fiche_reads_back_exactly(number, level, blocs, stats, siret_body):
    text = _render_fiche(number, level, blocs, stats, siret_body)

    result = rncp_fiche.parse(text, name="random")
    doc = result.document

    assert rncp_fiche.looks_like(text) is True
    assert (doc["code"], doc["title"], doc["level"], doc["valid_until"]) == (
        f"RNCP{number}",
        "Certification de test",
        level,
        "2030-02-01",
    )
    assert doc["certifiers"][0]["siret"] == _siret(siret_body)
    assert len(doc["blocks"]) == len(blocs)
    competency_number = 0
    for n, (block, (verb, title, competencies, modalities)) in enumerate(
        zip(doc["blocks"], blocs, strict=True), 1
    ):
        assert (block["code"], block["title"]) == (f"RNCP{number}BC{n:02d}", f"{verb} {title}")
        assert [c["text"] for c in block["competencies"]] == [" ".join(p) for p in competencies]
        assert [c["summary"] for c in block["competencies"]] == [
            p[0].split(" ")[0] + " abrégé" for p in competencies
        ]
        codes = [f"C{competency_number + k}" for k in range(1, len(competencies) + 1)]
        competency_number += len(competencies)
        assert [c["code"] for c in block["competencies"]] == codes
        expected = [
            (f"{MODALITY_TERMS[i][0 if plural else 1]} {tail}", MODALITY_TERMS[i][2], codes)
            for i, plural, tail in modalities
        ]
        assert [(a["title"], a["kind"], a["competencies"]) for a in block["assessments"]] == expected
    rows = [[row["year"], *(row[k] for k in list(row)[1:])] for row in doc["statistics"]]
    assert rows == [[year, *(None if c == "-" else int(c) for c in cells)] for year, cells in stats]
    assert set(_codes(result)) <= {"ambiguous_link", "individual_unknown", "no_criteria", "no_statistics"}
    validate_canonical(doc)
