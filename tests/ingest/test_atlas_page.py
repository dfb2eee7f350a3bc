"""Reading Atlas project pages into records, and writing records back as pages."""

from __future__ import annotations

import codecs
import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publisher.ingest.atlas_page import parse_atlas_page, read_atlas_page, render_atlas_page
from publisher.problems import SourceError
from publisher.record import (
    ForeignContact,
    ForeignPartner,
    FundingLine,
    PartnershipRecord,
    PostContact,
    SourceRef,
    ThemeLevels,
    Volunteer,
)

DATA = Path(__file__).resolve().parents[1] / "data"
SEED = DATA / "seed" / "atlas-page-angouleme-segou.txt"
SEED_PATH = "seed/atlas-page-angouleme-segou.txt"
MEAE = "Ministère de l'Europe et des Affaires étrangères"


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str) -> PartnershipRecord:
    return read_atlas_page(SEED, root=DATA)


def seed_line(text: str, line: str) -> int:
    """The 1-based number of the seed line holding exactly ``line``."""
    return text.split("\n").index(line) + 1


def edited(text: str, line: str, replacement: str) -> str:
    lines = text.split("\n")
    lines[lines.index(line)] = replacement
    return "\n".join(lines)


def parse_error(text: str, path: str = "pages/page.txt") -> SourceError:
    with pytest.raises(SourceError) as caught:
        parse_atlas_page(text, path)
    return caught.value


# -- The seed page ----------------------------------------------------------------------------------


def test_seed_identity(seed: PartnershipRecord) -> None:
    assert seed.record_id == "atlas-page-angouleme-segou"
    assert seed.source == SourceRef(SEED_PATH)
    assert seed.title == "Renforcer et appuyer la gouvernance locale"
    assert seed.first_signature_year == 1985
    assert seed.start_year == 1985
    assert seed.status == "En cours"
    assert seed.end_date is None
    assert seed.partnership_form == "Projet de coopération décentralisée"
    assert seed.themes == []


def test_seed_actors(seed: PartnershipRecord) -> None:
    assert seed.project_owners == ["Angoulême"]
    assert seed.implementers == ["SEGOU"]
    assert seed.beneficiaries == "Les deux collectivités, les populations ségoviennes et angoumoisines."
    assert seed.foreign_partners == [ForeignPartner(name="Segou", country="Mali")]
    assert seed.foreign_contacts == [
        ForeignContact(collectivity="Segou", family_name="DIARRA", given_name="Chiaka")
    ]
    assert seed.french_partners == ["Angoulême"]


def test_seed_diplomatic_post(seed: PartnershipRecord) -> None:
    assert seed.diplomatic_post == "Ambassade de France à Bamako"
    assert seed.post_contacts == [
        PostContact(
            role="Correspondant coopération décentralisée",
            name="Sherazade BENALLA",
            email="sherazade.benalla@diplomatie.gouv.fr",
        ),
        PostContact(
            role="Conseiller de coopération et d'action culturelle",
            name="Françoise GIANVITI",
            email="francoise.gianviti@diplomatie.gouv.fr",
        ),
    ]


def test_seed_funding(seed: PartnershipRecord) -> None:
    assert seed.triennial is True
    assert seed.funding == [
        FundingLine("Autre", Decimal(29000), 1985, water_amount=Decimal(0)),
        FundingLine("Angoulême", Decimal(8000), 1985, water_amount=Decimal(0)),
        FundingLine(MEAE, Decimal(4000), 1985),
        FundingLine(MEAE, Decimal(4000), 1986),
        FundingLine(MEAE, Decimal(4000), 1987),
    ]
    assert seed.total_funding == Decimal(49000)


def test_seed_flags_and_volunteers_not_shown(seed: PartnershipRecord) -> None:
    assert seed.volunteers == []
    assert seed.communication_in_france is None
    assert seed.communication_in_partner_countries is None
    assert seed.evaluation_policy is None


