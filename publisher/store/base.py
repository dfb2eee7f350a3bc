"""What every store back end offers: queries with bound values, and atomic releases."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from typing import IO, Any, Protocol

import pyoxigraph as ox

from publisher.store.results import write_solutions

NamedNode = ox.NamedNode
BlankNode = ox.BlankNode
Literal = ox.Literal
Quad = ox.Quad
Triple = ox.Triple
DEFAULT_GRAPH = ox.DefaultGraph()
Term = ox.NamedNode | ox.BlankNode | ox.Literal

RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
}

RESULT_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


class StoreUnavailable(Exception):
    """The store cannot be read right now (not built yet, or a remote store is down)."""


class QueryKind(StrEnum):
    SELECT = "select"
    ASK = "ask"
    GRAPH = "graph"


@dataclass
class SelectResult:
    variables: list[str]
    rows: list[dict[str, Term]]


@dataclass
class GraphResult:
    triples: list[ox.Triple]


@dataclass
class QueryResult:
    """A query's answer, kept in the store's own result objects until serialised."""

    kind: QueryKind
    raw: object

    def serialize(self, format_name: str, prefixes: Mapping[str, str] | None = None) -> bytes:
        """The answer in a SPARQL results format (SELECT/ASK) or an RDF format (CONSTRUCT/DESCRIBE)."""
        out = io.BytesIO()
        if self.kind is QueryKind.GRAPH:
            ox.serialize(self.raw, out, RDF_FORMATS[format_name], prefixes=dict(prefixes or {}))
        else:
            self.raw.serialize(out, RESULT_FORMATS[format_name])  # type: ignore[attr-defined]
        return out.getvalue()

    def serialize_limited(
        self,
        format_name: str,
        max_rows: int,
        prefixes: Mapping[str, str] | None = None,
        json_notice: Mapping[str, Any] | None = None,
    ) -> tuple[bytes, bool]:
        """The answer cut after ``max_rows`` solutions (SELECT) or triples (CONSTRUCT/DESCRIBE).

        Returns the body and whether rows were cut. A cut JSON result also carries
        the members of ``json_notice`` at its top level, for clients to show.
        """
        if self.kind is QueryKind.ASK:
            return self.serialize(format_name), False
        items = list(islice(self.raw, max_rows + 1))  # type: ignore[call-overload]
        truncated = len(items) > max_rows
        del items[max_rows:]
        if self.kind is QueryKind.GRAPH:
            return serialize_rdf(items, format_name, prefixes), truncated
        variables = [v.value for v in self.raw.variables]  # type: ignore[attr-defined]
        rows = [{name: value for name, value in zip(variables, item, strict=True) if value is not None}
                for item in items]
        extra = json_notice if truncated else None
        return write_solutions(format_name, variables, rows, extra), truncated


def select_result(solutions: Iterable[ox.QuerySolution], variables: list[str]) -> SelectResult:
    """Solutions as rows of the values bound (a variable left unbound is absent from its row)."""
    rows = [{name: value for name in variables if (value := solution[name]) is not None} for solution in solutions]
    return SelectResult(variables, rows)


def parse_rdf(
    data: bytes | IO[bytes], format_name: str, base_iri: str | None = None
) -> Iterator[ox.Quad]:
    """Quads parsed from bytes in one of :data:`RDF_FORMATS`."""
    return ox.parse(data, RDF_FORMATS[format_name], base_iri=base_iri)


def serialize_rdf(
    items: Iterable[ox.Triple] | Iterable[ox.Quad],
    format_name: str,
    prefixes: Mapping[str, str] | None = None,
) -> bytes:
    out = io.BytesIO()
    kwargs = {"prefixes": dict(prefixes)} if prefixes and format_name in {"turtle", "trig", "rdfxml"} else {}
    ox.serialize(items, out, RDF_FORMATS[format_name], **kwargs)
    return out.getvalue()


class Store(Protocol):
    """Read access to the published graph."""

    @property
    def version(self) -> str:
        """An identifier of the published data that changes with every release."""
        ...

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult: ...

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool: ...

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]: ...

    def execute(
        self,
        query: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        """Run a user's query with the SPARQL Protocol's dataset parameters.

        Raises ``SyntaxError`` with the parser's message when the query is not valid SPARQL.
        """
        ...

    def graph_iris(self) -> list[str]: ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...

    def dump(self, format_name: str, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        """The data serialised by the store: the whole dataset (N-Quads, TriG, JSON-LD) or one graph."""
        ...

    def count(self) -> int:
        """Triples in the published graphs."""
        ...


class Release(Protocol):
    """A new version of the published data, invisible to readers until :meth:`commit`."""

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None: ...

    def remove_graph(self, graph: str) -> None: ...

    def add_quads(self, quads: Iterable[ox.Quad]) -> None: ...

    def load(self, data: bytes, format_name: str) -> None: ...

    def graph_iris(self) -> list[str]: ...

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...

    def count(self) -> int: ...

    def commit(self, optimize: bool = True) -> str: ...

    def abort(self) -> None: ...


class StoreTarget(Protocol):
    """Where releases are published and read from: a folder of embedded releases, or a SPARQL store."""

    def reader(self) -> Store: ...

    def begin_release(self) -> Release: ...

    def kept_releases(self) -> set[str]:
        """The releases still held (their release files are kept, the others' removed)."""
        ...
