"""HTTP caching (RFC 9111, RFC 9110 §13): validators, revalidation, and rendered answers kept per release.

Every page, RDF document and dump carries a strong ``ETag`` (a hash of its bytes, so it moves
exactly when the bytes do), a ``Last-Modified`` (when the data behind it last changed, from the
release manifest written by :func:`publisher.release_files.publish_release_files`) and a
``Cache-Control``. Conditional requests are answered ``304 Not Modified``.

Rendered answers are kept in memory keyed by the store's release, the path with its query string
and the ``Accept`` header: the data only changes with a new release, so a kept answer is right
until the next build, and a new build simply starts new keys.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from werkzeug.http import HTTP_STATUS_CODES, parse_date

from publisher.release_files import load_manifest, release_files_dir, release_time
from publisher.store import Store
from publisher.web.app import SECURITY_HEADERS

CACHE_CONTROL = "public, max-age=300"
DUMP_CACHE_CONTROL = "public, max-age=3600"
CACHED_STATUSES = {200, 303, 404, 406}
MAX_ENTRIES = 4096
MAX_BYTES = 96 * 1024 * 1024
MANIFEST_RETRY_S = 5.0


@dataclass
class Kept:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class ResponseCache:
    """A bounded least-recently-used map of rendered answers (thread-safe)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self._entries: OrderedDict[tuple[str, ...], Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes

    def get(self, key: tuple[str, ...]) -> Kept | None:
        with self._lock:
            kept = self._entries.get(key)
            if kept is not None:
                self._entries.move_to_end(key)
            return kept

    def put(self, key: tuple[str, ...], kept: Kept) -> None:
        size = len(kept.body)
        if size > self.max_bytes // 8:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous.body)
            self._entries[key] = kept
            self._bytes += size
            while self._entries and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                _key, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


class Publication:
    """What the server knows of the current release besides the store: its manifest and files."""

    def __init__(self, store_dir: Path, store: Store) -> None:
        self.store_dir = Path(store_dir)
        self.store = store
        self._manifests: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def manifest(self) -> dict[str, Any] | None:
        version = self.store.version
        known = self._manifests.get(version)
        if known is not None and (known[1] is not None or time.monotonic() - known[0] < MANIFEST_RETRY_S):
            return known[1]
        manifest = load_manifest(self.store_dir, version)
        with self._lock:
            self._manifests = {version: (time.monotonic(), manifest)}
        return manifest

    def files_dir(self) -> Path:
        return release_files_dir(self.store_dir, self.store.version)

    def data_modified(self) -> datetime:
        """When the published data last changed (any resource)."""
        manifest = self.manifest()
        if manifest:
            return _parse_time(manifest["data_modified"])
        return release_time(self.store.version)

    def resource_modified(self, iri: str) -> datetime:
        """When the data shown for ``iri`` last changed."""
        manifest = self.manifest()
        if manifest:
            entry = manifest["resources"].get(iri)
            if entry:
                return _parse_time(entry[1])
            return _parse_time(manifest["data_modified"])
        return release_time(self.store.version)


def _parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def publication() -> Publication:
    return current_app.extensions["atlas_publication"]  # type: ignore[no-any-return]


def describes(iri: str | None) -> None:
    """Tell the caching layer which resource the answer being built shows (for ``Last-Modified``)."""
    g.atlas_resource = iri


def _set_validators(response: Response) -> None:
    if response.status_code != 200 or response.direct_passthrough:
        return
    if "ETag" not in response.headers:
        body = response.get_data()
        response.set_etag(hashlib.blake2b(body, digest_size=12).hexdigest())
    if "Last-Modified" not in response.headers:
        pub = publication()
        iri = g.get("atlas_resource")
        response.last_modified = pub.resource_modified(iri) if iri else pub.data_modified()
    response.headers.setdefault("Cache-Control", CACHE_CONTROL)


def _matches(header: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, RFC 9110 §13.1.2)."""
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _not_modified(environ: dict[str, Any], headers: list[tuple[str, str]]) -> bool:
    found = {name.lower(): value for name, value in headers}
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        return "etag" in found and _matches(if_none_match, found["etag"])
    since, modified = environ.get("HTTP_IF_MODIFIED_SINCE"), found.get("last-modified")
    if since and modified:
        when, last = parse_date(since), parse_date(modified)
        return when is not None and last is not None and last <= when
    return False


# The security headers too: a 304 is a response like any other.
KEPT_ON_304 = {"etag", "last-modified", "cache-control", "vary", "content-location", "link",
               "access-control-allow-origin", *(name.lower() for name in SECURITY_HEADERS)}


class KeptAnswers:
    """WSGI middleware answering from the kept answers before the application is reached."""

    def __init__(self, app: Callable[..., Iterable[bytes]], store: Store, cache: ResponseCache) -> None:
        self.app = app
        self.store = store
        self.cache = cache

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        try:
            version = self.store.version
        except Exception:  # noqa: BLE001 -- the application answers this (503)
            return self.app(environ, start_response)
        key = (version, environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""),
               environ.get("HTTP_ACCEPT", ""))
        kept = self.cache.get(key)
        if kept is None:
            result = self.app(environ, start_response)
            answer = environ.get("atlas.kept")
            if isinstance(answer, Kept):
                self.cache.put(key, answer)
            return result
        if kept.status == 200 and _not_modified(environ, kept.headers):
            start_response("304 NOT MODIFIED", [(n, v) for n, v in kept.headers if n.lower() in KEPT_ON_304])
            return []
        start_response(f"{kept.status} {HTTP_STATUS_CODES.get(kept.status, '')}".strip(), kept.headers)
        return [] if method == "HEAD" else [kept.body]


def install(app: Flask, blueprints: set[str], store_dir: Path, store: Store) -> None:
    """Validators, 304s and kept answers for the views of ``blueprints``."""
    app.extensions["atlas_publication"] = Publication(store_dir, store)
    cache = ResponseCache()
    app.extensions["atlas_response_cache"] = cache
    app.wsgi_app = KeptAnswers(app.wsgi_app, store, cache)  # type: ignore[method-assign]

    @app.after_request
    def _validate_and_keep(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or request.blueprint not in blueprints:
            return response
        _set_validators(response)
        if response.status_code in CACHED_STATUSES and not response.direct_passthrough \
                and not g.get("atlas_no_keep"):
            body = response.get_data()
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
            request.environ["atlas.kept"] = Kept(response.status_code, headers, body)
        if response.status_code == 200:
            response.make_conditional(request)
        return response