def test_seed_context_keeps_its_three_lines(seed: PartnershipRecord) -> None:
    assert seed.context is not None
    lines = seed.context.split("\n")
    assert len(lines) == 3
    assert lines[0].startswith("Pour tenter de lutter contre la pauvreté endémique")
    assert "désengagement progressif de l’Etat" in lines[0]  # curly apostrophe as in the source
    assert lines[2].endswith("dans tous les domaines de la vie locale.")


def test_seed_history_keeps_its_paragraphs(seed: PartnershipRecord) -> None:
    assert seed.history is not None
    first, second = seed.history.split("\n\n")
    assert first.split("\n")[0] == "« La spécificité de la relation Angoulême – Ségou »"
    assert len(first.split("\n")) == 3
    assert second.startswith("Il existe désormais une convention")


def test_seed_description_keeps_paragraphs_and_bullets(seed: PartnershipRecord) -> None:
    assert seed.description is not None
    paragraphs = seed.description.split("\n\n")
    assert paragraphs[0].split("\n")[0] == "Projet cofinancé par le MAEE en 2010"
    assert paragraphs[2].split("\n") == [
        "• l’appui institutionnel,",
        "• l’environnement et le développement territorial intégré,",
        "• le tourisme et l’économie,",
        "• l’appui aux structures jeunesse,",
        "• un axe transversal d’éducation au développement.",
    ]
    lines = paragraphs[3].split("\n")
    assert lines[0] == "• Assainissement urbain et santé"
    assert lines[1] == "Objectif de l’action : Amélioration de l’hygiène et diminution des risques sanitaires"
    # A bullet inside a line starts an item of its own.
    assert lines[2] == "Description sommaire :"
    assert lines[3] == "• Construction de latrines publiques et de latrines sèches"
    assert lines[-1].startswith("• Travail auprès des CSCOM")
    assert "\uf0b7" not in seed.description and "\uf0c4" not in seed.description
    assert "\u00a0" not in seed.description


def test_seed_objective_bullets(seed: PartnershipRecord) -> None:
    assert seed.objective is not None
    assert "• l’éducation au développement." in seed.objective.split("\n")
    assert len(seed.objective.split("\n\n")) == 3


def test_parse_without_record_id_slugs_the_file_stem(seed_text: str) -> None:
    record = parse_atlas_page(seed_text, "Pages/Atlas Page Angoulême–Ségou.txt")
    assert record.record_id == "atlas-page-angouleme-segou"
    assert record.source == SourceRef("Pages/Atlas Page Angoulême–Ségou.txt")
    assert parse_atlas_page(seed_text, "x.txt", record_id="angouleme-segou").record_id == "angouleme-segou"


def test_windows_line_ends_read_alike(seed_text: str, seed: PartnershipRecord) -> None:
    assert parse_atlas_page(seed_text.replace("\n", "\r\n"), SEED_PATH) == seed


def test_bom_accepted(tmp_path: Path, seed_text: str, seed: PartnershipRecord) -> None:
    page = tmp_path / "seed" / SEED.name
    page.parent.mkdir()
    page.write_bytes(codecs.BOM_UTF8 + seed_text.encode("utf-8"))
    assert read_atlas_page(page, root=tmp_path) == seed


# -- Pages that cannot be read ----------------------------------------------------------------------


def test_not_utf8(tmp_path: Path) -> None:
    page = tmp_path / "latin1.txt"
    page.write_bytes("Titre\nRenforcer la gouvernance\nAnnée de début du partenariat\n".encode("latin-1"))
    with pytest.raises(SourceError) as caught:
        read_atlas_page(page, root=tmp_path)
    problem = caught.value.problem
    assert (problem.path, problem.line, problem.field) == ("latin1.txt", 3, None)
    assert "not UTF-8" in problem.message and "save the page again as UTF-8" in problem.message


