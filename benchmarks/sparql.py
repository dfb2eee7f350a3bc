"""SPARQL endpoint throughput and latency: our /sparql, then `oxigraph serve-read-only` on the same store.

    .venv/bin/python benchmarks/sparql.py [--store DIR] [--concurrency 1,8,64] [--duration 10]

The query mix is every file of ``sparql/`` present at run time, with its parameters bound to
their defaults as ``/queries/<name>`` binds them, and a ``BASE`` line for the base IRI so that
both servers read its relative IRIs alike. Left out: federated queries (they would call other
endpoints), and queries that take the reference server longer than ``--max-query-s`` alone (a
load test of them would measure nothing else; they are listed with their time).

Each level of concurrency runs for ``--duration`` seconds per server: that many clients send
the mix in a loop (each client starts at another query), over kept-alive connections, from
several client processes. The script prints, per level and server, the answered queries per
second and the median and 99th-percentile latencies, then our figures as ratios of the
reference's. The goal: throughput ≥ 0.5× and p99 ≤ 2× the oxigraph server's.

``--store`` takes any store ``atlas-ld serve`` serves: a folder built by ``atlas-ld build``
(or by the national corpus generator, ``atlas-ld generate``, then ``atlas-ld build``), or a
plain pyoxigraph store. Without it, the seed page is built into a temporary store. Our
server runs in production mode (gunicorn, ``--workers``), with the row limit raised so
that both servers return the same answers.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from publisher.query_files import ParameterError, load_query_files  # noqa: E402
from publisher.settings import load_settings  # noqa: E402
from publisher.store import EmbeddedStoreDirectory  # noqa: E402
from publisher.web.federation import service_endpoints  # noqa: E402

# JSON for SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE, from both servers.
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@dataclass
class Query:
    name: str
    text: str


@dataclass
class Measure:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# -- Servers --

def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post_query(host: str, port: int, text: str, timeout: float = 120) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("POST", "/sparql", body=text.encode("utf-8"),
                           headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class RunningServer:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def wait_ready(self, deadline_s: float = 120) -> None:
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited:\n{self.log.read_text(errors='replace')}")
            try:
                status, _ = post_query("127.0.0.1", self.port, "ASK {}", timeout=5)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{self.name} did not answer within {deadline_s:g} s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start(name: str, command: list[str], port: int, env: dict[str, str] | None = None) -> RunningServer:
    log = Path(tempfile.mkstemp(prefix=f"bench-{name}-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    server = RunningServer(name, port, process, log)
    server.wait_ready()
    return server


def oxigraph_command() -> str:
    for candidate in (Path(sys.executable).parent / "oxigraph", shutil.which("oxigraph")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise SystemExit("the `oxigraph` command is missing: pip install -e '.[test]' (PyPI package oxigraph)")


# -- Load --

def _client_process(port: int, queries: list[Query], clients: list[int], duration: float, start_at: float,
                    out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    results: list[tuple[list[float], int, float]] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        latencies: list[float] = []
        errors = 0
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        index = offset
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + duration
        while time.time() < end:
            query = queries[index % len(queries)]
            index += 1
            began = time.perf_counter()
            try:
                connection.request("POST", "/sparql", body=query.text.encode("utf-8"),
                                   headers={"Content-Type": "application/sparql-query", "Accept": ACCEPT})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
            if ok:
                latencies.append((time.perf_counter() - began) * 1000)
            else:
                errors += 1
        connection.close()
        with lock:
            results.append((latencies, errors, time.time()))

    threads = [threading.Thread(target=client, args=(offset,)) for offset in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out.put(results)


def measure(port: int, queries: list[Query], concurrency: int, duration: float, processes: int) -> Measure:
    """``concurrency`` clients sending the mix for ``duration`` seconds, from ``processes`` processes."""
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    count = max(1, min(processes, concurrency))
    offsets = [list(range(concurrency))[i::count] for i in range(count)]
    start_at = time.time() + 1.5  # time for the client processes to start
    workers = [context.Process(target=_client_process,
                               args=(port, queries, offsets[i], duration, start_at, out))
               for i in range(count)]
    for worker in workers:
        worker.start()
    result = Measure()
    finished = start_at
    for _ in workers:
        for latencies, errors, last in out.get():
            result.latencies_ms.extend(latencies)
            result.errors += errors
            finished = max(finished, last)
    # Queries sent before the end of the period count, so the period lasts until the last answer.
    result.seconds = finished - start_at
    for worker in workers:
        worker.join()
    return result


# -- The query mix --

def load_queries(folder: Path, base_iri: str) -> tuple[list[Query], list[str]]:
    queries, skipped = [], []
    for name, query_file in sorted(load_query_files(folder).items()):
        try:
            text = query_file.bound_text(query_file.bindings({}, base_iri))
        except ParameterError:
            text = query_file.text
        if service_endpoints(text, base_iri):
            skipped.append(f"{name} (SERVICE)")
            continue
        queries.append(Query(name, f"BASE <{base_iri}>\n{text}"))
    return queries, skipped


def rows(body: bytes) -> int | None:
    """Solutions of a JSON result, or triples of an N-Triples one; None for a boolean."""
    if not body.lstrip().startswith(b"{"):
        return sum(1 for line in body.splitlines() if line.strip())
    document = json.loads(body)
    return len(document["results"]["bindings"]) if "results" in document else None


def check_mix(
    queries: list[Query], ours: RunningServer, reference: RunningServer, max_query_s: float
) -> tuple[list[Query], list[str]]:
    """The queries both servers answer, with the same number of rows, in time; the others, with why."""
    kept, dropped = [], []
    for query in queries:
        began = time.perf_counter()
        try:
            answers = [post_query("127.0.0.1", reference.port, query.text, timeout=max_query_s)]
        except TimeoutError:
            dropped.append(f"{query.name} (over {max_query_s:g} s)")
            continue
        took = time.perf_counter() - began
        if took > max_query_s:
            dropped.append(f"{query.name} ({took:.1f} s)")
            continue
        answers.insert(0, post_query("127.0.0.1", ours.port, query.text, timeout=max_query_s * 10))
        if any(status != 200 for status, _ in answers):
            dropped.append(f"{query.name} (status {answers[0][0]} / {answers[1][0]})")
        elif rows(answers[0][1]) != rows(answers[1][1]):
            dropped.append(f"{query.name} (rows {rows(answers[0][1])} / {rows(answers[1][1])})")
        else:
            kept.append(query)
    return kept, dropped


# -- Main --

def main() -> int:
    cpus = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, help="store to serve (default: the seed page, built now)")
    parser.add_argument("--queries", type=Path, default=ROOT / "sparql", help="folder of .rq files")
    parser.add_argument("--concurrency", default="1,8,64", help="levels of concurrency, comma-separated")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level and server")
    parser.add_argument("--workers", type=int, default=cpus, help="our gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=16, help="threads per gunicorn worker")
    parser.add_argument("--query-workers", type=int, default=cpus,
                        help="query processes per gunicorn worker (setting query_workers)")
    parser.add_argument("--client-processes", type=int, default=max(2, cpus),
                        help="processes sending the load")
    parser.add_argument("--max-query-s", type=float, default=10.0,
                        help="leave out queries the reference answers more slowly than this, alone")
    parser.add_argument("--base-iri", help="base IRI of the store's data (default: the base_iri setting)")
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]
    base_iri = load_settings(base_iri=args.base_iri).base_iri

    scratch = None
    store = args.store
    if store is None:
        scratch = tempfile.mkdtemp(prefix="bench-store-")
        store = Path(scratch)
        subprocess.run([sys.executable, "-m", "publisher", "build", str(ROOT / "tests" / "data" / "seed"),
                        "--store", str(store), "--base-iri", base_iri], check=True, capture_output=True)
    pyoxigraph_dir = EmbeddedStoreDirectory(store, base_iri).current_path()
    queries, skipped = load_queries(args.queries, base_iri)

    environment = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_LD_")}
    environment.update({"ATLAS_LD_QUERY_WORKERS": str(args.query_workers),
                        "ATLAS_LD_MAX_RESULT_ROWS": str(10**9), "ATLAS_LD_QUERY_TIMEOUT_S": "300"})
    our_port, reference_port = free_port(), free_port()
    ours = start("atlas-ld", [sys.executable, "-m", "publisher", "serve", "--store", str(store),
                              "--port", str(our_port), "--base-iri", base_iri, "--workers", str(args.workers),
                              "--threads", str(args.threads)], our_port, environment)
    reference = start("oxigraph", [oxigraph_command(), "serve-read-only", "--location", str(pyoxigraph_dir),
                                   "--bind", f"127.0.0.1:{reference_port}", "--union-default-graph"],
                      reference_port)
    try:
        queries, dropped = check_mix(queries, ours, reference, args.max_query_s)
        if not queries:
            raise SystemExit("no query of the mix runs on both servers: " + ", ".join(dropped))
        _, count = post_query("127.0.0.1", reference_port, COUNT_QUERY)
        triples = json.loads(count)["results"]["bindings"][0]["n"]["value"]
        version = subprocess.run([oxigraph_command(), "--version"], capture_output=True,
                                 text=True).stdout.strip()
        print(f"store: {store} ({triples} quads)")
        print(f"mix: {len(queries)} queries from {args.queries}: {', '.join(q.name for q in queries)}")
        if skipped or dropped:
            print(f"left out: {', '.join(skipped + dropped)}")
        print(f"machine: {cpus} CPUs, shared by the servers and {args.client_processes} client processes")
        print(f"atlas-ld: gunicorn, {args.workers} workers × {args.threads} threads, "
              f"{args.query_workers} query processes per worker; reference: {version} serve-read-only")
        for server in (ours, reference):  # warm both up the same way
            measure(server.port, queries, min(8, max(levels)), 2.0, args.client_processes)
        print()
        print(f"{'clients':>7}  {'server':<9} {'answers':>8} {'q/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
              f"{'errors':>6}")
        summary = []
        for level in levels:
            measured = {}
            for server in (ours, reference):
                result = measure(server.port, queries, level, args.duration, args.client_processes)
                measured[server.name] = result
                print(f"{level:>7}  {server.name:<9} {len(result.latencies_ms):>8} {result.throughput:>9.1f} "
                      f"{result.percentile(50):>8.2f} {result.percentile(99):>8.2f} {result.errors:>6}")
            mine, theirs = measured["atlas-ld"], measured["oxigraph"]
            throughput_ratio = mine.throughput / theirs.throughput if theirs.throughput else float("nan")
            p99_ratio = mine.percentile(99) / theirs.percentile(99)
            p50_ratio = mine.percentile(50) / theirs.percentile(50)
            summary.append((level, throughput_ratio, p50_ratio, p99_ratio))
            print(f"{'':>7}  {'ratio':<9} {'':>8} {throughput_ratio:>8.2f}× {p50_ratio:>7.2f}× "
                  f"{p99_ratio:>7.2f}×")
        print()
        print("atlas-ld / oxigraph (goal: throughput ≥ 0.50×, p99 ≤ 2.00×)")
        for level, throughput_ratio, _p50, p99_ratio in summary:
            verdict = "meets" if throughput_ratio >= 0.5 and p99_ratio <= 2.0 else "misses"
            print(f"  {level:>3} clients: throughput {throughput_ratio:.2f}×, p99 {p99_ratio:.2f}× "
                  f"— {verdict} the goal")
    finally:
        ours.stop()
        reference.stop()
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
