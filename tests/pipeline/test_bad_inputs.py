"""Bad input never corrupts, never vanishes: every broken file of tests/data/bad/ is reported by file, record
and field in the build report, while every good record of the same build is published."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from publisher.build import BuildReport, build
from publisher.problems import Problem
from publisher.settings import load_settings
from tests.conftest import BASE_IRI, SEED_DIR

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
EXPECTED: dict[str, dict] = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
HUGE = "huge-page.txt"


@pytest.fixture(scope="module")
def bad_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    sources = tmp_path_factory.mktemp("sources")
    for name in EXPECTED:
        shutil.copyfile(BAD / name, sources / name)
    shutil.copyfile(SEED_DIR / "atlas-page-angouleme-segou.txt", sources / "good-seed.txt")
    # A page of 50 MB: its context repeated far beyond any real page.
    seed = (SEED_DIR / "atlas-page-angouleme-segou.txt").read_text(encoding="utf-8")
    filler = "Un paragraphe de contexte répété. " * 1000 + "\n"
    with (sources / HUGE).open("w", encoding="utf-8") as handle:
        head, tail = seed.split("Historique\n", 1)
        handle.write(head)
        while handle.tell() < 50_000_000:
            handle.write(filler)
        handle.write("Historique\n" + tail)
    settings = load_settings(environ={}, base_iri=BASE_IRI)
    return sources, build([sources], tmp_path_factory.mktemp("store"), settings)


def problems_of(report: BuildReport, name: str) -> list[Problem]:
    return [p for p in report.problems if p.path == name]


def test_the_corpus_is_large_enough() -> None:
    assert len(EXPECTED) + 1 >= 40


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_broken_input_is_reported_by_file_record_and_field(bad_build: tuple[Path, BuildReport],
                                                                name: str) -> None:
    _sources, report = bad_build
    expected = EXPECTED[name]
    found = problems_of(report, name)
    for wanted in expected["problems"]:
        matching = [p for p in found if p.severity.value == wanted["severity"]
                    and (wanted["field"] is None or (p.field or "").split("#")[-1].endswith(wanted["field"])
                         or wanted["field"] in (p.field or ""))]
        assert matching, f"{name}: no {wanted} among {[str(p) for p in found]}"
        if wanted["field"] is not None:
            assert any(p.record in expected["records"] for p in matching), f"{name}: record not named: {matching}"
    for problem in found:
        assert problem.message and problem.path == name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_outcome_of_each_record(bad_build: tuple[Path, BuildReport], name: str) -> None:
    _sources, report = bad_build
    outcome = EXPECTED[name]["outcome"]
    records = set(EXPECTED[name]["records"])
    if outcome == "unreadable":
        assert not (records & set(report.published)), name
    elif outcome == "refused":
        assert records <= set(report.refused) and not (records & set(report.published)), name
    elif outcome == "published":
        assert records <= set(report.published), name
    elif outcome == "duplicate":
        assert name in report.duplicates and records <= set(report.published), name


def test_the_50_mb_page_is_refused_by_name(bad_build: tuple[Path, BuildReport]) -> None:
    _sources, report = bad_build
    found = problems_of(report, HUGE)
    assert found and "max_source_bytes" in found[0].message
    assert HUGE in report.unreadable


def test_good_records_are_published_and_counts_add_up(bad_build: tuple[Path, BuildReport]) -> None:
    sources, report = bad_build
    assert "good-seed" in report.published
    assert report.sources == len(list(sources.iterdir()))
    assert report.records_read == len(report.published) + len(report.refused) + len(report.duplicates)
    files_with_records = report.sources - len(report.unreadable)
    assert files_with_records >= len([n for n, e in EXPECTED.items() if e["outcome"] in {"published", "refused"}])
    for name, expected in EXPECTED.items():
        assert problems_of(report, name) or expected["outcome"] == "published", f"{name} silently accepted"
