"""/queries and /queries/<name> on a real server over the sample data: list, parameters, formats, limits."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from rdflib import Graph, URIRef

from publisher.build import build
from publisher.query_files import load_query_files
from publisher.settings import load_settings
from tests.conftest import BASE_IRI, SEED_DIR, TESTS, Server, start_server, stop_server

SAMPLE_DIR = TESTS / "data" / "sample"
EXPECTED_DIR = TESTS / "sparql_expected"
QUERIES = load_query_files()
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int")}


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("queries-api-store")
    report = build([SEED_DIR, SAMPLE_DIR], path, load_settings(environ={}, base_iri=BASE_IRI))
    assert report.refused == []
    return path


@pytest.fixture(scope="module")
def server(sample_store: Path) -> Iterator[Server]:
    running = start_server(sample_store)
    yield running
    stop_server(running)


@pytest.fixture(scope="module")
def small_server(sample_store: Path) -> Iterator[Server]:
    """The same data served with a limit of two rows per answer."""
    running = start_server(sample_store, {"ATLAS_LD_MAX_RESULT_ROWS": "2"})
    yield running
    stop_server(running)


def json_rows(response: requests.Response) -> list[dict[str, str]]:
    """Rows of a SPARQL JSON answer, written as the expected files write them."""
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/sparql-results+json")
    rows = []
    for binding in response.json()["results"]["bindings"]:
        row = {}
        for name, term in binding.items():
            if term["type"] == "uri":
                iri = term["value"]
                row[name] = f"<{iri[len(BASE_IRI):]}>" if iri.startswith(BASE_IRI) else f"<{iri}>"
            elif term.get("datatype") in NUMERIC:
                row[name] = format(Decimal(term["value"]).normalize(), "f")
            else:
                row[name] = term["value"]
        rows.append(row)
    return rows


# -- The list --------------------------------------------------------------------------------------


def test_list_as_json(server: Server) -> None:
    response = requests.get(server.url + "/queries", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    listed = {q["name"]: q for q in response.json()["queries"]}
    assert set(listed) == set(QUERIES) and len(listed) >= 15
    regions = listed["regions-active-in-country"]
    assert regions["url"] == "/queries/regions-active-in-country"
    assert regions["parameters"] == [{
        "name": "country", "type": "iri", "default": "id/country/ml",
        "description": QUERIES["regions-active-in-country"].parameters[0].description,
    }]
    assert regions["parameters"][0]["description"].startswith("The foreign country")
    assert f"BASE <{BASE_IRI}>" in regions["query"]
    assert listed["wikidata-communes"]["federated"] == ["https://query.wikidata.org/sparql"]
    assert listed["partnership-schema-org"]["form"] == "construct"


def test_list_as_a_page(server: Server) -> None:
    response = requests.get(server.url + "/queries", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")
    for query in QUERIES.values():
        assert f'id="{query.name}"' in response.text
    assert "French régions most active in a country" in response.text
    assert requests.get(server.url + "/queries?format=json").json()["queries"]


def test_query_text_runs_as_it_is_on_the_endpoint(server: Server) -> None:
    text = requests.get(server.url + "/queries/funding-by-country-and-year.rq")
    assert text.headers["Content-Type"].startswith("application/sparql-query")
    assert f"BASE <{BASE_IRI}>" in text.text
    direct = requests.post(server.url + "/sparql", data=text.text.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-query",
                                    "Accept": "application/sparql-results+json"})
    through_api = requests.get(server.url + "/queries/funding-by-country-and-year", params={"country": ""})
    assert json_rows(direct) == json_rows(through_api)


# -- Every question through the API answers as expected ---------------------------------------------


def expected_cases(name: str) -> list[dict[str, Any]]:
    return json.loads((EXPECTED_DIR / f"{name}.json").read_text(encoding="utf-8"))["cases"]  # type: ignore[no-any-return]


def _cases() -> list[tuple[str, int]]:
    runnable = [name for name, q in sorted(QUERIES.items()) if not q.federated and q.form == "select"]
    return [(name, n) for name in runnable for n in range(len(expected_cases(name)))]


@pytest.mark.parametrize(("name", "case"), _cases())
def test_every_select_question_answers_as_expected(server: Server, name: str, case: int) -> None:
    expected = expected_cases(name)[case]
    response = requests.get(server.url + f"/queries/{name}", params=expected["parameters"],
                            headers={"Accept": "application/sparql-results+json"})
    assert json_rows(response) == expected["rows"]


def test_parameters_bound_and_defaults(server: Server) -> None:
    url = server.url + "/queries/regions-active-in-country"
    default = json_rows(requests.get(url))
    assert {r["country"] for r in default} == {"<id/country/ml>"}
    burkina = json_rows(requests.get(url, params={"country": "id/country/bf"}))
    assert [(r["country"], r["regionName"]) for r in burkina] == [("<id/country/bf>", "Nouvelle-Aquitaine")]
    absolute = json_rows(requests.get(url, params={"country": BASE_IRI + "id/country/bf"}))
    assert absolute == burkina
    every = json_rows(requests.get(url, params={"country": ""}))
    assert {r["country"] for r in every} == {"<id/country/bf>", "<id/country/ml>", "<id/country/sn>"}


# -- Formats ---------------------------------------------------------------------------------------


def test_result_formats_by_format_and_accept(server: Server) -> None:
    url = server.url + "/queries/partnerships-by-status"
    params = {"status": "def/atlas/status/en-cours"}
    as_csv = requests.get(url, params={**params, "format": "csv"})
    assert as_csv.headers["Content-Type"].startswith("text/csv")
    assert list(csv.DictReader(io.StringIO(as_csv.text))) == [
        {"status": BASE_IRI + "def/atlas/status/en-cours", "label": "En cours", "partnerships": "2"}]

    as_tsv = requests.get(url, params=params, headers={"Accept": "text/tab-separated-values"})
    assert as_tsv.headers["Content-Type"].startswith("text/tab-separated-values")
    assert as_tsv.text.splitlines()[0] == "?status\t?label\t?partnerships"
    assert '"En cours"@fr' in as_tsv.text

    as_xml = requests.get(url, params=params, headers={"Accept": "application/sparql-results+xml"})
    assert as_xml.headers["Content-Type"].startswith("application/sparql-results+xml")
    literals = [e.text for e in ElementTree.fromstring(as_xml.content).iter(SPARQL_RESULTS + "literal")]
    assert literals == ["En cours", "2"]

    assert requests.get(url, params={**params, "format": "turtle"}).status_code == 406


def test_construct_in_rdf_formats(server: Server) -> None:
    url = server.url + "/queries/partnership-schema-org"
    partnership = URIRef(BASE_IRI + "id/partnership/atlas-page-rennes-saint-louis")
    graphs = []
    formats = [("turtle", "text/turtle", "turtle"), ("jsonld", "application/ld+json", "json-ld"),
               ("ntriples", "application/n-triples", "nt"), ("rdfxml", "application/rdf+xml", "xml")]
    for fmt, media, parser in formats:
        response = requests.get(url, params={"partnership": str(partnership), "format": fmt})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(media)
        graphs.append(Graph().parse(data=response.content, format=parser))
    expected = expected_cases("partnership-schema-org")[1]
    assert len(graphs[0]) == len(expected["rows"])
    assert all(g.isomorphic(graphs[0]) for g in graphs[1:])
    assert (partnership, URIRef("https://schema.org/name"), None) in graphs[0]
    by_accept = requests.get(url, headers={"Accept": "text/turtle"})
    assert (URIRef(BASE_IRI + "id/partnership/atlas-page-angouleme-segou"), None, None) in Graph().parse(
        data=by_accept.content, format="turtle")


# -- Values are values -----------------------------------------------------------------------------


@pytest.mark.parametrize("attempt", [
    '"> } ; DROP ALL',
    'eau")) || true || CONTAINS("x',
    'x" } UNION { ?partnership ?p ?title } #',
    "\\u0022) || true #",
])
def test_injection_attempts_stay_string_values(server: Server, attempt: str) -> None:
    """Pasted into the query text, each of these would change it; bound as a literal, it matches nothing."""
    url = server.url + "/queries/search-partnerships"
    response = requests.get(url, params={"text": attempt, "format": "json"})
    assert response.status_code == 200, response.text
    assert response.json()["results"]["bindings"] == []
    # The same query with a plain word does find partnerships, so the empty answer means something.
    assert json_rows(requests.get(server.url + "/queries/search-partnerships", params={"text": "Mopti"}))


def test_a_value_is_echoed_exactly(server: Server) -> None:
    attempt = 'Ségou" . } '
    response = requests.get(server.url + "/queries/search-partnerships", params={"text": "Ségou"})
    assert {r["text"] for r in json_rows(response)} == {"Ségou"}
    response = requests.get(server.url + "/queries/search-partnerships", params={"text": attempt})
    assert response.json()["head"]["vars"] == ["text", "partnership", "title"]


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("regions-active-in-country", {"country": 'id/country/ml> } ; DROP ALL ; <x'}, "country"),
        ("regions-active-in-country", {"country": "pas une IRI"}, "country"),
        ("longest-running-partnerships", {"asOf": "2025 OR 1=1"}, "asOf"),
        ("longest-running-partnerships", {"asOf": "deux mille"}, "asOf"),
        ("partnerships-by-theme", {"colour": "blue"}, "colour"),
    ],
)
def test_bad_parameter_is_a_400_naming_it(server: Server, path: str, params: dict[str, str],
                                          named: str) -> None:
    response = requests.get(server.url + f"/queries/{path}", params=params)
    assert response.status_code == 400
    assert f"parameter {named!r}" in response.text


def test_repeated_parameter_is_a_400(server: Server) -> None:
    url = server.url + "/queries/regions-active-in-country"
    response = requests.get(url, params=[("country", "id/country/ml"), ("country", "id/country/bf")])
    assert response.status_code == 400 and "parameter 'country'" in response.text


def test_unknown_query_is_a_404(server: Server) -> None:
    assert requests.get(server.url + "/queries/no-such-question").status_code == 404
    assert requests.get(server.url + "/queries/..%2Fpyproject").status_code == 404
    assert requests.get(server.url + "/queries/no-such-question.rq").status_code == 404


# -- Limits ----------------------------------------------------------------------------------------


def test_federated_query_refused_while_federation_is_off(server: Server) -> None:
    response = requests.get(server.url + "/queries/wikidata-communes")
    assert response.status_code == 403
    assert "SERVICE" in response.text


def test_truncation_is_signalled(small_server: Server) -> None:
    response = requests.get(small_server.url + "/queries/funding-lines", params={"format": "json"})
    assert response.status_code == 200
    assert response.headers["X-Atlas-Truncated"] == "true"
    assert len(response.json()["results"]["bindings"]) == 2
    short = requests.get(small_server.url + "/queries/partnerships-by-status",
                         params={"status": "def/atlas/status/termine"})
    assert "X-Atlas-Truncated" not in short.headers


def test_cors(server: Server) -> None:
    response = requests.get(server.url + "/queries/partnerships-by-country", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Atlas-Truncated" in response.headers["Access-Control-Expose-Headers"]