def test_empty_file(tmp_path: Path) -> None:
    page = tmp_path / "empty.txt"
    page.write_bytes(b"")
    with pytest.raises(SourceError) as caught:
        read_atlas_page(page, root=tmp_path)
    problem = caught.value.problem
    assert (problem.path, problem.line, problem.field) == ("empty.txt", None, None)
    assert "no heading" in problem.message


def test_truncated_page_without_any_heading(seed_text: str) -> None:
    problem = parse_error("\n".join(seed_text.split("\n")[:4])).problem
    assert (problem.path, problem.line, problem.field) == ("pages/page.txt", None, None)
    assert "truncated" in problem.message


def test_missing_title_value(seed_text: str) -> None:
    text = edited(seed_text, "Renforcer et appuyer la gouvernance locale", "")
    problem = parse_error(text).problem
    assert (problem.path, problem.line, problem.field) == (
        "pages/page.txt",
        seed_line(text, "Titre"),
        "title",
    )
    assert problem.record == "page"


def test_missing_title_heading(seed_text: str) -> None:
    text = edited(seed_text, "Titre", "")
    text = edited(text, "Renforcer et appuyer la gouvernance locale", "")
    problem = parse_error(text).problem
    assert (problem.path, problem.line, problem.field) == ("pages/page.txt", None, "title")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("Autre vingt-neuf-mille 1985", "expected an amount"),
        ("Autre 29000 0", "does not end with a year"),
        ("Autre 12 345 1985", "several ways"),
        ("Autre 1 250,50 1985", "several ways"),
        ("Autre 1,500 1985", "not a number"),
    ],
)
def test_bad_funding_row(seed_text: str, row: str, message: str) -> None:
    text = edited(seed_text, "Autre 29000 0 1985", row)
    problem = parse_error(text).problem
    assert (problem.path, problem.line, problem.field) == ("pages/page.txt", seed_line(text, row), "funding")
    assert message in problem.message


def test_unknown_country(seed_text: str) -> None:
    row = "Segou Atlantide commun.ico.loupe.alter"
    text = edited(seed_text, "Segou Mali commun.ico.loupe.alter", row)
    problem = parse_error(text).problem
    assert (problem.line, problem.field) == (seed_line(text, row), "foreign_partners")
    assert "no country name" in problem.message


def test_contact_in_an_unlisted_partner(seed_text: str) -> None:
    text = edited(seed_text, "Segou DIARRA CHIAKA", "Bamako DIARRA CHIAKA")
    problem = parse_error(text).problem
    assert (problem.line, problem.field) == (seed_line(text, "Bamako DIARRA CHIAKA"), "foreign_contacts")


def test_year_that_is_not_a_year(seed_text: str) -> None:
    text = edited(seed_text, "1985", "vers 1985")
    problem = parse_error(text).problem
    assert (problem.line, problem.field) == (seed_line(text, "vers 1985"), "first_signature_year")


def test_flag_that_is_neither_oui_nor_non(seed_text: str) -> None:
    heading = "Une politique d'évaluation a été engagée"
    text = edited(seed_text, heading, heading + "\nPeut-être")
    problem = parse_error(text).problem
    assert (problem.line, problem.field) == (seed_line(text, "Peut-être"), "evaluation_policy")


def test_heading_given_twice(seed_text: str) -> None:
    text = edited(seed_text, "Historique", "Contexte")
    problem = parse_error(text).problem
    assert (problem.line, problem.field) == (seed_line(seed_text, "Historique"), "context")
    assert f"first on line {seed_line(seed_text, 'Contexte')}" in problem.message


def test_unknown_text_under_a_section_title(seed_text: str) -> None:
    text = edited(seed_text, "Mise en œuvre du partenariat", "Mise en œuvre du partenariat\nCalendrier")
    problem = parse_error(text).problem
    assert (problem.line, problem.field) == (seed_line(text, "Calendrier"), None)


