"""Reconciliation scored against a generated corpus's answer key (national size by default).

    python benchmarks/reconciliation.py [--corpus DIR] [--projects 12129] [--seed 1]

Prints, by kind of entity, the mentions, how many were identified, precision (correct / identified) and
recall (correct / mentions), and the first wrong and unresolved mentions. Goal: French collectivities
≥ 99 % precision and ≥ 97 % recall; countries 100 %.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from publisher.generate import generate_corpus, write_corpus
from publisher.generate.scoring import score_reconciliation
from publisher.ingest import read_source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="a folder written by `atlas-ld generate`")
    parser.add_argument("--projects", type=int, default=12129)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = args.corpus
    if corpus is None:
        corpus = Path(tempfile.mkdtemp(prefix="atlas-ld-reconciliation-"))
        write_corpus(generate_corpus(args.projects, args.seed), corpus)
    started = time.perf_counter()
    records = []
    for page in sorted((corpus / "pages").rglob("*.txt")):
        records.extend(read_source(page, corpus / "pages").records)
    scores = score_reconciliation(records, corpus / "answer-key.jsonl")
    print(f"{len(records)} records scored in {time.perf_counter() - started:.1f} s")
    print(f"{'kind':<20}{'mentions':>10}{'identified':>12}{'precision':>11}{'recall':>9}")
    for kind, score in sorted(scores.items()):
        print(f"{kind:<20}{score.mentions:>10}{score.identified:>12}{score.precision:>11.4f}{score.recall:>9.4f}")
    for kind, score in sorted(scores.items()):
        if score.wrong:
            print(f"{kind}: wrong, first ones: {score.wrong[:5]}")
        if score.unresolved and kind != "organisation":
            print(f"{kind}: unresolved, first ones: {score.unresolved[:5]}")


if __name__ == "__main__":
    main()
