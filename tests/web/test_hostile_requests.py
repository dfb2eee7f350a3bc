"""Hostile requests, on real servers: werkzeug's (``atlas-ld serve``) and gunicorn's (``--workers``).

What ``test_security.py`` (escaping, CSP on pages, a first list of ``..`` paths),
``test_sparql_limits.py`` (time, rows, body size by Content-Length, SERVICE forms, CORS),
``test_sparql_endpoint.py`` (an INSERT by POST, CLEAR by GET) and ``test_personal_data.py``
(a few pages and one CONSTRUCT) cover is not repeated; this module adds:

* SPARQL updates of every kind, in every form a client can send them, refused, changing nothing
  and (LOAD) fetching nothing;
* SERVICE, dataset clauses and LOAD aimed at a local listener: no connection reaches it;
* bodies over the limit sent chunked (no Content-Length) or with a false Content-Length: 413;
* malformed percent-encoding, invalid UTF-8 (query strings, paths, bodies, raw bytes), absurd
  Accept headers and huge query strings and paths: 4xx, never 5xx;
* ``..`` in every encoding on every route that takes a path, aimed at secret files planted
  beside and inside the store: never served;
* the security headers on every kind of answer the application gives (304s included);
* no contact's e-mail address anywhere by default: every page and document of the sitemap, every
  researcher question, SPARQL over every graph, the dumps (decompressed), and the static export.

The store is the seed and the sample pages (tests/data/seed, tests/data/sample), one of them
given a foreign contact's e-mail address, so that post contacts and foreign contacts both
carry one.
"""

from __future__ import annotations

import gzip
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from publisher.build import build
from publisher.dumps import DUMP_FORMATS
from publisher.ingest.atlas_page import read_atlas_page
from publisher.query_files import load_query_files
from publisher.release_files import release_files_dir
from publisher.settings import load_settings
from publisher.store import EmbeddedStoreDirectory, serialize_rdf
from publisher.web.app import SECURITY_HEADERS
from tests.conftest import BASE_IRI, SEED_DIR, TESTS, Server, start_server, stop_server

SAMPLE_DIR = TESTS / "data" / "sample"
STATIC_DIR = Path(__file__).resolve().parents[2] / "publisher" / "web" / "static"
BODY_LIMIT = 32768
JSON_RESULTS = {"Accept": "application/sparql-results+json"}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(@|\[at\]|%40)[A-Za-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
CONTACT_ROW = "Saint-Louis NDIAYE Fatou Adjointe au maire"
FOREIGN_EMAIL = "fatou.ndiaye[at]ville-saint-louis.sn"


# -- The store, its secrets, and two servers --

@dataclass
class HostileStore:
    path: Path
    pages: Path
    secrets: dict[Path, str]
    """Files planted beside and inside the store, never to be served: path → its unique content."""
    emails: set[str]
    """The e-mail addresses the sources give (read by the project's own page reader)."""


def plant(path: Path) -> tuple[Path, str]:
    token = f"planted-secret-{secrets.token_hex(12)}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n", encoding="utf-8")
    return path, token


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> HostileStore:
    root = tmp_path_factory.mktemp("hostile")
    pages = root / "pages"
    pages.mkdir()
    for source in [*SEED_DIR.glob("*.txt"), *SAMPLE_DIR.glob("*.txt")]:
        shutil.copy(source, pages / source.name)
    contact_page = pages / "atlas-page-rennes-saint-louis.txt"
    text = contact_page.read_text(encoding="utf-8")
    assert CONTACT_ROW + "\n" in text
    contact_page.write_text(text.replace(CONTACT_ROW + "\n", f"{CONTACT_ROW} {FOREIGN_EMAIL}\n"), encoding="utf-8")
    emails = set()
    for page in pages.glob("*.txt"):
        record = read_atlas_page(page, pages)
        emails |= {c.email for c in [*record.post_contacts, *record.foreign_contacts] if c.email}
    store = root / "store"
    report = build([pages], store, load_settings(environ={}, base_iri=BASE_IRI))
    assert len(report.published) == len(list(pages.glob("*.txt"))), report.summary()
    release = (store / "current").resolve().name
    files = release_files_dir(store, release)
    planted = dict(plant(where) for where in (
        root / "secret.txt", store / "secret.txt", store / "releases" / "secret.txt", files / "secret.txt",
        files / "dumps" / "secret.nq.gz",
    ))
    return HostileStore(store, pages, planted, emails)


@dataclass
class NamedServer(Server):
    kind: str = ""


