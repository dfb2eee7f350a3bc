"""Entity pages, RDF documents and search under load: Atlas LD's production server beside Trifid.

Serves one store two ways in the same run and loads both with wrk (Debian package ``wrk``) at
each concurrency:

* Atlas LD: ``atlas-ld serve --workers N`` (gunicorn, one worker per core, as the README says);
* the reference: Trifid 5 (npm package ``trifid``, installed by this script into a temporary
  folder) in front of ``oxigraph serve-read-only`` (PyPI package ``oxigraph``, installed into a
  temporary virtual environment) on the same data, loaded from the release's N-Quads dump.

Entity pages are asked for in HTML (Atlas LD at ``/doc/<key>.html``, Trifid at the IRI with a
browser's Accept), RDF documents in Turtle, search at ``/search.json`` (Trifid has none). Each
Atlas LD figure is given warm (answers kept per release, the usual state of a server) and cold
(a query string unique to each request defeats the kept answers, so every page is rendered).
Ratios are against Trifid measured in the same run.

    .venv/bin/python benchmarks/pages.py                      # builds a small store
    .venv/bin/python benchmarks/pages.py --store DIR          # a store built by atlas-ld build
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE_IRI = "https://atlas-ld.example/"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TRIFID_CONFIG = """\
server:
  listener:
    port: {port}
  logLevel: warn
globals:
  datasetBaseUrl: {base}
  endpoints:
    default:
      url: /query
plugins:
  entity-renderer:
    module: "@zazuko/trifid-entity-renderer"
    config:
      followRedirects: false
  sparql-proxy:
    module: "@zazuko/trifid-plugin-sparql-proxy"
    paths: /query
    config:
      endpointUrl: http://127.0.0.1:{sparql_port}/query
"""
WRK_SCRIPT = """\
local paths = {{{paths}}}
local accept = "{accept}"
local bust = {bust}
local counter = 0
setup = function(thread) thread:set("offset", math.random(1, #paths)) end
init = function(args) counter = offset end
request = function()
  counter = counter + 1
  local path = paths[counter % #paths + 1]
  if bust then
    local sep = string.find(path, "?", 1, true) and "&" or "?"
    path = path .. sep .. "nocache=" .. tostring(counter) .. "-" .. tostring(math.random(1, 1000000000))
  end
  return wrk.format("GET", path, {{["Accept"] = accept}})
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, headers: dict[str, str] | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(url, headers=headers or {})
            with urllib.request.urlopen(request, timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]


def start(name: str, command: list[str], log: Path, **kwargs: object) -> Started:
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True,
                                   **kwargs)  # type: ignore[call-overload]
    return Started(name, process)


def stop(started: Started) -> None:
    if started.process.poll() is None:
        os.killpg(started.process.pid, signal.SIGTERM)
        try:
            started.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(started.process.pid, signal.SIGKILL)


@dataclass
class Figures:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url: str, paths: list[str], accept: str, concurrency: int, duration: int, work: Path,
            bust: bool = False) -> Figures:
    script = work / f"wrk-{abs(hash((url, accept, bust, concurrency)))}.lua"
    quoted = ", ".join(json.dumps(p) for p in paths)
    script.write_text(WRK_SCRIPT.format(paths=quoted, accept=accept, bust="true" if bust else "false"))
    threads = min(2, concurrency)
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{duration}s", "--latency", "--timeout", "10s",
         "-s", str(script), url], capture_output=True, text=True, check=True)
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors:.*?timeout (\d+)"):
        found = re.search(pattern, out)
        if found:
            errors += int(found.group(1))
    return Figures(rate, p50, p99, errors)


def build_small_store(work: Path, generated: int) -> Path:
    from publisher.build import build
    from publisher.release_files import publish_release_files
    from publisher.settings import load_settings
    from tests.web.atlas_pages import malian_partnerships, write_page

    pages = work / "pages"
    for record in malian_partnerships(generated):
        write_page(pages, record)
    store = work / "store"
    settings = load_settings(environ={}, base_iri=BASE_IRI)
    build([ROOT / "tests" / "data" / "seed", ROOT / "tests" / "data" / "pages-web", pages], store, settings)
    publish_release_files(store, settings)
    return store


def entity_keys(store: Path) -> list[str]:
    from publisher.release_files import load_manifest
    from publisher.store import EmbeddedStoreDirectory

    release = EmbeddedStoreDirectory(store, BASE_IRI).current_release()
    manifest = load_manifest(store, release)
    if manifest is None:
        raise SystemExit(f"{store}: no release files; run publish_release_files after the build")
    return sorted(i[len(BASE_IRI):] for i in manifest["resources"] if i.startswith(BASE_IRI + "id/"))


def search_terms(keys: list[str], store: Path) -> list[str]:
    words = ["seg", "segou", "bamako", "lyon", "coop", "mali", "eau", "angou", "ouaga", "gouvernance", "rennes",
             "mopti", "kayes", "burkina", "tunisie", "grenoble"]
    return [f"/search.json?q={w}" for w in words]


def prepare_trifid(folder: Path) -> Path:
    server = folder / "node_modules" / "trifid" / "server.js"
    if not server.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text('{"name": "trifid-bench", "private": true}\n')
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", "trifid@5"],
                       cwd=folder, check=True)
    return server


