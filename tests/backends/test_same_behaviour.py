"""One behaviour over every back end: the embedded store, ``oxigraph serve`` and Virtuoso 7.

The same sources are built into each store through the store seam, read back, and served by a
real ``atlas-ld serve`` process; every check below runs over each back end and expects exactly
what the embedded store gives: the seed's facts, the same quads, dereferencing and documents,
entity pages, the researchers' questions of ``sparql/``, ``/sparql``, and incremental rebuilds.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from publisher.build import BuildReport
from publisher.ingest.atlas_page import read_atlas_page, render_atlas_page
from publisher.query_files import QueryFile
from publisher.stable_blank_nodes import stable_blank_nodes
from publisher.store import EmbeddedStoreDirectory, Literal, NamedNode, Store
from tests.backends.conftest import BACKENDS, Backend, open_backend
from tests.conftest import BASE_IRI, SEED_DIR, BuiltStore, Server, start_server, stop_server
from tests.seed_facts import ANGOULEME, PARTNERSHIP, SEED_FACTS, SEGOU
from tests.test_sparql_files import QUERIES, SAMPLE_DIR, _cases, answer, expected_cases, ordered

ATLAS = BASE_IRI + "def/atlas#"
PROV_TIME = "http://www.w3.org/ns/prov#generatedAtTime"
TITLE = ("PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX atlas: <def/atlas#> "
         "SELECT ?p ?t WHERE { ?p a atlas:Partnership ; dcterms:title ?t }")


@dataclass
class Published:
    """Sources built into a back end, a reader on it and a server serving it."""

    backend: Backend
    report: BuildReport
    store: Store
    server: Server


def _publish(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             sources: list[Path]) -> Iterator[Published]:
    backend = open_backend(request.param, tmp_path_factory.mktemp(request.param))
    try:
        report = backend.build(sources)
        server = backend.serve()
    except BaseException:
        backend.close()
        raise
    yield Published(backend, report, backend.reader(), server)
    stop_server(server)
    backend.close()


@pytest.fixture(scope="module", params=BACKENDS)
def seed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The seed page, published by each back end."""
    yield from _publish(request, tmp_path_factory, [SEED_DIR])