@pytest.fixture(scope="module", params=["werkzeug", "gunicorn"])
def server(request: pytest.FixtureRequest, hostile_store: HostileStore) -> Iterator[NamedServer]:
    """The hostile store served by the development server, then by the production one."""
    env = {"ATLAS_LD_MAX_REQUEST_BYTES": str(BODY_LIMIT), "ATLAS_LD_QUERY_WORKERS": "1"}
    args = ["--workers", "1", "--threads", "4"] if request.param == "gunicorn" else []
    running = NamedServer(**vars(start_server(hostile_store.path, env, args)), kind=request.param)
    yield running
    stop_server(running)


# -- Raw HTTP, so that nothing is normalised or encoded on the way --

@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def raw_request(server: Server, head: bytes, body: bytes = b"", timeout: float = 30) -> RawResponse:
    """Send ``head`` (request line and headers, without the blank line) and ``body``; read one answer."""
    host, port = urllib.parse.urlsplit(server.url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sender = threading.Thread(target=_send_all, args=(sock, head + b"\r\n\r\n" + body), daemon=True)
        sender.start()
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        head_bytes, _, rest = data.partition(b"\r\n\r\n")
        lines = head_bytes.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        length = headers.get("content-length")
        if length is not None:
            while len(rest) < int(length):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
        elif status not in (204, 304) and not head.startswith(b"HEAD"):
            while chunk := sock.recv(65536):
                rest += chunk
    return RawResponse(status, headers, rest)


def _send_all(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:
        pass  # the server answered (413) and closed before reading everything


def get(server: Server, target: str, headers: dict[str, str] | None = None) -> RawResponse:
    lines = [f"GET {target} HTTP/1.1", "Host: localhost", "Connection: close",
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    return raw_request(server, "\r\n".join(lines).encode("utf-8"))


def post(server: Server, target: str, body: bytes, content_type: str, chunked: bool = False,
         declared_length: int | None = None, headers: dict[str, str] | None = None) -> RawResponse:
    lines = [f"POST {target} HTTP/1.1", "Host: localhost", "Connection: close", f"Content-Type: {content_type}",
             *(f"{name}: {value}" for name, value in (headers or {}).items())]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        body = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 8192]), body[i:i + 8192])
                        for i in range(0, len(body), 8192)) + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body) if declared_length is None else declared_length}")
    return raw_request(server, "\r\n".join(lines).encode("utf-8"), body)


def query_target(path: str, **params: str) -> str:
    return path + "?" + urllib.parse.urlencode(params)


# -- A listener that records every connection --