def prepare_oxigraph(folder: Path) -> Path:
    binary = folder / "bin" / "oxigraph"
    if not binary.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "--quiet", "oxigraph"], check=True)
    return binary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, help="a store built by atlas-ld build (default: build a small one)")
    parser.add_argument("--generated", type=int, default=200, help="generated partnerships in the small store")
    parser.add_argument("--duration", type=int, default=8, help="seconds per measurement")
    parser.add_argument("--concurrency", default="1,8,64")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--tools", type=Path, default=Path(tempfile.gettempdir()) / "atlas-ld-bench-tools",
                        help="where Trifid and the oxigraph CLI are installed (kept between runs)")
    parser.add_argument("--skip-trifid", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (Debian: apt-get install wrk)")
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    work = Path(tempfile.mkdtemp(prefix="atlas-ld-bench-"))
    started: list[Started] = []
    try:
        store = args.store or build_small_store(work, args.generated)
        keys = entity_keys(store)
        triples = sum(1 for line in gzip.open(next((store / "release-files").glob("*/dumps/atlas.nt.gz")))
                      if line.strip())
        print(f"store: {store} — {len(keys)} entities, {triples} triples; {args.workers} gunicorn workers, "
              f"{os.cpu_count()} cores; wrk {args.duration} s per figure", flush=True)

        ours_port = free_port()
        started.append(start("atlas-ld", [sys.executable, "-m", "publisher", "serve", "--store", str(store),
                                          "--port", str(ours_port), "--base-iri", BASE_IRI,
                                          "--workers", str(args.workers)], work / "atlas-ld.log", cwd=ROOT))
        ours = f"http://127.0.0.1:{ours_port}"
        wait_for(ours + "/")
        targets: list[tuple[str, str, list[str], str, bool]] = [
            ("atlas-ld HTML pages, warm", ours, [f"/doc/{k}.html" for k in keys], BROWSER_ACCEPT, False),
            ("atlas-ld HTML pages, cold", ours, [f"/doc/{k}.html" for k in keys], BROWSER_ACCEPT, True),
            ("atlas-ld Turtle documents, warm", ours, [f"/doc/{k}.ttl" for k in keys], "text/turtle", False),
            ("atlas-ld Turtle documents, cold", ours, [f"/doc/{k}.ttl" for k in keys], "text/turtle", True),
            ("atlas-ld search suggestions", ours, search_terms(keys, store), "application/json", False),
            ("atlas-ld search, cold", ours, search_terms(keys, store), "application/json", True),
        ]
        if not args.skip_trifid:
            oxigraph = prepare_oxigraph(args.tools / "oxigraph-venv")
            trifid = prepare_trifid(args.tools / "trifid")
            nquads = work / "atlas.nq"
            with gzip.open(next((store / "release-files").glob("*/dumps/atlas.nq.gz"))) as source, \
                    nquads.open("wb") as target:
                shutil.copyfileobj(source, target)
            subprocess.run([str(oxigraph), "load", "--location", str(work / "oxigraph"), "--file", str(nquads)],
                           check=True, capture_output=True)
            sparql_port, trifid_port = free_port(), free_port()
            started.append(start("oxigraph", [str(oxigraph), "serve-read-only", "--location", str(work / "oxigraph"),
                                              "--bind", f"127.0.0.1:{sparql_port}", "--union-default-graph"],
                                 work / "oxigraph.log"))
            config = work / "trifid.yaml"
            config.write_text(TRIFID_CONFIG.format(port=trifid_port, base=BASE_IRI, sparql_port=sparql_port))
            started.append(start("trifid", ["node", str(trifid), "--config", str(config)], work / "trifid.log",
                                 cwd=work))
            reference = f"http://127.0.0.1:{trifid_port}"
            wait_for(f"http://127.0.0.1:{sparql_port}/query?query=ASK%7B%7D")
            wait_for(reference + "/" + keys[0], {"Accept": "text/turtle"})
            targets += [
                ("Trifid HTML pages", reference, [f"/{k}" for k in keys], BROWSER_ACCEPT, False),
                ("Trifid Turtle documents", reference, [f"/{k}" for k in keys], "text/turtle", False),
            ]
        results: dict[tuple[str, int], Figures] = {}
        for name, url, paths, accept, bust in targets:
            run_wrk(url, paths[:50], accept, 4, 2, work, bust)  # warm up
            for concurrency in concurrencies:
                figures = run_wrk(url, paths, accept, concurrency, args.duration, work, bust)
                results[(name, concurrency)] = figures
                print(f"{name:34} c={concurrency:<3} {figures.requests_per_s:9.0f} req/s   "
                      f"p50 {figures.p50_ms:8.2f} ms   p99 {figures.p99_ms:8.2f} ms   errors {figures.errors}",
                      flush=True)
        if not args.skip_trifid:
            print("\nratios to Trifid (same run, same data):")
            for ours_name, theirs in (("atlas-ld HTML pages, warm", "Trifid HTML pages"),
                                      ("atlas-ld HTML pages, cold", "Trifid HTML pages"),
                                      ("atlas-ld Turtle documents, warm", "Trifid Turtle documents"),
                                      ("atlas-ld Turtle documents, cold", "Trifid Turtle documents")):
                for concurrency in concurrencies:
                    mine, ref = results[(ours_name, concurrency)], results[(theirs, concurrency)]
                    ratio = mine.requests_per_s / ref.requests_per_s
                    print(f"{ours_name:34} c={concurrency:<3} throughput ×{ratio:6.1f}"
                          f"   p99 {mine.p99_ms:8.2f} ms vs {ref.p99_ms:8.2f} ms")
    finally:
        for process in reversed(started):
            stop(process)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
