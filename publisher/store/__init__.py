"""The store seam: every read and write of the graph goes through this package.

Nothing outside ``publisher.store`` imports pyoxigraph or a SPARQL client. Callers
get RDF terms re-exported from here, read with :class:`Store` and publish a new
version of the data with :class:`Release`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
    StoreTarget,
    StoreUnavailable,
    Term,
    Triple,
    parse_rdf,
    serialize_rdf,
)
from publisher.store.embedded import (
    DEFAULT_GRAPH_NAME,
    EmbeddedStore,
    EmbeddedStoreDirectory,
    ScratchStore,
    scratch_store,
)

if TYPE_CHECKING:
    from publisher.settings import Settings


def open_store_target(settings: Settings, store_dir: Path | str) -> StoreTarget:
    """The store that setting ``store`` names: the embedded releases in ``store_dir``, or a SPARQL store.

    ``store_dir`` is the embedded store itself; with a SPARQL store it keeps only what the build
    keeps beside the graph (its cache, reports and release files).
    """
    if settings.store == "sparql":
        from publisher.store.sparql import SparqlEndpoints, SparqlService

        return SparqlService(SparqlEndpoints.from_settings(settings), settings.base_iri)
    if settings.store != "embedded":
        raise ValueError(f"setting store must be 'embedded' or 'sparql', got {settings.store!r}")
    return EmbeddedStoreDirectory(Path(store_dir), settings.base_iri)

__all__ = [
    "DEFAULT_GRAPH",
    "DEFAULT_GRAPH_NAME",
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
    "StoreTarget",
    "StoreUnavailable",
    "Term",
    "Triple",
    "open_store_target",
    "parse_rdf",
    "scratch_store",
    "serialize_rdf",
]
