"""Incremental rebuilds, refused records keeping their last valid version, and builds killed midway."""

from __future__ import annotations

import dataclasses
import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from publisher.build import build
from publisher.ingest.atlas_page import read_atlas_page, render_atlas_page
from publisher.record import FundingLine, PartnershipRecord
from publisher.settings import load_settings
from publisher.store import EmbeddedStoreDirectory, NamedNode, Store
from tests.conftest import BASE_IRI, SEED_DIR

SETTINGS = load_settings(environ={}, base_iri=BASE_IRI)
TITLE = ("PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX atlas: <def/atlas#> "
         "SELECT ?p ?t WHERE { ?p a atlas:Partnership ; dcterms:title ?t }")


def seed_record() -> PartnershipRecord:
    return read_atlas_page(SEED_DIR / "atlas-page-angouleme-segou.txt", root=SEED_DIR)


def write_pages(folder: Path, count: int, title: str = "Coopération") -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pages = {}
    base = seed_record()
    for n in range(count):
        record = dataclasses.replace(base, record_id=f"p{n:03d}", title=f"{title} {n}")
        path = folder / f"p{n:03d}.txt"
        path.write_text(render_atlas_page(record), encoding="utf-8")
        pages[f"p{n:03d}"] = path
    return pages


def reader(store: Path) -> Store:
    return EmbeddedStoreDirectory(store, BASE_IRI).reader()


def titles(store: Path) -> dict[str, str]:
    rows = reader(store).select(TITLE).rows
    return {r["p"].value.rsplit("/", 1)[-1]: r["t"].value for r in rows}


def graph_triples(store: Path, record: str) -> set[str]:
    return {str(q) for q in reader(store).quads(BASE_IRI + f"graph/record/{record}")}


def test_only_the_changed_record_is_republished(tmp_path: Path) -> None:
    pages = write_pages(tmp_path / "pages", 4)
    store = tmp_path / "store"
    first = build([tmp_path / "pages"], store, SETTINGS)
    assert first.published == ["p000", "p001", "p002", "p003"] and not first.refused
    untouched = graph_triples(store, "p000")

    record = read_atlas_page(pages["p002"], root=tmp_path / "pages")
    pages["p002"].write_text(render_atlas_page(dataclasses.replace(record, title="Titre modifié")), encoding="utf-8")
    second = build([tmp_path / "pages"], store, SETTINGS)
    assert second.sources_changed == 1
    assert second.republished == ["p002"]
    assert titles(store)["p002"] == "Titre modifié"
    assert graph_triples(store, "p000") == untouched  # ingestion time included: not rewritten

    third = build([tmp_path / "pages"], store, SETTINGS)
    assert third.sources_changed == 0 and third.republished == []
    assert third.published == second.published


def test_a_record_that_now_fails_keeps_its_last_valid_version(tmp_path: Path) -> None:
    pages = write_pages(tmp_path / "pages", 2)
    store = tmp_path / "store"
    build([tmp_path / "pages"], store, SETTINGS)
    before = graph_triples(store, "p001")

    record = read_atlas_page(pages["p001"], root=tmp_path / "pages")
    broken = dataclasses.replace(record, title="Version refusée",
                                 funding=[FundingLine("Angoulême", Decimal(500_000_000), 1985)])
    pages["p001"].write_text(render_atlas_page(broken), encoding="utf-8")
    report = build([tmp_path / "pages"], store, SETTINGS)
    assert report.refused == ["p001"]
    assert any(p.record == "p001" and "amount" in (p.field or "") for p in report.errors)
    assert graph_triples(store, "p001") == before
    assert titles(store)["p001"] == "Coopération 1"
    assert "p001" in report.published

    # Corrected, it is published again.
    pages["p001"].write_text(render_atlas_page(dataclasses.replace(record, title="Corrigé")), encoding="utf-8")
    fixed = build([tmp_path / "pages"], store, SETTINGS)
    assert fixed.refused == [] and titles(store)["p001"] == "Corrigé"


