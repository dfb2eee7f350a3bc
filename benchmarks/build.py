"""Build benchmark: the national corpus built into a store, against loading its N-Quads with `oxigraph load`.

    python benchmarks/build.py [--projects 12129] [--seed 1] [--work DIR]

Generates the corpus (`atlas-ld generate`) unless it is already in the work folder, builds it, then measures
in the same run: time per stage, triples, peak memory of the build process, the time `oxigraph load` takes to
load the resulting N-Quads into an on-disk store (the reference), and an incremental rebuild after one page
changed. Prints the ratios. Goal: whole build ≤ 2.5× the reference load; one changed record ≤ 2 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=12129)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "atlas-ld-bench-build")
    args = parser.parse_args()
    atlas = str(BIN / "atlas-ld")
    corpus = args.work / f"corpus-{args.projects}-{args.seed}"
    if not (corpus / "pages").is_dir():
        print(f"generating {args.projects} partnerships into {corpus} ...", flush=True)
        generated = run([atlas, "generate", "--out", str(corpus), "--projects", str(args.projects),
                         "--seed", str(args.seed)])
        print(f"generate: {generated:.1f} s")
    store = args.work / "store"
    shutil.rmtree(store, ignore_errors=True)

    whole = run([atlas, "build", str(corpus / "pages"), "--store", str(store)])
    report = json.loads((store / "reports" / "latest.json").read_text(encoding="utf-8"))
    build_peak = peak_rss_mib()

    dump = args.work / "release.nq"
    subprocess.run([sys.executable, "-c", (
        "import sys; from publisher.store import EmbeddedStoreDirectory, serialize_rdf; "
        "r = EmbeddedStoreDirectory(sys.argv[1], 'https://atlas-ld.example/').reader(); "
        "open(sys.argv[2], 'wb').write(serialize_rdf(r.quads(), 'nquads'))"), str(store), str(dump)], check=True)
    reference_store = args.work / "oxigraph-load"
    shutil.rmtree(reference_store, ignore_errors=True)
    reference = run([str(BIN / "oxigraph"), "load", "--location", str(reference_store), "--file", str(dump)])

    page = sorted((corpus / "pages").rglob("*.txt"))[len(report["published"]) // 2]
    text = page.read_text(encoding="utf-8")
    lines = text.split("\n")
    title = lines.index("Titre") + 1
    lines[title] += " (révisé)"
    page.write_text("\n".join(lines), encoding="utf-8")
    incremental = run([atlas, "build", str(corpus / "pages"), "--store", str(store)])
    second = json.loads((store / "reports" / "latest.json").read_text(encoding="utf-8"))
    page.write_text(text, encoding="utf-8")

    print()
    print(f"partnerships: {report['records_read']}, published {len(report['published'])}, "
          f"refused {len(report['refused'])}, unreadable {len(report['unreadable'])}")
    print(f"triples: {report['triples']}")
    print("time per stage: " + ", ".join(f"{k} {v:.2f} s" for k, v in report["stage_seconds"].items()))
    print(f"whole build: {whole:.2f} s (peak memory of the build {build_peak:.0f} MiB)")
    print(f"reference, oxigraph load of the same {dump.stat().st_size / 2**20:.0f} MiB of N-Quads: {reference:.2f} s")
    print(f"ratio build / reference load: {whole / reference:.2f} (goal <= 2.5)")
    print(f"incremental rebuild, one page changed: {incremental:.2f} s, records written "
          f"{len(second['republished'])} (goal <= 2 s)")


if __name__ == "__main__":
    main()