@pytest.fixture(scope="module", params=BACKENDS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """The seed and sample pages (the data of tests/sparql_expected), published by each back end."""
    yield from _publish(request, tmp_path_factory, [SEED_DIR, SAMPLE_DIR])


def canonical_quads(store: Store) -> set[str]:
    """The store's quads as N-Quads lines, blank nodes named from their surroundings, ingestion times aside."""
    return {str(q) for q in stable_blank_nodes(store.quads()) if q.predicate.value != PROV_TIME}


# -- The build and the data ------------------------------------------------------------------------


def test_the_build_publishes_the_seed(seed: Published, seed_store: BuiltStore) -> None:
    report = seed.report
    assert report.published == ["atlas-page-angouleme-segou"] == report.republished
    assert report.refused == [] and report.errors == []
    assert report.triples == seed_store.report.triples
    assert report.release and seed.store.version == report.release
    assert (seed.backend.folder / "reports" / "latest.json").is_file()


@pytest.mark.parametrize("fact", SEED_FACTS.values(), ids=SEED_FACTS.keys())
def test_seed_fact(seed: Published, fact: Callable[[Store], None]) -> None:
    fact(seed.store)


def test_the_same_quads_as_the_embedded_store(seed: Published, seed_store: BuiltStore) -> None:
    embedded = EmbeddedStoreDirectory(seed_store.path, BASE_IRI).reader()
    assert seed.store.graph_iris() == embedded.graph_iris()
    assert canonical_quads(seed.store) == canonical_quads(embedded)


def test_values_are_bound_as_terms_never_as_text(seed: Published) -> None:
    query = ("PREFIX dcterms: <http://purl.org/dc/terms/> "
             "SELECT ?p ?t WHERE { ?p dcterms:title ?t }")
    title = "Renforcer et appuyer la gouvernance locale"
    rows = seed.store.select(query, {"t": Literal(title, language="fr")}).rows
    assert [(r["p"].value, r["t"].value) for r in rows] == [(PARTNERSHIP, title)]
    hostile = Literal('x" } ; DROP ALL ; SELECT * { "', language="fr")
    assert seed.store.select(query, {"t": hostile}).rows == []
    assert seed.store.ask("ASK { ?s ?p ?o }", {"s": NamedNode(SEGOU)})
    assert not seed.store.ask("ASK { ?s ?p ?o }", {"s": NamedNode(BASE_IRI + "id/nothing")})


# -- Served ----------------------------------------------------------------------------------------


def test_iris_dereference_with_303_to_each_document(seed: Published) -> None:
    url = seed.server.iri_url(PARTNERSHIP)
    for accept, extension in [("text/html", "html"), ("text/turtle", "ttl"), ("application/ld+json", "jsonld"),
                              ("application/n-triples", "nt"), ("application/rdf+xml", "rdf")]:
        response = requests.get(url, headers={"Accept": accept}, allow_redirects=False)
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/doc/id/partnership/atlas-page-angouleme-segou.{extension}")
        assert "Accept" in response.headers["Vary"]
    graph = Graph()
    graph.parse(url, format="turtle")
    assert (URIRef(PARTNERSHIP), RDF.type, URIRef(ATLAS + "Partnership")) in graph
    assert requests.get(seed.server.url + "/id/partnership/nothing-here").status_code == 404


@pytest.mark.parametrize("key", ["id/partnership/atlas-page-angouleme-segou", "id/commune/16015",
                                 "id/foreign-authority/ml/2451478", "id/country/ml"])
def test_documents_hold_what_the_embedded_store_serves(seed: Published, seed_server: Server, key: str) -> None:
    def lines(server: Server) -> set[str]:
        response = requests.get(f"{server.url}/doc/{key}.nt")
        assert response.status_code == 200
        return {line for line in response.text.splitlines() if PROV_TIME not in line and "_:" not in line}

    assert lines(seed.server) == lines(seed_server)


def test_entity_pages(seed: Published) -> None:
    html = requests.get(f"{seed.server.url}/doc/id/partnership/atlas-page-angouleme-segou.html").text
    assert "<h1>Renforcer et appuyer la gouvernance locale</h1>" in html
    funding = html[html.index('class="funding"'):html.index("</table>")]
    assert funding.count("<tr>") == 1 + 5 + 1 and "49 000" in funding
    assert ">Ségou</a>" in html and 'href="/id/commune/16015"' in html
    commune = requests.get(seed.server.iri_url(ANGOULEME), headers={"Accept": "text/html"}).text
    assert "<h1>Angoulême</h1>" in commune
    assert 'href="/id/partnership/atlas-page-angouleme-segou"' in commune[commune.index('class="incoming"'):]


@pytest.mark.parametrize("path", ["/", "/search?q=segou", "/search.json?q=segou", "/partnerships",
                                  "/partnerships?country=id/country/ml", "/classes", "/classes/Partnership",
                                  "/map", "/.well-known/void", "/def/atlas", "/sitemap.xml", "/queries",
                                  "/queries/partnership-summary", "/dumps/atlas.nq.gz"])
def test_every_page_answers(seed: Published, path: str) -> None:
    response = requests.get(seed.server.url + path)
    assert response.status_code == 200, response.text[:500]


def test_search_finds_names_without_accents(seed: Published) -> None:
    found = requests.get(f"{seed.server.url}/search.json?q=segou").json()
    assert SEGOU.removeprefix(BASE_IRI) in json.dumps(found)


def test_sparql_endpoint(seed: Published) -> None:
    endpoint = seed.server.url + "/sparql"
    count = "PREFIX atlas: <def/atlas#> SELECT (COUNT(?p) AS ?n) WHERE { ?p a atlas:Partnership }"
    answer_ = requests.get(endpoint, params={"query": count}, headers={"Accept": "application/sparql-results+json"})
    assert answer_.status_code == 200
    assert answer_.json()["results"]["bindings"][0]["n"]["value"] == "1"
    construct = f"CONSTRUCT {{ <{SEGOU}> ?p ?o }} WHERE {{ <{SEGOU}> ?p ?o }}"
    turtle = requests.post(endpoint, data={"query": construct}, headers={"Accept": "text/turtle"})
    assert turtle.status_code == 200 and turtle.headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert (URIRef(SEGOU), RDF.type, URIRef(ATLAS + "ForeignLocalAuthority")) in graph
    describe = requests.get(endpoint, params={"query": f"DESCRIBE <{SEGOU}>"},
                            headers={"Accept": "application/n-triples"})
    assert describe.status_code == 200
    assert (URIRef(SEGOU), RDF.type, URIRef(ATLAS + "ForeignLocalAuthority")) in Graph().parse(
        data=describe.text, format="nt")
    ask = requests.post(endpoint, data="ASK { ?s ?p ?o }", headers={
        "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+xml"})
    assert ask.status_code == 200 and "<boolean>true</boolean>" in ask.text
    csv = requests.get(endpoint, params={"query": count, "format": "csv"})
    assert csv.status_code == 200 and csv.text.splitlines() == ["n", "1"]
    graphs = requests.get(endpoint, params={
        "query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        "named-graph-uri": BASE_IRI + "graph/record/atlas-page-angouleme-segou"},
        headers={"Accept": "application/sparql-results+json"})
    assert [b["g"]["value"] for b in graphs.json()["results"]["bindings"]] == [
        BASE_IRI + "graph/record/atlas-page-angouleme-segou"]


def test_sparql_endpoint_errors(seed: Published) -> None:
    endpoint = seed.server.url + "/sparql"
    bad = requests.get(endpoint, params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert bad.status_code == 400 and "syntax" in bad.text.lower()
    update = requests.post(endpoint, data={"update": "DROP ALL"})
    assert update.status_code == 403
    assert requests.get(endpoint, params={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}
                        ).status_code == 200


# -- The researchers' questions --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "case"), _cases())
def test_sparql_questions_answer_as_expected(sample: Published, name: str, case: int) -> None:
    query: QueryFile = QUERIES[name]
    expected = expected_cases(name)[case]
    parameters = expected["parameters"]
    assert isinstance(parameters, dict)
    rows = answer(sample.store, query, parameters)
    assert rows
    if ordered(query) or query.form == "construct":
        assert rows == expected["rows"]
    else:
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(rows, key=key) == sorted(expected["rows"], key=key)  # type: ignore[arg-type]


def test_sparql_questions_through_the_queries_api(sample: Published) -> None:
    response = requests.get(f"{sample.server.url}/queries/partnerships-by-country",
                            params={"format": "json"}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    countries = {b["country"]["value"] for b in response.json()["results"]["bindings"]}
    assert BASE_IRI + "id/country/ml" in countries


# -- Incremental rebuilds --------------------------------------------------------------------------


def graph_lines(store: Store, record: str) -> set[str]:
    return {str(q) for q in store.quads(BASE_IRI + f"graph/record/{record}")}


@pytest.mark.parametrize("name", [*BACKENDS, "oxigraph-server-update-only"])
def test_one_changed_record_is_republished(backend_factory: Callable[..., Backend], tmp_path: Path,
                                           name: str) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(SAMPLE_DIR, pages)
    shutil.copy(SEED_DIR / "atlas-page-angouleme-segou.txt", pages)
    backend = backend_factory(name)
    first = backend.build([pages])
    assert len(first.published) == 5 and not first.refused
    untouched = graph_lines(backend.reader(), "atlas-page-angouleme-segou")

    changed = pages / "atlas-page-occitanie-mopti.txt"
    record = read_atlas_page(changed, root=pages)
    changed.write_text(render_atlas_page(dataclasses.replace(record, title="Titre modifié")), encoding="utf-8")
    second = backend.build([pages])
    assert second.sources_changed == 1
    assert second.republished == ["atlas-page-occitanie-mopti"]
    store = backend.reader()
    assert store.version == second.release != first.release
    titles = {r["p"].value.rsplit("/", 1)[-1]: r["t"].value for r in store.select(TITLE).rows}
    assert titles["atlas-page-occitanie-mopti"] == "Titre modifié"
    assert graph_lines(store, "atlas-page-angouleme-segou") == untouched
    assert second.triples == sum(1 for _ in store.quads())

    third = backend.build([pages])
    assert third.sources_changed == 0 and third.republished == []

    (pages / "atlas-page-rennes-saint-louis.txt").unlink()
    fourth = backend.build([pages])
    assert "atlas-page-rennes-saint-louis" not in fourth.published
    store = backend.reader()
    assert BASE_IRI + "graph/record/atlas-page-rennes-saint-louis" not in store.graph_iris()
    gone = NamedNode(BASE_IRI + "id/partnership/atlas-page-rennes-saint-louis")
    assert not store.ask("ASK { ?s ?p ?o }", {"s": gone})
    if backend.external:
        # Nothing of the releases' staging is left in the store, and the marker names the release.
        graphs = {row["g"] for row in backend.external.sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")}
        assert not [g for g in graphs if g.startswith(BASE_IRI + "graph/staging/")]
        assert BASE_IRI + "graph/release" in graphs



# -- Deployment ------------------------------------------------------------------------------------


def test_several_workers_in_front_of_one_store(seed: Published, tmp_path: Path) -> None:
    """``atlas-ld serve --workers 2`` (gunicorn); with a SPARQL store, on a folder holding only release files."""
    folder = seed.backend.folder
    if seed.backend.external:
        # A web host of its own: no build cache, no reports, only a copy of the release files.
        folder = tmp_path / "web-host"
        shutil.copytree(seed.backend.folder / "release-files", folder / "release-files")
    server = start_server(folder, env=seed.backend.env(), args=["--workers", "2", "--threads", "4"])
    try:
        for path in ["/", "/doc/id/commune/16015.html", "/search?q=segou", "/dumps/atlas.nt.gz"]:
            mine = requests.get(server.url + path)
            assert mine.status_code == 200
            assert mine.headers.get("Last-Modified") == requests.get(seed.server.url + path).headers.get(
                "Last-Modified")
        count = "PREFIX atlas: <def/atlas#> SELECT (COUNT(?p) AS ?n) WHERE { ?p a atlas:Partnership }"
        answer_ = requests.get(server.url + "/sparql", params={"query": count, "format": "csv"})
        assert answer_.status_code == 200 and answer_.text.splitlines() == ["n", "1"]
    finally:
        stop_server(server)


def test_static_export(seed: Published, tmp_path: Path) -> None:
    """``atlas-ld export`` renders the site from whichever store the settings name."""
    command = subprocess.run(
        [sys.executable, "-m", "publisher", "export", "--store", str(seed.backend.folder), "--out",
         str(tmp_path / "site"), "--base-iri", BASE_IRI],
        capture_output=True, text=True, timeout=600,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("ATLAS_LD_")}, **seed.backend.env()})
    assert command.returncode == 0, command.stderr
    site = tmp_path / "site"
    for extension in ("html", "ttl", "nt", "jsonld", "rdf"):
        assert (site / f"doc/id/partnership/atlas-page-angouleme-segou.{extension}").is_file()
    assert (site / "nginx.conf").is_file() and (site / "index.html").is_file()
    exported = (site / "doc/id/commune/16015.nt").read_text(encoding="utf-8")
    served = requests.get(seed.server.url + "/doc/id/commune/16015.nt").text
    assert exported == served
