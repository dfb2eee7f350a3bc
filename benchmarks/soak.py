"""Soak: the production server under a steady mixed load, with and without a client sending runaway queries.

    .venv/bin/python benchmarks/soak.py [--store DIR] [--clients 64] [--duration 60]

Serves a store as in production (``atlas-ld serve --workers 2``: gunicorn, each worker process
with its own query processes) and runs two phases of ``--duration`` seconds in the same run:

1. the reference: ``--clients`` clients, each sending the mix in a loop over kept-alive connections;
2. the same clients with one more client that keeps sending a runaway query (a cross product of five
   ``VALUES`` blocks of 300 values under ``COUNT``: hours of work), which the endpoint stops at
   ``query_timeout_s`` with a 503, then sends again.

The mix, drawn at random per request: entity pages (``/doc/<key>.html`` of partnerships, French and
foreign collectivities and countries, Turtle documents, ``/id/`` IRIs answered 303), search
(``/search.json?q=`` on the prefix of a published name), facets (``/partnerships?`` with one or
two facet values read from the facet page itself), and SPARQL (``/sparql``, the questions of
``sparql/`` that ask about one collectivity, country, status, theme or partnership, their
parameters bound to values of the store as ``/queries/<name>`` binds them, and those national
summaries that answer in well under a second; the questions that return the whole dataset row by
row are what the dumps are for, and are left out). By default half the requests are pages, a fifth
search, a fifth facets and a tenth SPARQL (``--mix``). The phases draw different requests (one
seed each), so the second does not find the first's answers kept.

The script prints, per phase, the other clients' answers per second, latency percentiles (p99 by
kind of request too), their 5xx answers and dropped connections (a request that got no complete
answer: reset, closed, timed out), then the ratio of their p99 with the runaway client to without
it; and the memory of the server's processes (RSS, read from ``/proc``: the gunicorn master, its
HTTP workers, and their query processes), sampled every second over both phases; and the CPU time
the server and the clients used. Goals: no 5xx, no dropped connection, p99 with the runaway client
≤ 2× the reference's, memory flat (total RSS over the last tenth of the samples within 10 % of the
first tenth's). The exit status is 1 when a goal is missed.

The clients send their next request as soon as the last is answered (no pause unless ``--think-ms``),
so the server is saturated: latencies are mostly queueing, and the comparison says how much of the
machine the runaway query takes from everyone else. A client opens a new connection every
``--requests-per-connection`` requests, as browsers do: a gunicorn worker keeps the connections it
accepted, so clients that never reconnect would measure how the first accepts happened to fall
between the workers.

Without ``--store``, the national corpus (``atlas-ld generate``, 12,129 partnerships; fewer with
``--projects``) is generated and built into a temporary folder first, which takes a few minutes;
``--store`` reuses a store built by ``atlas-ld build``. The clients run on this machine, in
``--client-processes`` processes, over the loopback interface.
"""

from __future__ import annotations

import argparse
import html
import http.client
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.query_files import QueryFile, load_query_files  # noqa: E402
from publisher.settings import load_settings  # noqa: E402

HOST = "127.0.0.1"
RESULTS_ACCEPT = "application/sparql-results+json, text/turtle;q=0.9"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RUNAWAY_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
    f"VALUES ?v{i} {{ {' '.join(str(n) for n in range(300))} }}" for i in range(5)) + " }"
CLIENT_TIMEOUT_S = 300.0
# gunicorn closes a kept-alive connection idle for 2 s; a client idle longer opens a new one.
KEEPALIVE_S = 1.5
MIX = {"page": 0.5, "search": 0.2, "facets": 0.2, "sparql": 0.1}
# The questions of sparql/ in the mix: for each parameter, what its value is drawn from (none: the question as it is).
SPARQL_MIX: dict[str, dict[str, str]] = {
    "collectivity-partnerships": {"collectivity": "collectivity"},
    "funding-by-country-and-year": {"country": "country"},
    "regions-active-in-country": {"country": "country"},
    "partnerships-by-status": {"status": "status"},
    "partnerships-by-theme": {"theme": "theme"},
    "partnership-schema-org": {"partnership": "partnership"},
    "partnerships-by-country": {},
    "post-contacts": {},
    "ministry-cofinancing-by-year": {},
}


# -- Requests --

