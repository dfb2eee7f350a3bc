"""The endpoint's hard limits, on real servers: time, disconnected clients, rows, body size, SERVICE, CORS.

The limits are set through each test server's environment (``ATLAS_LD_*``), as an
operator would set them.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from rdflib import Graph

from tests.conftest import BuiltStore, Server, start_server, stop_server

TIMEOUT_S = 2
ROW_LIMIT = 3
BODY_LIMIT = 16384  # room for the runaway query (about 5.5 kB)
# A cross product of five blocks of 300 values: 2.4 × 10^12 solutions, hours of work for one core.
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(300))} }}" for i in range(5)) + " }"
SIMPLE_QUERY = "ASK { ?s ?p ?o }"
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


def query_workers(server: Server) -> dict[int, int]:
    """The server's query worker processes (among all its descendants): pid → parent pid."""
    table: dict[int, tuple[int, bytes]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        table[int(proc.name)] = (int(stat[stat.rindex(")") + 2:].split()[1]), cmdline)
    descendants = {server.process.pid}
    while True:
        more = {pid for pid, (parent, _) in table.items() if parent in descendants} - descendants
        if not more:
            break
        descendants |= more
    return {pid: table[pid][0] for pid in descendants if b"spawn_main" in table[pid][1]}


def ask(server: Server, query: str, accept: str = JSON_RESULTS["Accept"]) -> requests.Response:
    """``query`` sent by GET (with a generous client timeout: the server's limits are under test)."""
    return requests.get(server.url + "/sparql", params={"query": query}, headers={"Accept": accept},
                        timeout=120)


def wait_until_ready(server: Server, workers: int) -> None:
    """Wait (generously) until the server's query workers have started and answer."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        response = requests.get(server.url + "/sparql", params={"query": "ASK {}"}, headers=JSON_RESULTS)
        if response.status_code == 200 and len(query_workers(server)) == workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"query workers did not start:\n{server.output()}")


class Listener:
    """A local TCP port that records every connection made to it, and answers as a SPARQL endpoint."""

    def __init__(self, answer: bool = False) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/"
        self.requests: list[bytes] = []
        if answer:
            threading.Thread(target=self._answer, daemon=True).start()

    def _answer(self) -> None:
        binding = {"remote": {"type": "literal", "value": "hello"}}
        body = json.dumps({"head": {"vars": ["remote"]}, "results": {"bindings": [binding]}}).encode()
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with connection:
                self.requests.append(connection.recv(65536))
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                   b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)

    def connections_waiting(self) -> int:
        """Connections made to this port and not accepted yet (no wait: they are queued by then)."""
        count = 0
        self.sock.setblocking(False)
        try:
            while True:
                connection, _ = self.sock.accept()
                connection.close()
                count += 1
        except BlockingIOError:
            return count
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(scope="module")
def allowed_endpoint() -> Iterator[Listener]:
    listener = Listener(answer=True)
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def limited_server(seed_store: BuiltStore, allowed_endpoint: Listener) -> Iterator[Server]:
    """The seed store served with small limits, two query workers and one endpoint allowed for SERVICE."""
    server = start_server(seed_store.path, {
        "ATLAS_LD_QUERY_TIMEOUT_S": str(TIMEOUT_S),
        "ATLAS_LD_QUERY_WORKERS": "2",
        "ATLAS_LD_MAX_RESULT_ROWS": str(ROW_LIMIT),
        "ATLAS_LD_MAX_REQUEST_BYTES": str(BODY_LIMIT),
        "ATLAS_LD_FEDERATION_ALLOWLIST": allowed_endpoint.url,
    })
    wait_until_ready(server, 2)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def patient_server(seed_store: BuiltStore) -> Iterator[Server]:
    """The seed store served with one query worker and a time limit no test reaches."""
    server = start_server(seed_store.path, {"ATLAS_LD_QUERY_TIMEOUT_S": "600", "ATLAS_LD_QUERY_WORKERS": "1"})
    wait_until_ready(server, 1)
    yield server
    stop_server(server)


# -- Time limit --

def test_runaway_query_is_stopped_at_the_timeout_while_others_answer(limited_server: Server) -> None:
    workers_before = set(query_workers(limited_server))
    outcome: dict[str, requests.Response] = {}

    def run_away() -> None:
        outcome["response"] = requests.post(limited_server.url + "/sparql", data={"query": RUNAWAY_QUERY},
                                            headers=JSON_RESULTS, timeout=120)

    runaway = threading.Thread(target=run_away)
    runaway.start()
    time.sleep(0.3)  # let the runaway reach its worker first
    simple = ask(limited_server, SIMPLE_QUERY)
    runaway_still_running = runaway.is_alive()
    runaway.join()

    assert simple.status_code == 200 and simple.json()["boolean"] is True
    assert runaway_still_running, f"the simple query answered after the runaway one: {outcome['response']}"
    stopped = outcome["response"]
    assert stopped.status_code == 503
    assert f"longer than {TIMEOUT_S} s" in stopped.text and "query_timeout_s" in stopped.text
    # The worker that ran it was killed (and is gone), and the pool answers on every worker again.
    assert len(workers_before - set(query_workers(limited_server))) == 1
    wait_until_ready(limited_server, 2)
    for _ in range(4):
        assert ask(limited_server, SIMPLE_QUERY).status_code == 200


def test_query_of_a_client_that_went_away_is_stopped(patient_server: Server) -> None:
    (worker,) = query_workers(patient_server)
    body = urllib.parse.urlencode({"query": RUNAWAY_QUERY}).encode()
    host, port = urllib.parse.urlsplit(patient_server.url).netloc.split(":")
    with socket.create_connection((host, int(port))) as client:
        client.sendall(b"POST /sparql HTTP/1.1\r\nHost: test\r\n"
                       b"Content-Type: application/x-www-form-urlencoded\r\n"
                       b"Content-Length: %d\r\n\r\n" % len(body) + body)
        time.sleep(0.5)  # the query is running on the only worker
    # With one worker and a 600 s limit, this answers only if the runaway query was stopped.
    assert ask(patient_server, SIMPLE_QUERY).status_code == 200
    assert worker not in query_workers(patient_server)


def test_production_server_processes_each_have_their_own_query_workers(seed_store: BuiltStore) -> None:
    """Under gunicorn, every HTTP worker process starts its pool after the fork, and enforces the limit."""
    limits = {"ATLAS_LD_QUERY_TIMEOUT_S": str(TIMEOUT_S), "ATLAS_LD_QUERY_WORKERS": "2"}
    server = start_server(seed_store.path, limits, ["--workers", "2", "--threads", "4"])
    try:
        wait_until_ready(server, 4)
        by_http_worker: dict[int, int] = {}
        for parent in query_workers(server).values():
            by_http_worker[parent] = by_http_worker.get(parent, 0) + 1
        assert sorted(by_http_worker.values()) == [2, 2] and server.process.pid not in by_http_worker
        outcome: dict[str, requests.Response] = {}
        runaway = threading.Thread(target=lambda: outcome.update(response=requests.post(
            server.url + "/sparql", data={"query": RUNAWAY_QUERY}, headers=JSON_RESULTS, timeout=120)))
        runaway.start()
        time.sleep(0.3)
        simple = ask(server, SIMPLE_QUERY)
        runaway_still_running = runaway.is_alive()
        runaway.join()
        assert simple.status_code == 200 and runaway_still_running
        assert outcome["response"].status_code == 503 and "query_timeout_s" in outcome["response"].text
        assert "gunicorn" in ask(server, SIMPLE_QUERY).headers["Server"]
    finally:
        stop_server(server)


# -- Rows --

def test_rows_over_the_limit_are_cut_and_marked(limited_server: Server) -> None:
    query = "SELECT ?n WHERE { VALUES ?n { 1 2 3 4 5 } } ORDER BY ?n"
    response = requests.get(limited_server.url + "/sparql", params={"query": query}, headers=JSON_RESULTS)
    assert response.status_code == 200
    assert response.headers["X-Atlas-Truncated"] == "true"
    assert "X-Atlas-Truncated" in response.headers["Access-Control-Expose-Headers"]
    document = response.json()
    assert [b["n"]["value"] for b in document["results"]["bindings"]] == ["1", "2", "3"]
    assert document["truncated"] is True and document["rowLimit"] == ROW_LIMIT
    assert f"first {ROW_LIMIT} rows" in document["notice"]

    for media_type, data_lines in (("text/csv", 3), ("text/tab-separated-values", 3)):
        cut = ask(limited_server, query, media_type)
        assert cut.headers["X-Atlas-Truncated"] == "true"
        assert len(cut.text.strip().splitlines()) == 1 + data_lines

    construct = ("CONSTRUCT { ?s <http://example.org/n> ?n } "
                 "WHERE { VALUES ?n { 1 2 3 4 5 } BIND(<http://example.org/s> AS ?s) }")
    cut = ask(limited_server, construct, "text/turtle")
    assert cut.headers["X-Atlas-Truncated"] == "true"
    assert len(Graph().parse(data=cut.text, format="turtle")) == ROW_LIMIT


def test_results_within_the_limit_are_not_marked(limited_server: Server) -> None:
    query = "SELECT ?n WHERE { VALUES ?n { 1 2 3 } }"
    response = requests.get(limited_server.url + "/sparql", params={"query": query}, headers=JSON_RESULTS)
    assert "X-Atlas-Truncated" not in response.headers
    assert response.headers["X-Atlas-Row-Limit"] == str(ROW_LIMIT)
    document = response.json()
    assert len(document["results"]["bindings"]) == 3 and "truncated" not in document


# -- Request size --

def test_post_bodies_over_the_limit_get_413(limited_server: Server) -> None:
    padding = "#" + "x" * BODY_LIMIT + "\n"
    response = requests.post(limited_server.url + "/sparql", data={"query": padding + SIMPLE_QUERY})
    assert response.status_code == 413
    assert "max_request_bytes" in response.text
    response = requests.post(limited_server.url + "/sparql", data=(padding + SIMPLE_QUERY).encode(),
                             headers={"Content-Type": "application/sparql-query"})
    assert response.status_code == 413
    within = "#" + "x" * (BODY_LIMIT // 2) + "\n" + SIMPLE_QUERY
    response = requests.post(limited_server.url + "/sparql", data=within.encode(),
                             headers={"Content-Type": "application/sparql-query", **JSON_RESULTS})
    assert response.status_code == 200


def test_query_strings_over_the_limit_get_414(limited_server: Server) -> None:
    response = requests.get(limited_server.url + "/sparql",
                            params={"query": "#" + "x" * BODY_LIMIT + "\n" + SIMPLE_QUERY})
    assert response.status_code == 414


# -- SERVICE --

SERVICE_FORMS = {
    "iri": "SELECT * WHERE {{ SERVICE <{url}sparql> {{ ?s ?p ?o }} }}",
    "lower-case-silent": "select * where {{ service silent <{url}sparql> {{ ?s ?p ?o }} }}",
    "after-a-dot": "SELECT * WHERE {{ ?a ?b ?c .SeRvIcE <{url}> {{ ?s ?p ?o }} }}",
    "after-a-comment": "SELECT * WHERE {{ SERVICE # a comment\n <{url}> {{ ?s ?p ?o }} }}",
    "prefixed-name": "PREFIX remote: <{url}> SELECT * WHERE {{ SERVICE remote:sparql {{ ?s ?p ?o }} }}",
    "variable": "SELECT * WHERE {{ VALUES ?endpoint {{ <{url}> }} SERVICE ?endpoint {{ ?s ?p ?o }} }}",
    "in-a-subquery": "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "in-exists": "ASK {{ FILTER EXISTS {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }}",
}
NOT_SERVICE = [
    "SELECT ?service WHERE { BIND('SERVICE <http://127.0.0.1:1/>' AS ?service) }",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o } # SERVICE <http://127.0.0.1:1/> { }",
    "PREFIX service: <http://example.org/> SELECT * WHERE { ?s service:service ?o }",
]


@pytest.mark.parametrize("form", SERVICE_FORMS.values(), ids=SERVICE_FORMS.keys())
def test_service_is_refused_by_default_without_any_connection(form: str, seed_server: Server) -> None:
    listener = Listener()
    try:
        response = requests.get(seed_server.url + "/sparql", params={"query": form.format(url=listener.url)},
                                headers=JSON_RESULTS)
        assert response.status_code == 403
        assert "SERVICE" in response.text and "off" in response.text
        assert listener.connections_waiting() == 0
    finally:
        listener.close()


@pytest.mark.parametrize("query", NOT_SERVICE)
def test_the_word_service_elsewhere_is_not_refused(query: str, seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/sparql", params={"query": query}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.text


def test_service_to_an_allowed_endpoint_runs(limited_server: Server, allowed_endpoint: Listener) -> None:
    query = f"SELECT ?remote WHERE {{ SERVICE <{allowed_endpoint.url}sparql> {{ ?x ?y ?remote }} }}"
    response = requests.get(limited_server.url + "/sparql", params={"query": query}, headers=JSON_RESULTS)
    assert response.status_code == 200, response.text
    assert [b["remote"]["value"] for b in response.json()["results"]["bindings"]] == ["hello"]
    assert allowed_endpoint.requests and allowed_endpoint.requests[-1].startswith(b"POST /sparql ")


def test_service_to_an_endpoint_off_the_list_is_refused(limited_server: Server) -> None:
    listener = Listener()
    try:
        for form in SERVICE_FORMS.values():
            assert ask(limited_server, form.format(url=listener.url)).status_code == 403, form
        assert listener.connections_waiting() == 0
    finally:
        listener.close()


# -- CORS --

def test_cors_preflight_and_answers(limited_server: Server) -> None:
    preflight = requests.options(limited_server.url + "/sparql", headers={
        "Origin": "https://notebook.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "content-type" in preflight.headers["Access-Control-Allow-Headers"].lower()
    response = requests.post(limited_server.url + "/sparql", data={"query": SIMPLE_QUERY},
                             headers={"Origin": "https://notebook.example", **JSON_RESULTS})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    refused = requests.post(limited_server.url + "/sparql", data={"update": "CLEAR ALL"},
                            headers={"Origin": "https://notebook.example"})
    assert refused.status_code == 403 and refused.headers["Access-Control-Allow-Origin"] == "*"
