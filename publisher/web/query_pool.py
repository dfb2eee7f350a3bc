"""Worker processes that run the queries sent to ``/sparql``, each stoppable at any moment.

pyoxigraph has no way to interrupt a query, and one query can keep a core busy for
hours (a cross product of a few ``VALUES`` blocks is enough). So the endpoint never
runs a user's query in the web server's process: a :class:`QueryPool` keeps
``query_workers`` processes (see ``publisher.query_runner``), hands each query to an
idle one and waits for its answer. When the time limit passes, or the client closes
its connection, the worker is killed, the client (if still there) gets a 503, and a
fresh worker takes its place; the other workers and the server's other requests
carry on.

Pools belong to processes: under gunicorn each HTTP worker process starts its own
pool after the fork (a pool remembers the pid that made it), so the machine runs
``workers × query_workers`` query processes. Entity pages and internal queries do not
go through the pool: they run in-process on short, known queries.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import queue
import socket
import sys
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from pathlib import Path

from flask import Flask

from publisher.query_runner import QueryJob, QueryOutcome, run_query, serve_queries
from publisher.store import EmbeddedStore, Store

STARTUP_TIMEOUT_S = 60.0
RESPAWN_DELAY_S = 1.0
# How often a request waiting for a free worker looks at its client's connection.
IDLE_POLL_S = 0.25


class QueryTimeout(Exception):
    """The query ran past the time limit, or waited that long for a free worker, and was stopped."""

    def __init__(self, while_waiting: bool) -> None:
        super().__init__("no free query worker in time" if while_waiting else "the query ran out of time")
        self.while_waiting = while_waiting


class ClientGone(Exception):
    """The client closed its connection before the answer was ready; the query was stopped."""


class WorkerCrashed(Exception):
    """The worker process died while running the query (out of memory, for example)."""


class ClientWatch:
    """The client's TCP connection, read without consuming to notice when it closes.

    A client that shuts down its sending side after the request (rare among HTTP clients)
    looks gone too, as it does to any server that watches for disconnection this way.
    """

    def __init__(self, sock: socket.socket | None) -> None:
        self.sock = sock
        self.watching = sock is not None

    @classmethod
    def from_environ(cls, environ: dict[str, object]) -> ClientWatch:
        """The connection of a WSGI request, as gunicorn and werkzeug's server expose it."""
        sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        return cls(sock if isinstance(sock, socket.socket) else None)

    def gone(self) -> bool:
        if self.sock is None or not self.watching:
            return False
        try:
            data = self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
        if data:
            # A pipelined next request: the client is there, and its socket will stay readable.
            self.watching = False
            return False
        return True


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection


class QueryPool:
    """``size`` worker processes reading the store in ``store_dir``."""

    def __init__(self, store_dir: Path, base_iri: str, size: int) -> None:
        self.pid = os.getpid()
        self.size = size
        self._store_dir = str(store_dir)
        self._base_iri = base_iri
        # spawn, not fork: the server has threads, and a worker needs none of its state.
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._workers: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._spawn_requests: queue.SimpleQueue[bool] = queue.SimpleQueue()
        # Workers are started from this one long-lived thread: the kernel signal that stops a
        # worker when the server dies is tied to the thread that started it.
        self._spawner = threading.Thread(target=self._spawn_loop, name="query-pool-spawner", daemon=True)
        self._spawner.start()
        for _ in range(size):
            self._spawn_requests.put(True)

    # -- Worker life cycle --

    def _spawn_loop(self) -> None:
        while self._spawn_requests.get() and not self._closed:
            try:
                worker = self._start_worker()
            except OSError as exc:
                print(f"atlas-ld: cannot start a query worker: {exc}", file=sys.stderr)
                time.sleep(RESPAWN_DELAY_S)
                self._spawn_requests.put(True)
                continue
            threading.Thread(target=self._await_ready, args=(worker,), daemon=True).start()

    def _start_worker(self) -> _Worker:
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=serve_queries, args=(child_end, self._store_dir, self._base_iri, os.getpid()),
            name="atlas-ld-query-worker", daemon=True,
        )
        process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        try:
            if worker.connection.poll(STARTUP_TIMEOUT_S):
                worker.connection.recv()
                self._idle.put(worker)
                return
        except (EOFError, OSError):
            pass
        print(f"atlas-ld: query worker {worker.process.pid} did not start (exit code "
              f"{worker.process.exitcode}); starting another", file=sys.stderr)
        self._stop(worker)
        time.sleep(RESPAWN_DELAY_S)
        self._request_worker()

    def _stop(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.discard(worker)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join(timeout=10)
        worker.connection.close()

    def _request_worker(self) -> None:
        if not self._closed:
            self._spawn_requests.put(True)

    def _replace(self, worker: _Worker) -> None:
        self._stop(worker)
        self._request_worker()

    def close(self) -> None:
        """Stop every worker (idle or busy); the pool takes no more queries."""
        self._closed = True
        self._spawn_requests.put(False)
        with self._lock:
            workers = list(self._workers)
        for worker in workers:
            self._stop(worker)

    # -- Running queries --

    def _acquire(self, deadline: float, client: ClientWatch) -> _Worker:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise QueryTimeout(while_waiting=True)
            try:
                worker = self._idle.get(timeout=min(remaining, IDLE_POLL_S))
            except queue.Empty:
                if client.gone():
                    raise ClientGone() from None
                continue
            if worker.process.is_alive():
                return worker
            self._replace(worker)

    def run(self, job: QueryJob, timeout_s: float, client: ClientWatch | None = None) -> QueryOutcome:
        """The outcome of ``job``, or :class:`QueryTimeout`, :class:`ClientGone`, :class:`WorkerCrashed`.

        ``timeout_s`` covers the whole wait, queueing for a free worker included.
        """
        if self._closed:
            raise WorkerCrashed("the query pool is closed")
        client = client or ClientWatch(None)
        deadline = time.monotonic() + timeout_s
        worker: _Worker | None = self._acquire(deadline, client)
        assert worker is not None
        try:
            worker.connection.send(job)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise QueryTimeout(while_waiting=False)
                watched: list[object] = [worker.connection]
                if client.watching:
                    watched.append(client.sock)
                ready = wait(watched, timeout=remaining)  # type: ignore[arg-type]
                if worker.connection in ready:
                    outcome: QueryOutcome = worker.connection.recv()
                    self._idle.put(worker)
                    worker = None
                    return outcome
                if ready and client.gone():
                    raise ClientGone()
        except (EOFError, OSError) as exc:
            raise WorkerCrashed(f"the query worker stopped ({type(exc).__name__})") from exc
        finally:
            if worker is not None:
                self._replace(worker)


class DirectQueries:
    """User queries sent to a remote SPARQL store, in the request's thread: the store's request
    timeout bounds them (setting query_timeout_s), so no process needs killing."""

    def __init__(self, store: Store) -> None:
        self.pid = os.getpid()
        self.store = store

    def run(self, job: QueryJob, timeout_s: float, client: ClientWatch | None = None) -> QueryOutcome:
        return run_query(self.store, job)


_pools_lock = threading.Lock()


def pool_for(app: Flask) -> QueryPool | DirectQueries:
    """The query pool of ``app`` in this process, started on first use."""
    pool: QueryPool | DirectQueries | None = app.extensions.get("atlas_query_pool")
    if pool is not None and pool.pid == os.getpid():
        return pool
    with _pools_lock:
        pool = app.extensions.get("atlas_query_pool")
        if pool is None or pool.pid != os.getpid():
            settings = app.extensions["atlas_settings"]
            store = app.extensions["atlas_store"]
            if not isinstance(store, EmbeddedStore):
                app.extensions["atlas_query_pool"] = DirectQueries(store)
                return app.extensions["atlas_query_pool"]  # type: ignore[no-any-return]
            size = settings.query_workers or 2 * (os.cpu_count() or 1)
            pool = QueryPool(store.directory.path, store.directory.base_iri, size)
            atexit.register(pool.close)
            app.extensions["atlas_query_pool"] = pool
    return pool