@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Samples:
    """What the store offers to ask about: keys of entities, names to search, facet values."""

    partnerships: list[str]
    collectivities: list[str]
    foreign: list[str]
    countries: list[str]
    words: list[str]
    facet_links: list[str]
    facet_values: dict[str, list[str]]


def make_request(kind: str, samples: Samples, rng: random.Random, base_iri: str) -> Request:
    """One request of ``kind``, with its entity, word or values drawn by ``rng``."""
    if kind == "page":
        roll = rng.random()
        if roll < 0.45:
            return Request(kind, "GET", f"/doc/{rng.choice(samples.partnerships)}.html",
                           headers=(("Accept", BROWSER_ACCEPT),))
        if roll < 0.65:
            return Request(kind, "GET", f"/doc/{rng.choice(samples.collectivities)}.html",
                           headers=(("Accept", BROWSER_ACCEPT),))
        if roll < 0.75:
            return Request(kind, "GET", f"/doc/{rng.choice(samples.foreign)}.html",
                           headers=(("Accept", BROWSER_ACCEPT),))
        if roll < 0.80:
            return Request(kind, "GET", f"/doc/{rng.choice(samples.countries)}.html",
                           headers=(("Accept", BROWSER_ACCEPT),))
        if roll < 0.92:
            return Request(kind, "GET", f"/doc/{rng.choice(samples.partnerships)}.ttl")
        return Request(kind, "GET", f"/{rng.choice(samples.partnerships + samples.collectivities)}",
                       headers=(("Accept", "text/turtle"),))
    if kind == "search":
        word = rng.choice(samples.words)
        prefix = word[:rng.randint(min(3, len(word)), len(word))]
        return Request(kind, "GET", "/search.json?" + urllib.parse.urlencode({"q": prefix}))
    if kind == "facets":
        first = rng.choice(samples.facet_links)
        if rng.random() < 0.5:
            first_name = first.partition("=")[0]
            other = rng.choice([link for link in samples.facet_links if not link.startswith(first_name + "=")])
            first = f"{first}&{other}"
        return Request(kind, "GET", f"/partnerships?{first}", headers=(("Accept", BROWSER_ACCEPT),))
    name = rng.choice(list(SPARQL_MIX))
    text = sparql_text(name, samples, rng, base_iri)
    return Request(kind, "POST", "/sparql", text.encode("utf-8"),
                   (("Content-Type", "application/sparql-query"), ("Accept", RESULTS_ACCEPT)))


@cache
def query_files() -> dict[str, QueryFile]:
    return load_query_files()


def sparql_text(name: str, samples: Samples, rng: random.Random, base_iri: str) -> str:
    """The question ``name`` of ``sparql/`` with its parameters bound to values drawn from ``samples``."""
    query_file = query_files()[name]
    values = {}
    for parameter, source in SPARQL_MIX[name].items():
        if source == "collectivity":
            values[parameter] = rng.choice(samples.collectivities)
        elif source == "partnership":
            values[parameter] = rng.choice(samples.partnerships)
        elif source == "country":
            values[parameter] = rng.choice(samples.countries)
        else:
            values[parameter] = rng.choice(samples.facet_values[source] + [""])
    return f"BASE <{base_iri}>\n" + query_file.bound_text(query_file.bindings(values, base_iri))


def send(connection: http.client.HTTPConnection, request: Request) -> tuple[int, bytes]:
    """(status, body) of ``request`` sent on ``connection``."""
    connection.request(request.method, request.path, body=request.body, headers=dict(request.headers))
    response = connection.getresponse()
    body = response.read()
    if (response.getheader("Connection") or "").lower() == "close":
        connection.close()
    return response.status, body


# -- Load --

@dataclass
class Outcome:
    """One request of the mix: when it started (s into the phase), its kind, status and latency.

    ``status`` 0: dropped (no complete answer); ``error`` then says why (and, for a 5xx, what the server said).
    """

    started: float
    kind: str
    status: int
    latency_ms: float
    error: str = ""