class Listener:
    """A local port that accepts and records every connection (it answers nothing)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.connections: list[bytes] = []
        self._open = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while self._open:
            try:
                connection, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with connection:
                connection.settimeout(1)
                try:
                    self.connections.append(connection.recv(4096))
                except OSError:
                    self.connections.append(b"")

    def close(self) -> list[bytes]:
        """Stop listening (after anything already queued was accepted); the connections received."""
        if self.sock.fileno() == -1:
            return self.connections
        time.sleep(0.3)
        self._open = False
        self._thread.join()
        self.sock.setblocking(False)
        while True:  # any connection still queued
            try:
                connection, _ = self.sock.accept()
            except (BlockingIOError, OSError):
                break
            connection.close()
            self.connections.append(b"")
        self.sock.close()
        return self.connections


@pytest.fixture
def listener() -> Iterator[Listener]:
    found = Listener()
    yield found
    found.close()


def test_the_listener_sees_every_connection() -> None:
    found = Listener()
    with pytest.raises(requests.RequestException):
        requests.get(found.url + "sparql", timeout=0.5)
    assert len(found.close()) == 1


def store_quads(path: Path) -> list[str]:
    reader = EmbeddedStoreDirectory(path, BASE_IRI).reader()
    return sorted(serialize_rdf(reader.quads(), "nquads").decode("utf-8").splitlines())


# -- SPARQL updates --

TITLE_TRIPLE = (f"<{BASE_IRI}id/partnership/atlas-page-angouleme-segou> <http://purl.org/dc/terms/title> "
                "?title")
GRAPH = f"<{BASE_IRI}graph/record/atlas-page-angouleme-segou>"
UPDATES = {
    "insert-data": f"INSERT DATA {{ <{BASE_IRI}x> <{BASE_IRI}y> 1 }}",
    "insert-data-graph": f"INSERT DATA {{ GRAPH {GRAPH} {{ <{BASE_IRI}x> <{BASE_IRI}y> 1 }} }}",
    "delete-data": f"DELETE DATA {{ GRAPH {GRAPH} {{ <{BASE_IRI}id/country/ml> a <{BASE_IRI}def/atlas#Country> }} }}",
    "delete-where": "DELETE WHERE { ?s ?p ?o }",
    "delete-where-graph": "DELETE WHERE { GRAPH ?g { ?s ?p ?o } }",
    "delete-insert": "DELETE { ?s ?p ?o } INSERT { ?s ?p 'x' } WHERE { ?s ?p ?o }",
    "with": f"WITH {GRAPH} DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}",
    "using": f"DELETE {{ ?s ?p ?o }} USING {GRAPH} WHERE {{ ?s ?p ?o }}",
    "load": "LOAD <{listener}data.ttl>",
    "load-silent-into": "LOAD SILENT <{listener}data.ttl> INTO GRAPH <http://example.org/g>",
    "clear-all": "CLEAR ALL",
    "clear-default": "CLEAR DEFAULT",
    "clear-named": "CLEAR NAMED",
    "clear-graph": f"CLEAR GRAPH {GRAPH}",
    "drop-all": "DROP ALL",
    "drop-silent-graph": f"DROP SILENT GRAPH {GRAPH}",
    "create": "CREATE GRAPH <http://example.org/new>",
    "add": f"ADD {GRAPH} TO DEFAULT",
    "move": f"MOVE {GRAPH} TO <http://example.org/moved>",
    "copy": f"COPY DEFAULT TO {GRAPH}",
    "sequence": f"INSERT DATA {{ <{BASE_IRI}x> <{BASE_IRI}y> 1 }} ; DROP ALL",
    "lower-case": "drop all",
    "prologue-and-comment": f"# a comment\nPREFIX ex: <http://example.org/>\nBASE <{BASE_IRI}>\nCLEAR ALL",
    "service-in-where": "INSERT { ?s ?p ?o } WHERE { SERVICE <{listener}sparql> { ?s ?p ?o } }",
}
# How a client may send an update, and the statuses it may get: 403 (read-only); sent as a query,
# 400 (an update does not parse as a query) or 403 (SERVICE refused before parsing).
UPDATE_FORMS = {
    "GET ?update=": {403},
    "GET ?update= beside ?query=": {403},
    "POST form update=": {403},
    "POST form update= with using-graph-uri": {403},
    "POST application/sparql-update": {403},
    "POST application/sparql-update; charset=utf-8": {403},
    "POST form update= and query=": {400},
    "GET ?query=": {400, 403},
    "POST form query=": {400, 403},
    "POST application/sparql-query": {400, 403},
}


def send_update(server: Server, form: str, update: str) -> RawResponse:
    if form == "GET ?update=":
        return get(server, query_target("/sparql", update=update))
    if form == "GET ?update= beside ?query=":
        return get(server, query_target("/sparql", query="ASK {}", update=update))
    if form == "GET ?query=":
        return get(server, query_target("/sparql", query=update), JSON_RESULTS)
    form_type = "application/x-www-form-urlencoded"
    if form == "POST form update=":
        return post(server, "/sparql", urllib.parse.urlencode({"update": update}).encode(), form_type)
    if form == "POST form update= with using-graph-uri":
        body = urllib.parse.urlencode({"update": update, "using-graph-uri": "http://example.org/g"}).encode()
        return post(server, "/sparql", body, form_type)
    if form == "POST form update= and query=":
        body = urllib.parse.urlencode({"query": "ASK {}", "update": update}).encode()
        return post(server, "/sparql", body, form_type)
    if form == "POST form query=":
        return post(server, "/sparql", urllib.parse.urlencode({"query": update}).encode(), form_type,
                    headers=JSON_RESULTS)
    if form == "POST application/sparql-query":
        return post(server, "/sparql", update.encode(), "application/sparql-query", headers=JSON_RESULTS)
    return post(server, "/sparql", update.encode(), form.removeprefix("POST "))


@pytest.mark.parametrize("form", UPDATE_FORMS)
def test_updates_of_every_kind_are_refused_and_change_nothing(form: str, server: NamedServer,
                                                              hostile_store: HostileStore,
                                                              listener: Listener) -> None:
    before = store_quads(hostile_store.path)
    wrong = []
    for name, update in UPDATES.items():
        answer = send_update(server, form, update.replace("{listener}", listener.url))
        expected = UPDATE_FORMS[form]
        if answer.status not in expected or (expected == {403} and b"read-only" not in answer.body):
            wrong.append(f"{name}: {answer.status} {answer.body[:120]!r}")
    assert not wrong, "\n".join(wrong)
    assert listener.close() == [], "LOAD or SERVICE in an update reached the listener"
    assert store_quads(hostile_store.path) == before
    title = requests.get(server.url + "/sparql", params={"query": f"SELECT ?title WHERE {{ {TITLE_TRIPLE} }}"},
                         headers=JSON_RESULTS).json()
    assert len(title["results"]["bindings"]) == 1


# -- SERVICE, dataset clauses: no connection while federation is off --

SERVICE_QUERIES = {
    "select": "SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "silent": "SELECT * WHERE {{ SERVICE SILENT <{url}sparql> {{ ?s ?p ?o }} }}",
    "construct": "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "describe": "DESCRIBE ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "ask": "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "optional": "SELECT * WHERE {{ ?a ?b ?c OPTIONAL {{ SERVICE <{url}> {{ ?a ?p ?o }} }} }}",
    "union": "SELECT * WHERE {{ {{ ?a ?b ?c }} UNION {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "minus": "SELECT * WHERE {{ ?s ?b ?c MINUS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "graph": "SELECT * WHERE {{ GRAPH ?g {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "not-exists": "SELECT * WHERE {{ ?s ?b ?c FILTER NOT EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "bind-variable": "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    "relative-to-base": "BASE <{url}> SELECT * WHERE {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "escaped-keyword": "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "escaped-iri": "SELECT * WHERE {{ SERVICE <{escaped}> {{ ?s ?p ?o }} }}",
    "nested-subquery": "SELECT * WHERE {{ {{ SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} "
                       "}} }} }} }} }}",
}
# Dataset descriptions naming the listener: read from the store, never fetched.
DATASET_QUERIES = {
    "from": "SELECT * FROM <{url}data.ttl> WHERE {{ ?s ?p ?o }} LIMIT 1",
    "from-named": "SELECT * FROM NAMED <{url}data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "describe-iri": "DESCRIBE <{url}data.ttl>",
}


def escaped(url: str) -> str:
    """``url`` with every character written as a SPARQL \\u escape."""
    return "".join(f"\\u{ord(ch):04X}" for ch in url)


@pytest.mark.parametrize("how", ["GET", "POST form", "POST direct"])
def test_service_makes_no_connection_while_federation_is_off(how: str, server: NamedServer, listener: Listener) -> None:
    answers = {}
    for name, template in {**SERVICE_QUERIES, **DATASET_QUERIES}.items():
        query = template.format(url=listener.url, escaped=escaped(listener.url))
        if how == "GET":
            answer = get(server, query_target("/sparql", query=query), JSON_RESULTS)
        elif how == "POST form":
            answer = post(server, "/sparql", urllib.parse.urlencode({"query": query}).encode(),
                          "application/x-www-form-urlencoded", headers=JSON_RESULTS)
        else:
            answer = post(server, "/sparql", query.encode(), "application/sparql-query", headers=JSON_RESULTS)
        answers[name] = answer.status
    for graph_parameter in ("default-graph-uri", "named-graph-uri"):
        answer = get(server, query_target("/sparql", query="ASK { ?s ?p ?o }",
                                          **{graph_parameter: listener.url + "data.ttl"}), JSON_RESULTS)
        answers[graph_parameter] = answer.status
    assert listener.close() == []
    assert {name: status for name, status in answers.items() if name in SERVICE_QUERIES} == {
        name: 403 for name in SERVICE_QUERIES}
    assert all(status < 500 for status in answers.values()), answers


# -- Request size --

FORM = "application/x-www-form-urlencoded"


def oversized_form() -> bytes:
    return urllib.parse.urlencode({"query": "ASK {} #" + "x" * BODY_LIMIT}).encode()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("content_type", [FORM, "application/sparql-query", "application/sparql-update"])
def test_bodies_over_the_limit_get_413(content_type: str, chunked: bool, server: NamedServer) -> None:
    body = oversized_form() if content_type == FORM else b"ASK {} #" + b"x" * BODY_LIMIT
    answer = post(server, "/sparql", body, content_type, chunked=chunked, headers=JSON_RESULTS)
    assert answer.status == 413, answer.body[:200]
    assert b"max_request_bytes" in answer.body
    assert all(answer.header(name) for name in SECURITY_HEADERS)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_bodies_within_the_limit_are_read_whole(chunked: bool, server: NamedServer) -> None:
    query = b"\nASK { ?s ?p ?o }"
    body = b"#" + b"x" * (BODY_LIMIT - 1 - len(query)) + query
    assert len(body) == BODY_LIMIT
    answer = post(server, "/sparql", body, "application/sparql-query", chunked=chunked, headers=JSON_RESULTS)
    assert answer.status == 200 and b'"boolean":true' in answer.body.replace(b" ", b"")


def test_a_false_huge_content_length_gets_413_without_waiting_for_the_body(server: NamedServer) -> None:
    # Were the server to wait for the 10 GB announced, the client's socket would time out instead.
    answer = post(server, "/sparql", b"query=ASK+%7B%7D", FORM, declared_length=10**10)
    assert answer.status == 413


def test_bodies_over_the_limit_to_other_routes_get_4xx(server: NamedServer) -> None:
    for target in ("/search.json", "/doc/id/country/ml.html", "/queries/partnerships-by-country", "/"):
        for chunked in (False, True):
            answer = post(server, target, oversized_form(), FORM, chunked=chunked)
            assert 400 <= answer.status < 500, (target, chunked, answer.status)


# -- Malformed encodings --

BAD_ESCAPES = {"not-hex": "%zz", "truncated": "%e2%82", "lone-percent": "%", "invalid-utf8": "%c3%28",
               "ff": "%ff", "overlong-slash": "%c0%af", "surrogate": "%ed%a0%80"}
QUERY_ROUTES = ["/search.json?q=", "/search?q=", "/partnerships?country=", "/sparql?query=",
                "/queries/partnerships-by-status?status=", "/doc/id/country/ml.html?page=", "/.well-known/void?x=",
                "/classes?page=", "/id/country/ml?x=", "/static/atlas.js?v=", "/dumps/atlas.nq.gz?x=",
                "/openapi.json?x=", "/?q=", "/sparql?default-graph-uri="]
PATH_ROUTES = ["/doc/", "/id/", "/def/", "/graph/", "/static/", "/dumps/", "/queries/", "/classes/", "/"]


@pytest.mark.parametrize("escape", BAD_ESCAPES.values(), ids=BAD_ESCAPES.keys())
def test_malformed_query_strings_get_400(escape: str, server: NamedServer) -> None:
    statuses = {route: get(server, route + "a" + escape + "b").status for route in QUERY_ROUTES}
    statuses["as a name"] = get(server, "/search.json?q=a&" + escape + "=1").status
    assert set(statuses.values()) == {400}, statuses


@pytest.mark.parametrize("escape", BAD_ESCAPES.values(), ids=BAD_ESCAPES.keys())
def test_malformed_paths_get_4xx(escape: str, server: NamedServer) -> None:
    statuses = {route: get(server, route + "a" + escape + "b.html").status for route in PATH_ROUTES}
    assert all(400 <= status < 500 for status in statuses.values()), statuses


@pytest.mark.parametrize("escape", BAD_ESCAPES.values(), ids=BAD_ESCAPES.keys())
def test_malformed_form_bodies_get_400(escape: str, server: NamedServer) -> None:
    for body in (b"query=ASK%7B%7D" + escape.encode(), b"query=ASK%7B%7D&x=" + escape.encode(),
                 escape.encode() + b"=1&query=ASK%7B%7D"):
        answer = post(server, "/sparql", body, FORM, headers=JSON_RESULTS)
        assert answer.status == 400, (body, answer.status, answer.body[:200])


def test_invalid_utf8_bodies_get_4xx(server: NamedServer) -> None:
    for body in (b"ASK {} # \xff", b"ASK { ?s ?p \"\xc3\x28\" }", b"\xef\xbb\xbfASK {} \xed\xa0\x80"):
        answer = post(server, "/sparql", body, "application/sparql-query", headers=JSON_RESULTS)
        assert answer.status == 400, (body, answer.status)
    answer = post(server, "/sparql", b"ASK {}", "application/sparql-query; charset=iso-8859-1")
    assert answer.status == 415


def test_raw_bytes_in_the_request_line_and_headers_never_get_5xx(server: NamedServer) -> None:
    heads = [
        b"GET /search.json?q=\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close",
        b"GET /doc/id/country/\xc3\x28.html HTTP/1.1\r\nHost: x\r\nConnection: close",
        b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: \xff\xfe/\x80\r\nConnection: close",
        b"GET /doc/id/country/ml HTTP/1.1\r\nHost: \xff\r\nIf-None-Match: \xc3\x28\r\nConnection: close",
        b"GET /doc/id/country/ml HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: \xff\xff\r\nConnection: close",
    ]
    statuses = [raw_request(server, head).status for head in heads]
    assert all(status < 500 for status in statuses), statuses
    if server.kind == "gunicorn":
        # The production server refuses bytes that are not ASCII in the request target.
        assert statuses[0] == statuses[1] == 400


# -- Accept headers --

ABSURD_ACCEPTS = {
    "10 kB of ranges": ", ".join(f"application/x-type-{i};q=0.{i % 10}" for i in range(330)),
    "garbage": "\x01\x02;;;,,,q=;/;*/;q=NaN,==,/,text/",
    "many q-values": "text/turtle;q=0.1;q=0.2;q=0.3;q=0.9;q=1.5;q=-1;q=abc;q=1e309",
    "odd q-values": "text/turtle;q=nan, text/html;q=inf, application/ld+json;q=-0, */*;q=1e-400",
    "many parameters": "text/html;" + ";".join(f"p{i}=v{i}" for i in range(300)),
    "nothing acceptable": "image/png, */*;q=0",
    "only separators": ", , ; ; ,",
    "long type": "text/" + "x" * 6000,
}
ACCEPT_ROUTES = ["/doc/id/country/ml", "/doc/id/country/ml.html", "/id/country/ml", "/sparql?query=ASK%7B%7D",
                 "/sparql", "/.well-known/void", "/queries", "/queries/partnerships-by-status", "/def/atlas",
                 "/search.json?q=a", "/", "/dumps/atlas.nq.gz", "/openapi.json", "/def/atlas/shapes"]


@pytest.mark.parametrize("accept", ABSURD_ACCEPTS.values(), ids=ABSURD_ACCEPTS.keys())
def test_absurd_accept_headers_never_get_5xx(accept: str, server: NamedServer) -> None:
    statuses = {route: get(server, route, {"Accept": accept}).status for route in ACCEPT_ROUTES}
    # 431: gunicorn refuses header lines over 8190 bytes itself; 400: control characters in a header.
    assert set(statuses.values()) <= {200, 303, 400, 406, 431}, statuses
    if len(accept) < 8000:
        assert 431 not in statuses.values()


# -- Huge query strings and paths --

def test_huge_query_strings_get_414(server: NamedServer) -> None:
    huge = "a" * (2 * BODY_LIMIT)
    statuses = {route: get(server, route + huge).status for route in QUERY_ROUTES}
    assert set(statuses.values()) == {414}, statuses


def test_query_strings_just_over_the_limit_get_414_from_the_application(server: NamedServer) -> None:
    answer = get(server, "/search.json?q=" + "a" * (BODY_LIMIT + 10))
    assert answer.status == 414 and b"max_request_bytes" in answer.body
    assert all(answer.header(name) for name in SECURITY_HEADERS)


def test_huge_paths_get_4xx(server: NamedServer) -> None:
    for route in PATH_ROUTES:
        answer = get(server, route + "a/" * (2 * BODY_LIMIT))
        assert 400 <= answer.status < 500, (route, answer.status)


# -- Paths that try to leave the published folders --

TRAVERSALS = {
    "raw": lambda rel: rel,
    "dots-encoded": lambda rel: rel.replace("..", "%2e%2e"),
    "slashes-encoded": lambda rel: rel.replace("/", "%2f"),
    "all-encoded": lambda rel: rel.replace("..", "%2e%2e").replace("/", "%2F"),
    "double-encoded": lambda rel: rel.replace("..", "%252e%252e").replace("/", "%252f"),
    "backslashes": lambda rel: rel.replace("/", "\\"),
    "backslashes-encoded": lambda rel: rel.replace("/", "%5c"),
    "overlong-utf8": lambda rel: rel.replace(".", "%c0%ae").replace("/", "%c0%af"),
    "dot-semicolon": lambda rel: rel.replace("../", "..;/"),
    "doubled-dots": lambda rel: rel.replace("../", "....//"),
    "mixed-dots": lambda rel: rel.replace("../", ".%2e/"),
    "null-suffix": lambda rel: rel + "%00.html",
}
TRAVERSAL_ROUTES = ["/static/", "/doc/", "/id/", "/dumps/", "/def/", "/def/atlas/shapes/", "/graph/", "/queries/",
                    "/classes/", "/doc/id/"]


def traversal_targets(store: HostileStore) -> list[str]:
    """Ways of naming each planted secret: relative to the folders served, and absolute."""
    targets = set()
    dumps = next(secret.parent for secret in store.secrets if secret.parent.name == "dumps")
    for secret in store.secrets:
        for base in (STATIC_DIR, dumps):
            relative = os.path.relpath(secret, base)
            assert (base / relative).resolve() == secret.resolve()
            targets.add(relative)
        targets.add("../" * 12 + str(secret).lstrip("/"))
        targets.add(str(secret))  # absolute: the route then reads "//tmp/..."
    return sorted(targets)


@pytest.mark.parametrize("encoding", TRAVERSALS)
def test_no_path_leaves_the_published_folders(encoding: str, server: NamedServer, hostile_store: HostileStore) -> None:
    tokens = [token.encode() for token in hostile_store.secrets.values()]
    wrong = []
    for route in TRAVERSAL_ROUTES:
        for target in traversal_targets(hostile_store):
            path = route + TRAVERSALS[encoding](target)
            for _ in range(3):  # follow redirects (merged slashes, for example), as a browser would
                answer = get(server, path)
                if any(token in answer.body or token in str(answer.headers).encode() for token in tokens):
                    wrong.append(f"{path}: served a planted secret")
                if answer.status >= 500:
                    wrong.append(f"{path}: {answer.status}")
                location = answer.header("location")
                if answer.status not in (301, 302, 303, 307, 308) or not location:
                    break
                path = urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl()
    assert not wrong, "\n".join(wrong[:20])


def test_the_published_folders_are_served(server: NamedServer) -> None:
    """The routes above do serve what they publish: the refusals are not a route that serves nothing."""
    assert get(server, "/static/atlas.js").status == 200
    dump = get(server, "/dumps/atlas.nq.gz")
    assert dump.status == 200 and gzip.decompress(dump.body)
    assert get(server, "/doc/id/country/ml.ttl").status == 200


# -- Security headers --

def conditional(server: Server, target: str) -> RawResponse:
    first = get(server, target)
    assert first.status == 200 and first.header("etag"), target
    return get(server, target, {"If-None-Match": first.header("etag") or ""})


def rendered_not_modified(server: Server, target: str) -> RawResponse:
    """A 304 the application renders: the Accept header differs, so no kept answer serves it."""
    first = get(server, target, {"Accept": "text/html"})
    assert first.status == 200 and first.header("etag"), target
    return get(server, target, {"Accept": "text/html, */*;q=0.1", "If-None-Match": first.header("etag") or ""})


def every_kind_of_answer(server: Server) -> dict[str, RawResponse]:
    oversized = oversized_form()
    answers = {
        "200 page": get(server, "/"),
        "200 entity page": get(server, "/doc/id/country/ml.html"),
        "200 turtle": get(server, "/doc/id/country/ml.ttl"),
        "200 search json": get(server, "/search.json?q=segou"),
        "200 static": get(server, "/static/atlas.js"),
        "200 dump": get(server, "/dumps/atlas.nq.gz"),
        "200 openapi": get(server, "/openapi.json"),
        "200 editor": get(server, "/sparql", {"Accept": "text/html"}),
        "200 service description": get(server, "/sparql", {"Accept": "text/turtle"}),
        "200 results": get(server, query_target("/sparql", query="ASK {}"), JSON_RESULTS),
        "200 question": get(server, "/queries/partnerships-by-status", JSON_RESULTS),
        "200 robots": get(server, "/robots.txt"),
        "200 sitemap": get(server, "/sitemap.xml"),
        "200 void": get(server, "/.well-known/void"),
        "HEAD 200": raw_request(server, b"HEAD /doc/id/country/ml.html HTTP/1.1\r\nHost: x\r\nConnection: close"),
        "303": get(server, "/id/country/ml"),
        "304 rendered": rendered_not_modified(server, "/doc/id/country/sn.html"),
        "304 kept": conditional(server, "/doc/id/country/ml.html"),
        "304 dump": conditional(server, "/dumps/atlas.nq.gz"),
        "304 static": conditional(server, "/static/atlas.js"),
        "400 query string": get(server, "/search.json?q=%zz"),
        "400 syntax": get(server, query_target("/sparql", query="SELECT"), JSON_RESULTS),
        "400 question parameter": get(server, "/queries/partnerships-by-status?nope=1"),
        "403 update": get(server, query_target("/sparql", update="CLEAR ALL")),
        "403 service": get(server, query_target("/sparql", query="ASK { SERVICE <http://127.0.0.1:9/> {} }")),
        "404": get(server, "/doc/id/nothing/here.html"),
        "404 dump": get(server, "/dumps/nothing.gz"),
        "404 static": get(server, "/static/nothing.js"),
        "405": post(server, "/search.json", b"q=a", FORM),
        "406": get(server, "/doc/id/country/ml", {"Accept": "image/png"}),
        "406 sparql": get(server, query_target("/sparql", query="ASK {}"), {"Accept": "image/png"}),
        "413": post(server, "/sparql", oversized, FORM),
        "413 chunked": post(server, "/sparql", oversized, FORM, chunked=True),
        "414": get(server, "/search.json?q=" + "a" * (BODY_LIMIT + 10)),
        "415": post(server, "/sparql", b"ASK {}", "text/plain"),
        "OPTIONS preflight": raw_request(server, b"OPTIONS /sparql HTTP/1.1\r\nHost: x\r\nOrigin: https://a.example"
                                                 b"\r\nAccess-Control-Request-Method: POST\r\nConnection: close"),
    }
    return answers


def test_every_kind_of_answer_carries_the_security_headers(server: NamedServer) -> None:
    answers = every_kind_of_answer(server)
    statuses = {name: answer.status for name, answer in answers.items()}
    assert all(name.split()[0] in (str(status), "HEAD", "OPTIONS") for name, status in statuses.items()), statuses
    missing = {name: [header for header in SECURITY_HEADERS if not answer.header(header)]
               for name, answer in answers.items()}
    assert not {name: headers for name, headers in missing.items() if headers}
    for name, answer in answers.items():
        assert answer.header("x-content-type-options") == "nosniff", name
        policy = answer.header("content-security-policy") or ""
        assert "default-src 'self'" in policy and "script-src 'self'" in policy and "unsafe-eval" not in policy, name
        assert answer.header("referrer-policy") == SECURITY_HEADERS["Referrer-Policy"], name


# -- E-mail addresses --

def email_spellings(emails: set[str]) -> list[str]:
    """Every way an address of the sources could show: as is, [at], percent-encoded, its local part."""
    found = []
    for email in emails:
        local, _, domain = email.partition("@")
        found += [email, f"{local}[at]{domain}", f"{local}%40{domain}", local, f"mailto:{email}"]
    return found


def leaks(text: str, emails: set[str]) -> list[str]:
    lowered = text.lower()
    return [spelling for spelling in email_spellings(emails) if spelling.lower() in lowered] + [
        match.group(0) for match in EMAIL.finditer(text)]


def test_the_sources_give_email_addresses(hostile_store: HostileStore) -> None:
    """What the checks below look for is there to be found: post contacts' and a foreign contact's."""
    assert {"sherazade.benalla@diplomatie.gouv.fr", "francoise.gianviti@diplomatie.gouv.fr",
            FOREIGN_EMAIL.replace("[at]", "@")} <= hostile_store.emails
    for page in ("atlas-page-angouleme-segou.txt", "atlas-page-rennes-saint-louis.txt"):
        assert leaks((hostile_store.pages / page).read_text(encoding="utf-8"), hostile_store.emails), page


@pytest.fixture(scope="module")
def production_server(hostile_store: HostileStore) -> Iterator[Server]:
    running = start_server(hostile_store.path, {"ATLAS_LD_QUERY_WORKERS": "1"}, ["--workers", "1", "--threads", "8"])
    yield running
    stop_server(running)


def test_no_email_in_any_page_document_or_question(production_server: Server, hostile_store: HostileStore) -> None:
    server = production_server
    sitemap = requests.get(server.url + "/sitemap.xml").text
    pages = [url.replace(BASE_IRI, "/") for url in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    assert any("/person/" in page for page in pages) and any("/contact/" in page for page in pages), pages
    urls = list(pages)
    for page in pages:
        if page.endswith(".html"):
            urls += [page.removesuffix(".html") + ext for ext in (".ttl", ".nt", ".jsonld", ".rdf")]
    urls += ["/", "/partnerships", "/classes", "/search?q=benalla", "/search?q=ndiaye", "/search.json?q=fatou",
             "/search.json?q=diplomatie", "/def/atlas", "/.well-known/void", "/.well-known/void.ttl", "/queries",
             "/queries?format=json", "/map", "/sitemap.xml", "/openapi.json"]
    classes = re.findall(r'href="(/classes/[A-Za-z]+)"', requests.get(server.url + "/classes").text)
    urls += classes
    for name, query_file in load_query_files().items():
        if not query_file.federated:
            urls.append(f"/queries/{name}?format=json" if query_file.form in ("select", "ask")
                        else f"/queries/{name}?format=turtle")
    found = {}
    for url in urls:
        response = requests.get(server.url + url, timeout=60)
        assert response.status_code == 200, (url, response.status_code)
        if leaks(response.text, hostile_store.emails):
            found[url] = leaks(response.text, hostile_store.emails)
    assert not found
    assert len(urls) > 100


def test_no_email_through_sparql_over_every_graph(production_server: Server, hostile_store: HostileStore) -> None:
    queries = [
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }",
        "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
    ]
    for query in queries:
        accept = "application/n-triples" if query.startswith("CONSTRUCT") else "text/csv"
        response = requests.get(production_server.url + "/sparql", params={"query": query},
                                headers={"Accept": accept})
        assert response.status_code == 200 and "X-Atlas-Truncated" not in response.headers, query
        assert "Angoulême" in response.text or "Angoul\\u00EAme" in response.text
        assert not leaks(response.text, hostile_store.emails), query
    search = ('SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?o), "@") '
              '|| CONTAINS(LCASE(STR(?o)), "[at]") || STRSTARTS(STR(?o), "mailto:")) }')
    response = requests.get(production_server.url + "/sparql", params={"query": search}, headers=JSON_RESULTS)
    assert response.json()["results"]["bindings"] == []


def test_no_email_in_the_dumps(production_server: Server, hostile_store: HostileStore) -> None:
    for dump in DUMP_FORMATS:
        response = requests.get(f"{production_server.url}/dumps/{dump.file_name}")
        assert response.status_code == 200, dump.file_name
        text = gzip.decompress(response.content).decode("utf-8")
        assert "atlas-page-angouleme-segou" in text
        assert not leaks(text, hostile_store.emails), dump.file_name


def test_no_email_in_the_static_export(hostile_store: HostileStore, tmp_path: Path) -> None:
    out = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "publisher", "export", "--store", str(hostile_store.path), "--out",
                    str(out), "--base-iri", BASE_IRI], check=True, capture_output=True,
                   env={k: v for k, v in os.environ.items() if not k.startswith("ATLAS_LD_")})
    files = [path for path in out.rglob("*") if path.is_file()]
    assert len(files) > 100 and any(path.suffix == ".gz" for path in files)
    found = {}
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace")
        if leaks(text, hostile_store.emails):
            found[str(path.relative_to(out))] = leaks(text, hostile_store.emails)
    assert not found
