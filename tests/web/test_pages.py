"""Entity pages in HTML: label, type, grouped properties with labelled links, texts, incoming links with
paging, the funding table and chart, provenance, links out, the JSON-LD for search engines."""

from __future__ import annotations

import gzip
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import requests
from rdflib import Graph, URIRef

from tests.conftest import BASE_IRI, BuiltStore, Server, start_server, stop_server
from tests.web.conftest import GENERATED, PAGE_SIZE


def page(server: Server, key: str) -> str:
    response = requests.get(f"{server.url}/doc/{key}.html")
    assert response.status_code == 200
    return response.text


def test_partnership_page_shows_funding_table_with_total(seed_server: Server) -> None:
    html = page(seed_server, "id/partnership/atlas-page-angouleme-segou")
    assert "<h1>Renforcer et appuyer la gouvernance locale</h1>" in html
    funding = html[html.index('class="funding"'):html.index("</table>")]
    assert funding.count("<tr>") == 1 + 5 + 1
    assert "49 000" in funding
    assert "Ministère de l&#39;Europe et des Affaires étrangères" in funding
    assert 'href="/id/commune/16015"' in html
    assert ">Ségou</a>" in html


def test_collectivity_page_lists_its_partnerships(seed_server: Server) -> None:
    html = page(seed_server, "id/commune/16015")
    assert "<h1>Angoulême</h1>" in html
    incoming = html[html.index('class="incoming"'):]
    assert 'href="/id/partnership/atlas-page-angouleme-segou"' in incoming
    assert "Renforcer et appuyer la gouvernance locale" in incoming


def test_text_sections_keep_paragraphs_and_bullets(seed_server: Server) -> None:
    html = page(seed_server, "id/partnership/atlas-page-angouleme-segou")
    assert re.search(r"<li>l’appui institutionnel,</li>", html)


