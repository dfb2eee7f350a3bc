"""The SPARQL endpoint: the SPARQL 1.1 Protocol's query operation, read-only, within hard limits.

https://www.w3.org/TR/sparql11-protocol/#query-operation

Queries come by GET, by POST form-encoded or by POST ``application/sparql-query``,
with ``default-graph-uri`` and ``named-graph-uri`` (several of each) describing the
dataset. Answers are negotiated by ``Accept`` or chosen by a ``format`` parameter.
Updates are refused. Each query runs in a worker process (``publisher.web.query_pool``)
and meets the limits set in the settings: ``query_timeout_s`` (503 past it),
``max_result_rows`` (longer answers are cut, with an ``X-Atlas-Truncated: true``
header and, in JSON, a ``truncated`` notice), ``max_request_bytes`` (413),
``federation_allowlist`` (SERVICE refused unless listed) and ``cors_allow_origin``.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from publisher.query_runner import QueryJob, QueryOutcome
from publisher.store import NamedNode, QueryKind, serialize_rdf
from publisher.web.app import current_settings
from publisher.web.federation import federation_refusal
from publisher.web.negotiation import choose
from publisher.web.prefixes import prefixes_for
from publisher.web.query_pool import ClientGone, ClientWatch, QueryTimeout, WorkerCrashed, pool_for
from publisher.web.service_description import PREFIXES as SD_PREFIXES
from publisher.web.service_description import service_description_triples

blueprint = Blueprint("sparql", __name__)

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "text/plain": "ntriples",
}
# Values of the ``format`` parameter: short names, then any media type offered above.
FORMAT_NAMES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "ttl": "text/turtle",
    "ntriples": "application/n-triples",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "rdf": "application/rdf+xml",
}
# The same short names, read for a CONSTRUCT or DESCRIBE answer.
GRAPH_FORMAT_NAMES = {**FORMAT_NAMES, "json": "application/ld+json", "xml": "application/rdf+xml"}
CHARSET_TYPES = {"text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples",
                 "text/plain", "text/xml"}
SERVICE_DESCRIPTION_TYPES = ["text/turtle", "application/n-triples", "application/ld+json",
                             "application/rdf+xml"]

TRUNCATED_HEADER = "X-Atlas-Truncated"
ROW_LIMIT_HEADER = "X-Atlas-Row-Limit"
READ_ONLY = "This endpoint is read-only: SPARQL updates are refused."
UTF8_NAMES = {"utf-8", "utf8"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain", headers=headers)


def _with_charset(response: Response, media_type: str) -> Response:
    if media_type in CHARSET_TYPES or media_type.endswith("json"):
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    return response


def _requested_type(offered: dict[str, str], names: dict[str, str]) -> str | None:
    """The media type to answer in among ``offered``: the ``format`` parameter's, or the Accept header's."""
    wanted = request.values.get("format")
    if wanted:
        media = names.get(wanted.lower(), wanted.lower())
        return media if media in offered else None
    return choose(request.headers.get("Accept"), list(offered))


def _read_operation() -> tuple[str | None, str | None] | Response:
    """(query, update) from the request as the protocol allows, or an error response."""
    settings = current_settings()
    if request.method == "GET":
        if len(request.query_string) > settings.max_request_bytes:
            return _error(414, f"The query string is over {settings.max_request_bytes} bytes "
                               "(setting max_request_bytes).")
        if request.args.getlist("update"):
            return _error(403, READ_ONLY + " (Nor would an update be accepted by GET.)")
        queries = request.args.getlist("query")
        if len(queries) > 1:
            return _error(400, "More than one 'query' parameter.")
        return (queries[0] if queries else None), None
    content_type = (request.mimetype or "").lower()
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower() not in UTF8_NAMES:
        return _error(415, f"Requests are read as UTF-8, not {charset}.")
    if content_type == "application/x-www-form-urlencoded":
        queries = request.form.getlist("query")
        updates = request.form.getlist("update")
        if len(queries) + len(updates) > 1:
            return _error(400, "Give exactly one 'query' or one 'update' parameter.")
        return (queries[0] if queries else None), (updates[0] if updates else None)
    if content_type in {"application/sparql-query", "application/sparql-update"}:
        try:
            body = request.get_data().decode("utf-8")
        except UnicodeDecodeError as exc:
            return _error(400, f"The request body is not UTF-8: {exc}.")
        if content_type == "application/sparql-update":
            return None, body
        if request.args.getlist("query"):
            return _error(400, "A direct POST carries the query in its body, not in 'query'.")
        return body, None
    return _error(
        415, "POST a query as application/x-www-form-urlencoded (query=...) or as application/sparql-query."
    )


def _graph_list(name: str) -> list[str] | None | Response:
    iris = request.values.getlist(name)
    for iri in iris:
        try:
            NamedNode(iri)
        except ValueError:
            return _error(400, f"{name}: {iri!r} is not an absolute IRI.")
    return iris or None


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    """The SPARQL endpoint; with no query, the query editor (browsers) or the service description."""
    operation = _read_operation()
    if isinstance(operation, Response):
        return operation
    query, update = operation
    if update is not None:
        return _error(403, READ_ONLY)
    if query is None:
        if request.method == "POST":
            return _error(400, "No query given: send 'query' (form) "
                               "or a body of type application/sparql-query.")
        # RDF first: a client that names no type (*/*) gets the service description, browsers the editor.
        if choose(request.headers.get("Accept"), [*SERVICE_DESCRIPTION_TYPES, "text/html"]) == "text/html":
            return render_template("sparql.html")
        return service_description()
    default_graphs = _graph_list("default-graph-uri")
    named_graphs = _graph_list("named-graph-uri")
    for dataset in (default_graphs, named_graphs):
        if isinstance(dataset, Response):
            return dataset
    return answer_query(query, default_graphs, named_graphs)  # type: ignore[arg-type]


def answer_query(
    query: str, default_graphs: list[str] | None = None, named_graphs: list[str] | None = None
) -> Response:
    """The answer to a user's query, as the endpoint gives it.

    The query runs in a query worker within the limits of the settings, SERVICE
    clauses are checked against the allow-list, and the answer is in the format the
    request asks for (``format`` parameter, else ``Accept``).
    """
    settings = current_settings()
    refusal = federation_refusal(query, settings.federation_allowlist, settings.base_iri)
    if refusal:
        return _error(403, refusal)
    result_media = _requested_type(RESULT_TYPES, FORMAT_NAMES)
    graph_media = _requested_type(GRAPH_TYPES, GRAPH_FORMAT_NAMES)
    if result_media is None and graph_media is None:
        return _not_acceptable(sorted({*RESULT_TYPES, *GRAPH_TYPES}))
    limit = settings.max_result_rows
    job = QueryJob(
        query=query,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        result_format=RESULT_TYPES.get(result_media or ""),
        graph_format=GRAPH_TYPES.get(graph_media or ""),
        max_rows=limit,
        prefixes=prefixes_for(settings.base_iri),
        truncation_notice={
            "truncated": True,
            "rowLimit": limit,
            "notice": f"Only the first {limit} rows are shown: this endpoint returns at most {limit} rows "
                      "per query. Narrow the query, or page through it with ORDER BY, LIMIT and OFFSET.",
        },
    )
    try:
        client = ClientWatch.from_environ(request.environ)
        outcome = pool_for(current_app).run(job, settings.query_timeout_s, client)
    except QueryTimeout as exc:
        limit_s = f"{settings.query_timeout_s:g} s"
        if exc.while_waiting:
            return _error(503, f"The endpoint is busy: no query process became free within {limit_s}. "
                               "Try again in a moment.", {"Retry-After": "5"})
        return _error(503, f"Query stopped: it ran longer than {limit_s}, the time limit of this endpoint "
                           "(setting query_timeout_s). Narrow it down or add a LIMIT.")
    except ClientGone:
        return _error(503, "Query stopped: the client closed the connection.")
    except WorkerCrashed as exc:
        return _error(500, f"Query failed: {exc}. It may need more memory than this endpoint gives a query.")
    if outcome.status == QueryOutcome.SYNTAX_ERROR:
        return _error(400, f"Query syntax error: {outcome.message}")
    if outcome.status == QueryOutcome.NOT_ACCEPTABLE:
        return _not_acceptable(sorted(set(GRAPH_TYPES if outcome.kind is QueryKind.GRAPH else RESULT_TYPES)))
    if outcome.status == QueryOutcome.UNAVAILABLE:
        return _error(503, outcome.message, {"Retry-After": "10"})
    if outcome.status != QueryOutcome.OK:
        return _error(500, f"Query failed: {outcome.message}")
    media_type = graph_media if outcome.kind is QueryKind.GRAPH else result_media
    assert media_type is not None
    response = _with_charset(Response(outcome.body, mimetype=media_type), media_type)
    response.headers["Vary"] = "Accept"
    response.headers[ROW_LIMIT_HEADER] = str(limit)
    if outcome.truncated:
        response.headers[TRUNCATED_HEADER] = "true"
    return response


def _not_acceptable(offered: list[str]) -> Response:
    return _error(406, "No acceptable result format. Available: " + ", ".join(offered))


def service_description() -> Response:
    """SPARQL 1.1 Service Description of this endpoint (https://www.w3.org/TR/sparql11-service-description/).

    Served in the RDF format asked for, Turtle when the client names none we write.
    """
    settings = current_settings()
    media_type = choose(request.headers.get("Accept"), SERVICE_DESCRIPTION_TYPES) or "text/turtle"
    triples = service_description_triples(request.base_url, settings)
    body = serialize_rdf(triples, GRAPH_TYPES[media_type], SD_PREFIXES)
    response = _with_charset(Response(body, mimetype=media_type), media_type)
    response.headers["Vary"] = "Accept"
    return response


@blueprint.errorhandler(413)
def _too_large(_exc: Exception) -> Response:
    limit = current_settings().max_request_bytes
    return _error(413, f"The request body is over {limit} bytes, the limit of this endpoint "
                       "(setting max_request_bytes). Send a shorter query.")


@blueprint.after_request
def _cors(response: Response) -> Response:
    """Cross-origin access (https://fetch.spec.whatwg.org/#http-cors-protocol), preflight included."""
    origin = current_settings().cors_allow_origin
    if not origin:
        return response
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = f"{TRUNCATED_HEADER}, {ROW_LIMIT_HEADER}"
    if origin != "*":
        response.vary.add("Origin")
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response
