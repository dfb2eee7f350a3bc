"""The seed page, built into a store, answers the sparql/ queries with exactly its facts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from publisher.build import build
from publisher.settings import load_settings
from publisher.store import EmbeddedStoreDirectory, Store
from tests.conftest import BASE_IRI, SEED_DIR, BuiltStore
from tests.seed_facts import SEED_FACTS


@pytest.fixture(scope="module")
def store(seed_store: BuiltStore) -> Store:
    return EmbeddedStoreDirectory(seed_store.path, BASE_IRI).reader()


def test_seed_is_published_without_errors(seed_store: BuiltStore) -> None:
    report = seed_store.report
    assert report.published == ["atlas-page-angouleme-segou"]
    assert report.refused == [] and report.unreadable == []
    assert report.errors == []
    assert (seed_store.path / "reports" / "latest.json").is_file()


@pytest.mark.parametrize("fact", SEED_FACTS.values(), ids=SEED_FACTS.keys())
def test_seed_fact(store: Store, fact: Callable[[Store], None]) -> None:
    """Each check of ``tests/seed_facts.py`` (the same ones run over the external stores)."""
    fact(store)


def test_rebuild_gives_the_same_iris(seed_store: BuiltStore, tmp_path: Path) -> None:
    build([SEED_DIR], tmp_path, load_settings(environ={}, base_iri=BASE_IRI))
    first = EmbeddedStoreDirectory(seed_store.path, BASE_IRI).reader()
    second = EmbeddedStoreDirectory(tmp_path, BASE_IRI).reader()
    query = "SELECT DISTINCT ?s WHERE { ?s ?p ?o FILTER(isIRI(?s)) }"
    assert {r["s"].value for r in first.select(query).rows} == {r["s"].value for r in second.select(query).rows}