def _client_process(port: int, samples: Samples, base_iri: str, mix: dict[str, float], clients: list[int], seed: int,
                    start_at: float, duration: float, think_ms: float, per_connection: int,
                    out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """Run ``clients`` in threads of this process; put their outcomes, as tuples, on ``out``."""
    collected: list[tuple[float, str, int, float, str]] = []
    lock = threading.Lock()
    kinds, weights = list(mix), list(mix.values())

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        mine: list[tuple[float, str, int, float, str]] = []
        connection = http.client.HTTPConnection(HOST, port, timeout=CLIENT_TIMEOUT_S)
        last_used = 0.0
        sent = 0
        while time.time() < start_at:
            time.sleep(0.005)
        end = start_at + duration
        while time.time() < end:
            request = make_request(rng.choices(kinds, weights)[0], samples, rng, base_iri)
            if (last_used and time.monotonic() - last_used > KEEPALIVE_S) or sent == per_connection:
                connection.close()
                sent = 0
            sent += 1
            began = time.perf_counter()
            started = time.time() - start_at
            try:
                status, body = send(connection, request)
                said = body[:100].decode("utf-8", "replace").strip() if status >= 500 else ""
                mine.append((started, request.kind, status, (time.perf_counter() - began) * 1000, said))
            except (OSError, http.client.HTTPException) as exc:
                mine.append((started, request.kind, 0, (time.perf_counter() - began) * 1000,
                             f"{type(exc).__name__} on {request.method} {request.path[:80]}"))
                connection.close()
            last_used = time.monotonic()
            if think_ms:
                time.sleep(rng.uniform(0, 2 * think_ms) / 1000)
        connection.close()
        with lock:
            collected.extend(mine)

    threads = [threading.Thread(target=client, args=(number,)) for number in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times = os.times()
    out.put((collected, times.user + times.system))


@dataclass
class RunawayLog:
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: list[float] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def _runaway_client(port: int, until: float, log: RunawayLog) -> None:
    """Send the runaway query again and again until ``until`` (time.time()), one at a time."""
    while time.time() < until:
        connection = http.client.HTTPConnection(HOST, port, timeout=CLIENT_TIMEOUT_S)
        began = time.perf_counter()
        try:
            status, _ = send(connection, Request("runaway", "POST", "/sparql", RUNAWAY_QUERY.encode(), (
                ("Content-Type", "application/sparql-query"), ("Accept", "application/sparql-results+json"))))
            log.statuses[status] += 1
            log.seconds.append(time.perf_counter() - began)
        except (OSError, http.client.HTTPException) as exc:
            log.dropped.append(type(exc).__name__)
        finally:
            connection.close()


def run_phase(port: int, samples: Samples, base_iri: str, args: argparse.Namespace, seed: int,
              runaway: RunawayLog | None, server_pid: int) -> PhaseFigures:
    """The mix from ``args.clients`` clients for ``args.duration`` s (and the runaway client if given)."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    processes = max(1, min(args.client_processes, args.clients))
    shares = [list(range(args.clients))[i::processes] for i in range(processes)]
    start_at = time.time() + 2.0  # time for the client processes to start
    workers = [context.Process(target=_client_process, args=(
        port, samples, base_iri, args.mix, share, seed, start_at, args.duration, args.think_ms,
        args.requests_per_connection, out))
        for share in shares]
    for worker in workers:
        worker.start()
    runaway_thread = None
    if runaway is not None:
        runaway_thread = threading.Thread(target=_runaway_client,
                                          args=(port, start_at + args.duration, runaway))
        while time.time() < start_at:
            time.sleep(0.005)
        runaway_thread.start()
    while time.time() < start_at:
        time.sleep(0.005)
    server_cpu, machine_cpu = cpu_seconds(server_pid), machine_busy_seconds()
    outcomes: list[Outcome] = []
    client_cpu = 0.0
    for _ in workers:
        rows, used = out.get()
        outcomes.extend(Outcome(*row) for row in rows)
        client_cpu += used
    for worker in workers:
        worker.join()
    finished = time.time()
    server_cpu, machine_cpu = cpu_seconds(server_pid) - server_cpu, machine_busy_seconds() - machine_cpu
    if runaway_thread is not None:
        runaway_thread.join()
    return PhaseFigures("with runaway" if runaway else "reference", outcomes,
                        max(finished - start_at, args.duration), server_cpu, client_cpu, machine_cpu)


# -- Memory --

@dataclass
class MemorySample:
    at: float
    master_kb: int
    http_kb: int
    query_kb: int
    other_kb: int
    processes: Counter[str]

    @property
    def total_kb(self) -> int:
        return self.master_kb + self.http_kb + self.query_kb + self.other_kb


def process_table() -> dict[int, tuple[int, bytes]]:
    """Every process: pid → (parent pid, command line)."""
    table = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        table[int(proc.name)] = (int(stat[stat.rindex(")") + 2:].split()[1]), cmdline)
    return table


def cpu_seconds(master: int) -> float:
    """CPU time of the server's processes so far, those that ended included (their parents' children time)."""
    table = process_table()
    tree, frontier = {master}, {master}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier} - tree
        tree |= frontier
    ticks = 0
    for pid in tree:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all CPUs, every process), from /proc/stat."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample_memory(master: int, began: float) -> MemorySample:
    """RSS of the server's processes by role: the gunicorn master, HTTP workers, query processes, others."""
    table = process_table()
    sample = MemorySample(time.time() - began, rss_kb(master), 0, 0, 0, Counter())
    http_workers = {pid for pid, (parent, _) in table.items() if parent == master}
    descendants, frontier = set(http_workers), set(http_workers)
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier} - descendants
        descendants |= frontier
    for pid in descendants:
        command = table[pid][1]
        if pid in http_workers and b"spawn_main" not in command:
            role = "http"
        elif b"spawn_main" in command:
            role = "query"
        else:
            role = "other"
        sample.processes[role] += 1
        kb = rss_kb(pid)
        if role == "http":
            sample.http_kb += kb
        elif role == "query":
            sample.query_kb += kb
        else:
            sample.other_kb += kb
    return sample