# -- Reading table rows and values ------------------------------------------------------------------


def page(*body: str) -> str:
    return "\n".join(["Titre", "Un partenariat", *body])


def test_country_names_without_accents_and_over_several_words() -> None:
    record = parse_atlas_page(
        page(
            "Nom de la collectivité étrangère Pays",
            "Abidjan Cote d'Ivoire commun.ico.loupe.alter",
            "Ville de Kinshasa République démocratique du Congo",
            "Bobo-Dioulasso BURKINA FASO",
            "Saint-Louis Sénégal",
        ),
        "p.txt",
    )
    assert record.foreign_partners == [
        ForeignPartner("Abidjan", "Cote d'Ivoire"),
        ForeignPartner("Ville de Kinshasa", "République démocratique du Congo"),
        ForeignPartner("Bobo-Dioulasso", "BURKINA FASO"),
        ForeignPartner("Saint-Louis", "Sénégal"),
    ]


def test_contacts_split_on_listed_partner_names() -> None:
    record = parse_atlas_page(
        page(
            "Nom de la collectivité étrangère Pays",
            "Region de Segou Mali",
            "Segou Mali",
            "Nom de la collectivité étrangère Nom Prénom Fonction Courriel",
            "Région de Ségou TRAORE Awa Chargée de coopération awa.traore[at]segou.ml",
            "Segou LE GUEN Marie-Anne Maire adjointe",
            "SEGOU KONE",
        ),
        "p.txt",
    )
    assert record.foreign_contacts == [
        ForeignContact("Région de Ségou", "TRAORE", "Awa", "Chargée de coopération", "awa.traore@segou.ml"),
        ForeignContact("Segou", "LE GUEN", "Marie-Anne", "Maire adjointe"),
        ForeignContact("SEGOU", "KONE"),
    ]


def test_rows_copied_with_tab_separated_cells() -> None:
    record = parse_atlas_page(
        page(
            "Thématique éligible Sous-thématique Sous-sous-thématique Priorité",
            "Eau et assainissement\tAccès à l'eau potable\t\tOui",
            "Nom de la collectivité étrangère Pays",
            "Segou\tMali",
            "Nom de la collectivité étrangère Nom Prénom Fonction Courriel",
            "Segou\tDIARRA\tCHIAKA\tMaire\tchiaka.diarra[at]segou.ml",
            "Nom du financeur Montant en euros Montant 1% Eau (Loi Oudin 2005) Année",
            "Agence de l'eau 2020\t12 345\t\t2021",
            "Nom Prénom Mission Champs d'action Entité d'affectation",
            "MARTIN\tLéa\tAppui à la mairie\tGouvernance\tMairie de Ségou",
        ),
        "p.txt",
    )
    assert record.themes == [ThemeLevels("Eau et assainissement", "Accès à l'eau potable", None, True)]
    assert record.foreign_partners == [ForeignPartner("Segou", "Mali")]
    assert record.foreign_contacts == [
        ForeignContact("Segou", "DIARRA", "Chiaka", "Maire", "chiaka.diarra@segou.ml")
    ]
    assert record.funding == [FundingLine("Agence de l'eau 2020", Decimal(12345), 2021)]
    assert record.volunteers == [
        Volunteer("MARTIN", "Léa", "Appui à la mairie", "Gouvernance", "Mairie de Ségou")
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Autre 29000 0 1985", FundingLine("Autre", Decimal(29000), 1985, Decimal(0))),
        ("Autre 29\u00a0000 0 1985", FundingLine("Autre", Decimal(29000), 1985, Decimal(0))),
        ("Autre 12\u202f345 1985", FundingLine("Autre", Decimal(12345), 1985)),
        ("Autre 29 000 0 1985", FundingLine("Autre", Decimal(29000), 1985, Decimal(0))),
        ("Région Grand Est 1\u00a0250,50 1990", FundingLine("Région Grand Est", Decimal("1250.50"), 1990)),
        ("Autre 1250,5 300 2001", FundingLine("Autre", Decimal("1250.5"), 2001, Decimal(300))),
        ("Fondation 2000 5000 0 1999", FundingLine("Fondation 2000", Decimal(5000), 1999, Decimal(0))),
    ],
)
def test_funding_amounts(row: str, expected: FundingLine) -> None:
    text = page("Nom du financeur Montant en euros Montant 1% Eau (Loi Oudin 2005) Année", row)
    assert parse_atlas_page(text, "p.txt").funding == [expected]


