"""Entity IRIs dereference (Cool URIs, 303 style) on a real server, with real clients."""

from __future__ import annotations

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from tests.conftest import BASE_IRI, Server

ATLAS = BASE_IRI + "def/atlas#"
PARTNERSHIP = BASE_IRI + "id/partnership/atlas-page-angouleme-segou"
ENTITIES = {
    PARTNERSHIP: ATLAS + "Partnership",
    BASE_IRI + "id/commune/16015": ATLAS + "FrenchLocalAuthority",
    BASE_IRI + "id/foreign-authority/ml/2451478": ATLAS + "ForeignLocalAuthority",
    BASE_IRI + "id/country/ml": ATLAS + "Country",
    BASE_IRI + "id/post/ambassade-de-france-a-bamako": ATLAS + "DiplomaticPost",
    BASE_IRI + "id/organisation/meae": ATLAS + "Organisation",
    PARTNERSHIP + "/funding/1": ATLAS + "FundingLine",
    BASE_IRI + "id/post/ambassade-de-france-a-bamako/person/sherazade-benalla": ATLAS + "Person",
    BASE_IRI + "id/post/ambassade-de-france-a-bamako/contact/sherazade-benalla": ATLAS + "Contact",
}
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize("iri", sorted(ENTITIES))
@pytest.mark.parametrize("rdf_format", ["turtle", "json-ld"])
def test_rdflib_parses_every_kind_of_entity(seed_server: Server, iri: str, rdf_format: str) -> None:
    graph = Graph()
    graph.parse(seed_server.iri_url(iri), format=rdf_format)
    assert (URIRef(iri), RDF.type, URIRef(ENTITIES[iri])) in graph


@pytest.mark.parametrize(
    ("accept", "extension", "media"),
    [
        (None, "html", "text/html"),
        (BROWSER_ACCEPT, "html", "text/html"),
        ("*/*", "html", "text/html"),
        ("text/turtle", "ttl", "text/turtle"),
        ("application/n-triples", "nt", "application/n-triples"),
        ("application/ld+json", "jsonld", "application/ld+json"),
        ("application/rdf+xml", "rdf", "application/rdf+xml"),
        ("text/html;q=0.5, text/turtle;q=0.9, application/ld+json;q=0.7", "ttl", "text/turtle"),
        ("application/ld+json;q=1, text/turtle;q=0.2, */*;q=0.1", "jsonld", "application/ld+json"),
        ("text/*;q=0.3, text/turtle", "ttl", "text/turtle"),
    ],
)
def test_negotiation_303_to_the_document(seed_server: Server, accept: str | None, extension: str,
                                         media: str) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    if accept is None:
        session = requests.Session()
        session.headers.pop("Accept", None)
        response = session.get(seed_server.iri_url(PARTNERSHIP), allow_redirects=False)
    else:
        response = requests.get(seed_server.iri_url(PARTNERSHIP), headers=headers, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Vary"] == "Accept"
    target = "/doc/id/partnership/atlas-page-angouleme-segou." + extension
    assert response.headers["Location"].endswith(target)
    document = requests.get(seed_server.url + target)
    assert document.status_code == 200
    assert document.headers["Content-Type"].split(";")[0] == media
    if media != "text/html":
        assert (URIRef(PARTNERSHIP), None, None) in Graph().parse(data=document.content, format=media)


def test_unsupported_type_is_406_with_the_list(seed_server: Server) -> None:
    response = requests.get(seed_server.iri_url(PARTNERSHIP), headers={"Accept": "image/png"},
                            allow_redirects=False)
    assert response.status_code == 406
    assert response.headers["Vary"] == "Accept"
    for media in ("text/html", "text/turtle", "application/ld+json", "application/rdf+xml"):
        assert media in response.text


def test_generic_document_names_its_variant(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/doc/id/partnership/atlas-page-angouleme-segou",
                            headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["Content-Location"] == "/doc/id/partnership/atlas-page-angouleme-segou.ttl"
    assert response.headers["Vary"] == "Accept"
    assert 'rel="alternate"; type="application/ld+json"' in response.headers["Link"]


def test_unknown_iri_is_404(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/id/partnership/nothing-here", headers={"Accept": "text/turtle"})
    assert response.status_code == 404
    assert requests.get(seed_server.url + "/doc/id/partnership/nothing-here.html").status_code == 404


def test_head_is_supported(seed_server: Server) -> None:
    response = requests.head(seed_server.iri_url(PARTNERSHIP), headers={"Accept": "text/turtle"})
    assert response.status_code == 303


def test_vocabulary_dereferences(seed_server: Server) -> None:
    graph = Graph().parse(seed_server.url + "/def/atlas", format="turtle")
    term = URIRef(ATLAS + "Partnership")
    assert (term, URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
            Literal("Partenariat", lang="fr")) in graph or any(
        lit.language == "fr" for lit in graph.objects(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    html = requests.get(seed_server.url + "/def/atlas", headers={"Accept": BROWSER_ACCEPT})
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert 'id="Partnership"' in html.text
    concept = requests.get(seed_server.url + "/def/atlas/status/en-cours", headers={"Accept": "text/turtle"},
                           allow_redirects=False)
    assert concept.status_code == 303