class MemoryWatch:
    """Samples the server's memory every ``interval_s`` in a thread, until stopped."""

    def __init__(self, master: int, interval_s: float = 1.0) -> None:
        self.master = master
        self.interval_s = interval_s
        self.began = time.time()
        self.samples: list[tuple[str, MemorySample]] = []
        self.phase = "warm-up"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((self.phase, sample_memory(self.master, self.began)))
            self._stop.wait(self.interval_s)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


# -- Server --

@dataclass
class RunningServer:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def query_processes(self) -> int:
        return sample_memory(self.process.pid, 0).processes["query"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def get(port: int, path: str, headers: dict[str, str] | None = None, body: bytes | None = None,
        timeout: float = 120) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("POST" if body is not None else "GET", path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def start_server(store: Path, base_iri: str, args: argparse.Namespace) -> RunningServer:
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="soak-atlas-ld-", suffix=".log")[1])
    command = [sys.executable, "-m", "publisher", "serve", "--store", str(store), "--port", str(port),
               "--base-iri", base_iri, "--workers", str(args.workers), "--threads", str(args.threads)]
    environment = dict(os.environ)
    if args.query_workers is not None:
        environment["ATLAS_LD_QUERY_WORKERS"] = str(args.query_workers)
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=environment)
    server = RunningServer(port, process, log)
    expected = args.workers * (load_settings(environ=environment).query_workers or os.cpu_count() or 1)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"atlas-ld serve exited:\n{log.read_text(errors='replace')}")
        try:
            status, _ = get(port, "/sparql", {"Content-Type": "application/sparql-query",
                                              "Accept": "application/sparql-results+json"}, b"ASK {}", timeout=5)
            if status == 200 and server.query_processes() >= expected:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise SystemExit(f"atlas-ld serve did not answer within 120 s:\n{log.read_text(errors='replace')}")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


# -- What to ask --

def select_column(port: int, query: str, base_iri: str) -> list[str]:
    status, body = get(port, "/sparql", {"Content-Type": "application/sparql-query",
                                         "Accept": "application/sparql-results+json"},
                       f"BASE <{base_iri}>\nPREFIX atlas: <def/atlas#>\n{query}".encode())
    if status != 200:
        raise SystemExit(f"setup query failed ({status}): {query}\n{body[:500]!r}")
    rows = json.loads(body)["results"]["bindings"]
    return [next(iter(row.values()))["value"] for row in rows if row]