def test_removed_source_is_unpublished(tmp_path: Path) -> None:
    pages = write_pages(tmp_path / "pages", 3)
    store = tmp_path / "store"
    build([tmp_path / "pages"], store, SETTINGS)
    pages["p001"].unlink()
    report = build([tmp_path / "pages"], store, SETTINGS)
    assert report.published == ["p000", "p002"]
    assert set(titles(store)) == {"p000", "p002"}
    assert BASE_IRI + "graph/record/p001" not in reader(store).graph_iris()


def test_duplicate_record_id_is_refused_with_its_file(tmp_path: Path) -> None:
    write_pages(tmp_path / "a", 1)
    write_pages(tmp_path / "b", 1)
    report = build([tmp_path / "a", tmp_path / "b"], tmp_path / "store", SETTINGS)
    assert report.published == ["p000"]
    duplicate = [p for p in report.errors if p.field == "record_id"]
    assert len(duplicate) == 1 and "already used" in duplicate[0].message


def _complete(store: Path, counts: set[int]) -> int:
    """The number of partnerships served, checking the served release is whole."""
    served = reader(store)
    n = len(served.select(TITLE).rows)
    assert n in counts, f"a partial release is served: {n} partnerships"
    graphs = [g for g in served.graph_iris() if "/graph/record/" in g]
    assert len(graphs) == n
    assert served.ask("ASK { ?s ?p ?o }") is True
    return n


@pytest.mark.parametrize("trial", range(20))
def test_build_killed_at_a_random_moment_leaves_a_complete_store(tmp_path_factory: pytest.TempPathFactory,
                                                                 trial: int) -> None:
    folder = tmp_path_factory.mktemp(f"kill-{trial}")
    write_pages(folder / "pages", 3)
    store = folder / "store"
    build([folder / "pages"], store, SETTINGS)
    write_pages(folder / "pages", 40, title="Nouvelle version")
    rng = random.Random(trial)
    process = subprocess.Popen(
        [sys.executable, "-m", "publisher", "build", str(folder / "pages"), "--store", str(store),
         "--base-iri", BASE_IRI],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ},
    )
    time.sleep(rng.uniform(0.2, 4.0))
    process.send_signal(signal.SIGKILL)
    process.wait()
    served = _complete(store, {3, 40})
    report = build([folder / "pages"], store, SETTINGS)
    assert report.published and not report.refused
    assert _complete(store, {40}) == 40
    assert served in {3, 40}


def test_build_against_missing_sources_names_them(tmp_path: Path) -> None:
    from publisher.build import BuildFailed

    with pytest.raises(BuildFailed, match="no-such-folder"):
        build([tmp_path / "no-such-folder"], tmp_path / "store", SETTINGS)
    assert not (tmp_path / "store" / "current").exists()


def test_server_reopens_the_new_release(tmp_path: Path) -> None:
    write_pages(tmp_path / "pages", 1)
    store = tmp_path / "store"
    build([tmp_path / "pages"], store, SETTINGS)
    served = reader(store)
    assert served.select(TITLE).rows[0]["t"].value == "Coopération 0"
    version = served.version
    write_pages(tmp_path / "pages", 1, title="Autre")
    build([tmp_path / "pages"], store, SETTINGS)
    assert served.version != version
    assert served.select(TITLE).rows[0]["t"].value == "Autre 0"
    assert served.select(TITLE, {"p": NamedNode(BASE_IRI + "id/partnership/p000")}).rows


def test_build_killed_during_the_store_switch(tmp_path: Path) -> None:
    """A build killed after writing its release and the new link, before renaming it over ``current``."""
    write_pages(tmp_path / "pages", 2)
    store = tmp_path / "store"
    build([tmp_path / "pages"], store, SETTINGS)
    before = titles(store)
    directory = EmbeddedStoreDirectory(store, BASE_IRI)
    orphan = directory.begin_release()  # a complete copy, never committed
    orphan.remove_graph(BASE_IRI + "graph/record/p000")
    del orphan
    stale = store / ".current-deadbeef"
    stale.symlink_to(Path("releases") / "20000101T000000.000000000")
    assert titles(store) == before  # the server still reads the previous release
    write_pages(tmp_path / "pages", 2, title="Après")
    report = build([tmp_path / "pages"], store, SETTINGS)
    assert report.published == ["p000", "p001"]
    assert titles(store) == {"p000": "Après 0", "p001": "Après 1"}
    assert not stale.is_symlink()