def test_security_headers(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"]


# -- Entity pages on the richer store ----------------------------------------------------------



class _Blocks(HTMLParser):
    """The text of every <script type="application/ld+json"> block, and every href."""

    def __init__(self) -> None:
        super().__init__()
        self.json_ld: list[str] = []
        self.hrefs: list[str] = []
        self._in = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script" and attributes.get("type") == "application/ld+json":
            self._in = True
            self.json_ld.append("")
        if tag == "a" and attributes.get("href"):
            self.hrefs.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        self._in = False if tag == "script" else self._in

    def handle_data(self, data: str) -> None:
        if self._in:
            self.json_ld[-1] += data


def blocks(html: str) -> _Blocks:
    parser = _Blocks()
    parser.feed(html)
    return parser


def test_partnership_page_has_funding_totals_chart_and_provenance(web_server: Server) -> None:
    html = page(web_server, "id/partnership/web-lyon-ouagadougou")
    funding = html[html.index('class="funding"'):html.index("</section>", html.index('class="funding"'))]
    assert funding.count("<tr>") == 1 + 5 + 1
    assert '<th class="num total">180 000</th>' in funding
    assert '<svg class="chart"' in funding
    for year, amount in (("2019", "65\u202f000 €"), ("2020", "55\u202f000 €"), ("2021", "60\u202f000 €")):
        assert f"<title>{year} : {amount}</title>" in funding
    provenance = html[html.index('class="provenance"'):]
    assert 'href="/graph/record/web-lyon-ouagadougou"' in provenance
    assert "web-lyon-ouagadougou.txt" in provenance and "sha256:" in provenance and " UTC" in provenance
    assert '<p class="where"><span class="muted">Pays :</span> <a class="country" href="/id/country/bf">' in html


def test_properties_are_grouped_with_labelled_links(web_server: Server) -> None:
    html = page(web_server, "id/partnership/web-lyon-ouagadougou")
    assert "<h2>Description</h2>" in html and "<h2>Participants</h2>" in html
    participants = html[html.index("<h2>Participants</h2>"):]
    assert 'href="/id/commune/69123" title="https://atlas-ld.example/id/commune/69123">Lyon</a>' in participants
    assert 'href="/def/atlas/theme/eau-et-assainissement"' in html
    assert ">Eau et assainissement</a>" in html
    assert "<h2>Contexte</h2>" in html
    assert "<p>Ouagadougou compte plus de deux millions d&#39;habitants.</p>" in html


def test_labels_fall_back_from_french_to_english_to_untagged(web_server: Server) -> None:
    assert "<h1>Burkina Faso</h1>" in page(web_server, "id/country/bf")
    assert "<h1>Ségou</h1>" in page(web_server, "id/foreign-authority/ml/2451478")
    concept = page(web_server, "def/atlas/status/en-cours")
    assert "<h1>En cours</h1>" in concept


def test_country_page_pages_its_partnerships(web_server: Server) -> None:
    first = page(web_server, "id/country/ml")
    group = first[first.index('id="partnerships-in-country"'):]
    group = group[:group.index("</div>")]
    total = GENERATED + 3  # the seed, the Charente and Bretagne pages
    assert f'<span class="count">{total}</span>' in group
    pages = -(-total // PAGE_SIZE)
    assert f"page 1 / {pages}" in group
    assert group.count("<li>") == PAGE_SIZE
    second_href = "?property=partnerships-in-country&amp;page=2"
    assert second_href in group
    second = requests.get(web_server.url + "/doc/id/country/ml.html" + second_href.replace("&amp;", "&")).text
    second_group = second[second.index('id="partnerships-in-country"'):]
    second_group = second_group[:second_group.index("</div>")]
    assert f"page 2 / {pages}" in second_group
    first_items = {h for h in blocks(group).hrefs if h.startswith("/id/partnership/")}
    second_items = {h for h in blocks(second_group).hrefs if h.startswith("/id/partnership/")}
    assert len(first_items) == len(second_items) == PAGE_SIZE and not first_items & second_items
    last = requests.get(web_server.url + f"/doc/id/country/ml.html?property=partnerships-in-country&page={pages}")
    last_group = last.text[last.text.index('id="partnerships-in-country"'):]
    assert last_group[:last_group.index("</div>")].count("<li>") == total - (pages - 1) * PAGE_SIZE


def test_incoming_links_are_grouped_by_property(web_server: Server) -> None:
    html = page(web_server, "id/foreign-authority/ml/2451478")
    incoming = html[html.index('class="incoming"'):]
    assert "Partenariats (partenaire étranger)" in incoming
    assert 'href="/id/partnership/web-charente-segou"' in incoming
    funder = page(web_server, "id/organisation/meae")
    assert "Partenariats financés" in funder and "€</span>" in funder


def test_links_out_to_geonames_and_the_eu_country_table(web_server: Server) -> None:
    html = page(web_server, "id/country/ml")
    out = html[html.index('class="links-out"'):]
    assert 'href="https://sws.geonames.org/2453866/"' in out
    assert 'href="http://publications.europa.eu/resource/authority/country/MLI"' in out
    assert 'href="https://sws.geonames.org/2451478/"' in page(web_server, "id/foreign-authority/ml/2451478")


def test_page_embeds_its_data_as_schema_org_json_ld(web_server: Server) -> None:
    html = page(web_server, "id/partnership/web-lyon-ouagadougou")
    found = blocks(html).json_ld
    assert len(found) == 1
    data = json.loads(found[0])
    assert data["@context"] == "https://schema.org" and data["@type"] == "Project"
    assert data["@id"] == BASE_IRI + "id/partnership/web-lyon-ouagadougou"
    assert data["name"] == "Appui à la gestion des services urbains de Ouagadougou"
    assert data["funding"] == {"@type": "MonetaryAmount", "currency": "EUR", "value": "180000"}
    # The same data with schema.org's context written out (no network in tests): it is valid JSON-LD.
    offline = json.dumps({**data, "@context": {"@vocab": "https://schema.org/"}})
    graph = Graph().parse(data=offline, format="json-ld", publicID=BASE_IRI)
    assert (URIRef(data["@id"]), URIRef("https://schema.org/name"), None) in graph
    place = json.loads(blocks(page(web_server, "id/foreign-authority/ml/2451478")).json_ld[0])
    assert place["geo"]["@type"] == "GeoCoordinates" and place["sameAs"] == ["https://sws.geonames.org/2451478/"]


def test_blank_nodes_are_shown_inline(tmp_path: Path) -> None:
    """A value that is a blank node is shown as its own properties, inside the row that links to it."""
    from publisher.store import BlankNode, EmbeddedStoreDirectory, Literal, NamedNode, Quad

    directory = EmbeddedStoreDirectory(tmp_path, BASE_IRI)
    release = directory.begin_release()
    node, graph = BlankNode(), BASE_IRI + "graph/entities"
    subject = NamedNode(BASE_IRI + "id/organisation/with-address")
    release.replace_graph(graph, [
        Quad(subject, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), Literal("Maison des projets")),
        Quad(subject, NamedNode("https://schema.org/address"), node),
        Quad(node, NamedNode("https://schema.org/streetAddress"), Literal("1 rue de la Paix")),
        Quad(node, NamedNode("https://schema.org/addressLocality"), Literal("Ségou")),
    ])
    release.commit()
    server = start_server(tmp_path)
    try:
        html = page(server, "id/organisation/with-address")
    finally:
        stop_server(server)
    block = html[html.index('<dl class="blank">'):]
    block = block[:block.index("</dl>")]
    assert "1 rue de la Paix" in block and "Ségou" in block and "schema:streetAddress" in block


def test_every_kind_of_entity_has_a_page(web_server: Server, web_store: BuiltStore) -> None:
    for key in ("id/commune/69123", "id/departement/16", "id/region/53", "id/post/ambassade-de-france-a-bamako",
                "id/organisation/afd", "graph/record/web-grenoble-sfax",
                "id/partnership/web-lyon-ouagadougou/funding/1",
                "id/foreign-authority/ml/2451478/contact/chiaka-diarra", "def/atlas/theme/eau-et-assainissement"):
        assert "<h1>" in page(web_server, key)


def test_dumps_hold_the_whole_dataset(web_server: Server) -> None:
    for name, rdflib_format in (("atlas.nt.gz", "nt"), ("atlas.ttl.gz", "turtle"), ("atlas.nq.gz", "nquads"),
                                ("atlas.jsonld.gz", "json-ld")):
        response = requests.get(f"{web_server.url}/dumps/{name}")
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == "application/gzip"
        data = gzip.decompress(response.content)
        if rdflib_format in ("nquads", "json-ld"):
            from publisher.store import parse_rdf

            quads = list(parse_rdf(data, "nquads" if rdflib_format == "nquads" else "jsonld"))
            graphs = {getattr(q.graph_name, "value", None) for q in quads}
            assert BASE_IRI + "graph/record/web-lyon-ouagadougou" in graphs
            assert BASE_IRI + "graph/ontology" in graphs
        else:
            graph = Graph().parse(data=data, format=rdflib_format)
            assert (URIRef(BASE_IRI + "id/partnership/web-lyon-ouagadougou"), None, None) in graph
