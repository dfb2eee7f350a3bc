"""The SPARQL back end: the graph kept in an external SPARQL 1.1 store (Oxigraph server, Virtuoso, ...).

Reads go through the SPARQL 1.1 Protocol (https://www.w3.org/TR/sparql11-protocol/) with
SPARQLWrapper; answers are parsed into pyoxigraph's terms, so callers cannot tell this back end
from the embedded one. Bound values travel as a ``VALUES`` block and relative IRIs against an
explicit ``BASE`` (``publisher.store.query_text``). The store's default graph must be the
union of its named graphs, as the embedded store's is.

Writes go through the Graph Store HTTP Protocol (https://www.w3.org/TR/sparql11-http-rdf-update/)
when its URL is set, else through SPARQL 1.1 Update ``INSERT DATA``. A release is published in
three steps:

1. each graph the build changes is uploaded under a *staging* name,
   ``<base>graph/staging/<release id>/<n>``;
2. one SPARQL Update request switches them all in (``MOVE`` per changed graph, ``DROP`` per
   removed one) and rewrites the release marker, the triple
   ``<base>graph/release owl:versionInfo "<release id>"`` in graph ``<base>graph/release``,
   which :attr:`SparqlStore.version` reads. A store applies one update request as one
   transaction, so readers see the old release or the new one, never a mix;
3. a failed or interrupted build drops its staging graphs (:meth:`SparqlRelease.abort`, or the
   next build when the store was unreachable).

The first release into an empty store is written in place, under the graphs' own names: nothing
is served before a marker exists, so there is nothing to stage against.

The publisher's graphs are those under ``<base>graph/``; the staging graphs and the marker are
not listed by :meth:`SparqlStore.graph_iris`. While a build uploads, its staging graphs are in
the store, and so in a union default graph: see docs/deploy.md.
"""

from __future__ import annotations

import ast
import http.client
import io
import math
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import pyoxigraph as ox
from SPARQLWrapper import DIGEST, POST, SELECT, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
)

from publisher.settings import Settings
from publisher.store.base import (
    RDF_FORMATS,
    QueryKind,
    QueryResult,
    SelectResult,
    StoreUnavailable,
    Term,
    select_result,
    serialize_rdf,
)
from publisher.store.query_text import query_form, with_base, with_values

USER_AGENT = "atlas-ld (SPARQL 1.1 Protocol)"
OWL_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
RESULTS_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
# How long a server trusts the release it read before asking the store again.
VERSION_CHECK_S = 2.0
# Graphs per request when whole graphs are read or counted by name.
GRAPHS_PER_READ = 200
# Bytes of N-Triples per SPARQL Update request when uploading without the Graph Store Protocol.
UPDATE_BATCH_BYTES = 2_000_000
UPLOAD_THREADS = 4
WRITE_ATTEMPTS = 6
# A transaction rolled back for a conflict with another (Virtuoso: "SR172: Transaction deadlocked").
_CONFLICT = re.compile(r"\b40001\b|deadlock", re.IGNORECASE)
# Virtuoso marks an answer it cut at its ResultSetMaxRows with this header.
MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
# Virtuoso names blank nodes nodeID://b123 in result formats and _:b123 in N-Triples.
_VIRTUOSO_BNODE = re.compile(rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://')
# Virtuoso writes xsd:boolean values as 1 and 0 in JSON results (its XML and N-Triples say true and false).
_NUMERIC_BOOLEAN = re.compile(
    rb'("datatype"\s*:\s*"http://www\.w3\.org/2001/XMLSchema#boolean"\s*,\s*"value"\s*:\s*")([01])"')

T = TypeVar("T")


@dataclass(frozen=True)
class SparqlEndpoints:
    """Where and how to reach the store: the sparql_* settings."""

    query_url: str
    update_url: str = ""
    graph_store_url: str = ""
    user: str = ""
    password: str = field(default="", repr=False)
    auth: str = "basic"
    timeout_s: float = 30.0
    update_timeout_s: float = 600.0
    user_query_timeout_s: float = 20.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SparqlEndpoints:
        if not settings.sparql_query_url:
            raise ValueError("setting store = 'sparql' needs sparql_query_url, the store's query endpoint")
        return cls(
            query_url=settings.sparql_query_url,
            update_url=settings.sparql_update_url,
            graph_store_url=settings.sparql_graph_store_url,
            user=settings.sparql_user,
            password=settings.sparql_password,
            auth=settings.sparql_auth,
            timeout_s=settings.sparql_timeout_s,
            update_timeout_s=settings.sparql_update_timeout_s,
            user_query_timeout_s=settings.query_timeout_s,
        )


def _store_message(exc: SPARQLWrapperException) -> str:
    """The store's own words from a SPARQLWrapper exception (which keeps the body only in its text)."""
    text = str(exc)
    found = re.search(r"Response:\n(b(['\"]).*\2)\s*$", text, re.S)
    if found is None:
        return text
    try:
        body = ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return text
    return _short(body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body))


