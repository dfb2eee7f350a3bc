"""Scale benchmark: the generated corpus at the national size and at ten times it, in each back end.

    .venv/bin/python benchmarks/scale.py                          # 12,129 and 121,290 partnerships
    .venv/bin/python benchmarks/scale.py --projects 2400 --reference 1200   # a quick run

For each size (``--reference``, the national Atlas by default, then ``--projects``) the corpus is
generated (``atlas-ld generate``, kept in the work folder for the next run) and built into each
back end: the embedded store, and the Oxigraph server (``oxigraph serve``, PyPI package
``oxigraph``) through ``store = sparql``. Then, with ``atlas-ld serve`` on the result:

* build: wall time of ``atlas-ld build`` (every stage, the dumps included), triples, store size on
  disk (the embedded release folder; the Oxigraph server's data folder, as RocksDB left it);
* rebuild: wall time of the build after one page changed;
* pages: latency of entity pages asked for once each (so rendered, not kept), median and 95th
  percentile over partnerships and communes; a country page (thousands of incoming links); the
  first search and the first partnership list of a release (which build their indexes) and the
  following ones;
* queries: three questions of ``sparql/`` through ``/sparql`` or ``/queries``, median of three runs.

Printed: the figures per size and back end, then how each grows from the reference size to the
target one (ratio), and the Oxigraph server against the embedded store at each size (ratio).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
ATLAS = str(BIN / "atlas-ld")
OXIGRAPH = str(BIN / "oxigraph")
BASE_IRI = "https://atlas-ld.example/"
NATIONAL = 12129
BACKENDS = ("embedded", "oxigraph-server")
SAMPLE_QUERY = ("PREFIX atlas: <def/atlas#> SELECT ?s WHERE {{ ?s a atlas:{cls} }} "
                "ORDER BY ?s LIMIT {n} OFFSET {offset}")
QUESTIONS = {
    "partnerships-by-country": "/queries/partnerships-by-country?format=json",
    "funding-by-country-and-year": "/queries/funding-by-country-and-year?format=json",
    "collectivity-partnerships (one commune)": "/queries/collectivity-partnerships?format=json&collectivity={commune}",
}


@dataclass
class Figures:
    size: int
    backend: str
    build_s: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)
    triples: int = 0
    store_mib: float = 0.0
    rebuild_s: float = 0.0
    entity_p50_ms: float = 0.0
    entity_p95_ms: float = 0.0
    country_ms: float = 0.0
    search_first_ms: float = 0.0
    search_next_ms: float = 0.0
    list_first_ms: float = 0.0
    list_next_ms: float = 0.0
    queries_ms: dict[str, float] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def folder_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def wait_for(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout_s:g} s")


def get_ms(url: str, accept: str = "text/html") -> float:
    request = urllib.request.Request(url, headers={"Accept": accept})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
        if response.status != 200:
            raise SystemExit(f"{url}: {response.status}")
    return (time.perf_counter() - started) * 1000


def sparql_iris(server: str, cls: str, n: int, offset: int = 0) -> list[str]:
    query = SAMPLE_QUERY.format(cls=cls, n=n, offset=offset)
    url = f"{server}/sparql?{urllib.parse.urlencode({'query': query})}"
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        bindings = json.load(response)["results"]["bindings"]
    return [b["s"]["value"] for b in bindings]


def busiest_country(server: str) -> str:
    url = server + QUESTIONS["partnerships-by-country"]
    with urllib.request.urlopen(url, timeout=600) as response:
        return str(json.load(response)["results"]["bindings"][0]["country"]["value"])


def corpus(work: Path, projects: int, seed: int) -> Path:
    folder = work / f"corpus-{projects}-{seed}"
    if not (folder / "pages").is_dir():
        print(f"generating {projects} partnerships into {folder} ...", flush=True)
        subprocess.run([ATLAS, "generate", "--out", str(folder), "--projects", str(projects), "--seed", str(seed)],
                       check=True, stdout=subprocess.DEVNULL)
    return folder / "pages"


def change_one_page(pages: Path) -> None:
    from publisher.ingest.atlas_page import read_atlas_page, render_atlas_page

    page = next(iter(sorted(pages.rglob("*.txt"))))
    record = read_atlas_page(page, root=pages)
    page.write_text(render_atlas_page(dataclasses.replace(record, title=record.title + " (revu)")),
                    encoding="utf-8")


def measure(size: int, backend: str, pages: Path, work: Path, samples: int) -> Figures:
    figures = Figures(size, backend)
    folder = work / f"{size}-{backend}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_LD_")}
    store_process = None
    if backend == "oxigraph-server":
        port = free_port()
        log = (folder / "oxigraph.log").open("wb")
        store_process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(folder / "data"),
                                          "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
                                         stdout=log, stderr=subprocess.STDOUT)
        root = f"http://127.0.0.1:{port}"
        wait_for(root + "/query?query=ASK%7B%7D")
        env.update({"ATLAS_LD_STORE": "sparql", "ATLAS_LD_SPARQL_QUERY_URL": root + "/query",
                    "ATLAS_LD_SPARQL_UPDATE_URL": root + "/update",
                    "ATLAS_LD_SPARQL_GRAPH_STORE_URL": root + "/store",
                    "ATLAS_LD_SPARQL_TIMEOUT_S": "600", "ATLAS_LD_QUERY_TIMEOUT_S": "600"})
    else:
        env["ATLAS_LD_QUERY_TIMEOUT_S"] = "600"
    store = folder / "store"
    sources = folder / "pages"
    shutil.copytree(pages, sources)
    server = None
    try:
        print(f"[{size} {backend}] build ...", flush=True)
        started = time.perf_counter()
        subprocess.run([ATLAS, "build", str(sources), "--store", str(store)], env=env, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        figures.build_s = time.perf_counter() - started
        report = json.loads((store / "reports" / "latest.json").read_text(encoding="utf-8"))
        figures.stages = report["stage_seconds"]
        figures.triples = report["triples"]
        if backend == "embedded":
            figures.store_mib = folder_mib((store / "current").resolve())
        else:
            figures.store_mib = folder_mib(folder / "data")

        change_one_page(sources)
        started = time.perf_counter()
        subprocess.run([ATLAS, "build", str(sources), "--store", str(store)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        figures.rebuild_s = time.perf_counter() - started

        port = free_port()
        server_log = (folder / "serve.log").open("wb")
        server = subprocess.Popen([ATLAS, "serve", "--store", str(store), "--port", str(port)], env=env,
                                  stdout=server_log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/sparql?query=ASK%7B%7D")
        print(f"[{size} {backend}] pages and queries ...", flush=True)
        entities = (sparql_iris(url, "Partnership", samples, offset=size // 3)
                    + sparql_iris(url, "FrenchLocalAuthority", samples // 2, offset=7))
        timings = sorted(get_ms(url + "/doc/" + iri[len(BASE_IRI):] + ".html") for iri in entities)
        figures.entity_p50_ms = statistics.median(timings)
        figures.entity_p95_ms = timings[int(0.95 * (len(timings) - 1))]
        figures.country_ms = get_ms(url + "/doc/" + busiest_country(url)[len(BASE_IRI):] + ".html")
        figures.search_first_ms = get_ms(url + "/search?q=eau")
        figures.search_next_ms = statistics.median(get_ms(url + f"/search?q={w}")
                                                   for w in ("ville", "mali", "jeunes", "sante", "rouen"))
        figures.list_first_ms = get_ms(url + "/partnerships")
        figures.list_next_ms = statistics.median(get_ms(url + f"/partnerships?page={n}") for n in (2, 3, 4, 5, 6))
        commune = urllib.parse.quote(entities[-1], safe="")
        for name, path in QUESTIONS.items():
            runs = [get_ms(url + path.format(commune=commune), "application/sparql-results+json") for _ in range(3)]
            figures.queries_ms[name] = statistics.median(runs)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if store_process is not None:
            store_process.terminate()
            store_process.wait(timeout=60)
    return figures


def table(results: list[Figures]) -> str:
    columns = [("build s", lambda f: f"{f.build_s:.0f}"),
               ("store stage s", lambda f: f"{f.stages.get('store', 0):.0f}"),
               ("dumps stage s", lambda f: f"{f.stages.get('dumps', 0):.0f}"),
               ("triples", lambda f: f"{f.triples:,}"),
               ("store MiB", lambda f: f"{f.store_mib:.0f}"),
               ("rebuild 1 s", lambda f: f"{f.rebuild_s:.1f}"),
               ("entity p50 ms", lambda f: f"{f.entity_p50_ms:.0f}"),
               ("entity p95 ms", lambda f: f"{f.entity_p95_ms:.0f}"),
               ("country ms", lambda f: f"{f.country_ms:.0f}"),
               ("search 1st/next ms", lambda f: f"{f.search_first_ms:.0f}/{f.search_next_ms:.0f}"),
               ("list 1st/next ms", lambda f: f"{f.list_first_ms:.0f}/{f.list_next_ms:.0f}")]
    names = list(results[0].queries_ms)
    header = ["size", "back end", *(c for c, _ in columns), *(f"{n} ms" for n in names)]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for f in results:
        cells = [f"{f.size:,}", f.backend, *(render(f) for _, render in columns),
                 *(f"{f.queries_ms[n]:.0f}" for n in names)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratios(a: Figures, b: Figures) -> str:
    """b / a for each figure."""
    pairs = [("build", a.build_s, b.build_s), ("triples", a.triples, b.triples),
             ("store size", a.store_mib, b.store_mib), ("rebuild one record", a.rebuild_s, b.rebuild_s),
             ("entity page p50", a.entity_p50_ms, b.entity_p50_ms),
             ("entity page p95", a.entity_p95_ms, b.entity_p95_ms),
             ("country page", a.country_ms, b.country_ms), ("first search", a.search_first_ms, b.search_first_ms),
             ("next search", a.search_next_ms, b.search_next_ms), ("first list", a.list_first_ms, b.list_first_ms),
             ("next list", a.list_next_ms, b.list_next_ms),
             *((q, a.queries_ms[q], b.queries_ms[q]) for q in a.queries_ms)]
    return ", ".join(f"{name} ×{(y / x if x else float('nan')):.1f}" for name, x, y in pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=10 * NATIONAL, help="target size (default 121290)")
    parser.add_argument("--reference", type=int, default=NATIONAL, help="reference size (default 12129)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--samples", type=int, default=60, help="partnership pages timed per run")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "atlas-ld-bench-scale")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    backends = [b for b in args.backends.split(",") if b]
    sizes = sorted({args.reference, args.projects})
    results: list[Figures] = []
    for size in sizes:
        pages = corpus(args.work, size, args.seed)
        for backend in backends:
            results.append(measure(size, backend, pages, args.work, args.samples))
            print(table(results[-1:]), flush=True)
    print()
    print(table(results))
    print()
    by = {(f.size, f.backend): f for f in results}
    if len(sizes) == 2:
        for backend in backends:
            print(f"{backend}, {sizes[1]:,} against {sizes[0]:,} partnerships: "
                  + ratios(by[sizes[0], backend], by[sizes[1], backend]))
    if "embedded" in backends:
        for size in sizes:
            for backend in backends:
                if backend != "embedded":
                    print(f"{backend} against embedded at {size:,}: " + ratios(by[size, "embedded"], by[size, backend]))
    if args.json:
        args.json.write_text(json.dumps([dataclasses.asdict(f) for f in results], indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