def test_volunteers_flattened_keep_the_rest_as_mission() -> None:
    record = parse_atlas_page(
        page(
            "Nom Prénom Mission Champs d'action Entité d'affectation",
            "MARTIN Léa Appui à la mairie Gouvernance Mairie de Ségou",
        ),
        "p.txt",
    )
    assert record.volunteers == [Volunteer("MARTIN", "Léa", "Appui à la mairie Gouvernance Mairie de Ségou")]


def test_flags_shown_as_oui_or_non() -> None:
    record = parse_atlas_page(
        page(
            "Le partenariat est triennal",
            "Non",
            "Une communication a été engagée en France",
            "Oui",
            "Une communication a été engagée dans les pays partenaires",
            "non",
            "Une politique d'évaluation a été engagée",
        ),
        "p.txt",
    )
    assert record.triennial is False
    assert record.communication_in_france is True
    assert record.communication_in_partner_countries is False
    assert record.evaluation_policy is None


def test_free_text_paragraphs_and_bullets() -> None:
    record = parse_atlas_page(
        page(
            "Contexte",
            "\u00a0",
            "Premier  paragraphe,\u00a0sur deux",
            "lignes.",
            "\u00a0",
            "",
            "- un tiret",
            "•collé",
            "\uf0c4 un symbole",
            "-5 % n'est pas une puce",
            "",
        ),
        "p.txt",
    )
    assert record.context == (
        "Premier paragraphe, sur deux\nlignes.\n\n• un tiret\n• collé\n• un symbole\n-5 % n'est pas une puce"
    )


# -- Writing pages ----------------------------------------------------------------------------------


def round_trip(record: PartnershipRecord) -> PartnershipRecord:
    return parse_atlas_page(render_atlas_page(record), record.source.path, record.record_id)


def test_seed_round_trip(seed: PartnershipRecord) -> None:
    assert round_trip(seed) == seed


def test_rendered_seed_looks_like_the_seed(seed: PartnershipRecord, seed_text: str) -> None:
    rendered = render_atlas_page(seed).split("\n")
    original = seed_text.split("\n")
    assert len(rendered) == len(original) + 1  # "Description sommaire :" has its items on their own lines
    for line in [
        'Contacts dans le poste diplomatique "Ambassade de France à Bamako"',
        "Courriel : sherazade.benalla[at]diplomatie.gouv.fr",
        "\u00a0",
        "Segou Mali commun.ico.loupe.alter",
        "Nom de la collectivité étrangère Pays \u00a0",
        "Autre 29000 0 1985",
        f"{MEAE} 4000 1987",
        "\uf0b7 l’appui institutionnel,",
        "<< < pagination.page.precedent 1 pagination.page.suivant > >>",
        "PIED DE PAGE",
    ]:
        assert line in rendered


