"""Dumps of a release: the whole dataset as gzipped N-Triples, N-Quads, Turtle and JSON-LD.

N-Quads and JSON-LD keep the named graphs (one per source record, the shared entities, the
ontology); N-Triples and Turtle hold the merged graph. Each file is written under a temporary
name and renamed when complete, so a reader never sees half a dump.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from publisher.store import DEFAULT_GRAPH_NAME, Store, scratch_store
from publisher.web.prefixes import prefixes_for


@dataclass(frozen=True)
class DumpFormat:
    """One dump: its file name, the media type of its content, and how it is serialised."""

    file_name: str
    media_type: str
    format_name: str
    keeps_graphs: bool
    title: str


DUMP_FORMATS = (
    DumpFormat("atlas.nt.gz", "application/n-triples", "ntriples", False, "N-Triples (gzip)"),
    DumpFormat("atlas.nq.gz", "application/n-quads", "nquads", True, "N-Quads, with named graphs (gzip)"),
    DumpFormat("atlas.ttl.gz", "text/turtle", "turtle", False, "Turtle (gzip)"),
    DumpFormat("atlas.jsonld.gz", "application/ld+json", "jsonld", True, "JSON-LD, with named graphs (gzip)"),
)
COMPRESS_FORMAT = "application/gzip"
# zlib's level 6: most of level 9's size at a fraction of its time.
COMPRESS_LEVEL = 6


@dataclass(frozen=True)
class WrittenDump:
    file_name: str
    media_type: str
    title: str
    byte_size: int
    sha256: str


def _gzip(body: bytes, target: Path) -> None:
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="",
                                                     compresslevel=COMPRESS_LEVEL) as compressed:
        compressed.write(body)
    os.replace(partial, target)


def graph_lines(store: Store) -> Iterator[tuple[str, list[bytes]]]:
    """Each named graph of the store with its triples as N-Triples lines, serialised by the store itself.

    A build writes every triple in a named graph, so one N-Quads dump is cut into graphs by its last term;
    a store that also holds triples in its default graph is read graph by graph instead.
    """
    if store.dump("ntriples", graph=DEFAULT_GRAPH_NAME).strip():  # type: ignore[attr-defined]
        for graph in store.graph_iris():
            yield graph, store.dump("ntriples", graph=graph).splitlines()  # type: ignore[attr-defined]
        return
    by_graph: dict[bytes, list[bytes]] = defaultdict(list)
    for line in store.dump("nquads").splitlines():  # type: ignore[attr-defined]
        triple, graph, _dot = line.rsplit(b" ", 2)
        by_graph[graph].append(triple + b" .")
    for graph, lines in by_graph.items():
        yield graph[1:-1].decode("utf-8"), lines


def write_dumps(store: Store, folder: Path, base_iri: str,
                graphs: list[tuple[str, list[bytes]]] | None = None) -> list[WrittenDump]:
    """Every dump of the store's current data, written into ``folder``.

    The store serialises (no Python object per triple); lines are sorted, so that the same data gives the
    same bytes (and the same checksums and ETags) at every build — the build gives blank nodes labels that
    depend on the data only. The four dumps are compressed in parallel threads.
    """
    folder.mkdir(parents=True, exist_ok=True)
    prefixes = prefixes_for(base_iri)
    triples: set[bytes] = set()
    quads: list[bytes] = []
    for graph, lines in graphs if graphs is not None else graph_lines(store):
        triples.update(lines)
        suffix = f" <{graph}> .".encode()
        quads.extend(line[:-2] + suffix for line in lines)
    ntriples = b"\n".join(sorted(triples)) + b"\n"
    nquads = b"\n".join(sorted(quads)) + b"\n"
    merged = scratch_store(documents=[(ntriples, "ntriples")])
    bodies = {
        "ntriples": ntriples,
        "nquads": nquads,
        "turtle": merged.dump("turtle", prefixes),
        "jsonld": store.dump("jsonld", prefixes=prefixes),  # type: ignore[attr-defined]
    }

    def one(dump: DumpFormat) -> WrittenDump:
        target = folder / dump.file_name
        _gzip(bodies[dump.format_name], target)
        data = target.read_bytes()
        return WrittenDump(dump.file_name, dump.media_type, dump.title, len(data), hashlib.sha256(data).hexdigest())

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(one, DUMP_FORMATS))
