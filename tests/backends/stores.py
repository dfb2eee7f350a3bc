"""Real SPARQL stores for the tests: the Oxigraph server and Virtuoso Open Source 7, in temporary folders.

Each store listens on 127.0.0.1 only, on free ports, and can be stopped and started again on
the same data (the failure tests do). A store that cannot run here says why, and its tests skip.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import free_port

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0


class ExternalStore:
    """A store server process in ``folder``; subclasses say how to start it and where it answers."""

    name = "store"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.log = folder / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def query_url(self) -> str:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        """The publisher's settings (as environment variables) that select this store."""
        raise NotImplementedError

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(self.command(), cwd=self.folder, stdout=sink, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            try:
                answer = requests.post(self.query_url, data={"query": "ASK {}"},
                                       headers={"Accept": "application/sparql-results+json"}, timeout=5)
                if answer.status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {START_TIMEOUT_S:g} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-4000:]

    def sparql(self, query: str) -> list[dict[str, str]]:
        """Rows of a SELECT, asked directly (not through the publisher), each term as its value."""
        answer = requests.post(self.query_url, data={"query": query},
                               headers={"Accept": "application/sparql-results+json"}, timeout=30)
        answer.raise_for_status()
        return [{k: v["value"] for k, v in row.items()} for row in answer.json()["results"]["bindings"]]


class OxigraphServer(ExternalStore):
    """``oxigraph serve`` (PyPI package oxigraph), its default graph the union of the named graphs."""

    name = "oxigraph serve"

    def __init__(self, folder: Path, graph_store: bool = True, timeout_s: int | None = None) -> None:
        super().__init__(folder)
        self.port = free_port()
        self.graph_store = graph_store
        self.timeout_s = timeout_s

    @staticmethod
    def unavailable() -> str | None:
        return None if OXIGRAPH.is_file() else f"{OXIGRAPH} not found: install the test extra (pip install -e .[test])"

    def command(self) -> list[str]:
        limit = ["--timeout-s", str(self.timeout_s)] if self.timeout_s else []
        return [str(OXIGRAPH), "serve", "--location", str(self.folder / "data"),
                "--bind", f"127.0.0.1:{self.port}", "--union-default-graph", *limit]

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def env(self) -> dict[str, str]:
        root = f"http://127.0.0.1:{self.port}"
        env = {
            "ATLAS_LD_STORE": "sparql",
            "ATLAS_LD_SPARQL_QUERY_URL": root + "/query",
            "ATLAS_LD_SPARQL_UPDATE_URL": root + "/update",
        }
        if self.graph_store:
            env["ATLAS_LD_SPARQL_GRAPH_STORE_URL"] = root + "/store"
        return env


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {folder}/virtuoso.db
ErrorLogFile = {folder}/virtuoso.log
LockFile = {folder}/virtuoso.lck
TransactionFile = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {folder}
NumberOfBuffers = 20000
MaxDirtyBuffers = 12000
ThreadsPerQuery = 2
; ORDER BY with a LIMIT above 10000: the static export asks for whole lists (LIMIT 1000000).
MaxSortedTopRows = 1000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {folder}/www
MaxClientConnections = 20
ServerThreads = 20
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
"""

# Virtuoso's own graphs (its RDF views, the LDP vocabulary, ...) are in its default graph unless hidden:
# they are made private, readable by dba only, so that anonymous /sparql sees the publisher's graphs alone.
HIDE_GRAPH = "DB.DBA.RDF_GRAPH_GROUP_INS ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', '{graph}');"
HIDE_SETUP = ("DB.DBA.RDF_GRAPH_GROUP_CREATE ('http://www.openlinksw.com/schemas/virtrdf#PrivateGraphs', 1);"
              "{hide}"
              "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0, 1);"
              "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1, 0);")


class VirtuosoServer(ExternalStore):
    """Virtuoso Open Source 7 (Debian's virtuoso-opensource) with a generated virtuoso.ini.

    The publisher reads through ``/sparql`` (anonymous) and writes through ``/sparql-auth`` and
    ``/sparql-graph-crud-auth`` as ``dba``, with digest authentication and a password set here.
    """

    name = "virtuoso-t"
    password = "atlas-test-password"

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.http_port = free_port()
        self.sql_port = free_port()
        self.prepared = False
        (folder / "www").mkdir(exist_ok=True)
        (folder / "virtuoso.ini").write_text(
            VIRTUOSO_INI.format(folder=folder, sql_port=self.sql_port, http_port=self.http_port), encoding="utf-8")

    @staticmethod
    def unavailable() -> str | None:
        missing = [tool for tool in ("virtuoso-t", "isql-vt") if shutil.which(tool) is None]
        if missing:
            return (f"{' and '.join(missing)} not found: install Debian's virtuoso-opensource "
                    "(`make test` does, when run as root)")
        return None

    def command(self) -> list[str]:
        return ["virtuoso-t", "+foreground", "+configfile", str(self.folder / "virtuoso.ini")]

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/sparql"

    def env(self) -> dict[str, str]:
        root = f"http://127.0.0.1:{self.http_port}"
        return {
            "ATLAS_LD_STORE": "sparql",
            "ATLAS_LD_SPARQL_QUERY_URL": root + "/sparql",
            "ATLAS_LD_SPARQL_UPDATE_URL": root + "/sparql-auth",
            "ATLAS_LD_SPARQL_GRAPH_STORE_URL": root + "/sparql-graph-crud-auth",
            "ATLAS_LD_SPARQL_USER": "dba",
            "ATLAS_LD_SPARQL_PASSWORD": self.password,
            "ATLAS_LD_SPARQL_AUTH": "digest",
        }

    def start(self) -> None:
        super().start()
        if not self.prepared:
            graphs = [row["g"] for row in self.sparql("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")]
            self.isql(HIDE_SETUP.format(hide="".join(HIDE_GRAPH.format(graph=g) for g in graphs)),
                      f"USER_CHANGE_PASSWORD ('dba', 'dba', '{self.password}');")
            self.prepared = True

    def isql(self, *statements: str) -> None:
        password = self.password if self.prepared else "dba"
        result = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", password, "exec=" + "".join(statements)],
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or "*** Error" in result.stdout + result.stderr:
            raise RuntimeError(f"isql-vt failed:\n{result.stdout}\n{result.stderr}")