def _short(text: str, limit: int = 1000) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[:limit] + " …"


def _timed_out(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError)


class _Conflict(Exception):
    """The store rolled a write back because of a concurrent transaction; it may be sent again."""


class _NotDelivered(StoreUnavailable):
    """A write that never reached the store (the connection was refused)."""


class _Writer:
    """HTTP requests that change the store (Graph Store Protocol and SPARQL Update), with credentials."""

    def __init__(self, endpoints: SparqlEndpoints) -> None:
        self.endpoints = endpoints
        self._local = threading.local()

    def _opener(self) -> urllib.request.OpenerDirector:
        # One opener per thread: urllib's digest handler counts its retries in the handler itself.
        opener: urllib.request.OpenerDirector | None = getattr(self._local, "opener", None)
        if opener is not None:
            return opener
        handlers: list[urllib.request.BaseHandler] = []
        if self.endpoints.user:
            urls = [u for u in (self.endpoints.update_url, self.endpoints.graph_store_url) if u]
            if self.endpoints.auth == "digest":
                passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
                for url in urls:
                    passwords.add_password(None, url, self.endpoints.user, self.endpoints.password)
                handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
            else:
                prior = urllib.request.HTTPPasswordMgrWithPriorAuth()
                for url in urls:
                    prior.add_password(None, url, self.endpoints.user, self.endpoints.password,
                                       is_authenticated=True)
                handlers.append(urllib.request.HTTPBasicAuthHandler(prior))
        opener = urllib.request.build_opener(*handlers)
        self._local.opener = opener
        return opener

    def send(self, method: str, url: str, body: bytes, content_type: str, what: str) -> None:
        """One request; a transaction the store rolled back for a conflict (SQLSTATE 40001) is tried again."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                self._send_once(method, url, body, content_type, what)
                return
            except _Conflict:
                if attempt == WRITE_ATTEMPTS:
                    raise StoreUnavailable(f"the SPARQL store at {url} kept rolling back {what} for conflicting "
                                           f"transactions ({WRITE_ATTEMPTS} attempts)") from None
                time.sleep(0.1 * attempt)

    def _send_once(self, method: str, url: str, body: bytes, content_type: str, what: str) -> None:
        request = urllib.request.Request(url, data=body, method=method,
                                         headers={"Content-Type": content_type, "User-Agent": USER_AGENT})
        try:
            with self._opener().open(request, timeout=self.endpoints.update_timeout_s) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            detail = _short(exc.read().decode("utf-8", "replace"))
            if exc.code >= 500 and _CONFLICT.search(detail):
                raise _Conflict() from None
            if exc.code == 401:
                raise StoreUnavailable(f"the SPARQL store at {url} refused the credentials while {what} "
                                       "(settings sparql_user, sparql_password, sparql_auth)") from None
            raise StoreUnavailable(f"the SPARQL store at {url} refused {what}: HTTP {exc.code} {detail}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            if _timed_out(exc):
                raise StoreUnavailable(f"the SPARQL store at {url} did not finish {what} within "
                                       f"{self.endpoints.update_timeout_s:g} s (setting sparql_update_timeout_s)"
                                       ) from None
            reason = getattr(exc, "reason", exc)
            refused = _NotDelivered if isinstance(reason, ConnectionRefusedError) else StoreUnavailable
            raise refused(f"the SPARQL store at {url} does not answer ({reason}) while {what}") from None

    def update(self, text: str, what: str) -> None:
        """One SPARQL Update request (https://www.w3.org/TR/sparql11-protocol/#update-via-post-direct)."""
        if not self.endpoints.update_url:
            raise ValueError("building into a SPARQL store needs setting sparql_update_url, "
                             "the store's update endpoint")
        self.send("POST", self.endpoints.update_url, text.encode("utf-8"), "application/sparql-update", what)

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Add ``ntriples`` to ``graph``, created if absent (Graph Store Protocol, §5.5 HTTP POST)."""
        url = self.endpoints.graph_store_url
        separator = "&" if "?" in url else "?"
        self.send("POST", f"{url}{separator}{urllib.parse.urlencode({'graph': graph})}", ntriples,
                  "application/n-triples", f"uploading graph <{graph}>")


class SparqlStore:
    """Read access to the publisher's graphs in a SPARQL store."""

    def __init__(self, endpoints: SparqlEndpoints, base_iri: str) -> None:
        self.endpoints = endpoints
        self.base_iri = base_iri
        self.graph_prefix = base_iri + "graph/"
        self.staging_prefix = base_iri + "graph/staging/"
        self.release_graph = base_iri + "graph/release"
        self._version: tuple[float, str] | None = None
        self._version_lock = threading.Lock()

    # -- The protocol --

    def _request(self, query: str, accept: str, timeout_s: float, default_graphs: list[str] | None = None,
                 named_graphs: list[str] | None = None) -> tuple[bytes, str, bool]:
        """(body, media type, cut by the store) of the store's answer to ``query``."""
        url = self.endpoints.query_url
        client = SPARQLWrapper(url, agent=USER_AGENT)
        client.setMethod(POST)
        client.setOnlyConneg(True)
        client.setTimeout(max(1, math.ceil(timeout_s)))
        if self.endpoints.user:
            if self.endpoints.auth == "digest":
                client.setHTTPAuth(DIGEST)
            client.setCredentials(self.endpoints.user, self.endpoints.password)
        with warnings.catch_warnings():
            # SPARQLWrapper guesses the query form with a regular expression and warns when unsure; the
            # form is known here, and every query goes to the query endpoint.
            warnings.simplefilter("ignore")
            client.setQuery(query)
        client.queryType = SELECT
        client.addCustomHttpHeader("Accept", accept)
        for graph in default_graphs or ():
            client.addDefaultGraph(graph)
        for graph in named_graphs or ():
            client.addNamedGraph(graph)
        try:
            result = client.query()
            body = result.response.read()
            headers = result.info()
        except QueryBadFormed as exc:
            raise SyntaxError(_store_message(exc)) from None
        except Unauthorized:
            raise StoreUnavailable(f"the SPARQL store at {url} refused the credentials "
                                   "(settings sparql_user, sparql_password, sparql_auth)") from None
        except EndPointNotFound:
            raise StoreUnavailable(f"no SPARQL endpoint at {url} (HTTP 404): check setting "
                                   "sparql_query_url") from None
        except EndPointInternalError as exc:
            raise StoreUnavailable(f"the SPARQL store at {url} failed: {_store_message(exc)}") from None
        except urllib.error.HTTPError as exc:
            detail = _short(exc.read().decode("utf-8", "replace"))
            raise StoreUnavailable(f"the SPARQL store at {url} answered HTTP {exc.code}: {detail}") from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            if _timed_out(exc):
                raise StoreUnavailable(f"the SPARQL store at {url} gave no answer within {timeout_s:g} s"
                                       ) from None
            reason = getattr(exc, "reason", exc)
            raise StoreUnavailable(f"the SPARQL store at {url} does not answer ({reason})") from None
        media_type = (headers.get("content-type") or "").split(";")[0].strip().lower()
        return body, media_type, MAX_ROWS_HEADER.lower() in {k.lower() for k in headers}

    def _solutions(self, query: str, timeout_s: float | None = None, whole: bool = True,
                   **dataset: list[str] | None) -> ox.QuerySolutions | ox.QueryBoolean:
        """The answer of a SELECT or ASK; ``whole``: fail rather than take an answer the store cut short."""
        body, media_type, cut = self._request(query, RESULTS_ACCEPT, timeout_s or self.endpoints.timeout_s,
                                              **dataset)
        if cut and whole:
            raise StoreUnavailable(
                f"the SPARQL store at {self.endpoints.query_url} cut an answer at its row limit; raise it "
                "(Virtuoso: ResultSetMaxRows in the [SPARQL] section of virtuoso.ini)")
        format_ = ox.QueryResultsFormat.from_media_type(media_type) if media_type else None
        if format_ is None:
            raise StoreUnavailable(f"the SPARQL store at {self.endpoints.query_url} answered in "
                                   f"{media_type or 'an unnamed format'}, not in a SPARQL results format")
        if format_ == ox.QueryResultsFormat.JSON:
            body = _NUMERIC_BOOLEAN.sub(lambda m: m.group(1) + (b'true"' if m.group(2) == b"1" else b'false"'),
                                        _VIRTUOSO_BNODE.sub(rb"\1", body))
        try:
            return ox.parse_query_results(body, format_)
        except SyntaxError as exc:
            raise StoreUnavailable(f"the answer of the SPARQL store at {self.endpoints.query_url} cannot be "
                                   f"read: {exc}") from None

    def _triples(self, query: str, timeout_s: float | None = None, **dataset: list[str] | None) -> list[ox.Triple]:
        body, media_type, _cut = self._request(query, GRAPH_ACCEPT, timeout_s or self.endpoints.timeout_s,
                                               **dataset)
        format_ = ox.RdfFormat.from_media_type(media_type) if media_type else None
        if format_ is None:
            raise StoreUnavailable(f"the SPARQL store at {self.endpoints.query_url} answered a graph query in "
                                   f"{media_type or 'an unnamed format'}, not in an RDF format")
        try:
            return [quad.triple for quad in ox.parse(body, format_)]
        except SyntaxError as exc:
            raise StoreUnavailable(f"the answer of the SPARQL store at {self.endpoints.query_url} cannot be "
                                   f"read: {exc}") from None

    def _text(self, query: str, bindings: Mapping[str, Term] | None) -> str:
        return with_base(with_values(query, bindings), self.base_iri)

    # -- Store --

    def published_release(self) -> str | None:
        """The id the release marker holds, asked now; None when no release was ever published."""
        rows = self.select("SELECT ?release WHERE { GRAPH ?g { ?g <" + OWL_VERSION_INFO + "> ?release } }",
                           {"g": ox.NamedNode(self.release_graph)}).rows
        return max((row["release"].value for row in rows), default=None)

    @property
    def version(self) -> str:
        held = self._version
        if held is not None and time.monotonic() - held[0] < VERSION_CHECK_S:
            return held[1]
        with self._version_lock:
            release = self.published_release()
            if release is None:
                raise StoreUnavailable(
                    f"no data published in the SPARQL store at {self.endpoints.query_url} yet: run "
                    "`atlas-ld build SOURCES --store DIR` with setting store = 'sparql'")
            self._version = (time.monotonic(), release)
            return release

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        solutions = self._solutions(self._text(query, bindings))
        assert isinstance(solutions, ox.QuerySolutions), "a SELECT query"
        variables = [v.value for v in solutions.variables]
        return select_result(self._read(solutions), variables)

    def _read(self, solutions: ox.QuerySolutions) -> Iterator[ox.QuerySolution]:
        """The solutions, parsed as they are read: a malformed answer is the store's failure, not a syntax error."""
        try:
            yield from solutions
        except SyntaxError as exc:
            raise StoreUnavailable(f"the answer of the SPARQL store at {self.endpoints.query_url} cannot be "
                                   f"read: {exc}") from None

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        return bool(self._solutions(self._text(query, bindings)))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        return self._triples(self._text(query, bindings))

    def execute(
        self,
        query: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        """A user's query, forwarded with the endpoint's time limit (setting query_timeout_s)."""
        form = query_form(query)
        text = with_base(query, self.base_iri)
        timeout = self.endpoints.user_query_timeout_s
        dataset = {"default_graphs": default_graphs, "named_graphs": named_graphs}
        if form in ("construct", "describe"):
            return QueryResult(QueryKind.GRAPH, self._triples(text, timeout, **dataset))
        # The store's own row limit applies (Virtuoso: ResultSetMaxRows), as the endpoint's max_result_rows does.
        raw = self._solutions(text, timeout, whole=False, **dataset)
        return QueryResult(QueryKind.ASK if isinstance(raw, ox.QueryBoolean) else QueryKind.SELECT, raw)

    def _graphs_under(self, prefix: str) -> list[str]:
        rows = self.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), ?prefix)) }",
                           {"prefix": ox.Literal(prefix)}).rows
        return sorted(row["g"].value for row in rows)

    def graph_iris(self) -> list[str]:
        """The publisher's graphs: those under ``<base>graph/``, the staging graphs and marker excepted."""
        return [g for g in self._graphs_under(self.graph_prefix)
                if not g.startswith(self.staging_prefix) and g != self.release_graph]

    def staging_graphs(self) -> list[str]:
        return self._graphs_under(self.staging_prefix)

    def graph_quads(self, graphs: list[str]) -> Iterator[ox.Quad]:
        """The quads of the named graphs ``graphs``, read a batch of graphs per request."""
        for start in range(0, len(graphs), GRAPHS_PER_READ):
            batch = graphs[start:start + GRAPHS_PER_READ]
            values = " ".join(str(ox.NamedNode(g)) for g in batch)
            solutions = self._solutions(
                f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
            assert isinstance(solutions, ox.QuerySolutions)
            for solution in self._read(solutions):
                yield ox.Quad(solution["s"], solution["p"], solution["o"], solution["g"])  # type: ignore[arg-type]

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        return self.graph_quads([graph] if graph else self.graph_iris())

    def dump(self, format_name: str, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        """The publisher's graphs serialised (N-Quads, TriG, JSON-LD), or one graph in any format.

        The default graph (named ``""``) is empty: the store's default graph is the union of the others.
        """
        items: list[ox.Quad] | list[ox.Triple]
        if graph == "":
            items = []
        elif graph is not None:
            items = [q.triple for q in self.graph_quads([graph])]
        elif RDF_FORMATS[format_name].supports_datasets:
            items = list(self.quads())
        else:
            raise ValueError(f"{format_name} holds one graph: name the graph to dump")
        out = io.BytesIO()
        kwargs: dict[str, object] = {"prefixes": dict(prefixes)} if prefixes else {}
        ox.serialize(items, out, RDF_FORMATS[format_name], **kwargs)  # type: ignore[arg-type]
        return out.getvalue()

    def count(self) -> int:
        """Triples in the publisher's graphs."""
        return self.size()

    def graph_sizes(self, graphs: list[str]) -> dict[str, int]:
        """Triples per graph of ``graphs`` (absent graphs have none)."""
        sizes: dict[str, int] = {}
        for start in range(0, len(graphs), GRAPHS_PER_READ):
            values = " ".join(str(ox.NamedNode(g)) for g in graphs[start:start + GRAPHS_PER_READ])
            rows = self.select(f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} "
                               "GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
            sizes.update((row["g"].value, int(row["n"].value)) for row in rows)
        return sizes

    def size(self) -> int:
        """Triples in the publisher's graphs (staging graphs and marker excepted)."""
        filters = " && ".join([
            f"STRSTARTS(STR(?g), {ox.Literal(self.graph_prefix)})",
            f"!STRSTARTS(STR(?g), {ox.Literal(self.staging_prefix)})",
            f"?g != {ox.NamedNode(self.release_graph)}",
        ])
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER({filters}) }}").rows
        return int(rows[0]["n"].value) if rows else 0


