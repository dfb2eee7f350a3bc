"""The dataset describes itself: VoID and DCAT, dumps, sitemap.xml, robots.txt, the vocabulary and shapes pages."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import requests
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from tests.conftest import BASE_IRI, Server

DATASET = URIRef(BASE_IRI + ".well-known/void#dataset")
ATLAS = Namespace(BASE_IRI + "def/atlas#")


def void_graph(server: Server) -> Graph:
    response = requests.get(server.url + "/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.content, format="turtle")


def test_void_describes_the_dataset(web_server: Server) -> None:
    graph = void_graph(web_server)
    assert (DATASET, RDF.type, VOID.Dataset) in graph and (DATASET, RDF.type, DCAT.Dataset) in graph
    assert graph.value(DATASET, DCTERMS.title) is not None
    assert graph.value(DATASET, DCTERMS.license) == URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
    publisher = graph.value(DATASET, DCTERMS.publisher)
    assert graph.value(publisher, URIRef("http://xmlns.com/foaf/0.1/name")) is not None
    assert graph.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE_IRI + "sparql")
    assert graph.value(DATASET, VOID.uriSpace) == Literal(BASE_IRI + "id/")
    assert graph.value(DATASET, DCTERMS.modified) is not None
    vocabularies = set(graph.objects(DATASET, VOID.vocabulary))
    assert URIRef(str(ATLAS)) in vocabularies and URIRef("http://www.w3.org/2004/02/skos/core#") in vocabularies
    triples = int(graph.value(DATASET, VOID.triples))
    dump = requests.get(web_server.url + "/dumps/atlas.nq.gz")
    assert dump.status_code == 200 and triples > 1000
    partitions = {graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
                  for p in graph.objects(DATASET, VOID.classPartition)}
    assert partitions[ATLAS.Partnership] == 36
    assert partitions[ATLAS.Country] == 4


def test_void_lists_every_dump_as_a_distribution(web_server: Server) -> None:
    graph = void_graph(web_server)
    dumps = {str(d) for d in graph.objects(DATASET, VOID.dataDump)}
    assert dumps == {BASE_IRI + f"dumps/atlas.{ext}.gz" for ext in ("nt", "nq", "ttl", "jsonld")}
    media = set()
    for distribution in graph.objects(DATASET, DCAT.distribution):
        url = graph.value(distribution, DCAT.downloadURL)
        if url is None:
            continue
        media.add(str(graph.value(distribution, DCAT.mediaType)))
        size = int(graph.value(distribution, DCAT.byteSize))
        local = requests.get(web_server.url + "/" + str(url)[len(BASE_IRI):])
        assert local.status_code == 200 and len(local.content) == size
    assert {m.rsplit("/", 2)[-2] + "/" + m.rsplit("/", 1)[-1] for m in media} >= {
        "application/n-triples", "application/n-quads", "text/turtle", "application/ld+json"}


def test_void_page_for_people(web_server: Server) -> None:
    html = requests.get(web_server.url + "/.well-known/void", headers={"Accept": "text/html"}).text
    assert 'href="/dumps/atlas.nt.gz"' in html and "triples" in html


def test_sitemap_lists_entity_pages_with_their_dates(web_server: Server) -> None:
    response = requests.get(web_server.url + "/sitemap.xml")
    assert response.headers["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = {u.findtext("s:loc", namespaces=ns): u.findtext("s:lastmod", namespaces=ns)
                 for u in root.findall("s:url", ns)}
    assert BASE_IRI + "doc/id/partnership/web-lyon-ouagadougou.html" in locations
    assert BASE_IRI + "doc/id/country/ml.html" in locations
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", d or "") for d in locations.values())


def test_robots_points_to_the_sitemap(web_server: Server) -> None:
    text = requests.get(web_server.url + "/robots.txt").text
    assert "User-agent: *" in text and f"Sitemap: {BASE_IRI}sitemap.xml" in text
    assert "Disallow: /sparql" in text


def test_vocabulary_page_documents_every_class_and_property(web_server: Server) -> None:
    graph = Graph().parse(web_server.url + "/def/atlas.ttl", format="turtle")
    html = requests.get(web_server.url + "/def/atlas", headers={"Accept": "text/html"}).text
    terms = {s for s in graph.subjects() if str(s).startswith(str(ATLAS))}
    assert len(terms) > 40
    for term in terms:
        local = str(term)[len(str(ATLAS)):]
        assert f'id="{local}"' in html, local
        for label in graph.objects(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label")):
            assert str(label).replace("'", "&#39;") in html, (local, label)
    assert "domaine" in html and "portée" in html


def test_shapes_are_published(web_server: Server) -> None:
    shapes = Graph().parse(web_server.url + "/def/atlas/shapes.ttl", format="turtle")
    sh = Namespace("http://www.w3.org/ns/shacl#")
    assert any(shapes.subjects(RDF.type, sh.NodeShape))
    html = requests.get(web_server.url + "/def/atlas/shapes", headers={"Accept": "text/html"}).text
    message = next(str(m) for m in shapes.objects(None, sh.message) if getattr(m, "language", None) in ("fr", None))
    assert message.replace("'", "&#39;").replace('"', "&#34;")[:40] in html
