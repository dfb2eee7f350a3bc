"""The OpenAPI description of the HTTP API (/openapi.json), and a schemathesis run against a live server.

The run fuzzes every operation of the description (data that fits it and data that does not) on
the production server (gunicorn) and checks every answer: no 5xx, and a status, media type,
headers and body the description documents for that operation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from publisher.web import create_app
from publisher.web.app import SECURITY_HEADERS
from publisher.web.openapi import openapi_document
from tests.conftest import BASE_IRI, BuiltStore, Server, start_server, stop_server

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES_PER_OPERATION = 100
# The routes programs use, each of which the description must cover.
API_ROUTES = {"/sparql", "/queries", "/queries/<name>", "/search.json", "/search", "/partnerships", "/doc/<path:key>",
              "/id/<path:key>", "/.well-known/void", "/dumps/<name>", "/openapi.json"}


@pytest.fixture(scope="module")
def api_server(web_store: BuiltStore) -> Iterator[Server]:
    """The web store served as in production (gunicorn), one process with one query worker."""
    server = start_server(web_store.path, {"ATLAS_LD_QUERY_WORKERS": "1", "ATLAS_LD_QUERY_TIMEOUT_S": "20"},
                          ["--workers", "1", "--threads", "8"])
    yield server
    stop_server(server)


# SPARQL queries and updates travel as text, as text/plain does.
schemathesis.serializer.alias(["application/sparql-query", "application/sparql-update"], "text/plain")
# The document the server serves (test_served_description_is_the_document checks they are equal).
schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
# derandomize: the same examples at every run, so that the test command's verdict is reproducible
# (a wider search: raise EXAMPLES_PER_OPERATION, or set derandomize=False, locally).
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_every_answer_is_described(case: schemathesis.Case, api_server: Server) -> None:
    case.call_and_validate(base_url=api_server.url, checks=CHECKS, timeout=60)


def test_served_description_is_the_document(api_server: Server) -> None:
    response = requests.get(api_server.url + "/openapi.json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    assert response.json() == openapi_document()
    assert response.json()["openapi"].startswith("3.")


def test_every_api_route_is_described_and_every_described_path_is_a_route(web_store: BuiltStore) -> None:
    app = create_app(web_store.path, base_iri=BASE_IRI)
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    described = set(openapi_document()["paths"])
    as_rules = {path.replace("{key}", "<path:key>").replace("{file}", "<name>").replace("{name}", "<name>")
                for path in described}
    assert as_rules == API_ROUTES
    assert API_ROUTES <= rules


def test_every_documented_answer_names_its_media_types_and_the_security_headers() -> None:
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (path, method)
            for status, answer in operation["responses"].items():
                assert set(answer["headers"]) >= set(SECURITY_HEADERS), (path, method, status)
                if status != "304":
                    assert answer["content"], (path, method, status)
