"""Running one user's SPARQL query to its serialised answer, in a worker process.

The endpoint sends each query from ``/sparql`` to a worker process (see
``publisher.web.query_pool``) so that a query can be stopped whatever it does:
pyoxigraph cannot interrupt a running query, but the process running it can be
killed. This module is what runs in that process: it opens the store through the
store seam, answers :class:`QueryJob` messages with :class:`QueryOutcome`
messages, and exits when the server goes away.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from publisher.store import EmbeddedStoreDirectory, QueryKind, Store, StoreUnavailable

# prctl(2) option asking the kernel to signal this process when its parent thread ends.
PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class QueryJob:
    """A query with the SPARQL Protocol's dataset and the formats the client accepts."""

    query: str
    default_graphs: list[str] | None
    named_graphs: list[str] | None
    result_format: str | None
    """Format of a SELECT or ASK answer (a key of ``RESULT_FORMATS``); None: the client accepts none."""
    graph_format: str | None
    """Format of a CONSTRUCT or DESCRIBE answer (a key of ``RDF_FORMATS``); None: the client accepts none."""
    max_rows: int
    prefixes: dict[str, str] = field(default_factory=dict)
    truncation_notice: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QueryOutcome:
    """What became of a :class:`QueryJob`: ``status`` is one of the class constants."""

    OK = "ok"
    SYNTAX_ERROR = "syntax-error"
    NOT_ACCEPTABLE = "not-acceptable"
    UNAVAILABLE = "unavailable"
    FAILED = "failed"

    status: str
    kind: QueryKind | None = None
    format_name: str | None = None
    body: bytes = b""
    truncated: bool = False
    message: str = ""


def run_query(store: Store, job: QueryJob) -> QueryOutcome:
    """The answer to ``job``, serialised, or why there is none."""
    try:
        result = store.execute(job.query, default_graphs=job.default_graphs, named_graphs=job.named_graphs)
        format_name = job.graph_format if result.kind is QueryKind.GRAPH else job.result_format
        if format_name is None:
            return QueryOutcome(QueryOutcome.NOT_ACCEPTABLE, kind=result.kind)
        body, truncated = result.serialize_limited(
            format_name, job.max_rows, job.prefixes, job.truncation_notice)
    except SyntaxError as exc:
        return QueryOutcome(QueryOutcome.SYNTAX_ERROR, message=str(exc))
    except StoreUnavailable as exc:
        return QueryOutcome(QueryOutcome.UNAVAILABLE, message=str(exc))
    except Exception as exc:  # evaluation errors (a SERVICE that fails, a store read error) go to the client
        return QueryOutcome(QueryOutcome.FAILED, message=f"{type(exc).__name__}: {exc}")
    return QueryOutcome(QueryOutcome.OK, kind=result.kind, format_name=format_name, body=body,
                        truncated=truncated)


def _exit_with_parent(parent_pid: int) -> None:
    """Have the kernel kill this process when the server that started it ends, even mid-query."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(0)


def serve_queries(connection: Connection, store_dir: str, base_iri: str, parent_pid: int) -> None:
    """The worker process's loop: one job in, one outcome out, until the server closes the pipe."""
    _exit_with_parent(parent_pid)
    # The server stops workers itself; Ctrl-C in a terminal reaches the whole process group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    store = EmbeddedStoreDirectory(store_dir, base_iri).reader()
    connection.send(QueryOutcome(QueryOutcome.OK, message="ready"))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        connection.send(run_query(store, job))
