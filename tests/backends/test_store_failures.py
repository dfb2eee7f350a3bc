"""An external store that stops: pages answer 503 and recover, builds fail cleanly and publish nothing.

Run over each external back end (``oxigraph serve``, Virtuoso 7), really stopped and started again
on the same data, while a real ``atlas-ld serve`` process serves it.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from publisher.build import CACHE_FILE, BuildFailed
from publisher.ingest.atlas_page import read_atlas_page, render_atlas_page
from publisher.store import NamedNode, StoreUnavailable, open_store_target
from tests.backends.conftest import EXTERNAL_BACKENDS, Backend
from tests.conftest import BASE_IRI, SEED_DIR, start_server, stop_server
from tests.seed_facts import PARTNERSHIP, RECORD_GRAPH, SEED_FACTS

SEED_PAGE = "atlas-page-angouleme-segou.txt"
TITLE = "Renforcer et appuyer la gouvernance locale"
# Pages that each read the store in their own way; none of them was asked for before the store stopped.
READING_PAGES = ["/doc/id/commune/16015.html", "/doc/id/country/ml.ttl", "/id/foreign-authority/ml/2451478",
                 "/search?q=angouleme", "/partnerships?country=id/country/ml", "/classes/Country",
                 "/.well-known/void", "/queries/partnership-summary"]
WAIT_S = 60.0


def seed_pages(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED_DIR / SEED_PAGE, folder)
    return folder


def retitle(pages: Path, title: str) -> None:
    page = pages / SEED_PAGE
    record = read_atlas_page(page, root=pages)
    page.write_text(render_atlas_page(dataclasses.replace(record, title=title)), encoding="utf-8")


def published_title(backend: Backend) -> str:
    rows = backend.reader().select(
        "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?t WHERE { GRAPH ?g { ?p dcterms:title ?t } }",
        {"p": NamedNode(PARTNERSHIP)}).rows
    return ",".join(sorted(r["t"].value for r in rows))


def staging_graphs(backend: Backend) -> list[str]:
    assert backend.external
    rows = backend.external.sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    return [r["g"] for r in rows if r["g"].startswith(BASE_IRI + "graph/staging/")]


def wait_for(check: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {WAIT_S:g} s")
        time.sleep(0.2)


@pytest.mark.parametrize("name", EXTERNAL_BACKENDS)
def test_pages_answer_503_while_the_store_is_down_then_recover(
        backend_factory: Callable[..., Backend], tmp_path: Path, name: str) -> None:
    backend = backend_factory(name)
    assert backend.external
    backend.build([seed_pages(tmp_path / "pages")])
    server = backend.serve()
    try:
        assert requests.get(server.url + "/doc/id/partnership/atlas-page-angouleme-segou.html").status_code == 200

        backend.external.stop()
        statuses: list[int] = []
        for path in [*READING_PAGES, "/doc/id/partnership/atlas-page-angouleme-segou.html", "/"]:
            def unavailable(path: str = path) -> bool:
                response = requests.get(server.url + path)
                statuses.append(response.status_code)
                if response.status_code != 503:
                    return False
                assert "does not answer" in response.text, response.text[:1000]
                assert response.headers.get("Retry-After")
                return True
            wait_for(unavailable, f"{path} answering 503")
        query = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                             headers={"Accept": "application/sparql-results+json"})
        assert query.status_code == 503 and "does not answer" in query.text
        assert 500 not in statuses

        backend.external.start()
        for path in [*READING_PAGES, "/"]:
            wait_for(lambda path=path: requests.get(server.url + path).status_code == 200,  # type: ignore[misc]
                     f"{path} answering again")
        page = requests.get(server.url + "/doc/id/partnership/atlas-page-angouleme-segou.html").text
        assert f"<h1>{TITLE}</h1>" in page
        assert "Traceback" not in server.output()
    finally:
        stop_server(server)


@pytest.mark.parametrize("name", EXTERNAL_BACKENDS)
def test_a_build_against_a_stopped_store_fails_cleanly_and_publishes_nothing(
        backend_factory: Callable[..., Backend], tmp_path: Path, name: str) -> None:
    backend = backend_factory(name)
    assert backend.external
    pages = seed_pages(tmp_path / "pages")
    first = backend.build([pages])
    cache = (backend.folder / CACHE_FILE).read_bytes()
    report = (backend.folder / "reports" / "latest.json").read_bytes()

    backend.external.stop()
    retitle(pages, "Titre jamais publié")
    with pytest.raises(BuildFailed, match="does not answer.*nothing was published"):
        backend.build([pages])
    command = subprocess.run(
        [sys.executable, "-m", "publisher", "build", str(pages), "--store", str(backend.folder),
         "--base-iri", BASE_IRI],
        capture_output=True, text=True, env={**_plain_environment(), **backend.env()}, timeout=300)
    assert command.returncode == 2
    assert "does not answer" in command.stderr and "nothing was published" in command.stderr
    assert "Traceback" not in command.stderr
    if backend.env().get("ATLAS_LD_SPARQL_PASSWORD"):
        assert backend.env()["ATLAS_LD_SPARQL_PASSWORD"] not in command.stdout + command.stderr
    assert (backend.folder / CACHE_FILE).read_bytes() == cache
    assert (backend.folder / "reports" / "latest.json").read_bytes() == report

    backend.external.start()
    store = backend.reader()
    assert store.version == first.release
    assert published_title(backend) == TITLE
    assert staging_graphs(backend) == []
    for fact in SEED_FACTS.values():
        fact(store)

    again = backend.build([pages])
    assert again.republished == ["atlas-page-angouleme-segou"]
    assert published_title(backend) == "Titre jamais publié"


@pytest.mark.parametrize("name", EXTERNAL_BACKENDS)
def test_a_release_cut_off_before_its_switch_is_never_served(
        backend_factory: Callable[..., Backend], tmp_path: Path, name: str) -> None:
    backend = backend_factory(name)
    assert backend.external
    first = backend.build([seed_pages(tmp_path / "pages")])
    target = open_store_target(backend.settings(), backend.folder)
    before = {str(q) for q in backend.reader().quads(RECORD_GRAPH)}

    release = target.begin_release()
    release.replace_graph(RECORD_GRAPH, [q for q in backend.reader().quads(RECORD_GRAPH)
                                         if "title" not in q.predicate.value])
    assert len(staging_graphs(backend)) == 1
    release.abort()
    assert staging_graphs(backend) == []

    release = target.begin_release()
    release.replace_graph(RECORD_GRAPH, [])
    release.remove_graph(BASE_IRI + "graph/entities")
    release.add_quads([q for q in backend.reader().quads(RECORD_GRAPH)][:3])
    backend.external.stop()
    with pytest.raises(StoreUnavailable, match="does not answer.*nothing was published"):
        release.commit()
    backend.external.start()
    store = backend.reader()
    assert store.version == first.release
    assert {str(q) for q in store.quads(RECORD_GRAPH)} == before
    assert BASE_IRI + "graph/entities" in store.graph_iris()
    # The staging graph the store kept is dropped by the next build before anything else.
    assert len(staging_graphs(backend)) == 1
    target.begin_release().abort()
    assert staging_graphs(backend) == []


def _plain_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_LD_")}


def test_a_sparql_query_past_the_time_limit_answers_503(backend_factory: Callable[..., Backend],
                                                        tmp_path: Path) -> None:
    """Forwarded with query_timeout_s as its time limit; the store stops it with its own (--timeout-s)."""
    backend = backend_factory("oxigraph-server", timeout_s=5)
    backend.build([seed_pages(tmp_path / "pages")])
    server = start_server(backend.folder, env={**backend.env(), "ATLAS_LD_QUERY_TIMEOUT_S": "1"})
    try:
        endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        response = requests.get(server.url + "/sparql", params={"query": endless},
                                headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 503
        assert "gave no answer within 1 s" in response.text
        quick = requests.get(server.url + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                             headers={"Accept": "application/sparql-results+json"})
        assert quick.status_code == 200 and quick.json()["boolean"] is True
    finally:
        stop_server(server)
