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


# -- Vapour-style checks, for every class and for the vocabulary --------------------------------

CLASS_EXAMPLES = {
    "Partnership": BASE_IRI + "id/partnership/web-lyon-ouagadougou",
    "Commune": BASE_IRI + "id/commune/69123",
    "Departement": BASE_IRI + "id/departement/16",
    "Region": BASE_IRI + "id/region/53",
    "ForeignLocalAuthority": BASE_IRI + "id/foreign-authority/ml/2451478",
    "Country": BASE_IRI + "id/country/bf",
    "DiplomaticPost": BASE_IRI + "id/post/ambassade-de-france-au-burkina-faso",
    "Organisation": BASE_IRI + "id/organisation/afd",
    "Person": BASE_IRI + "id/foreign-authority/ml/2451478/person/chiaka-diarra",
    "Contact": BASE_IRI + "id/post/ambassade-de-france-a-bamako/contact/sherazade-benalla",
    "FundingLine": BASE_IRI + "id/partnership/web-lyon-ouagadougou/funding/1",
    "SourceRecord": BASE_IRI + "graph/record/web-lyon-ouagadougou",
    "Concept": BASE_IRI + "def/atlas/status/en-cours",
}
RDF_TYPES = {
    "text/turtle": ("ttl", "turtle"),
    "application/n-triples": ("nt", "nt"),
    "application/ld+json": ("jsonld", "json-ld"),
    "application/rdf+xml": ("rdf", "xml"),
}
NO_ACCEPT = object()


def _get(url: str, accept: object, method: str = "GET") -> requests.Response:
    session = requests.Session()
    session.headers.pop("Accept", None)
    headers = {} if accept is NO_ACCEPT else {"Accept": accept}
    return session.request(method, url, headers=headers, allow_redirects=False)


def _document_key(iri: str) -> str:
    return "/doc/" + iri[len(BASE_IRI):]


def _check_alternates(response: requests.Response, stem: str) -> None:
    links = response.headers["Link"]
    for ext, media in (("html", "text/html"), *((e, m) for m, (e, _f) in RDF_TYPES.items())):
        assert f'<{stem}.{ext}>; rel="alternate"; type="{media}"' in links


@pytest.mark.parametrize("kind", sorted(CLASS_EXAMPLES))
@pytest.mark.parametrize("accept", [NO_ACCEPT, BROWSER_ACCEPT, "*/*"], ids=["none", "browser", "any"])
def test_html_for_people(web_server: Server, kind: str, accept: object) -> None:
    iri = CLASS_EXAMPLES[kind]
    response = _get(web_server.iri_url(iri), accept)
    assert response.status_code == 303
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Location"].endswith(_document_key(iri) + ".html")
    _check_alternates(response, _document_key(iri))
    page = requests.get(web_server.url + _document_key(iri) + ".html")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert f"<code>{iri}</code>" in page.text


@pytest.mark.parametrize("kind", sorted(CLASS_EXAMPLES))
@pytest.mark.parametrize("media", sorted(RDF_TYPES))
def test_each_rdf_type_describes_the_iri(web_server: Server, kind: str, media: str) -> None:
    iri = CLASS_EXAMPLES[kind]
    ext, rdflib_format = RDF_TYPES[media]
    response = _get(web_server.iri_url(iri), media)
    assert response.status_code == 303
    assert response.headers["Vary"] == "Accept"
    assert response.headers["Location"].endswith(f"{_document_key(iri)}.{ext}")
    document = requests.get(web_server.url + response.headers["Location"])
    assert document.status_code == 200
    assert document.headers["Content-Type"].split(";")[0] == media
    graph = Graph().parse(data=document.content, format=rdflib_format, publicID=web_server.url + "/")
    assert (URIRef(iri), RDF.type, None) in graph


@pytest.mark.parametrize("kind", sorted(CLASS_EXAMPLES))
def test_mixed_q_values_and_unsupported_types(web_server: Server, kind: str) -> None:
    iri = CLASS_EXAMPLES[kind]
    mixed = _get(web_server.iri_url(iri), "text/html;q=0.2, application/rdf+xml;q=0.6, text/turtle;q=0.9")
    assert mixed.status_code == 303 and mixed.headers["Location"].endswith(".ttl")
    zero = _get(web_server.iri_url(iri), "text/turtle;q=0, application/ld+json")
    assert zero.headers["Location"].endswith(".jsonld")
    refused = _get(web_server.iri_url(iri), "image/png, application/pdf")
    assert refused.status_code == 406
    assert refused.headers["Vary"] == "Accept"
    for media in ("text/html", *RDF_TYPES):
        assert media in refused.text


