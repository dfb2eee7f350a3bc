"""HTTP caching: validators on every page, document and dump; 304 on revalidation; validators that
change when a build changes the data behind them, and only then."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from publisher.build import build
from publisher.release_files import publish_release_files
from publisher.settings import load_settings
from tests.conftest import BASE_IRI, SEED_DIR, Server, start_server, stop_server
from tests.web.conftest import WEB_PAGES

CACHED = [
    "/", "/doc/id/partnership/web-lyon-ouagadougou.html", "/doc/id/partnership/web-lyon-ouagadougou.ttl",
    "/doc/id/country/ml.jsonld", "/doc/id/country/ml.html?property=partnerships-in-country&page=2",
    "/def/atlas", "/def/atlas.ttl", "/def/atlas/shapes", "/.well-known/void", "/partnerships?country=ml", "/map",
    "/classes/Partnership", "/search?q=segou", "/search.json?q=segou", "/sitemap.xml", "/robots.txt",
    "/dumps/atlas.nt.gz", "/dumps/atlas.jsonld.gz",
]


@pytest.mark.parametrize("path", CACHED)
def test_validators_and_revalidation(web_server: Server, path: str) -> None:
    first = requests.get(web_server.url + path)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and "public" in first.headers["Cache-Control"]
    again = requests.get(web_server.url + path)
    assert again.headers["ETag"] == etag and again.content == first.content
    by_etag = requests.get(web_server.url + path, headers={"If-None-Match": etag})
    assert by_etag.status_code == 304 and by_etag.content == b"" and by_etag.headers["ETag"] == etag
    by_date = requests.get(web_server.url + path, headers={"If-Modified-Since": modified})
    assert by_date.status_code == 304
    stale = requests.get(web_server.url + path, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.content == first.content


def test_negotiated_answers_keep_one_validator_per_variant(web_server: Server) -> None:
    turtle = requests.get(web_server.url + "/doc/id/country/ml", headers={"Accept": "text/turtle"})
    json_ld = requests.get(web_server.url + "/doc/id/country/ml", headers={"Accept": "application/ld+json"})
    assert turtle.headers["ETag"] != json_ld.headers["ETag"]
    assert turtle.headers["Vary"] == "Accept"
    revalidated = requests.get(web_server.url + "/doc/id/country/ml",
                               headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["ETag"]})
    assert revalidated.status_code == 304


@dataclass
class Rebuilt:
    server: Server
    sources: Path
    store: Path

    def rebuild(self) -> None:
        time.sleep(1.1)  # releases are dated to the second
        settings = load_settings(environ={}, base_iri=BASE_IRI)
        build([self.sources], self.store, settings)
        publish_release_files(self.store, settings)

    def validators(self, path: str) -> tuple[str, str]:
        response = requests.get(self.server.url + path)
        assert response.status_code == 200, path
        return response.headers["ETag"], response.headers["Last-Modified"]


@pytest.fixture()
def rebuilt(tmp_path: Path) -> Iterator[Rebuilt]:
    sources = tmp_path / "sources"
    shutil.copytree(SEED_DIR, sources)
    for page in WEB_PAGES.glob("*.txt"):
        shutil.copy(page, sources / page.name)
    store = tmp_path / "store"
    settings = load_settings(environ={}, base_iri=BASE_IRI)
    build([sources], store, settings)
    publish_release_files(store, settings)
    server = start_server(store)
    yield Rebuilt(server, sources, store)
    stop_server(server)


CHANGED = "/doc/id/partnership/web-lyon-ouagadougou"
UNTOUCHED = ["/doc/id/partnership/web-grenoble-sfax", "/doc/id/partnership/atlas-page-angouleme-segou",
             "/doc/id/commune/38185", "/doc/id/country/tn", "/def/atlas"]


def test_a_rebuild_changes_the_validators_of_what_changed_only(rebuilt: Rebuilt) -> None:
    paths = [p + ext for p in [CHANGED, *UNTOUCHED] for ext in (".html", ".ttl")]
    before = {p: rebuilt.validators(p) for p in paths}
    dump_before = rebuilt.validators("/dumps/atlas.nq.gz")

    rebuilt.rebuild()  # nothing changed
    assert {p: rebuilt.validators(p) for p in paths} == before
    assert rebuilt.validators("/dumps/atlas.nq.gz")[0] == dump_before[0]

    page = rebuilt.sources / "web-lyon-ouagadougou.txt"
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("Appui à la gestion des services urbains de Ouagadougou",
                                 "Gestion des services urbains de Ouagadougou"), encoding="utf-8")
    rebuilt.rebuild()
    after = {p: rebuilt.validators(p) for p in paths}
    for ext in (".html", ".ttl"):
        assert after[CHANGED + ext][0] != before[CHANGED + ext][0]
        assert after[CHANGED + ext][1] != before[CHANGED + ext][1]
        for path in UNTOUCHED:
            assert after[path + ext] == before[path + ext], path + ext
    assert rebuilt.validators("/dumps/atlas.nq.gz")[0] != dump_before[0]
    old_etag = before[CHANGED + ".html"][0]
    assert requests.get(rebuilt.server.url + CHANGED + ".html", headers={"If-None-Match": old_etag}).status_code == 200
    untouched_etag = before[UNTOUCHED[0] + ".html"][0]
    assert requests.get(rebuilt.server.url + UNTOUCHED[0] + ".html",
                        headers={"If-None-Match": untouched_etag}).status_code == 304
    assert "Gestion des services urbains de Ouagadougou" in requests.get(rebuilt.server.url + CHANGED + ".html").text
