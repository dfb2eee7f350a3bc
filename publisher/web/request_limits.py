"""Requests refused before any view reads them: too long, or not well-formed.

Every route shares these rules, so no view has to repeat them:

* a query string longer than ``max_request_bytes`` gets ``414``;
* a query string or form body with a ``%`` not followed by two hex digits, or whose bytes are
  not UTF-8 once decoded (RFC 3986 §2.1, WHATWG URL "application/x-www-form-urlencoded"), gets
  ``400``: a lenient decoding would answer a question the client did not ask;
* a body sent without ``Content-Length`` (chunked) is read here up to ``max_request_bytes``,
  and gets ``413`` past it. The WSGI layer caps such a stream at the limit without saying so,
  so a longer body would otherwise reach the views cut short.
"""

from __future__ import annotations

import io
import re
import urllib.parse

from flask import Flask, Response, abort, request

from publisher.settings import Settings

BAD_ESCAPE = re.compile(rb"%(?![0-9A-Fa-f]{2})")
CHUNK = 64 * 1024
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def encoding_problem(encoded: bytes) -> str | None:
    """Why ``encoded`` (a query string or form body) is not well-formed, or None when it is."""
    bad = BAD_ESCAPE.search(encoded)
    if bad:
        return f"'%' not followed by two hexadecimal digits at position {bad.start()}"
    try:
        urllib.parse.unquote_to_bytes(encoded.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 once percent-decoded ({exc.reason} at byte {exc.start})"
    return None


def _refuse(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _read_unsized_body(limit: int) -> None:
    """Read a body sent without Content-Length, refusing it past ``limit``; the views then read it as sized."""
    environ = request.environ
    stream = environ["wsgi.input"]
    body = bytearray()
    while len(body) <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - len(body)))
        if not chunk:
            break
        body += chunk
    if len(body) > limit:
        abort(413)
    environ["wsgi.input"] = io.BytesIO(bytes(body))
    environ["CONTENT_LENGTH"] = str(len(body))


def install(app: Flask, settings: Settings) -> None:
    """Check every request of ``app`` against the rules above before its view runs."""
    limit = settings.max_request_bytes

    @app.before_request
    def _check_request() -> Response | None:
        query_string = request.query_string
        if len(query_string) > limit:
            return _refuse(414, f"The query string is over {limit} bytes (setting max_request_bytes).")
        problem = encoding_problem(query_string)
        if problem:
            return _refuse(400, f"Malformed query string: {problem}.")
        if request.method not in BODY_METHODS:
            return None
        if request.content_length is None and request.environ.get("wsgi.input_terminated"):
            _read_unsized_body(limit)
        if request.mimetype == "application/x-www-form-urlencoded":
            problem = encoding_problem(request.get_data(cache=True))
            if problem:
                return _refuse(400, f"Malformed form body: {problem}.")
        return None