@pytest.mark.parametrize("kind", ["Partnership", "Country", "SourceRecord"])
def test_negotiated_document_names_its_variant(web_server: Server, kind: str) -> None:
    key = _document_key(CLASS_EXAMPLES[kind])
    for media, (ext, _format) in RDF_TYPES.items():
        response = _get(web_server.url + key, media)
        assert response.status_code == 200
        assert response.headers["Content-Location"] == f"{key}.{ext}"
        assert response.headers["Vary"] == "Accept"
        assert response.headers["Content-Type"].split(";")[0] == media
        _check_alternates(response, key)
    explicit = _get(web_server.url + key + ".ttl", "application/ld+json")
    assert explicit.headers["Content-Type"].startswith("text/turtle")
    assert "Content-Location" not in explicit.headers


def test_head_answers_like_get_without_a_body(web_server: Server) -> None:
    iri = CLASS_EXAMPLES["Partnership"]
    redirect = _get(web_server.iri_url(iri), "text/turtle", method="HEAD")
    assert redirect.status_code == 303 and redirect.headers["Vary"] == "Accept"
    assert redirect.headers["Location"].endswith(".ttl")
    get = _get(web_server.url + _document_key(iri) + ".html", "text/html")
    head = _get(web_server.url + _document_key(iri) + ".html", "text/html", method="HEAD")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


@pytest.mark.parametrize("path", [
    "/id/partnership/no-such-record", "/id/commune/00000", "/graph/record/no-such-record",
    "/def/atlas/status/no-such-status", "/doc/id/country/zz.ttl", "/doc/id/country/zz",
    "/id/country/bf/no-such-part",
])
def test_unknown_iris_under_our_namespace_are_404(web_server: Server, path: str) -> None:
    for accept in (BROWSER_ACCEPT, "text/turtle"):
        assert _get(web_server.url + path, accept).status_code == 404


@pytest.mark.parametrize("kind", sorted(CLASS_EXAMPLES))
def test_rdflib_parse_of_the_iri_itself(web_server: Server, kind: str) -> None:
    iri = CLASS_EXAMPLES[kind]
    graph = Graph().parse(web_server.iri_url(iri))
    assert (URIRef(iri), RDF.type, None) in graph


@pytest.mark.parametrize("stem", ["/def/atlas", "/def/atlas/shapes", "/.well-known/void"])
def test_vocabulary_shapes_and_void_negotiate(web_server: Server, stem: str) -> None:
    for accept, ext in ((NO_ACCEPT, "html"), (BROWSER_ACCEPT, "html"), ("text/turtle;q=0.9, text/html;q=0.1", "ttl"),
                        *((m, e) for m, (e, _f) in RDF_TYPES.items())):
        response = _get(web_server.url + stem, accept)
        assert response.status_code == 200, (stem, accept)
        assert response.headers["Vary"] == "Accept"
        assert response.headers["Content-Location"] == f"{stem}.{ext}"
        _check_alternates(response, stem)
    assert _get(web_server.url + stem, "image/png").status_code == 406
    graph = Graph().parse(web_server.url + stem)
    assert len(graph) > 10


def test_vocabulary_terms_dereference_to_the_namespace_document(web_server: Server) -> None:
    """Hash IRIs: a client strips ``#Partnership`` and gets the vocabulary, which describes the term."""
    graph = Graph().parse(web_server.url + "/def/atlas", format="turtle")
    term = URIRef(ATLAS + "Partnership")
    assert (term, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in graph
    labels = {lit.language for lit in graph.objects(term, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))}
    assert {"fr", "en"} <= labels


def test_pages_link_locally_whatever_the_base_iri(web_server: Server) -> None:
    """The data's IRIs are https://atlas-ld.example/...; the pages, served from 127.0.0.1, link to local paths."""
    html = requests.get(web_server.url + "/doc/id/partnership/web-lyon-ouagadougou.html").text
    assert 'href="/id/commune/69123"' in html
    assert f'href="{BASE_IRI}' not in html
    target = requests.get(web_server.url + "/id/commune/69123", headers={"Accept": BROWSER_ACCEPT})
    assert target.status_code == 200 and "<h1>Lyon</h1>" in target.text


def test_keys_with_empty_segments_are_unknown_not_redirected(seed_server: Server) -> None:
    """Regression: /id/%2Fx answered 308 to a merged-slash path (found by the OpenAPI fuzzing)."""
    for path in ("/id/%2Fpartnership/x", "/id//partnership/x", "/doc//id/partnership/x.ttl"):
        response = requests.get(seed_server.url + path, headers={"Accept": "text/turtle"}, allow_redirects=False)
        assert response.status_code == 404, path