def gather_samples(port: int, base_iri: str) -> Samples:
    """Entities, names and facet values of the served store, read through the server itself."""
    def keys(class_name: str) -> list[str]:
        iris = select_column(port, f"SELECT ?s WHERE {{ ?s a atlas:{class_name} }} LIMIT 5000", base_iri)
        return [iri[len(base_iri):] for iri in iris if iri.startswith(base_iri)]

    names = select_column(port, "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                                "SELECT ?name WHERE { { ?s a atlas:FrenchLocalAuthority } UNION "
                                "{ ?s a atlas:ForeignLocalAuthority } ?s rdfs:label ?name } LIMIT 5000", base_iri)
    words = sorted({w.lower() for name in names for w in re.findall(r"\w{3,}", name)})
    status, page = get(port, "/partnerships", {"Accept": BROWSER_ACCEPT})
    if status != 200:
        raise SystemExit(f"/partnerships answered {status}")
    links = sorted({html.unescape(link) for link in re.findall(r'href="/partnerships\?([^"#]+)"', page.decode())
                    if "page=" not in link and "&" not in html.unescape(link)})
    facet_values: dict[str, list[str]] = {}
    for link in links:
        name, _, value = link.partition("=")
        facet_values.setdefault(name, []).append(urllib.parse.unquote_plus(value))
    concepts = {"status": "def/atlas/status/", "theme": "def/atlas/theme/"}
    samples = Samples(
        partnerships=keys("Partnership"), collectivities=keys("FrenchLocalAuthority"),
        foreign=keys("ForeignLocalAuthority"), countries=keys("Country"), words=words,
        facet_links=links,
        facet_values={name: [prefix + value for value in facet_values.get(name, [])]
                      for name, prefix in concepts.items()},
    )
    for name, found in vars(samples).items():
        if not found:
            raise SystemExit(f"the store offers no {name} to ask about")
    return samples


def check_mix(port: int, samples: Samples, base_iri: str) -> dict[str, float]:
    """Each question of the SPARQL mix once, alone: its time in seconds; exits if one fails."""
    rng = random.Random(0)
    times = {}
    for name in SPARQL_MIX:
        text = sparql_text(name, samples, rng, base_iri)
        began = time.perf_counter()
        status, body = get(port, "/sparql", {"Content-Type": "application/sparql-query",
                                             "Accept": RESULTS_ACCEPT}, text.encode())
        times[name] = time.perf_counter() - began
        if status != 200:
            raise SystemExit(f"{name} answered {status}: {body[:300]!r}")
    return times


# -- Report --

def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


@dataclass
class PhaseFigures:
    name: str
    outcomes: list[Outcome]
    seconds: float
    server_cpu_s: float
    client_cpu_s: float
    machine_cpu_s: float

    @property
    def answered(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status]

    def latencies(self, kind: str | None = None) -> list[float]:
        return [o.latency_ms for o in self.answered if kind is None or o.kind == kind]

    def count(self, low: int, high: int) -> int:
        return sum(1 for o in self.outcomes if low <= o.status < high)

    @property
    def dropped(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.status]


def print_phases(phases: list[PhaseFigures]) -> None:
    print(f"{'phase':<14} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'2xx/3xx':>7} {'4xx':>5} {'5xx':>5} {'dropped':>7}")
    for phase in phases:
        latencies = phase.latencies()
        print(f"{phase.name:<14} {len(phase.outcomes):>8} {len(phase.outcomes) / phase.seconds:>7.1f} "
              f"{percentile(latencies, 50):>8.1f} {percentile(latencies, 90):>8.1f} "
              f"{percentile(latencies, 99):>8.1f} {max(latencies, default=float('nan')):>8.1f} "
              f"{phase.count(200, 400):>7} {phase.count(400, 500):>5} {phase.count(500, 600):>5} "
              f"{len(phase.dropped):>7}")
    print()
    print("p99 by kind of request, ms (requests)")
    print(f"{'phase':<14} " + " ".join(f"{kind:>16}" for kind in MIX))
    for phase in phases:
        cells = [f"{percentile(phase.latencies(kind), 99):>9.1f} ({len(phase.latencies(kind)):>4})" for kind in MIX]
        print(f"{phase.name:<14} " + " ".join(f"{cell:>16}" for cell in cells))
    for phase in phases:
        unexpected = Counter(f"{o.status} {o.kind} {o.error[:70]!r}" for o in phase.outcomes if o.status >= 400)
        unexpected.update(o.error for o in phase.dropped)
        for what, n in unexpected.most_common(10):
            print(f"  {phase.name}: {n} × {what}")
    print()
    cpus = os.cpu_count() or 1
    print("CPU time, of the machine's (CPUs × seconds): the server's processes, the clients', and the rest "
          "(other programs on this machine; they skew the comparison when they are not near 0)")
    for phase in phases:
        available = cpus * phase.seconds
        others = max(0.0, phase.machine_cpu_s - phase.server_cpu_s - phase.client_cpu_s)
        print(f"  {phase.name:<14} {available:>5.0f} s: server {phase.server_cpu_s:>4.0f} s "
              f"({phase.server_cpu_s / available:>4.0%}), clients {phase.client_cpu_s:>3.0f} s "
              f"({phase.client_cpu_s / available:>4.0%}), others {others:>4.0f} s ({others / available:>4.0%}), "
              f"idle {max(0.0, available - phase.machine_cpu_s):>4.0f} s")


def print_memory(watch: MemoryWatch) -> tuple[float, float]:
    """The memory table; returns (growth in MB, growth in %) of the total between the first and last tenth."""
    samples = [(phase, s) for phase, s in watch.samples if phase != "warm-up"]
    if not samples:
        return 0.0, 0.0
    print(f"{'s':>5} {'phase':<14} {'master MB':>9} {'http MB':>8} {'query MB':>8} {'other MB':>8} "
          f"{'total MB':>8}  processes (http, query)")
    step = max(1, len(samples) // 14)
    shown = samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else [])
    for phase, s in shown:
        print(f"{s.at:>5.0f} {phase:<14} {s.master_kb / 1024:>9.1f} {s.http_kb / 1024:>8.1f} "
              f"{s.query_kb / 1024:>8.1f} {s.other_kb / 1024:>8.1f} {s.total_kb / 1024:>8.1f}  "
              f"{s.processes['http']}, {s.processes['query']}")
    tenth = max(1, len(samples) // 10)
    first = sum(s.total_kb for _, s in samples[:tenth]) / tenth / 1024
    last = sum(s.total_kb for _, s in samples[-tenth:]) / tenth / 1024
    peak = max(s.total_kb for _, s in samples) / 1024
    http_first = sum(s.http_kb + s.master_kb for _, s in samples[:tenth]) / tenth / 1024
    http_last = sum(s.http_kb + s.master_kb for _, s in samples[-tenth:]) / tenth / 1024
    print(f"total RSS: first tenth {first:.1f} MB, last tenth {last:.1f} MB ({last - first:+.1f} MB, "
          f"{(last - first) / first * 100:+.1f} %), peak {peak:.1f} MB; gunicorn master + HTTP workers: "
          f"{http_first:.1f} → {http_last:.1f} MB ({http_last - http_first:+.1f} MB)")
    return last - first, (last - first) / first * 100


# -- Main --

def parse_mix(text: str) -> dict[str, float]:
    shares = {}
    for part in text.split(","):
        kind, _, share = part.partition("=")
        if kind.strip() not in MIX:
            raise argparse.ArgumentTypeError(f"{kind!r}: the kinds are {', '.join(MIX)}")
        shares[kind.strip()] = float(share)
    total = sum(shares.values())
    return {kind: shares.get(kind, 0.0) / total for kind in MIX}


def build_national(scratch: Path, projects: int | None, base_iri: str) -> Path:
    corpus, store = scratch / "corpus", scratch / "store"
    command = [sys.executable, "-m", "publisher", "generate", "--out", str(corpus)]
    if projects is not None:
        command += ["--projects", str(projects)]
    print("generating the corpus:", " ".join(command[2:]), flush=True)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    print("building it (a few minutes for the national corpus)", flush=True)
    subprocess.run([sys.executable, "-m", "publisher", "build", str(corpus / "pages"), "--store", str(store),
                    "--base-iri", base_iri], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not (store / "current").exists():
        raise SystemExit(f"the build wrote no release: see {store / 'reports' / 'latest.txt'}")
    return store


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="store to serve (default: the national corpus, built now)")
    parser.add_argument("--projects", type=int, help="partnerships of the generated corpus (without --store)")
    parser.add_argument("--clients", type=int, default=64, help="concurrent clients sending the mix")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    parser.add_argument("--warm-up", type=float, default=20.0, help="seconds of the mix before measuring")
    parser.add_argument("--think-ms", type=float, default=0.0,
                        help="mean pause of a client between two requests (uniform on 0..2×; default none)")
    parser.add_argument("--mix", type=parse_mix, default=MIX,
                        help="shares of the kinds of request, e.g. page=40,search=20,facets=20,sparql=20")
    parser.add_argument("--requests-per-connection", type=int, default=10, metavar="N",
                        help="requests a client sends on one kept-alive connection before opening another")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument("--query-workers", type=int, metavar="N",
                        help="query processes per gunicorn worker (default: the query_workers setting)")
    parser.add_argument("--client-processes", type=int, default=2, help="processes running the clients")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the clients' choices")
    parser.add_argument("--base-iri", help="base IRI of the store's data (default: the base_iri setting)")
    args = parser.parse_args()
    settings = load_settings(base_iri=args.base_iri)
    base_iri = settings.base_iri

    scratch = None
    store = args.store
    if store is None:
        scratch = Path(tempfile.mkdtemp(prefix="soak-"))
        store = build_national(scratch, args.projects, base_iri)
    server = start_server(store, base_iri, args)
    try:
        samples = gather_samples(server.port, base_iri)
        times = check_mix(server.port, samples, base_iri)
        query_processes = server.query_processes()
        print(f"store: {store}: {len(samples.partnerships)} partnerships, {len(samples.collectivities)} French "
              f"and {len(samples.foreign)} foreign collectivities, {len(samples.countries)} countries "
              "(sampled up to 5000 each)")
        print(f"server: atlas-ld serve --workers {args.workers} --threads {args.threads} (gunicorn), "
              f"{query_processes} query processes in all, query_timeout_s {settings.query_timeout_s:g}, "
              f"max_result_rows {settings.max_result_rows}")
        print(f"machine: {os.cpu_count()} CPUs, shared by the server and {args.client_processes} client processes")
        print(f"load: {args.clients} clients × {args.duration:g} s per phase, think time "
              f"{args.think_ms:g} ms, {args.requests_per_connection} requests per connection; mix "
              + ", ".join(f"{kind} {share:.0%}" for kind, share in args.mix.items()))
        print("SPARQL questions (time alone): " + ", ".join(f"{name} {s:.2f} s" for name, s in times.items()))
        print(f"runaway query ({len(RUNAWAY_QUERY)} bytes): {RUNAWAY_QUERY[:90]}…")
        print(flush=True)

        watch = MemoryWatch(server.process.pid)
        warm = argparse.Namespace(**{**vars(args), "duration": args.warm_up})
        pid = server.process.pid
        if args.warm_up > 0:
            run_phase(server.port, samples, base_iri, warm, args.seed + 1, None, pid)
        watch.phase = "reference"
        reference = run_phase(server.port, samples, base_iri, args, args.seed, None, pid)
        print(f"reference done: {len(reference.outcomes)} requests", flush=True)
        runaway = RunawayLog()
        watch.phase = "with runaway"
        loaded = run_phase(server.port, samples, base_iri, args, args.seed + 2, runaway, pid)
        watch.stop()
        print()
        print_phases([reference, loaded])
        print()
        print(f"runaway client: {sum(runaway.statuses.values())} queries answered "
              f"({', '.join(f'{n} × {status}' for status, n in sorted(runaway.statuses.items()))}) after "
              f"{min(runaway.seconds, default=0):.1f}–{max(runaway.seconds, default=0):.1f} s each; "
              f"{len(runaway.dropped)} dropped")
        print()
        growth_mb, growth_pct = print_memory(watch)
        print()
        ratio = percentile(loaded.latencies(), 99) / percentile(reference.latencies(), 99)
        five = reference.count(500, 600) + loaded.count(500, 600)
        dropped = len(reference.dropped) + len(loaded.dropped) + len(runaway.dropped)
        stopped = runaway.statuses.get(503, 0) == sum(runaway.statuses.values()) > 0
        flat = growth_pct <= 10.0
        goals = [
            (five == 0, f"5xx answers to the other clients: {five} (goal 0)"),
            (dropped == 0, f"dropped connections: {dropped} (goal 0)"),
            (ratio <= 2.0, f"p99 with the runaway client / without: {ratio:.2f}× (goal ≤ 2×)"),
            (stopped, "every runaway query stopped with 503 at the time limit"),
            (flat, f"memory: {growth_mb:+.1f} MB ({growth_pct:+.1f} %) from the first to the last tenth "
                   "(goal: within 10 %)"),
        ]
        for met, text in goals:
            print(f"{'meets' if met else 'MISSES'}: {text}")
        return 0 if all(met for met, _ in goals) else 1
    finally:
        server.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
