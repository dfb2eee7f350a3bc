"""Dumps of a release: the whole dataset as gzipped N-Triples, N-Quads, Turtle and JSON-LD.

N-Quads and JSON-LD keep the named graphs (one per source record, the shared entities, the
ontology); N-Triples and Turtle hold the merged graph. Each file is written under a temporary
name and renamed when complete, so a reader never sees half a dump.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from publisher.stable_blank_nodes import stable_blank_nodes
from publisher.store import Quad, Store, serialize_rdf
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


@dataclass(frozen=True)
class WrittenDump:
    file_name: str
    media_type: str
    title: str
    byte_size: int
    sha256: str


def _merged_triples(quads: list[Quad]) -> list:
    seen: dict[str, object] = {}
    for quad in quads:
        triple = quad.triple
        seen.setdefault(str(triple), triple)
    return list(seen.values())


def write_dumps(store: Store, folder: Path, base_iri: str) -> list[WrittenDump]:
    """Every dump of the store's current data, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    # Sorted, so that the same data always gives the same bytes (and the same checksum and ETag).
    quads = sorted(stable_blank_nodes(store.quads()),
                   key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))
    triples = sorted(_merged_triples(quads), key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    prefixes = prefixes_for(base_iri)
    written = []
    for dump in DUMP_FORMATS:
        body = serialize_rdf(quads if dump.keeps_graphs else triples, dump.format_name, prefixes)
        target = folder / dump.file_name
        partial = folder / f".{dump.file_name}.partial"
        # mtime=0: the same data gives the same bytes, so an unchanged dump keeps its checksum.
        with partial.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0,
                                                         filename="") as compressed:
            compressed.write(body)
        os.replace(partial, target)
        data = target.read_bytes()
        written.append(WrittenDump(dump.file_name, dump.media_type, dump.title, len(data),
                                   hashlib.sha256(data).hexdigest()))
    return written
