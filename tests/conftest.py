"""Fixtures shared by the test modules: the seed built into a store, and a real server on it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from publisher.build import BuildReport, build
from publisher.settings import load_settings

TESTS = Path(__file__).resolve().parent
SEED_DIR = TESTS / "data" / "seed"
BASE_IRI = "https://atlas-ld.example/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BuiltStore:
    path: Path
    report: BuildReport


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> BuiltStore:
    """The seed page built into an embedded store (once per test session)."""
    path = tmp_path_factory.mktemp("seed-store")
    report = build([SEED_DIR], path, load_settings(environ={}, base_iri=BASE_IRI))
    return BuiltStore(path, report)


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    store: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def iri_url(self, iri: str) -> str:
        """The local URL serving an IRI minted under the base IRI."""
        assert iri.startswith(BASE_IRI), iri
        return self.url + "/" + iri[len(BASE_IRI):]


def start_server(store: Path, env: dict[str, str] | None = None, args: list[str] | None = None) -> Server:
    """``atlas-ld serve`` on ``store`` with ``env`` set and extra command-line ``args``."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_LD_")}
    environment.update(env or {})
    log = Path(tempfile.mkstemp(prefix="atlas-ld-serve-", suffix=".log")[1])
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "publisher", "serve", "--store", str(store), "--port", str(port),
             "--base-iri", BASE_IRI, *(args or [])],
            stdout=sink, stderr=subprocess.STDOUT, env=environment,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"atlas-ld serve exited with {process.returncode}:\n{output}")
        try:
            requests.get(url + "/sparql", headers={"Accept": "text/turtle"}, timeout=1)
            return Server(url, process, store, log)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("atlas-ld serve did not answer within 30 s")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def seed_server(seed_store: BuiltStore) -> Iterator[Server]:
    """A real ``atlas-ld serve`` process serving the seed store."""
    server = start_server(seed_store.path)
    yield server
    stop_server(server)
