"""The SPARQL endpoint: SPARQL 1.1 Protocol queries, read-only.

https://www.w3.org/TR/sparql11-protocol/#query-operation
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from publisher.store import QueryKind
from publisher.web.app import current_settings, current_store
from publisher.web.negotiation import choose
from publisher.web.prefixes import prefixes_for

blueprint = Blueprint("sparql", __name__)

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
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
CHARSET_TYPES = {"text/csv", "text/tab-separated-values", "text/turtle", "application/n-triples", "text/plain"}


def _error(status: int, message: str) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


def _requested_type(offered: dict[str, str]) -> str | None:
    wanted = request.values.get("format")
    if wanted:
        media = FORMAT_NAMES.get(wanted.lower(), wanted.lower())
        return media if media in offered else None
    return choose(request.headers.get("Accept"), list(offered))


def _read_operation() -> tuple[str | None, str | None, Response | None]:
    """(query, update) from the request as the protocol allows, or an error response."""
    if request.method == "GET":
        queries = request.args.getlist("query")
        updates = request.args.getlist("update")
        if updates:
            return None, None, _error(405, "Updates are not accepted by GET; this endpoint is read-only anyway.")
        if len(queries) > 1:
            return None, None, _error(400, "More than one 'query' parameter.")
        return (queries[0] if queries else None), None, None
    content_type = (request.mimetype or "").lower()
    if content_type == "application/x-www-form-urlencoded":
        queries = request.form.getlist("query")
        updates = request.form.getlist("update")
        if len(queries) + len(updates) > 1:
            return None, None, _error(400, "Give exactly one 'query' or one 'update' parameter.")
        return (queries[0] if queries else None), (updates[0] if updates else None), None
    if content_type == "application/sparql-query":
        if request.args.getlist("query"):
            return None, None, _error(400, "A direct POST carries the query in its body, not in 'query'.")
        return request.get_data(as_text=True), None, None
    if content_type == "application/sparql-update":
        return None, request.get_data(as_text=True), None
    return None, None, _error(
        415, "POST a query as application/x-www-form-urlencoded (query=...) or as application/sparql-query."
    )


@blueprint.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response | str:
    """The SPARQL endpoint; with no query, the query editor (browsers) or the service description."""
    query, update, error = _read_operation()
    if error is not None:
        return error
    if update is not None:
        return _error(403, "This endpoint is read-only: SPARQL updates are refused.")
    if query is None:
        if request.method == "POST":
            return _error(400, "No query given: send 'query' (form) or a body of type application/sparql-query.")
        if choose(request.headers.get("Accept"), ["text/html", *GRAPH_TYPES]) == "text/html":
            return render_template("sparql.html")
        return service_description()
    settings = current_settings()
    default_graphs = request.values.getlist("default-graph-uri") or None
    named_graphs = request.values.getlist("named-graph-uri") or None
    try:
        result = current_store().execute(query, default_graphs=default_graphs, named_graphs=named_graphs)
    except SyntaxError as exc:
        return _error(400, f"Query syntax error: {exc}")
    offered = GRAPH_TYPES if result.kind is QueryKind.GRAPH else RESULT_TYPES
    media_type = _requested_type(offered)
    if media_type is None:
        return _error(406, "No acceptable result format. Available: " + ", ".join(sorted(set(offered))))
    body = result.serialize(offered[media_type], prefixes_for(settings.base_iri))
    response = Response(body, mimetype=media_type)
    if media_type in CHARSET_TYPES or media_type.endswith("json"):
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    response.headers["Vary"] = "Accept"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def service_description() -> Response:
    """SPARQL 1.1 Service Description of this endpoint (https://www.w3.org/TR/sparql11-service-description/)."""
    from publisher.web.linked_data import rdf_response
    from publisher.web.service_description import service_description_triples

    settings = current_settings()
    triples = service_description_triples(request.base_url, settings)
    return rdf_response(triples, list(GRAPH_TYPES)[:4])