FULL = PartnershipRecord(
    record_id="lyon-bethleem",
    source=SourceRef("pages/lyon-bethleem.txt"),
    title="Coopération dans le domaine de l'eau",
    diplomatic_post="Consulat général de France à Jérusalem",
    post_contacts=[
        PostContact("Attaché de coopération", "Jean DUPONT"),
        PostContact("Secrétaire", "Ana RUIZ", "a.ruiz@x.fr"),
    ],
    first_signature_year=2004,
    themes=[
        ThemeLevels("Eau et assainissement", "Accès à l'eau", "Réseaux"),
        ThemeLevels("Culture", priority=True),
        ThemeLevels("Santé", "Hôpitaux", priority=False),
        ThemeLevels("Gouvernance locale", "État civil"),
    ],
    start_year=2005,
    status="Terminé",
    end_date="31/12/2012",
    context="Un paragraphe.\nSur deux lignes.\n\n• une puce\n• une autre, avec l’apostrophe courbe",
    history="Historique court.",
    objective=None,
    description="Description.\n\n• Point 1\n\nFin.",
    partnership_form="Jumelage-coopération",
    implementers=["Lyon", "Bethléem"],
    project_owners=["Métropole de Lyon"],
    beneficiaries="Les habitants.",
    foreign_partners=[
        ForeignPartner("Bethléem", "Palestine"),
        ForeignPartner("Kinshasa", "République démocratique du Congo"),
        ForeignPartner("Ville imaginaire", "Atlantide"),
    ],
    foreign_contacts=[
        ForeignContact("Bethléem", "SALEH", "Mariam", "Maire", "m.saleh@bethlehem.ps"),
        ForeignContact("Kinshasa", "MBALA"),
        ForeignContact("Kinshasa", "LE GUEN", "Marie-Anne", email="mag@kin.cd"),
        ForeignContact("Bethléem", "ABU ALI", "Jean Paul", "chargé de mission"),
    ],
    french_partners=["Lyon", "Métropole de Lyon"],
    triennial=False,
    funding=[
        FundingLine("Lyon", Decimal("12500.50"), 2005, Decimal("2500")),
        FundingLine("Agence de l'eau Rhône Méditerranée Corse", Decimal(30000), 2006, Decimal(30000)),
        FundingLine(MEAE, Decimal("1.5"), 2007),
        FundingLine("Fondation 2000", Decimal(4000), 2008),
        FundingLine("Autre", Decimal("1.250"), 2009),
    ],
    volunteers=[
        Volunteer("MARTIN", "Léa", "Appui à la mairie"),
        Volunteer("DIALLO", "Oumar", "Animation", "Jeunesse", "Mairie de Bethléem"),
        Volunteer("NGUYEN"),
    ],
    communication_in_france=True,
    communication_in_partner_countries=False,
    evaluation_policy=True,
)


@pytest.mark.parametrize(
    "record",
    [
        FULL,
        PartnershipRecord("minimal", SourceRef("minimal.txt"), "Un titre"),
        dataclasses.replace(FULL, themes=[ThemeLevels("Culture", priority=True)], triennial=True),
        dataclasses.replace(FULL, diplomatic_post=None, evaluation_policy=False, triennial=None),
    ],
    ids=["full", "minimal", "themes-table-only", "post-without-name"],
)
def test_round_trip(record: PartnershipRecord) -> None:
    assert round_trip(record) == record


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"funding": [FundingLine("Autre", Decimal(1), None)]}, "funding"),
        ({"foreign_contacts": [ForeignContact("Bethléem", "DIARRA", "CHIAKA")]}, "foreign_contacts"),
        ({"title": "Deux\nlignes"}, "title"),
        ({"context": "Contexte\nHistorique"}, "context"),
        ({"implementers": [""]}, "implementers"),
    ],
)
def test_render_refuses_values_that_would_not_read_back(change: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        render_atlas_page(dataclasses.replace(FULL, **change))


amounts = st.one_of(
    st.integers(min_value=0, max_value=10**9).map(Decimal),
    st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
)


@given(amount=amounts, water=st.none() | amounts, year=st.integers(1980, 2030))
def test_funding_amounts_round_trip(amount: Decimal, water: Decimal | None, year: int) -> None:
    record = PartnershipRecord(
        "r", SourceRef("r.txt"), "Titre du partenariat", funding=[FundingLine("Autre", amount, year, water)]
    )
    assert round_trip(record) == record
