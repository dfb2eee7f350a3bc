"""The back ends the behavioural suite runs over: the embedded store, ``oxigraph serve`` and Virtuoso 7.

A :class:`Backend` builds sources into its store, reads it through the store seam and serves it
with a real ``atlas-ld serve`` process, all selected by the same settings a deployment would set
(``ATLAS_LD_STORE`` and the ``ATLAS_LD_SPARQL_*`` variables). Every scenario gets a store of its
own: a fresh folder, or a fresh server process on a fresh data folder.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from publisher.build import BuildReport, build
from publisher.settings import Settings, load_settings
from publisher.store import Store, open_store_target
from tests.backends.stores import ExternalStore, OxigraphServer, VirtuosoServer
from tests.conftest import BASE_IRI, Server, start_server

BACKENDS = ["embedded", "oxigraph-server", "virtuoso"]
EXTERNAL_BACKENDS = ["oxigraph-server", "virtuoso"]


@dataclass
class Backend:
    """One kind of store, with the folder the build keeps its cache and reports in."""

    name: str
    folder: Path
    external: ExternalStore | None

    def env(self) -> dict[str, str]:
        return self.external.env() if self.external else {}

    def settings(self) -> Settings:
        return load_settings(environ=self.env(), base_iri=BASE_IRI)

    def build(self, paths: list[Path]) -> BuildReport:
        return build(paths, self.folder, self.settings())

    def reader(self) -> Store:
        """A fresh reader, as a new server process would open it."""
        return open_store_target(self.settings(), self.folder).reader()

    def serve(self, args: list[str] | None = None) -> Server:
        return start_server(self.folder, env=self.env(), args=args)

    def close(self) -> None:
        if self.external:
            self.external.stop()


def open_backend(name: str, folder: Path, **options: object) -> Backend:
    """A started back end of kind ``name`` in ``folder``; skips the test when the store cannot run here.

    ``oxigraph-server-update-only`` is the Oxigraph server written to through SPARQL Update alone
    (no Graph Store Protocol URL set); ``options`` go to the store's constructor.
    """
    if name == "embedded":
        return Backend(name, folder / "store", None)
    external: ExternalStore
    if name.startswith("oxigraph-server"):
        reason = OxigraphServer.unavailable()
        if reason:
            pytest.skip(f"{name}: {reason}")
        external = OxigraphServer(folder / name, graph_store=not name.endswith("update-only"),
                                  **options)  # type: ignore[arg-type]
    elif name == "virtuoso":
        reason = VirtuosoServer.unavailable()
        if reason:
            pytest.skip(f"{name}: {reason}")
        external = VirtuosoServer(folder / name)
    else:
        raise ValueError(f"unknown back end {name!r}")
    external.start()
    return Backend(name, folder / "store", external)


@pytest.fixture
def backend_factory(tmp_path: Path) -> Iterator[Callable[..., Backend]]:
    """Opens back ends for one test, and closes them after it."""
    opened: list[Backend] = []

    def open_(name: str, **options: object) -> Backend:
        backend = open_backend(name, tmp_path / name, **options)
        opened.append(backend)
        return backend

    yield open_
    for backend in opened:
        backend.close()
