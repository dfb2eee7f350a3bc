"""Reading tabular exports (CSV, JSON Lines) through the mappings of ``mappings/tabular/``."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from publisher.generate import Corpus, generate_corpus, write_corpus
from publisher.ingest import SOURCE_SUFFIXES, read_source
from publisher.ingest.tabular import (
    MappingError,
    choose_mapping,
    load_mapping,
    mapping_named,
    tabular_mappings,
    write_csv,
    write_jsonl,
)
from publisher.problems import Severity
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

SEED_PAGE = Path(__file__).resolve().parents[1] / "data" / "seed" / "atlas-page-angouleme-segou.txt"
EXPORT = mapping_named("atlas-export")
FRENCH = mapping_named("atlas-zone-fr")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, Path]:
    """A small generated corpus on disk: pages and the tabular export of the same records."""
    out = tmp_path_factory.mktemp("corpus")
    corpus = generate_corpus(projects=150, seed=3)
    write_corpus(corpus, out)
    return corpus, out


@pytest.fixture(scope="module")
def page_records(corpus: tuple[Corpus, Path]) -> dict[str, PartnershipRecord]:
    _, out = corpus
    records = {}
    for path in sorted((out / "pages").rglob("*.txt")):
        result = read_source(path, out / "pages")
        assert result.problems == []
        (record,) = result.records
        records[record.record_id] = record
    return records


def without_source(record: PartnershipRecord) -> PartnershipRecord:
    return dataclasses.replace(record, source=SourceRef(""))


def assert_same_records(tabular: list[PartnershipRecord], pages: dict[str, PartnershipRecord]) -> None:
    """Record by record, the tabular records equal the page records, except for where they came from."""
    assert [r.record_id for r in tabular] == sorted(pages)
    for record in tabular:
        assert without_source(record) == without_source(pages[record.record_id]), record.record_id


# -- The same records as pages and as rows ----------------------------------------------------------


@pytest.mark.parametrize("name", ["atlas-export.csv", "atlas-export.jsonl"])
def test_generated_export_equals_pages_record_by_record(
    corpus: tuple[Corpus, Path], page_records: dict[str, PartnershipRecord], name: str
) -> None:
    _, out = corpus
    result = read_source(out / "export" / name, out)
    assert result.problems == []
    assert not result.unreadable
    assert_same_records(result.records, page_records)


def test_rows_know_where_they_come_from(corpus: tuple[Corpus, Path]) -> None:
    _, out = corpus
    records = read_source(out / "export" / "atlas-export.jsonl", out).records
    assert records[0].source == SourceRef("export/atlas-export.jsonl", 1)
    assert records[4].source == SourceRef("export/atlas-export.jsonl", 5)
    lines = (out / "export" / "atlas-export.csv").read_text(encoding="utf-8").split("\n")
    for record in read_source(out / "export" / "atlas-export.csv", out).records[:20]:
        assert record.source.path == "export/atlas-export.csv"
        assert record.source.line is not None
        assert lines[record.source.line - 1].startswith(record.record_id + ",")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_french_layout_reads_the_same_records(
    corpus: tuple[Corpus, Path], page_records: dict[str, PartnershipRecord], tmp_path: Path, suffix: str
) -> None:
    """A second layout (French column names, other separators, partners over two columns): only a mapping."""
    records, _ = corpus
    path = tmp_path / f"zone-afrique{suffix}"
    (write_csv if suffix == ".csv" else write_jsonl)(records.records, path, FRENCH)
    text = path.read_text(encoding="utf-8")
    assert "Financements (financeur / montant / montant 1 % eau / année)" in text
    assert "funding" not in text.split("\n")[0]
    result = read_source(path, tmp_path)
    assert result.problems == []
    assert_same_records(result.records, page_records)


def test_the_mapping_is_chosen_by_the_header() -> None:
    assert choose_mapping([c for c, _ in EXPORT.columns], tabular_mappings()) is EXPORT
    french_header = ["Identifiant du projet", "Intitulé du projet", "Pays"]
    assert choose_mapping(french_header, tabular_mappings()) is FRENCH
    with pytest.raises(MappingError, match="record-id column"):
        choose_mapping(["Titre", "Pays"], tabular_mappings())


def test_seed_page_round_trips_through_both_layouts(tmp_path: Path) -> None:
    (seed,) = read_source(SEED_PAGE, SEED_PAGE.parent).records
    for mapping in (EXPORT, FRENCH):
        for suffix, write in ((".csv", write_csv), (".jsonl", write_jsonl)):
            path = tmp_path / f"{mapping.name}{suffix}"
            write([seed], path, mapping)
            (back,) = read_source(path, tmp_path).records
            assert without_source(back) == without_source(seed)


def test_values_holding_the_separators_round_trip(tmp_path: Path) -> None:
    record = PartnershipRecord(
        record_id="separators",
        source=SourceRef("x"),
        title="Titre avec | et ; et \\ et / dedans",
        french_partners=["Saint-Martin|Sint Maarten", "A;B", "C\\D", "E / F"],
        funding=[FundingLine("Autre | x ; y / z", Decimal("1250.50"), 2010, Decimal("0"))],
        foreign_partners=[ForeignPartner("Ville | une", "Mali"), ForeignPartner("Ville / deux", "Mali")],
        foreign_contacts=[ForeignContact("Ville | une", "DIARRA", None, "Maire; adjoint", "a@b.ml")],
        post_contacts=[PostContact("Chef de poste", "Jean DUPONT")],
        themes=[ThemeLevels("Eau"), ThemeLevels("Santé", "Sous ; thème", None, True)],
        volunteers=[Volunteer("MARTIN", None, "Mission\nsur deux lignes", None, "Mairie")],
        context="Un texte\n\n• avec | une liste ; et \\",
        triennial=False,
    )
    for mapping in (EXPORT, FRENCH):
        for suffix, write in ((".csv", write_csv), (".jsonl", write_jsonl)):
            path = tmp_path / f"{mapping.name}{suffix}"
            write([record], path, mapping)
            result = read_source(path, tmp_path)
            assert result.problems == [], (mapping.name, suffix)
            assert without_source(result.records[0]) == without_source(record), (mapping.name, suffix)


# -- Cells as people write them ---------------------------------------------------------------------


def export_csv(tmp_path: Path, header: list[str], rows: list[list[str]], name: str = "export.csv") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_cells_as_written_by_hand(tmp_path: Path) -> None:
    header = ["record_id", "title", "funding", "post_contacts", "triennial", "Start_Year "]
    path = export_csv(tmp_path, header, [[
        "  PRJ 12/A ", " Un titre ", "Autre ; 29 000 ; ; 1985 | MAEE;4000;;1986",
        "Chef de poste;Jean DUPONT;jean.dupont [at] diplomatie.gouv.fr", "oui", "1985",
    ]])
    result = read_source(path, tmp_path)
    assert result.problems == []
    (record,) = result.records
    assert record.record_id == "prj-12-a"
    assert record.title == "Un titre"
    assert record.funding == [FundingLine("Autre", Decimal(29000), 1985),
                              FundingLine("MAEE", Decimal(4000), 1986)]
    assert record.post_contacts == [
        PostContact("Chef de poste", "Jean DUPONT", "jean.dupont@diplomatie.gouv.fr"),
    ]
    assert record.triennial is True
    assert record.start_year == 1985  # column names: case and spaces do not matter


def test_one_country_for_all_partners_in_aligned_columns(tmp_path: Path) -> None:
    path = tmp_path / "zone.csv"
    path.write_text(
        "Identifiant du projet;Intitulé du projet;Collectivités partenaires;Pays\n"
        '42;Titre;"Ségou\nBamako\nKayes";Mali\n', encoding="utf-8")
    (record,) = read_source(path, tmp_path).records
    assert record.foreign_partners == [ForeignPartner("Ségou", "Mali"), ForeignPartner("Bamako", "Mali"),
                                       ForeignPartner("Kayes", "Mali")]


# -- Problems ---------------------------------------------------------------------------------------


def test_unknown_column_is_reported_and_rows_still_come_through(
    corpus: tuple[Corpus, Path], tmp_path: Path
) -> None:
    records, out = corpus
    with (out / "export" / "atlas-export.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[0].append("Remarques")
    for row in rows[1:]:
        row.append("à relire")
    path = export_csv(tmp_path, rows[0], rows[1:])
    result = read_source(path, tmp_path)
    (problem,) = result.problems
    assert problem.severity is Severity.ERROR
    assert (problem.path, problem.line, problem.column) == ("export.csv", 1, "Remarques")
    assert "atlas-export" in problem.message and "not read" in problem.message
    assert len(result.records) == len(records.records)
    assert not result.unreadable


def test_unparseable_cells_are_reported_with_file_row_and_column(tmp_path: Path) -> None:
    header = ["record_id", "title", "funding", "first_signature_year", "triennial", "foreign_partners"]
    path = export_csv(tmp_path, header, [
        ["good-1", "Premier", "Autre;29000;;1985", "1985", "Oui", "Segou;Mali"],
        ["bad-amount", "Deuxième", "Autre;12x;;1985", "1985", "", ""],
        ["bad-year", "Troisième", "", "vers 1990", "", ""],
        ["bad-flag", "Quatrième", "", "", "peut-être", ""],
        ["bad-parts", "Cinquième", "", "", "", "Segou;Mali;Afrique"],
        ["no-title", "", "", "", "", ""],
        ["good-2", "Sixième", "MAEE;4000,5;;1986", "", "Non", ""],
    ])
    result = read_source(path, tmp_path)
    assert [r.record_id for r in result.records] == ["good-1"]
    found = {(p.record, p.column, p.field, p.line) for p in result.problems}
    assert found == {
        ("bad-amount", "funding", "funding", 3),
        ("bad-year", "first_signature_year", "first_signature_year", 4),
        ("bad-flag", "triennial", "triennial", 5),
        ("bad-parts", "foreign_partners", "foreign_partners", 6),
        ("no-title", "title", "title", 7),
        ("good-2", "funding", "funding", 8),  # "4000,5": this layout's decimal separator is "."
    }
    assert all(p.path == "export.csv" and p.severity is Severity.ERROR for p in result.problems)
    messages = {p.record: p.message for p in result.problems}
    assert "'12x'" in messages["bad-amount"] and "line 3" in messages["bad-amount"]
    assert "4 digits" in messages["bad-year"]
    assert "Oui" in messages["bad-flag"]
    assert "3 parts" in messages["bad-parts"]
    assert "required" in messages["no-title"]


def test_row_numbers_when_a_cell_spans_lines(tmp_path: Path) -> None:
    path = export_csv(tmp_path, ["record_id", "title", "context", "start_year"], [
        ["a", "Titre", "ligne 1\nligne 2\nligne 3", "2001"],
        ["b", "Titre", "", "deux mille"],
    ])
    result = read_source(path, tmp_path)
    assert result.records[0].source == SourceRef("export.csv", 2)
    (problem,) = result.problems
    assert problem.line == 5
    assert "row 3 (line 5)" in problem.message


def test_a_row_with_more_cells_than_the_header_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("record_id,title\na,Un titre\nb,Un, titre sans guillemets\nc,Trois\n", encoding="utf-8")
    result = read_source(path, tmp_path)
    assert [r.record_id for r in result.records] == ["a", "c"]
    (problem,) = result.problems
    assert problem.line == 3 and "3 cells for 2 columns" in problem.message


def test_aligned_columns_with_different_counts(tmp_path: Path) -> None:
    path = tmp_path / "zone.csv"
    path.write_text(
        "Identifiant du projet;Intitulé du projet;Collectivités partenaires;Pays\n"
        '1;Titre;"Ségou\nBamako\nKayes";"Mali\nSénégal"\n2;Autre titre;Dakar;Sénégal\n', encoding="utf-8")
    result = read_source(path, tmp_path)
    assert [r.record_id for r in result.records] == ["2"]
    (problem,) = result.problems
    assert (problem.record, problem.column, problem.field) == ("1", "Pays", "foreign_partners.country")
    assert "matched by position" in problem.message


def test_jsonl_problems_are_reported_by_line_and_good_rows_come_through(tmp_path: Path) -> None:
    lines = [
        {"record_id": "a", "title": "Premier",
         "funding": [{"funder": "Autre", "amount": 29000, "year": 1985}]},
        "{not json",
        ["a", "list"],
        {"record_id": "b", "title": "Deuxième", "funding": [{"funder": "Autre", "amount": "beaucoup"}]},
        {"record_id": "c", "title": "Troisième", "Remarques": "à relire", "triennial": True},
        {"record_id": "d", "title": "Quatrième", "start_year": 1985.5},
        {"record_id": "e", "title": "Cinquième", "themes": [{"theme": "Eau", "niveau": 2}]},
        {"record_id": "f", "title": "Sixième", "french_partners": ["Angoulême", "Poitiers"],
         "funding": ["MAEE;4000;;1986"]},
    ]
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
                    encoding="utf-8")
    result = read_source(path, tmp_path)
    assert [r.record_id for r in result.records] == ["a", "c", "f"]
    assert result.records[0].funding == [FundingLine("Autre", Decimal(29000), 1985)]
    assert result.records[1].triennial is True
    assert result.records[2].french_partners == ["Angoulême", "Poitiers"]
    assert result.records[2].funding == [FundingLine("MAEE", Decimal(4000), 1986)]
    found = {(p.line, p.record, p.column, p.field) for p in result.problems}
    assert found == {
        (2, None, None, None),
        (3, None, None, None),
        (4, "b", "funding", "funding"),
        (5, None, "Remarques", None),
        (6, "d", "start_year", "start_year"),
        (7, "e", "themes", "themes"),
    }
    assert all(p.path == "export.jsonl" for p in result.problems)


def test_a_file_no_mapping_fits_is_unreadable(tmp_path: Path) -> None:
    path = export_csv(tmp_path, ["Nom", "Pays"], [["Ségou", "Mali"]])
    result = read_source(path, tmp_path)
    assert result.unreadable and result.records == []
    (problem,) = result.problems
    assert problem.line == 1 and "record-id column" in problem.message


def test_duplicate_columns_make_the_file_unreadable(tmp_path: Path) -> None:
    path = export_csv(tmp_path, ["record_id", "title", "title"], [["a", "x", "y"]])
    result = read_source(path, tmp_path)
    assert result.unreadable
    assert "title" in result.problems[0].message


def test_a_file_in_another_encoding_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("record_id,title\na,Coopération\n".encode("cp1252"))
    result = read_source(path, tmp_path)
    assert result.unreadable
    assert "not utf-8" in result.problems[0].message.lower()


def test_sources_by_suffix(tmp_path: Path) -> None:
    (seed,) = read_source(SEED_PAGE, SEED_PAGE.parent).records
    assert seed.record_id == "atlas-page-angouleme-segou"
    assert {".txt", ".csv", ".jsonl"} <= SOURCE_SUFFIXES
    other = tmp_path / "notes.xlsx"
    other.write_bytes(b"PK")
    result = read_source(other, tmp_path)
    assert result.unreadable and "'.xlsx'" in result.problems[0].message
    broken = tmp_path / "broken.txt"
    broken.write_text("nothing here\n", encoding="utf-8")
    result = read_source(broken, tmp_path)
    assert result.unreadable and result.problems[0].path == "broken.txt"


# -- Mapping files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ('[columns]\nId = "record_id"\nTitre = "title"\nX = "nonsense"\n', "'nonsense' is not a record field"),
    ('[columns]\nId = "record_id"\nTitre = "title"\nF = "funding.montant"\n', "has no part 'montant'"),
    ('[columns]\nTitre = "title"\n', "record id"),
    ('[columns]\nId = "record_id"\n', "'title'"),
    ('[columns]\nId = "record_id"\nTitre = "title"\n[parts]\nfunding = ["amount", "year"]\n', "funder"),
    ('[syntax]\nlist_separator = ";"\npart_separator = ";"\n[columns]\nId = "record_id"\nT = "title"\n',
     "differ"),
    ('delimiter = ";"\n[columns]\nId = "record_id"\nT = "title"\n', "unknown key 'delimiter'"),
])
def test_mapping_errors_name_the_file_and_the_key(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_shipped_mappings_load() -> None:
    names = [m.name for m in tabular_mappings()]
    assert names == sorted(names) and {"atlas-export", "atlas-zone-fr"} <= set(names)
    assert FRENCH.syntax.decimal_separator == "," and FRENCH.csv_delimiter == ";"
