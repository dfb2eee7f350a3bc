"""The researchers' questions of ``sparql/`` as an API: ``/queries`` lists them, ``/queries/<name>`` runs one.

``/queries/<name>?country=id/country/ml`` binds each parameter the query declares to an RDF term of
the declared type (see :mod:`publisher.query_files`) and runs it as the SPARQL endpoint runs any
query: in a worker process, within the time and row limits, with federation refused unless allowed,
and answered in the format asked for by ``Accept`` or ``format`` (``json``, ``xml``, ``csv``,
``tsv``; ``turtle``, ``ntriples``, ``jsonld``, ``rdfxml`` for a CONSTRUCT). A value that does not
fit its parameter's type, or a parameter the query does not declare, is a 400 naming it.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from publisher.query_files import ParameterError, QueryFile, find_query_file, load_query_files
from publisher.web.app import current_settings
from publisher.web.federation import federation_refusal
from publisher.web.negotiation import choose
from publisher.web.query_editor import editor_settings
from publisher.web.sparql import ROW_LIMIT_HEADER, TRUNCATED_HEADER, answer_query

blueprint = Blueprint("queries", __name__)
blueprint.add_app_template_global(lambda: editor_settings(current_settings()), "editor_settings")

LIST_TYPES = {"html": "text/html", "json": "application/json"}
# Query parameters of /queries/<name> that are not the query's own.
PROTOCOL_PARAMETERS = {"format"}


def _error(status: int, message: str) -> Response:
    return Response(message.rstrip() + "\n", status=status, mimetype="text/plain")


def query_summary(query: QueryFile, base_iri: str) -> dict[str, Any]:
    """What ``/queries`` says of one query, in JSON."""
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "tags": list(query.tags),
        "form": query.form,
        "parameters": [
            {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
            for p in query.parameters
        ],
        "federated": list(query.federated),
        "url": url_for("queries.run_query", name=query.name),
        "query": query.text_with_base(base_iri),
    }


@blueprint.route("/queries")
def query_list() -> Response | str:
    """The list of researcher questions: a page for browsers, JSON for programs."""
    settings = current_settings()
    wanted = request.args.get("format")
    if wanted:
        media = LIST_TYPES.get(wanted)
    else:
        media = choose(request.headers.get("Accept"), list(LIST_TYPES.values()))
    if media is None:
        return _error(406, "Available: text/html, application/json (or format=html, format=json).")
    queries = load_query_files()
    if media == "application/json":
        body = {"queries": [query_summary(q, settings.base_iri) for q in queries.values()]}
        text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
        response = Response(text, mimetype="application/json")
    else:
        response = Response(render_template("queries.html", queries=queries.values()))
    response.headers["Vary"] = "Accept"
    return response


@blueprint.route("/queries/<name>")
def run_query(name: str) -> Response:
    """One researcher question, run with the parameters given in the URL."""
    query = find_query_file(name)
    if query is None:
        abort(404)
    values: dict[str, str] = {}
    for parameter in request.args:
        if parameter in PROTOCOL_PARAMETERS:
            continue
        given = request.args.getlist(parameter)
        if len(given) > 1:
            return _error(400, f"parameter {parameter!r}: given {len(given)} times; give it once")
        values[parameter] = given[0]
    settings = current_settings()
    try:
        bindings = query.bindings(values, settings.base_iri)
    except ParameterError as exc:
        return _error(400, f"{exc}. See /queries/{query.name}.rq for the query and its parameters.")
    text = query.bound_text(bindings)
    refusal = federation_refusal(text, settings.federation_allowlist, settings.base_iri)
    if refusal:
        return _error(403, refusal)
    response = answer_query(text)
    response.headers["Link"] = f'<{url_for("queries.query_text", name=query.name)}>; rel="describedby"'
    return response


@blueprint.route("/queries/<name>.rq")
def query_text(name: str) -> Response:
    """The text of one question, with a BASE line so that it runs as it is on any endpoint."""
    query = find_query_file(name)
    if query is None:
        abort(404)
    body = query.text_with_base(current_settings().base_iri)
    return Response(body, headers={"Content-Type": "application/sparql-query; charset=utf-8"})


@blueprint.after_app_request
def _editor_styles(response: Response) -> Response:
    """Let the query editor page at /sparql apply inline styles, and nothing more.

    The editor (YASGUI) writes a <style> element for its resizable table columns and style
    attributes in its tooltips; with the site-wide "style-src 'self'" its results table is laid out
    wrong. Inline styles cannot run code; scripts stay limited to this origin on this page too.
    """
    if request.endpoint == "sparql.endpoint" and response.mimetype == "text/html":
        policy = response.headers.get("Content-Security-Policy", "")
        if "style-src 'self';" in policy:
            response.headers["Content-Security-Policy"] = policy.replace(
                "style-src 'self';", "style-src 'self' 'unsafe-inline';")
    return response


@blueprint.after_request
def _cors(response: Response) -> Response:
    """Programs on other origins may read the list and the answers, like the endpoint's."""
    origin = current_settings().cors_allow_origin
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = f"{TRUNCATED_HEADER}, {ROW_LIMIT_HEADER}, Link"
        if origin != "*":
            response.vary.add("Origin")
    return response
