"""The store seam: every read and write of the graph goes through this package.

Nothing outside ``publisher.store`` imports pyoxigraph or a SPARQL client. Callers
get RDF terms re-exported from here, read with :class:`Store` and publish a new
version of the data with :class:`Release`.
"""

from __future__ import annotations

from publisher.store.base import (
    DEFAULT_GRAPH,
    BlankNode,
    GraphResult,
    Literal,
    NamedNode,
    Quad,
    QueryKind,
    QueryResult,
    Release,
    SelectResult,
    Store,
    StoreUnavailable,
    Term,
    Triple,
    parse_rdf,
    serialize_rdf,
)
from publisher.store.embedded import EmbeddedStore, EmbeddedStoreDirectory, ScratchStore, scratch_store

__all__ = [
    "DEFAULT_GRAPH",
    "BlankNode",
    "EmbeddedStore",
    "EmbeddedStoreDirectory",
    "GraphResult",
    "Literal",
    "NamedNode",
    "Quad",
    "QueryKind",
    "QueryResult",
    "Release",
    "ScratchStore",
    "SelectResult",
    "Store",
    "StoreUnavailable",
    "Term",
    "Triple",
    "parse_rdf",
    "scratch_store",
    "serialize_rdf",
]