class SparqlRelease:
    """A release being uploaded into staging graphs, switched in by one update at :meth:`commit`.

    The first release of an empty store (no marker, none of the publisher's graphs) is written in
    place: until the marker names a release the publisher serves nothing from the store (pages
    answer 503), so its graphs need no staging, and the switch is the marker alone.
    """

    def __init__(self, service: SparqlService, release_id: str, live_graphs: list[str],
                 in_place: bool = False) -> None:
        self._service = service
        self._store = service.reader()
        self._writer = service.writer
        self.release_id = release_id
        self.in_place = in_place and not live_graphs
        self._live = set(live_graphs)
        self._removed: set[str] = set()
        self._staged: dict[str, str] = {}
        self._staged_size: dict[str, int] = {}
        self._done = False

    def _staging_name(self, graph: str) -> str:
        name = self._staged.get(graph)
        if name is None:
            name = graph if self.in_place else f"{self._store.staging_prefix}{self.release_id}/{len(self._staged)}"
            self._staged[graph] = name
            self._staged_size[graph] = 0
        return name

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        self.remove_graph(graph)
        self.add_quads(ox.Quad(q.subject, q.predicate, q.object, ox.NamedNode(graph)) for q in quads)

    def remove_graph(self, graph: str) -> None:
        if graph in self._staged:
            self._writer.update(f"DROP SILENT GRAPH {ox.NamedNode(self._staged.pop(graph))}",
                                f"dropping the staging copy of <{graph}>")
            del self._staged_size[graph]
        self._removed.add(graph)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Quads added to the graphs they name: each graph is uploaded to its staging copy."""
        by_graph: dict[str, list[ox.Triple]] = defaultdict(list)
        for quad in quads:
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise ValueError(f"a SPARQL store release holds named graphs only, not {quad}")
            by_graph[quad.graph_name.value].append(quad.triple)
        for graph in by_graph:
            if graph not in self._staged and graph in self._live and graph not in self._removed:
                # Adding to a published graph: its staging copy starts as the published one.
                self._writer.update(f"COPY {ox.NamedNode(graph)} TO {ox.NamedNode(self._staging_name(graph))}",
                                    f"copying <{graph}>")
                self._staged_size[graph] = self._store.graph_sizes([graph]).get(graph, 0)
            self._removed.discard(graph)
        self._upload(by_graph)

    def _upload(self, by_graph: dict[str, list[ox.Triple]]) -> None:
        for graph in by_graph:
            self._staging_name(graph)
        if self._service.endpoints.graph_store_url:
            _run_all(lambda graph: self._writer.post_graph(self._staged[graph],
                                                           serialize_rdf(by_graph[graph], "ntriples")),
                     list(by_graph))
        else:
            self._insert_data(by_graph)
        for graph, triples in by_graph.items():
            self._staged_size[graph] += len(triples)

    def _insert_data(self, by_graph: dict[str, list[ox.Triple]]) -> None:
        """``INSERT DATA`` requests of about UPDATE_BATCH_BYTES each, a graph never split across two."""
        parts: list[str] = []
        size = 0
        requests: list[str] = []
        for graph, triples in by_graph.items():
            body = serialize_rdf(triples, "ntriples").decode("utf-8")
            parts.append(f"GRAPH {ox.NamedNode(self._staging_name(graph))} {{\n{body}}}\n")
            size += len(body)
            if size >= UPDATE_BATCH_BYTES:
                requests.append("INSERT DATA {\n" + "".join(parts) + "}")
                parts, size = [], 0
        if parts:
            requests.append("INSERT DATA {\n" + "".join(parts) + "}")
        _run_all(lambda text: self._writer.update(text, "uploading graphs"), requests)

    def load(self, data: bytes, format_name: str) -> None:
        """A serialised dataset added to the graphs it names, IRIs resolved against the base."""
        self.add_quads(ox.parse(data, RDF_FORMATS[format_name], base_iri=self._store.base_iri))

    def graph_iris(self) -> list[str]:
        kept = {g for g in self._live if g not in self._removed}
        return sorted(kept | {g for g, n in self._staged_size.items() if n})

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        graphs = [graph] if graph else self.graph_iris()
        for name in graphs:
            if name in self._staged:
                target = ox.NamedNode(name)
                for quad in self._store.graph_quads([self._staged[name]]):
                    yield ox.Quad(quad.subject, quad.predicate, quad.object, target)
            elif name in self._live and name not in self._removed:
                yield from self._store.graph_quads([name])

    def count(self) -> int:
        """Triples the store will hold in the publisher's graphs once this release is committed."""
        staged = sum(self._store.graph_sizes(list(self._staged.values())).values())
        if self.in_place:
            return staged
        replaced = sorted((self._removed | set(self._staged)) & self._live)
        return self._store.size() - sum(self._store.graph_sizes(replaced).values()) + staged

    def commit(self, optimize: bool = True) -> str:
        """Switch every changed graph in, and the release marker, in one update request; returns the id.

        ``optimize`` is the embedded store's: a SPARQL store manages its own storage.
        """
        operations = []
        for graph, staging in sorted(self._staged.items()):
            if self._staged_size[graph]:
                if staging != graph:
                    operations.append(f"MOVE {ox.NamedNode(staging)} TO {ox.NamedNode(graph)}")
            else:
                operations.append(f"DROP SILENT GRAPH {ox.NamedNode(staging)}")
                operations.append(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
        for graph in sorted(self._removed - set(self._staged)):
            operations.append(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
        marker = ox.NamedNode(self._store.release_graph)
        operations.append(f"DROP SILENT GRAPH {marker}")
        operations.append(f"INSERT DATA {{ GRAPH {marker} {{ {marker} <{OWL_VERSION_INFO}> "
                          f"{ox.Literal(self.release_id)} }} }}")
        try:
            self._writer.update(" ;\n".join(operations), f"switching to release {self.release_id}")
        except _NotDelivered as exc:
            self.abort()
            raise StoreUnavailable(f"{exc}; nothing was published") from None
        except StoreUnavailable as exc:
            # The store may have applied the switch and failed to say so (a time limit, a lost connection).
            try:
                applied = self._store.published_release() == self.release_id
            except StoreUnavailable:
                self._done = True
                raise StoreUnavailable(
                    f"{exc}; the store stopped answering during the switch to release {self.release_id}, "
                    "which it applies whole or not at all: the next build compares it with the sources") from None
            if not applied:
                self.abort()
                raise StoreUnavailable(f"{exc}; nothing was published") from None
        except BaseException:
            self.abort()
            raise
        self._done = True
        return self.release_id

    def abort(self) -> None:
        """Drop this release's staging graphs, if the store can be reached; the next build drops them otherwise."""
        if self._done:
            return
        self._done = True
        if self._staged:
            drops = " ;\n".join(f"DROP SILENT GRAPH {ox.NamedNode(name)}" for name in self._staged.values())
            try:
                self._writer.update(drops, "dropping the staging graphs of an aborted release")
            except (StoreUnavailable, ValueError):
                pass


def _run_all(work: Callable[[T], None], items: list[T]) -> None:
    """``work`` on every item, a few at a time; the first failure is raised once all have stopped."""
    if len(items) <= 1:
        for item in items:
            work(item)
        return
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        for future in [pool.submit(work, item) for item in items]:
            future.result()


class SparqlService:
    """A SPARQL store as the target of builds and the source of servers (see the module docstring)."""

    def __init__(self, endpoints: SparqlEndpoints, base_iri: str) -> None:
        self.endpoints = endpoints
        self.base_iri = base_iri
        self.writer = _Writer(endpoints)
        self._reader = SparqlStore(endpoints, base_iri)

    def reader(self) -> SparqlStore:
        return self._reader

    def begin_release(self) -> SparqlRelease:
        """A new release over the published data; staging graphs left by an interrupted build are dropped."""
        if not self.endpoints.update_url:
            raise ValueError("building into a SPARQL store needs setting sparql_update_url, "
                             "the store's update endpoint")
        store = SparqlStore(self.endpoints, self.base_iri)
        live = store.graph_iris()
        leftovers = store.staging_graphs()
        if leftovers:
            self.writer.update(" ;\n".join(f"DROP SILENT GRAPH {ox.NamedNode(g)}" for g in leftovers),
                               "dropping the staging graphs of an interrupted build")
        first = not live and store.published_release() is None
        release_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.{time.time_ns() % 10**9:09d}"
        return SparqlRelease(self, release_id, live, in_place=first)

    def kept_releases(self) -> set[str]:
        """The releases whose files are kept: the store holds only the current one."""
        try:
            return {self._reader.version}
        except StoreUnavailable:
            return set()
