"""The embedded back end: pyoxigraph stores on disk, one directory per release.

Layout of a store directory::

    DIR/releases/<release id>/   a complete pyoxigraph store
    DIR/current -> releases/<release id>

A release starts as a hard-linked checkpoint of the current one (cheap), takes the
build's changes, and becomes visible by atomically replacing the ``current``
link. A build that fails or is killed leaves ``current`` as it was.

A directory that is itself a pyoxigraph store (made by another program, for
example ``oxigraph load``) is read as it is: it has a single release, named
after its storage manifest, and cannot take new releases.
"""

from __future__ import annotations

import io
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from publisher.store.base import (
    RDF_FORMATS,
    QueryKind,
    QueryResult,
    SelectResult,
    StoreUnavailable,
    Term,
    select_result,
)

KEEP_RELEASES = 2
# Names the default graph where a graph IRI is expected (dump).
DEFAULT_GRAPH_NAME = ""
# RocksDB names its current manifest in this file, at the top of every store directory.
PLAIN_STORE_MARKER = "CURRENT"
PLAIN_RELEASE_PREFIX = "store:"


def _substitutions(bindings: Mapping[str, Term] | None) -> dict[ox.Variable, Term] | None:
    if not bindings:
        return None
    return {ox.Variable(name): value for name, value in bindings.items()}


class EmbeddedStore:
    """Read access to the current release of an :class:`EmbeddedStoreDirectory`.

    Re-opens the store when a build switches ``current`` to a new release, so a
    running server serves the new data without a restart.
    """

    def __init__(self, directory: EmbeddedStoreDirectory) -> None:
        self._directory = directory
        self._lock = threading.Lock()
        self._opened: tuple[str, ox.Store] | None = None

    def _store(self) -> ox.Store:
        release = self._directory.current_release()
        opened = self._opened
        if opened is not None and opened[0] == release:
            return opened[1]
        with self._lock:
            if self._opened is None or self._opened[0] != release:
                try:
                    store = ox.Store.read_only(str(self._directory.release_path(release)))
                except OSError as exc:
                    raise StoreUnavailable(f"cannot open release {release}: {exc}") from exc
                self._opened = (release, store)
            return self._opened[1]

    @property
    def directory(self) -> EmbeddedStoreDirectory:
        """The folder read, for processes that open the same store themselves."""
        return self._directory

    @property
    def version(self) -> str:
        return self._directory.current_release()

    def _query(self, query: str, bindings: Mapping[str, Term] | None) -> object:
        return self._store().query(
            query,
            base_iri=self._directory.base_iri,
            use_default_graph_as_union=True,
            substitutions=_substitutions(bindings),
        )

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        solutions = self._query(query, bindings)
        variables = [v.value for v in solutions.variables]  # type: ignore[attr-defined]
        return select_result(solutions, variables)  # type: ignore[arg-type]

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        return bool(self._query(query, bindings))

    def construct(self, query: str, bindings: Mapping[str, Term] | None = None) -> list[ox.Triple]:
        return list(self._query(query, bindings))  # type: ignore[call-overload]

    def execute(
        self,
        query: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
    ) -> QueryResult:
        kwargs: dict[str, object] = {"base_iri": self._directory.base_iri}
        if default_graphs is None and named_graphs is None:
            kwargs["use_default_graph_as_union"] = True
        else:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs or []]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs or []]
        raw = self._store().query(query, **kwargs)  # type: ignore[arg-type]
        if isinstance(raw, ox.QuerySolutions):
            return QueryResult(QueryKind.SELECT, raw)
        if isinstance(raw, ox.QueryBoolean):
            return QueryResult(QueryKind.ASK, raw)
        return QueryResult(QueryKind.GRAPH, raw)

    def graph_iris(self) -> list[str]:
        return sorted(g.value for g in self._store().named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        graph_name = ox.NamedNode(graph) if graph else None
        return self._store().quads_for_pattern(None, None, None, graph_name)

    def dump(self, format_name: str, graph: str | None = None, prefixes: Mapping[str, str] | None = None) -> bytes:
        """The data serialised by the store itself: the whole dataset (N-Quads, TriG, JSON-LD) or one graph."""
        store = self._store()
        kwargs: dict[str, object] = {"prefixes": dict(prefixes)} if prefixes else {}
        if graph is not None:
            kwargs["from_graph"] = ox.DefaultGraph() if graph == DEFAULT_GRAPH_NAME else ox.NamedNode(graph)
        return store.dump(None, RDF_FORMATS[format_name], **kwargs)  # type: ignore[no-any-return]

    def count(self) -> int:
        return len(self._store())


class ScratchStore:
    """An in-memory store for work on data that is not published yet (a build's graphs being validated)."""

    def __init__(self, quads: Iterable[ox.Quad] = (), documents: Iterable[tuple[bytes, str]] = (),
                 base_iri: str | None = None) -> None:
        self._store = ox.Store()
        for data, format_name in documents:
            self._store.bulk_load(data, RDF_FORMATS[format_name], base_iri=base_iri)
        self._store.bulk_extend(quads)

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> SelectResult:
        solutions = self._store.query(query, use_default_graph_as_union=True,
                                      substitutions=_substitutions(bindings))
        variables = [v.value for v in solutions.variables]  # type: ignore[union-attr]
        return select_result(solutions, variables)  # type: ignore[arg-type]

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        graph_name = ox.NamedNode(graph) if graph else None
        return self._store.quads_for_pattern(None, None, None, graph_name)

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        self.remove_graph(graph)
        name = ox.NamedNode(graph)
        self._store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)

    def remove_graph(self, graph: str) -> None:
        name = ox.NamedNode(graph)
        if self._store.contains_named_graph(name):
            self._store.remove_graph(name)

    def has_graph(self, graph: str) -> bool:
        return bool(self._store.contains_named_graph(ox.NamedNode(graph)))

    def dump(self, format_name: str = "nquads", prefixes: Mapping[str, str] | None = None) -> bytes:
        """The dataset (N-Quads, TriG, JSON-LD), or the default graph in a triple format."""
        out = io.BytesIO()
        kwargs: dict[str, object] = {"prefixes": dict(prefixes)} if prefixes else {}
        if not RDF_FORMATS[format_name].supports_datasets:
            kwargs["from_graph"] = ox.DefaultGraph()
        self._store.dump(out, RDF_FORMATS[format_name], **kwargs)
        return out.getvalue()


