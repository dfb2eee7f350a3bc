"""The W3C SPARQL 1.1 Protocol and Service Description test manifests, run against a real server.

The manifests (tests/data/w3c/) describe each test as HTTP requests in the HTTP-in-RDF
vocabulary with the response expected. The server serves a plain pyoxigraph store made by
another program (``oxigraph load``) holding only the tests' data, in the named graphs the
manifest names. The endpoint is read-only: update tests that expect success are skipped,
those that expect an error must get it.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_plus, urlsplit

import pytest
import requests
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.query import Result

from tests.conftest import TESTS, Server, start_server, stop_server

W3C = TESTS / "data" / "w3c"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = "http://www.w3.org/2011/http-statusCodes#StatusCode"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
# The manifest's requests go to /sparql/; this endpoint lives at /sparql.
MANIFEST_PATH_PREFIX = "/sparql/"

RESULTS_FORMATS = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
BOOLEAN_FORMATS = {"application/sparql-results+json", "application/sparql-results+xml"}
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/ld+json": "json-ld",
}


@dataclass
class ProtocolRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    expected_status_classes: set[int]
    expected_format: str | None
    expected_boolean: bool | None

    def is_update(self) -> bool:
        query_string = urlsplit(self.path).query
        form = unquote_plus(self.body.decode("utf-8", "replace")) if self.body else ""
        return (self.headers.get("content-type", "").startswith("application/sparql-update")
                or "update=" in query_string or form.startswith("update="))


@dataclass
class ProtocolTest:
    name: str
    title: str
    graph_data: dict[str, Path] = field(default_factory=dict)
    requests: list[ProtocolRequest] = field(default_factory=list)

    def expects_update_success(self) -> bool:
        return any(r.is_update() and 2 in r.expected_status_classes for r in self.requests)


def _protocol_request(graph: Graph, node: object) -> ProtocolRequest:
    headers = {}
    for header in Collection(graph, graph.value(node, HT.headers)) if graph.value(node, HT.headers) else []:
        headers[str(graph.value(header, HT.fieldName)).lower()] = str(graph.value(header, HT.fieldValue))
    body = None
    body_node = graph.value(node, HT.body)
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(node, HT.resp)
    statuses = {int(str(s)[len(HTS)]) for s in graph.objects(response, MF.expectedStatus)}
    expected_format = graph.value(response, MF.expectedFormat)
    expected_boolean = graph.value(response, MF.expectedBoolean)
    return ProtocolRequest(
        method=str(graph.value(node, HT.methodName)),
        path=str(graph.value(node, HT.absolutePath)),
        headers=headers,
        body=body,
        expected_status_classes=statuses,
        expected_format=str(expected_format) if expected_format is not None else None,
        expected_boolean=expected_boolean.toPython() if expected_boolean is not None else None,
    )


def _entries(graph: Graph) -> Iterator[URIRef]:
    manifest = next(graph.subjects(RDF.type, MF.Manifest))
    yield from Collection(graph, graph.value(manifest, MF.entries))  # type: ignore[misc]


def protocol_tests() -> list[ProtocolTest]:
    """Every test of the protocol manifest, in the manifest's order."""
    graph = Graph().parse(W3C / "manifest.ttl", format="turtle")
    tests = []
    for entry in _entries(graph):
        test = ProtocolTest(name=entry.split("#")[-1], title=str(graph.value(entry, MF.name)))
        for data in graph.objects(entry, UT.graphData):
            file_iri = str(graph.value(data, UT.graph))
            test.graph_data[str(graph.value(data, RDFS.label))] = W3C / Path(urlsplit(file_iri).path).name
        action = graph.value(entry, MF.action)
        for request in Collection(graph, graph.value(action, HT.requests)):
            test.requests.append(_protocol_request(graph, request))
        tests.append(test)
    return tests


PROTOCOL_TESTS = protocol_tests()


