"""The publisher's HTTP API described in OpenAPI 3 (https://spec.openapis.org/oas/v3.0.3), at ``/openapi.json``.

The description covers what programs use: the SPARQL endpoint, the researcher questions, search,
the facets, the entity IRIs and their documents, the dataset description and the dumps. For each
operation it lists every status the server answers with and, for each status, every media type;
the media types come from the tables the views negotiate with, so the two cannot drift apart.
``tests/web/test_openapi.py`` fuzzes a live server against it with schemathesis.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Blueprint, Response

from publisher import __version__
from publisher.dumps import DUMP_FORMATS
from publisher.web.app import SECURITY_HEADERS
from publisher.web.linked_data import FORMATS
from publisher.web.queries_api import LIST_TYPES
from publisher.web.sparql import FORMAT_NAMES, GRAPH_TYPES, RESULT_TYPES, SERVICE_DESCRIPTION_TYPES

blueprint = Blueprint("openapi", __name__)

Schema = dict[str, Any]

TEXT: Schema = {"type": "string"}
ANY_JSON: Schema = {"anyOf": [{"type": "object"}, {"type": "array"}]}
SPARQL_RESULTS_JSON: Schema = {
    "type": "object",
    "required": ["head"],
    "properties": {
        "head": {"type": "object"},
        "boolean": {"type": "boolean"},
        "results": {"type": "object", "required": ["bindings"],
                    "properties": {"bindings": {"type": "array", "items": {"type": "object"}}}},
        "truncated": {"type": "boolean"},
        "rowLimit": {"type": "integer"},
        "notice": {"type": "string"},
    },
}
QUERY_LIST_JSON: Schema = {
    "type": "object",
    "required": ["queries"],
    "properties": {"queries": {"type": "array", "items": {
        "type": "object",
        "required": ["name", "title", "description", "tags", "form", "parameters", "federated", "url", "query"],
        "properties": {
            "name": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "form": {"type": "string", "enum": ["select", "construct", "ask", "describe"]},
            "parameters": {"type": "array", "items": {
                "type": "object", "required": ["name", "type"],
                "properties": {"name": {"type": "string"}, "type": {"type": "string"},
                               "default": {"type": "string", "nullable": True},
                               "description": {"type": "string", "nullable": True}}}},
            "federated": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string"},
            "query": {"type": "string"},
        },
    }}},
}
SEARCH_JSON: Schema = {
    "type": "object",
    "required": ["query", "results"],
    "properties": {
        "query": {"type": "string"},
        "results": {"type": "array", "maxItems": 50, "items": {
            "type": "object", "required": ["label", "iri", "href", "type"],
            "properties": {"label": {"type": "string"}, "iri": {"type": "string"}, "href": {"type": "string"},
                           "type": {"type": "string"}}}},
    },
}


def _schema_for(media_type: str) -> Schema:
    if media_type in ("application/sparql-results+json", "application/json"):
        return SPARQL_RESULTS_JSON
    if media_type == "application/ld+json":
        return ANY_JSON
    return TEXT


def _content(media_types: list[str], schema: Schema | None = None) -> dict[str, Any]:
    return {media: {"schema": schema if schema is not None else _schema_for(media)}
            for media in dict.fromkeys(media_types)}


def _response(description: str, media_types: list[str], schema: Schema | None = None,
              headers: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "headers": {**SECURITY_HEADER_REFS, **(headers or {})},
            "content": _content(media_types, schema)}


SECURITY_HEADER_REFS = {name: {"$ref": f"#/components/headers/{name}"} for name in SECURITY_HEADERS}
PLAIN = ["text/plain"]
HTML = ["text/html"]
RESULT_MEDIA = list(RESULT_TYPES)
GRAPH_MEDIA = list(GRAPH_TYPES)
DOCUMENT_MEDIA = list(FORMATS.values())

# Answers any route may give: the checks every request goes through (publisher.web.request_limits)
# and the store being unreadable (during a switch to a new release, for example).
COMMON = {
    "400": _response("Malformed request: a '%' not followed by two hexadecimal digits, or a query "
                     "string or form body that is not UTF-8 once percent-decoded; for SPARQL, also a query "
                     "that does not parse, several 'query' parameters, or a dataset IRI that is not absolute.",
                     PLAIN),
    "414": _response("The query string is longer than the max_request_bytes setting.", PLAIN),
    "503": _response("The store cannot be read at the moment, or a SPARQL query ran past query_timeout_s "
                     "(or waited that long for a free query process); try again later.",
                     ["text/plain", "text/html"]),
}
NOT_FOUND = _response("No resource at this address.", HTML)
NOT_ACCEPTABLE = _response("None of the media types offered is acceptable; the answer lists them.", PLAIN)

SPARQL_QUERY_PARAMETERS = [
    {"name": "default-graph-uri", "in": "query", "style": "form", "explode": True,
     "description": "IRI of a graph merged into the default graph (SPARQL 1.1 Protocol); repeatable.",
     "schema": {"type": "array", "items": {"type": "string"}}},
    {"name": "named-graph-uri", "in": "query", "style": "form", "explode": True,
     "description": "IRI of a named graph of the dataset (SPARQL 1.1 Protocol); repeatable.",
     "schema": {"type": "array", "items": {"type": "string"}}},
]
FORMAT_PARAMETER = {
    "name": "format", "in": "query",
    "description": "Answer format, instead of the Accept header: " + ", ".join(sorted(FORMAT_NAMES))
                   + ", or a media type.",
    "schema": {"type": "string"},
    "examples": {name: {"value": name} for name in ("json", "csv", "turtle")},
}


def _sparql_answers(extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "200": _response(
            "The answer: SPARQL results (SELECT, ASK) or RDF (CONSTRUCT, DESCRIBE), in the format asked for; "
            "with no query, the service description (RDF clients) or the query editor (browsers). Answers "
            "cut at max_result_rows carry the header X-Atlas-Truncated: true.",
            [*RESULT_MEDIA, *GRAPH_MEDIA, *SERVICE_DESCRIPTION_TYPES, "text/html"],
            headers={"X-Atlas-Row-Limit": {"description": "The max_result_rows setting.",
                                           "schema": {"type": "string"}},
                     "X-Atlas-Truncated": {"description": "Present, 'true', when the answer was cut.",
                                           "schema": {"type": "string", "enum": ["true"]}}},
        ),
        **COMMON,
        "403": _response("Refused: the endpoint is read-only (SPARQL updates), or the query calls SERVICE "
                         "on an endpoint the federation_allowlist setting does not list.", PLAIN),
        "406": NOT_ACCEPTABLE,
        **extra,
    }


def _operations() -> dict[str, Any]:
    sparql_form = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "The query (SPARQL 1.1 Query Language)."},
            "update": {"type": "string", "description": "An update: always refused (403)."},
            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
            "format": {"type": "string"},
        },
    }
    return {
        "/sparql": {
            "get": {
                "operationId": "sparqlQueryGet",
                "summary": "SPARQL 1.1 query by GET",
                "description": "https://www.w3.org/TR/sparql11-protocol/#query-via-get",
                "parameters": [
                    {"name": "query", "in": "query", "description": "The query; without it, the service "
                     "description or the query editor.", "schema": {"type": "string"},
                     "examples": {"ask": {"value": "ASK { ?s ?p ?o }"}}},
                    *SPARQL_QUERY_PARAMETERS, FORMAT_PARAMETER,
                ],
                "responses": _sparql_answers({}),
            },
            "post": {
                "operationId": "sparqlQueryPost",
                "summary": "SPARQL 1.1 query by POST (form or direct); updates are refused",
                "description": "https://www.w3.org/TR/sparql11-protocol/#query-operation",
                "parameters": [*SPARQL_QUERY_PARAMETERS, FORMAT_PARAMETER],
                "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": sparql_form},
                    "application/sparql-query": {"schema": {"type": "string"}},
                    "application/sparql-update": {"schema": {"type": "string"}},
                }},
                "responses": _sparql_answers({
                    "413": _response("The body is longer than the max_request_bytes setting.", PLAIN),
                    "415": _response("The body is neither a form nor application/sparql-query, or is not "
                                     "declared UTF-8.", PLAIN),
                }),
            },
        },
        "/queries": {
            "get": {
                "operationId": "listQueries",
                "summary": "The researcher questions of sparql/",
                "parameters": [{"name": "format", "in": "query", "schema": {"type": "string",
                                                                            "enum": list(LIST_TYPES)}}],
                "responses": {
                    "200": {**_response("The list: a page, or JSON.", list(LIST_TYPES.values())),
                            "content": {media: {"schema": QUERY_LIST_JSON if media.endswith("json") else TEXT}
                                        for media in LIST_TYPES.values()}},
                    **COMMON, "406": NOT_ACCEPTABLE,
                },
            },
        },
        "/queries/{name}": {
            "get": {
                "operationId": "runQuery",
                "summary": "One researcher question, run with its parameters",
                "description": "Each parameter the question declares (see /queries) is given by name in the "
                               "query string and bound as an RDF term of its declared type.",
                "parameters": [
                    {"name": "name", "in": "path", "required": True, "schema": {"type": "string"},
                     "examples": {"by-country": {"value": "partnerships-by-country"}}},
                    FORMAT_PARAMETER,
                    {"name": "values", "in": "query", "style": "form", "explode": True,
                     "description": "The question's parameters, by name.",
                     "schema": {"type": "object", "additionalProperties": {"type": "string"}}},
                ],
                "responses": {
                    **_sparql_answers({}),
                    "200": _response("The answer, as /sparql gives it.", [*RESULT_MEDIA, *GRAPH_MEDIA]),
                    "400": _response("A parameter the question does not declare, given twice, or a value "
                                     "that does not fit its type; or a malformed query string.", PLAIN),
                    "404": NOT_FOUND,
                },
            },
        },
        "/search.json": {
            "get": {
                "operationId": "searchSuggestions",
                "summary": "Names matching what is typed, best first (case and accents ignored)",
                "parameters": [
                    {"name": "q", "in": "query", "schema": {"type": "string"},
                     "examples": {"place": {"value": "segou"}}},
                    {"name": "limit", "in": "query", "description": "At most 50; 8 by default.",
                     "schema": {"type": "integer"}},
                ],
                "responses": {"200": _response("The best matches.", ["application/json"], SEARCH_JSON),
                              **COMMON},
            },
        },
        "/search": {
            "get": {
                "operationId": "searchPage",
                "summary": "The search page",
                "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}},
                               {"name": "page", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": _response("The page of results.", HTML), **COMMON},
            },
        },
        "/partnerships": {
            "get": {
                "operationId": "partnershipFacets",
                "summary": "Partnerships narrowed by facets, with the count of each facet value",
                "parameters": [
                    *({"name": name, "in": "query", "description": description, "schema": {"type": "string"}}
                      for name, description in (
                          ("country", "Key of a country (e.g. ml)."),
                          ("region", "INSEE code of a French region (e.g. 75)."),
                          ("theme", "Key of a theme (e.g. eau-et-assainissement)."),
                          ("status", "Key of a status (e.g. en-cours)."),
                          ("funder", "Key of a funder."))),
                    {"name": "from", "in": "query", "description": "First start year.", "schema": {"type": "integer"}},
                    {"name": "to", "in": "query", "description": "Last start year.", "schema": {"type": "integer"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": _response("The page of partnerships and facets.", HTML), **COMMON},
            },
        },
        "/doc/{key}": {
            "get": {
                "operationId": "entityDocument",
                "summary": "The document describing a resource: a page, or RDF",
                "description": "key is the IRI's path under the base IRI (id/country/ml), with an extension "
                               "naming the format (" + ", ".join(f".{ext}" for ext in FORMATS) + ") or none "
                               "to negotiate (the answer names the variant in Content-Location).",
                "parameters": [
                    {"name": "key", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
                     "examples": {"country": {"value": "id/country/ml.ttl"}}},
                    {"name": "page", "in": "query", "description": "Page of a long list (HTML).",
                     "schema": {"type": "integer"}},
                    {"name": "property", "in": "query", "description": "The list paged (HTML).",
                     "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": _response("The document.", DOCUMENT_MEDIA),
                    "304": {"description": "Not modified (conditional request).", "headers": SECURITY_HEADER_REFS},
                    **COMMON, "404": NOT_FOUND, "406": NOT_ACCEPTABLE,
                },
            },
        },
        "/id/{key}": {
            "get": {
                "operationId": "entityIri",
                "summary": "An entity IRI: 303 See Other to its document in the format asked for",
                "parameters": [{"name": "key", "in": "path", "required": True,
                                "schema": {"type": "string", "minLength": 1},
                                "examples": {"country": {"value": "country/ml"}}}],
                "responses": {
                    "303": _response("The document describing the entity.", PLAIN, headers={"Location": {
                        "required": True, "schema": {"type": "string"}}}),
                    **COMMON, "404": NOT_FOUND, "406": NOT_ACCEPTABLE,
                },
            },
        },
        "/.well-known/void": {
            "get": {
                "operationId": "datasetDescription",
                "summary": "The dataset described in VoID and DCAT (RDF by negotiation, or a page)",
                "responses": {
                    "200": _response("The description.", DOCUMENT_MEDIA),
                    "304": {"description": "Not modified (conditional request).", "headers": SECURITY_HEADER_REFS},
                    **COMMON, "406": NOT_ACCEPTABLE,
                },
            },
        },
        "/dumps/{file}": {
            "get": {
                "operationId": "dump",
                "summary": "The whole dataset in one file, gzipped",
                "parameters": [{"name": "file", "in": "path", "required": True, "schema": {"type": "string"},
                                "examples": {d.file_name: {"value": d.file_name} for d in DUMP_FORMATS}}],
                "responses": {
                    "200": _response("The dump.", ["application/gzip"], {"type": "string", "format": "binary"}),
                    "304": {"description": "Not modified (conditional request).", "headers": SECURITY_HEADER_REFS},
                    **COMMON, "404": NOT_FOUND,
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description",
                "responses": {"200": _response("The OpenAPI description.", ["application/json"],
                                               {"type": "object", "required": ["openapi", "paths"]}),
                              **COMMON},
            },
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI description of the HTTP API (paths relative to the server's root)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Atlas LD",
            "version": __version__,
            "description": "The Atlas français de la coopération décentralisée as linked data: SPARQL "
                           "endpoint, researcher questions, search, facets, dereferenceable IRIs and dumps. "
                           "Every answer carries the security headers described in components.headers.",
        },
        "paths": _operations(),
        "components": {"headers": {
            name: {"required": True, "description": f"Always sent (the value set on most answers: {value}).",
                   "schema": {"type": "string", "minLength": 1}}
            for name, value in SECURITY_HEADERS.items()
        }},
    }


@blueprint.route("/openapi.json")
def openapi() -> Response:
    """The OpenAPI description of the HTTP API."""
    body = json.dumps(openapi_document(), ensure_ascii=False, indent=1)
    response = Response(body + "\n", mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