def scratch_store(quads: Iterable[ox.Quad] = (), documents: Iterable[tuple[bytes, str]] = (),
                  base_iri: str | None = None) -> ScratchStore:
    """An in-memory store holding ``quads`` and the serialised ``documents`` ((bytes, format name) pairs)."""
    return ScratchStore(quads, documents, base_iri)


class EmbeddedRelease:
    """A release being written: a private copy of the current store."""

    def __init__(self, directory: EmbeddedStoreDirectory, release_id: str, store: ox.Store) -> None:
        self._directory = directory
        self.release_id = release_id
        self._store = store
        self._done = False

    def replace_graph(self, graph: str, quads: Iterable[ox.Quad]) -> None:
        name = ox.NamedNode(graph)
        if self._store.contains_named_graph(name):
            self._store.remove_graph(name)
        self._store.extend(ox.Quad(q.subject, q.predicate, q.object, name) for q in quads)

    def remove_graph(self, graph: str) -> None:
        name = ox.NamedNode(graph)
        if self._store.contains_named_graph(name):
            self._store.remove_graph(name)

    def add_quads(self, quads: Iterable[ox.Quad]) -> None:
        """Quads added in bulk, each in the graph it names (fast: the release is private until commit)."""
        self._store.bulk_extend(quads)

    def load(self, data: bytes, format_name: str) -> None:
        """A serialised dataset (quads in the graphs it names) added in bulk, IRIs resolved against the base."""
        self._store.bulk_load(data, RDF_FORMATS[format_name], base_iri=self._directory.base_iri)

    def graph_iris(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        graph_name = ox.NamedNode(graph) if graph else None
        return self._store.quads_for_pattern(None, None, None, graph_name)

    def query(self, query: str, bindings: Mapping[str, Term] | None = None) -> object:
        return self._store.query(
            query,
            base_iri=self._directory.base_iri,
            use_default_graph_as_union=True,
            substitutions=_substitutions(bindings),
        )

    def count(self) -> int:
        return len(self._store)

    def commit(self, optimize: bool = True) -> str:
        """Make this release the one served, atomically; returns its id.

        ``optimize`` compacts the store first: worth it after large changes, not after a few graphs.
        """
        self._store.flush()
        if optimize:
            self._store.optimize()
        del self._store
        self._directory.switch_to(self.release_id)
        self._done = True
        return self.release_id

    def abort(self) -> None:
        if not self._done:
            del self._store
            shutil.rmtree(self._directory.releases / self.release_id, ignore_errors=True)
            self._done = True


class EmbeddedStoreDirectory:
    """A folder of releases with a ``current`` link (see the module docstring)."""

    def __init__(self, path: Path | str, base_iri: str) -> None:
        self.path = Path(path)
        self.base_iri = base_iri
        self.releases = self.path / "releases"
        self.current = self.path / "current"

    def exists(self) -> bool:
        return self.current.is_symlink()

    def is_plain_store(self) -> bool:
        """Whether the directory is a pyoxigraph store itself rather than a folder of releases."""
        return not self.exists() and (self.path / PLAIN_STORE_MARKER).is_file()

    def current_release(self) -> str:
        try:
            return os.path.basename(os.readlink(self.current))
        except FileNotFoundError:
            pass
        try:
            return PLAIN_RELEASE_PREFIX + (self.path / PLAIN_STORE_MARKER).read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            raise StoreUnavailable(
                f"no data published in {self.path} yet: run `atlas-ld build SOURCES --store {self.path}`"
            ) from None

    def release_path(self, release_id: str) -> Path:
        """Where the pyoxigraph store of a release lives."""
        if release_id.startswith(PLAIN_RELEASE_PREFIX):
            return self.path
        return self.releases / release_id

    def current_path(self) -> Path:
        """The pyoxigraph store served now (for tools that read it directly, such as benchmarks)."""
        return self.release_path(self.current_release())

    def reader(self) -> EmbeddedStore:
        return EmbeddedStore(self)

    def begin_release(self) -> EmbeddedRelease:
        """A new release holding a copy of the current data, or an empty one on a first build."""
        if self.is_plain_store():
            raise ValueError(
                f"{self.path} is a pyoxigraph store made by another program: it can be served, "
                "not built into; build into another folder"
            )
        self.releases.mkdir(parents=True, exist_ok=True)
        release_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.{time.time_ns() % 10**9:09d}"
        target = self.releases / release_id
        if self.exists():
            previous = ox.Store.read_only(str(self.releases / self.current_release()))
            previous.backup(str(target))
            del previous
        return EmbeddedRelease(self, release_id, ox.Store(str(target)))

    def kept_releases(self) -> set[str]:
        return {p.name for p in self.releases.iterdir()} if self.releases.is_dir() else set()

    def switch_to(self, release_id: str) -> None:
        """Point ``current`` at a release: a new link renamed over the old one, atomic on POSIX."""
        link = self.path / f".current-{secrets.token_hex(4)}"
        os.symlink(os.path.join("releases", release_id), link)
        os.replace(link, self.current)
        for stale in self.path.glob(".current-*"):  # left by a build killed between the two calls above
            stale.unlink(missing_ok=True)
        self._remove_old_releases(keep=release_id)

    def _remove_old_releases(self, keep: str) -> None:
        releases = sorted(p for p in self.releases.iterdir() if p.is_dir())
        older = [p for p in releases if p.name != keep]
        for stale in older[:-(KEEP_RELEASES - 1)] if KEEP_RELEASES > 1 else older:
            shutil.rmtree(stale, ignore_errors=True)
