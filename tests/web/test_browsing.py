"""Browsing: the home page, the class indexes, faceted partnerships, search and suggestions, the maps."""

from __future__ import annotations

import re

import requests

from tests.conftest import Server
from tests.web.conftest import GENERATED, PAGE_SIZE

PARTNERSHIPS = 1 + 5 + GENERATED  # the seed, tests/data/pages-web, the generated ones


def get(server: Server, path: str) -> str:
    response = requests.get(server.url + path)
    assert response.status_code == 200, path
    return response.text


def result_count(html: str) -> int:
    found = re.search(r'<strong id="result-count">(\d+)</strong>', html)
    assert found, "no result count"
    return int(found.group(1))


def facet_counts(html: str, facet: str) -> dict[str, int]:
    section = html[html.index(f'data-facet="{facet}"'):]
    section = section[:section.index("</section>")]
    return {key: int(n) for key, n in re.findall(r'data-value="([^"]+)">[^<]*</a> <span class="count">(\d+)</span>',
                                               section)}


def test_home_page_gives_figures_and_entry_points(web_server: Server) -> None:
    html = get(web_server, "/")
    assert f'<a class="figure" href="/classes/Partnership"><strong>{PARTNERSHIPS}</strong>' in html
    for entry in ('href="/partnerships"', 'href="/map"', 'href="/classes"', 'href="/sparql"', 'href="/def/atlas"',
                  'href="/.well-known/void"', 'action="/search"', 'href="/partnerships?country=ml"'):
        assert entry in html


def test_class_index_is_paged(web_server: Server) -> None:
    classes = get(web_server, "/classes")
    assert 'href="/classes/Partnership"' in classes and 'href="/classes/Country"' in classes
    first = get(web_server, "/classes/Partnership")
    pages = -(-PARTNERSHIPS // PAGE_SIZE)
    assert f"page 1 / {pages}" in first
    items = re.findall(r'<li><a href="(/id/partnership/[^"]+)">', first)
    assert len(items) == PAGE_SIZE
    last = get(web_server, f"/classes/Partnership?page={pages}")
    assert len(re.findall(r'<li><a href="(/id/partnership/[^"]+)">', last)) == PARTNERSHIPS - (pages - 1) * PAGE_SIZE
    assert requests.get(web_server.url + "/classes/NoSuchClass").status_code == 404


def test_facets_narrow_the_list_with_counts(web_server: Server) -> None:
    everything = get(web_server, "/partnerships")
    assert result_count(everything) == PARTNERSHIPS
    countries = facet_counts(everything, "country")
    assert countries["ml"] == GENERATED + 3 and countries["bf"] == 1 and countries["sn"] == 1
    mali = get(web_server, "/partnerships?country=ml")
    assert result_count(mali) == countries["ml"]
    themes = facet_counts(mali, "theme")
    water = get(web_server, "/partnerships?country=ml&theme=eau-et-assainissement")
    assert result_count(water) == themes["eau-et-assainissement"] < countries["ml"]
    statuses = facet_counts(water, "status")
    assert sum(statuses.values()) == result_count(water)
    regions = facet_counts(everything, "region")
    assert regions["53"] >= 2  # Rennes and the Bretagne region
    assert result_count(get(web_server, "/partnerships?region=53")) == regions["53"]
    funders = facet_counts(everything, "funder")
    assert funders["afd"] == 1
    assert result_count(get(web_server, "/partnerships?funder=afd")) == 1
    years = get(web_server, "/partnerships?from=1985&to=1995")
    generated = sum(1 for n in range(GENERATED) if 1985 <= 1990 + n % 30 <= 1995)
    assert result_count(years) == 2 + generated  # the seed (1985) and Bretagne–Mopti (1992)
    assert result_count(get(web_server, "/partnerships?country=zz")) == 0


def test_search_ignores_case_and_accents(web_server: Server) -> None:
    for query in ("segou", "SÉGOU", "Ségou", "seg"):
        data = requests.get(web_server.url + "/search.json", params={"q": query}).json()
        assert data["results"], query
        first = data["results"][0]
        assert first["label"] == "Ségou" and first["href"] == "/id/foreign-authority/ml/2451478", query
    angouleme = requests.get(web_server.url + "/search.json", params={"q": "angouleme gouvernance"}).json()
    assert not angouleme["results"] or all("Angoul" in r["label"] or "gouvernance" in r["label"].lower()
                                           for r in angouleme["results"])
    html = get(web_server, "/search?q=ouagadougou")
    assert 'href="/id/foreign-authority/bf/2357048">Ouagadougou</a>' in html
    assert 'href="/id/partnership/web-lyon-ouagadougou"' in html
    assert requests.get(web_server.url + "/search.json", params={"q": "zzzzzz"}).json()["results"] == []


def test_suggestions_are_limited_and_typed(web_server: Server) -> None:
    data = requests.get(web_server.url + "/search.json", params={"q": "coop", "limit": 3}).json()
    assert len(data["results"]) == 3
    assert all(set(r) == {"label", "href", "iri", "type"} for r in data["results"])


def test_map_shows_countries_and_regions_linked_to_their_partnerships(web_server: Server) -> None:
    html = get(web_server, "/map")
    assert html.count('<svg class="map"') == 2
    mali = re.search(r'<a href="/partnerships\?country=ml" aria-label="Mali : (\d+) partenariats">'
                     r'<path class="area c(\d)" data-key="ml"', html)
    assert mali and int(mali.group(1)) == GENERATED + 3 and mali.group(2) == "5"
    assert 'data-key="fr"' in html and 'data-key="us"' in html  # drawn, with no partnership
    region = r'<a href="/partnerships\?region=53" aria-label="[^"]+"><path class="area c\d" data-key="53"'
    assert re.search(region, html)
    assert "<script" not in html.split("<main>", 1)[1].split("</main>", 1)[0]
