"""The synthetic corpus generator: determinism, proportions, pages that parse, a complete answer key."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from publisher.generate import Corpus, corpus_size, generate_corpus, write_corpus
from publisher.generate.output import page_path
from publisher.ingest.atlas_page import read_atlas_page
from publisher.reconcile import Entity, reconcile_country, reconcile_french_authority
from publisher.record import PartnershipRecord, SourceRef
from publisher.resources import reference_table, resource_dir

FRENCH_KINDS = {"commune", "departement", "region", "epci"}
KEY_PATTERNS = {
    "commune": r"id/commune/\w{5}",
    "departement": r"id/departement/\w{2,3}",
    "region": r"id/region/\d{2,3}",
    "epci": r"id/epci/\d{9}",
    "foreign-authority": r"id/foreign-authority/[a-z]{2}/\d+",
    "country": r"id/country/[a-z]{2}",
    "organisation": r"id/organisation/[a-z0-9-]+",
    "unspecified-funder": r"def/atlas#unspecifiedFunder",
}
# Fields of the answer key → how to read the mentions of that field off a record.
MENTIONED = {
    "french_partners": lambda r: list(r.french_partners),
    "project_owners": lambda r: list(r.project_owners),
    "implementers": lambda r: list(r.implementers),
    "funding": lambda r: [line.funder for line in r.funding],
    "foreign_partners": lambda r: [p.name for p in r.foreign_partners],
    "foreign_partners.country": lambda r: [p.country for p in r.foreign_partners],
}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return generate_corpus(projects=600, seed=11)


@pytest.fixture(scope="module")
def written(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated")
    write_corpus(corpus, out)
    return out


def reference_keys(name: str, column: str, prefix: str) -> set[str]:
    with reference_table(name).open(encoding="utf-8", newline="") as handle:
        return {f"{prefix}{row[column].lower() if prefix.startswith('id/country') else row[column]}"
                for row in csv.DictReader(handle)}


def files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# -- Determinism ------------------------------------------------------------------------------------


def run_generate(out: Path, seed: int, hash_seed: str) -> None:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-m", "publisher", "generate", "--out", str(out), "--projects", "80",
                    "--seed", str(seed)], check=True, env=env, capture_output=True)


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    """Two processes (with different string hashing) write byte-identical corpora."""
    run_generate(tmp_path / "a", 5, "1")
    run_generate(tmp_path / "b", 5, "2")
    first, second = files(tmp_path / "a"), files(tmp_path / "b")
    assert len(first) == 80 + 4  # pages, CSV, JSON Lines, answer key, README
    assert first == second
    run_generate(tmp_path / "c", 6, "1")
    other = files(tmp_path / "c")
    assert other["pages/gen-000001.txt"] != first["pages/gen-000001.txt"]


def test_generating_again_replaces_a_corpus_and_refuses_other_folders(tmp_path: Path) -> None:
    out = tmp_path / "corpus"
    write_corpus(generate_corpus(projects=20, seed=1), out)
    write_corpus(generate_corpus(projects=10, seed=1), out)
    assert len(list((out / "pages").glob("*.txt"))) == 10
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ValueError, match="not empty"):
        write_corpus(generate_corpus(projects=10, seed=1), tmp_path / "other")
    assert (tmp_path / "other" / "notes.txt").read_text(encoding="utf-8") == "mine"


# -- Proportions ------------------------------------------------------------------------------------


def test_national_proportions_scaled_to_a_small_corpus(corpus: Corpus) -> None:
    size = corpus_size(600)
    assert (size.french, size.foreign, size.countries) == (235, 489, 7)  # 4,756, 9,889 and 140 × 600/12,129
    assert len(corpus.records) == 600
    assert len(corpus.distinct(FRENCH_KINDS, {"french_partners"})) == size.french
    assert len(corpus.distinct({"foreign-authority"}, {"foreign_partners"})) == size.foreign
    assert len(corpus.distinct({"country"})) == size.countries
    kinds = Counter(key.split("/")[1] for key in corpus.distinct(FRENCH_KINDS, {"french_partners"}))
    assert kinds["commune"] > 0.85 * size.french and kinds["departement"] + kinds["epci"] > 0


def test_national_default_size() -> None:
    size = corpus_size(12_129)
    assert (size.projects, size.french, size.foreign, size.countries) == (12_129, 4_756, 9_889, 140)
    assert corpus_size(1) == dataclasses.replace(corpus_size(1), french=1, foreign=1, countries=1)
    with pytest.raises(ValueError):
        corpus_size(0)


def test_one_embassy_per_country_with_one_to_three_contacts(corpus: Corpus) -> None:
    countries = {e.record: e.mention.entity for e in corpus.answer_key
                 if e.field == "foreign_partners.country"}
    posts: dict[str, set[str]] = defaultdict(set)
    contacts: dict[str, set[tuple]] = defaultdict(set)
    for record in corpus.records:
        if record.diplomatic_post is not None:
            posts[countries[record.record_id]].add(record.diplomatic_post)
            contacts[record.diplomatic_post].add(tuple(record.post_contacts))
    assert set(posts) == corpus.distinct({"country"})
    assert all(len(names) == 1 for names in posts.values())
    assert all(re.fullmatch(r"(Ambassade de France à|Consulat général de France à) \S.*", next(iter(names)))
               for names in posts.values())
    assert all(len(lists) == 1 and 1 <= len(next(iter(lists))) <= 3 for lists in contacts.values())


# -- Pages and answer key ---------------------------------------------------------------------------


def test_every_page_parses_back_to_its_record(corpus: Corpus, written: Path) -> None:
    pages = sorted((written / "pages").glob("*.txt"))
    assert [p.stem for p in pages] == [r.record_id for r in corpus.records]
    for record, page in zip(corpus.records, pages, strict=True):
        parsed = read_atlas_page(page, root=written)
        assert parsed.source == SourceRef(f"pages/{page.name}")
        assert dataclasses.replace(parsed, source=record.source) == record


def test_pages_go_in_folders_above_a_thousand_records() -> None:
    assert page_path("gen-000999", 999, 1000) == Path("gen-000999.txt")
    assert page_path("gen-001001", 1001, 12_129) == Path("001/gen-001001.txt")


def test_the_answer_key_covers_every_mention(corpus: Corpus, written: Path) -> None:
    lines = (written / "answer-key.jsonl").read_text(encoding="utf-8").splitlines()
    key = [json.loads(line) for line in lines]
    assert key == [entry.as_json() for entry in corpus.answer_key]
    by_record: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for entry in key:
        by_record[(entry["record"], entry["field"])].append(entry)
    for record in corpus.records:
        for field, mentions in MENTIONED.items():
            entries = sorted(by_record.pop((record.record_id, field), []), key=lambda e: e["index"])
            assert [e["mention"] for e in entries] == mentions(record), (record.record_id, field)
            assert [e["index"] for e in entries] == list(range(len(entries)))
    assert not by_record, "answer-key lines for mentions no record has"
    for entry in key:
        assert re.fullmatch(KEY_PATTERNS[entry["kind"]], entry["entity"]), entry


def test_answer_key_entities_exist_in_the_reference_tables(corpus: Corpus) -> None:
    known = (reference_keys("communes.csv", "insee", "id/commune/")
             | reference_keys("departements.csv", "insee", "id/departement/")
             | reference_keys("regions.csv", "insee", "id/region/")
             | reference_keys("epci.csv", "siren", "id/epci/")
             | reference_keys("countries.csv", "alpha2", "id/country/"))
    with reference_table("foreign-places.csv").open(encoding="utf-8", newline="") as handle:
        known |= {f"id/foreign-authority/{r['country'].lower()}/{r['geonames_id']}"
                  for r in csv.DictReader(handle)}
    with reference_table("organisations.csv").open(encoding="utf-8", newline="") as handle:
        known |= {f"id/organisation/{r['key']}" for r in csv.DictReader(handle)}
    for entry in corpus.answer_key:
        kind = entry.mention.kind
        if kind == "unspecified-funder" or entry.mention.variant == "association":
            continue
        assert entry.mention.entity in known, entry


def test_the_foreign_partner_and_its_country_agree(corpus: Corpus) -> None:
    countries = {(e.record, e.index): e.mention.entity for e in corpus.answer_key
                 if e.field == "foreign_partners.country"}
    for entry in corpus.answer_key:
        if entry.field == "foreign_partners":
            alpha2 = entry.mention.entity.split("/")[2]
            assert countries[(entry.record, entry.index)] == f"id/country/{alpha2}"


def test_plain_names_identify_one_entity(corpus: Corpus) -> None:
    """Communes are drawn among names no other commune has; countries are written as ISO 3166 names them."""
    for entry in corpus.answer_key:
        mention = entry.mention
        if mention.kind == "commune" and mention.variant in {"plain", "upper", "stripped", "upper-stripped"}:
            found = reconcile_french_authority(mention.text)
            assert isinstance(found, Entity) and found.key == mention.entity, mention
        if mention.kind == "country":
            found = reconcile_country(mention.text)
            assert isinstance(found, Entity) and found.key == mention.entity, mention


# -- Noise ------------------------------------------------------------------------------------------


def scheme_labels(scheme: str) -> set[str]:
    text = (resource_dir("ontology") / "schemes.ttl").read_text(encoding="utf-8")
    labels = set()
    for block in text.split(" .\n"):
        if f"skos:topConceptOf atlas:{scheme}" in block:
            labels.add(re.search(r'skos:prefLabel "([^"]+)"@fr', block).group(1))  # type: ignore[union-attr]
    return labels


def test_the_noise_real_records_have(corpus: Corpus, written: Path) -> None:
    records: list[PartnershipRecord] = corpus.records
    key = corpus.answer_key
    variants = Counter((e.mention.kind, e.mention.variant) for e in key)
    for wanted in [("commune", "plain"), ("commune", "upper"), ("commune", "stripped"), ("commune", "ville"),
                   ("departement", "conseil-departemental"), ("foreign-authority", "upper"),
                   ("foreign-authority", "stripped"), ("country", "plain")]:
        assert variants[wanted] > 0, wanted
    french = [e for e in key if e.mention.kind in FRENCH_KINDS]
    hard = [e for e in french if e.mention.hard]
    assert 0 < len(hard) < 0.03 * len(french)
    entities: dict[str, list[str]] = defaultdict(list)
    for entry in key:
        if entry.field == "french_partners":
            entities[entry.record].append(entry.mention.entity)
    assert any(len(set(listed)) < len(listed) for listed in entities.values()), "a partner listed twice"
    funders = Counter(line.funder for r in records for line in r.funding)
    assert funders["Ministère de l'Europe et des Affaires étrangères"] > 0 and funders["Autre"] > 0
    assert {"MAEE", "MAE", "Ministère des Affaires étrangères"} & set(funders)
    lines = [line for r in records for line in r.funding]
    assert any(line.water_amount for line in lines) and any(line.water_amount is None for line in lines)
    assert any(line.water_amount == 0 for line in lines)
    ended = [r for r in records if r.status == "Terminé"]
    assert ended and sum(r.end_date is not None for r in ended) > 0.8 * len(ended)
    assert all(r.end_date is None for r in records if r.status != "Terminé")
    assert {r.status for r in records} - {None} == scheme_labels("statusScheme")
    assert {r.partnership_form for r in records} - {None} <= scheme_labels("formScheme")
    assert {t.theme for r in records for t in r.themes} <= scheme_labels("themeScheme")
    for missing in ("diplomatic_post", "context", "history", "first_signature_year", "status"):
        assert any(getattr(r, missing) is None for r in records), missing
    assert any(not r.funding for r in records) and any(not r.themes for r in records)
    with_email = next(r for r in records if r.post_contacts[:1] and r.post_contacts[0].email)
    page = written / "pages" / f"{with_email.record_id}.txt"
    assert "[at]diplomatie.gouv.fr" in page.read_text(encoding="utf-8")


def test_the_readme_says_the_data_is_synthetic(written: Path) -> None:
    text = (written / "README.md").read_text(encoding="utf-8")
    assert "**This data is synthetic.**" in text
    assert "| partnerships | 600 |" in text
    assert "atlas-ld generate --projects 600 --seed 11" in text
