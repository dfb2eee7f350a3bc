"""The SPARQL endpoint of a real server, through SPARQLWrapper and plain HTTP."""

from __future__ import annotations

import csv
import io
import json

import requests
from rdflib import Graph, URIRef
from SPARQLWrapper import CSV, JSON, POST, TSV, TURTLE, XML, SPARQLWrapper

from tests.conftest import BASE_IRI, Server

TITLE_QUERY = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?p ?title WHERE { ?p a <https://atlas-ld.example/def/atlas#Partnership> ; dcterms:title ?title }
"""


def wrapper(server: Server, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(server.url + "/sparql")
    client.setReturnFormat(fmt)
    client.setMethod(method)
    return client


def test_select_json_by_get_and_post(seed_server: Server) -> None:
    for method in ("GET", POST):
        client = wrapper(seed_server, JSON, method)
        client.setQuery(TITLE_QUERY)
        bindings = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
        assert [b["title"]["value"] for b in bindings] == ["Renforcer et appuyer la gouvernance locale"]
        assert bindings[0]["title"]["xml:lang"] == "fr"


def test_select_xml_csv_tsv(seed_server: Server) -> None:
    client = wrapper(seed_server, XML)
    client.setQuery(TITLE_QUERY)
    xml = client.queryAndConvert()
    literals = [n.firstChild.data for n in xml.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert literals == ["Renforcer et appuyer la gouvernance locale"]

    client = wrapper(seed_server, CSV)
    client.setQuery(TITLE_QUERY)
    rows = list(csv.DictReader(io.StringIO(client.queryAndConvert().decode("utf-8"))))  # type: ignore[union-attr]
    assert [r["title"] for r in rows] == ["Renforcer et appuyer la gouvernance locale"]

    client = wrapper(seed_server, TSV)
    client.setQuery(TITLE_QUERY)
    text = client.queryAndConvert().decode("utf-8")  # type: ignore[union-attr]
    assert text.splitlines()[0] == "?p\t?title"
    assert '"Renforcer et appuyer la gouvernance locale"@fr' in text


def test_ask(seed_server: Server) -> None:
    client = wrapper(seed_server, JSON)
    client.setQuery("ASK { ?s a <https://atlas-ld.example/def/atlas#Partnership> }")
    assert client.queryAndConvert()["boolean"] is True  # type: ignore[index]


def test_construct_in_each_rdf_format(seed_server: Server) -> None:
    query = (f"CONSTRUCT {{ ?p ?q ?o }} "
             f"WHERE {{ BIND(<{BASE_IRI}id/partnership/atlas-page-angouleme-segou> AS ?p) ?p ?q ?o }}")
    client = wrapper(seed_server, TURTLE)
    client.setQuery(query)
    graph = Graph().parse(data=client.queryAndConvert(), format="turtle")
    subject = URIRef(BASE_IRI + "id/partnership/atlas-page-angouleme-segou")
    assert len(graph) > 20 and set(graph.subjects()) == {subject}
    for media, rdflib_format in [
        ("application/n-triples", "nt"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
    ]:
        response = requests.get(seed_server.url + "/sparql", params={"query": query},
                                headers={"Accept": media})
        assert response.status_code == 200 and response.headers["Content-Type"].startswith(media)
        assert response.headers["Vary"] == "Accept"
        other = Graph().parse(data=response.content, format=rdflib_format)
        assert len(other) == len(graph)


def test_format_parameter_overrides_accept(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", params={"query": TITLE_QUERY, "format": "csv"},
                            headers={"Accept": "application/sparql-results+json"})
    assert response.headers["Content-Type"].startswith("text/csv")


def test_post_direct(seed_server: Server) -> None:
    response = requests.post(seed_server.url + "/sparql", data=TITLE_QUERY.encode(),
                             headers={"Content-Type": "application/sparql-query",
                                      "Accept": "application/sparql-results+json"})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == 1


def test_syntax_error_is_400_with_parser_message(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", params={"query": "SELECT ?x WHERE { ?x ?y }"})
    assert response.status_code == 400
    assert "syntax error" in response.text.lower()
    assert "1:" in response.text or "line" in response.text.lower()


def test_updates_are_refused(seed_server: Server) -> None:
    update = f"INSERT DATA {{ <{BASE_IRI}x> <{BASE_IRI}y> 1 }}"
    for kwargs in (
        {"data": {"update": update}},
        {"data": update.encode(), "headers": {"Content-Type": "application/sparql-update"}},
    ):
        response = requests.post(seed_server.url + "/sparql", **kwargs)  # type: ignore[arg-type]
        assert response.status_code == 403
        assert "read-only" in response.text
    response = requests.post(seed_server.url + "/sparql", data={"query": update})
    assert response.status_code == 400
    check = requests.get(seed_server.url + "/sparql", params={"query": f"ASK {{ <{BASE_IRI}x> ?p ?o }}"},
                         headers={"Accept": "application/sparql-results+json"})
    assert json.loads(check.text)["boolean"] is False


def test_unsupported_result_type_is_406(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", params={"query": TITLE_QUERY},
                            headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.text


def test_service_description(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.text, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(seed_server.url + "/sparql")) in graph
    assert (None, URIRef("http://rdfs.org/ns/void#inDataset"), URIRef(BASE_IRI + ".well-known/void")) in graph


# -- Dataset, formats and errors of the SPARQL 1.1 Protocol --

RECORD_GRAPH = BASE_IRI + "graph/record/atlas-page-angouleme-segou"
ENTITIES_GRAPH = BASE_IRI + "graph/entities"
ONTOLOGY_GRAPH = BASE_IRI + "graph/ontology"
PARTNERSHIP = BASE_IRI + "id/partnership/atlas-page-angouleme-segou"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def test_several_default_graphs(seed_server: Server) -> None:
    query = f"ASK {{ <{PARTNERSHIP}> ?p ?o }}"

    def ask(default_graphs: list[str]) -> bool:
        response = requests.get(seed_server.url + "/sparql", headers=JSON_RESULTS,
                                params={"query": query, "default-graph-uri": default_graphs})
        assert response.status_code == 200
        return bool(response.json()["boolean"])

    assert ask([ENTITIES_GRAPH, ONTOLOGY_GRAPH]) is False
    assert ask([ENTITIES_GRAPH, RECORD_GRAPH]) is True


def test_several_named_graphs_by_post(seed_server: Server) -> None:
    response = requests.post(
        seed_server.url + "/sparql", headers=JSON_RESULTS,
        data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
              "named-graph-uri": [ENTITIES_GRAPH, ONTOLOGY_GRAPH]},
    )
    graphs = {b["g"]["value"] for b in response.json()["results"]["bindings"]}
    assert graphs == {ENTITIES_GRAPH, ONTOLOGY_GRAPH}


def test_without_a_dataset_the_default_graph_is_the_union(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", headers=JSON_RESULTS,
                            params={"query": f"ASK {{ <{PARTNERSHIP}> ?p ?o }}"})
    assert response.json()["boolean"] is True


def test_a_graph_that_is_not_an_iri_is_400(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql",
                            params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert response.status_code == 400 and "default-graph-uri" in response.text


def test_format_parameter_for_graphs_and_full_media_types(seed_server: Server) -> None:
    query = f"CONSTRUCT {{ <{PARTNERSHIP}> ?p ?o }} WHERE {{ <{PARTNERSHIP}> ?p ?o }}"
    for fmt, media_type, rdflib_format in [("json", "application/ld+json", "json-ld"),
                                           ("xml", "application/rdf+xml", "xml"),
                                           ("nt", "application/n-triples", "nt")]:
        response = requests.get(seed_server.url + "/sparql", params={"query": query, "format": fmt})
        assert response.headers["Content-Type"].startswith(media_type)
        assert len(Graph().parse(data=response.content, format=rdflib_format)) > 20
    response = requests.post(seed_server.url + "/sparql",
                             data={"query": TITLE_QUERY, "format": "application/sparql-results+xml"})
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")


def test_request_encodings(seed_server: Server) -> None:
    utf16 = requests.post(seed_server.url + "/sparql", data="ASK {}".encode("utf-16"),
                          headers={"Content-Type": "application/sparql-query; charset=UTF-16"})
    assert utf16.status_code == 415 and "UTF-8" in utf16.text
    broken = requests.post(seed_server.url + "/sparql", data=b"ASK { \xff }",
                           headers={"Content-Type": "application/sparql-query"})
    assert broken.status_code == 400 and "UTF-8" in broken.text
    untyped = requests.post(seed_server.url + "/sparql", data=b"ASK {}")
    assert untyped.status_code == 415
    french = requests.post(seed_server.url + "/sparql", headers={
        "Content-Type": "application/sparql-query; charset=utf-8", **JSON_RESULTS},
        data='ASK { ?s ?p ?o FILTER(CONTAINS(STR(?o), "Ségou")) }'.encode())
    assert french.json()["boolean"] is True


def test_updates_by_get_are_refused(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", params={"update": "CLEAR ALL"})
    assert response.status_code == 403 and "read-only" in response.text


def test_service_description_in_every_rdf_format(seed_server: Server) -> None:
    sd = "http://www.w3.org/ns/sparql-service-description#"
    for accept, rdflib_format in [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                  ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
                                  ("*/*", "turtle")]:
        response = requests.get(seed_server.url + "/sparql", headers={"Accept": accept})
        assert response.status_code == 200
        graph = Graph().parse(data=response.content, format=rdflib_format)
        service = URIRef(seed_server.url + "/sparql")
        assert (service, URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph
        assert (service, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph
        void = URIRef(BASE_IRI + ".well-known/void")
        assert (None, URIRef("http://rdfs.org/ns/void#inDataset"), void) in graph


def test_browsers_get_the_query_editor(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", headers={
        "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"})
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")


def test_unknown_format_parameter_is_406(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", params={"query": TITLE_QUERY, "format": "image/png"})
    assert response.status_code == 406
