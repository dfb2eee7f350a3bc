"""Running the app: werkzeug's threaded server for a desk, gunicorn for production.

Under gunicorn each HTTP worker process loads the app itself (no preloading) and starts
its own query pool once forked, so no process inherits another's query workers.
Threads (``gthread`` workers) keep a process answering while some of its requests wait
for their queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from publisher.web.query_pool import pool_for


def serve_development(app: Flask, host: str, port: int) -> None:
    """One process, one thread per request (werkzeug's server)."""
    from werkzeug.serving import run_simple

    pool_for(app)  # start the query workers now rather than on the first query
    run_simple(host, port, app, threaded=True, use_reloader=False)


def serve_production(
    make_app: Callable[[], Flask], host: str, port: int, workers: int, threads: int, timeout_s: float
) -> None:
    """``workers`` gunicorn processes of ``threads`` threads each, every one with its own query pool."""
    from gunicorn.app.base import BaseApplication

    def warm_query_pool(worker: Any) -> None:
        pool_for(worker.wsgi)

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        # gthread workers heartbeat from their main thread, so this only bounds a stuck worker.
        "timeout": int(timeout_s) + 30,
        "graceful_timeout": int(timeout_s) + 5,
        # Long SPARQL queries come by GET too; the app enforces max_request_bytes on query strings.
        "limit_request_line": 0,
        "post_worker_init": warm_query_pool,
        # gunicorn ≥ 25 opens a control socket at one path per user, which two servers would share.
        "control_socket_disable": True,
    }

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for name, value in options.items():
                if name in self.cfg.settings:
                    self.cfg.set(name, value)

        def load(self) -> Flask:
            return make_app()

    Server().run()