def oxigraph_command() -> str:
    for candidate in (Path(sys.executable).parent / "oxigraph", shutil.which("oxigraph")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.fail("the `oxigraph` command is missing: install the test extra (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server on a pyoxigraph store made by `oxigraph load`, holding each data file in its named graph."""
    graphs: dict[str, Path] = {}
    for test in PROTOCOL_TESTS:
        for label, path in test.graph_data.items():
            assert graphs.setdefault(label, path) == path, f"{label} names two files in the manifest"
    store = tmp_path_factory.mktemp("w3c-store")
    for label, path in sorted(graphs.items()):
        subprocess.run([oxigraph_command(), "load", "--location", str(store), "--file", str(path),
                        "--graph", label], check=True, capture_output=True)
    server = start_server(store)
    yield server
    stop_server(server)


def _check_format(request: ProtocolRequest, response: requests.Response) -> None:
    media_type = response.headers.get("Content-Type", "").split(";")[0].strip()
    if request.expected_format == "boolean":
        assert media_type in BOOLEAN_FORMATS, media_type
        result = Result.parse(io.BytesIO(response.content), format=RESULTS_FORMATS[media_type])
        assert result.type == "ASK"
        if request.expected_boolean is not None:
            assert result.askAnswer is request.expected_boolean
    elif request.expected_format == "tabular":
        assert media_type in RESULTS_FORMATS, media_type
        result = Result.parse(io.BytesIO(response.content), format=RESULTS_FORMATS[media_type])
        assert result.type == "SELECT"
    elif request.expected_format == "RDF":
        assert media_type in RDF_FORMATS, media_type
        Graph().parse(data=response.content, format=RDF_FORMATS[media_type])


@pytest.mark.parametrize("test", PROTOCOL_TESTS, ids=[t.name for t in PROTOCOL_TESTS])
def test_protocol(test: ProtocolTest, w3c_server: Server) -> None:
    if test.expects_update_success():
        pytest.skip("read-only endpoint")
    for request in test.requests:
        assert request.path.startswith(MANIFEST_PATH_PREFIX), request.path
        url = w3c_server.url + "/sparql" + request.path[len(MANIFEST_PATH_PREFIX):]
        response = requests.request(request.method, url, headers=request.headers, data=request.body,
                                    allow_redirects=False, timeout=30)
        assert response.status_code // 100 in request.expected_status_classes, (
            f"{test.title}: {request.method} {request.path} gave {response.status_code}: "
            f"{response.text[:500]}")
        if 2 in request.expected_status_classes:
            _check_format(request, response)


def test_manifest_is_read_whole() -> None:
    """Regression guard for the runner itself: all 34 tests, each with its requests."""
    assert len(PROTOCOL_TESTS) == 34
    assert sum(t.expects_update_success() for t in PROTOCOL_TESTS) == 7
    assert sum(t.name.startswith("bad_") for t in PROTOCOL_TESTS) == 14
    assert all(t.requests for t in PROTOCOL_TESTS)


# -- SPARQL 1.1 Service Description --

def service_description_tests() -> list[str]:
    graph = Graph().parse(W3C / "service-description-manifest.ttl", format="turtle")
    return [entry.split("#")[-1] for entry in _entries(graph)]


def service_description(server: Server, accept: str) -> Graph:
    response = requests.get(server.url + "/sparql", headers={"Accept": accept}, timeout=30)
    assert response.status_code == 200
    media_type = response.headers["Content-Type"].split(";")[0]
    assert media_type in RDF_FORMATS, media_type
    return Graph().parse(data=response.content, format=RDF_FORMATS[media_type])


@pytest.mark.parametrize("name", service_description_tests())
def test_service_description(name: str, w3c_server: Server) -> None:
    endpoint = URIRef(w3c_server.url + "/sparql")
    for accept in ["*/*", *RDF_FORMATS]:
        graph = service_description(w3c_server, accept)
        if name == "returns-rdf":
            assert len(graph) > 0
        elif name == "has-endpoint-triple":
            assert (None, SD.endpoint, endpoint) in graph
        elif name == "conforms-to-schema":
            services = list(graph.subjects(SD.endpoint, endpoint))
            assert len(services) == 1 and (services[0], RDF.type, SD.Service) in graph
            service = services[0]
            assert set(graph.objects(service, SD.supportedLanguage)) <= {
                SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
            assert SD.SPARQL11Query in set(graph.objects(service, SD.supportedLanguage))
            for prop in (SD.feature, SD.resultFormat):
                assert all(isinstance(o, URIRef) for o in graph.objects(service, prop))
            dataset = graph.value(service, SD.defaultDataset)
            assert (dataset, RDF.type, SD.Dataset) in graph
            assert (graph.value(dataset, SD.defaultGraph), RDF.type, SD.Graph) in graph
        else:
            pytest.fail(f"no check written for the service description test {name}")
