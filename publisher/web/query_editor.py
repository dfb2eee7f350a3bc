"""What the query editor at ``/sparql`` starts with: the example queries, prefixes and vocabulary.

The editor page (``templates/sparql.html`` and ``static/sparql-editor.js``) reads this from a
JSON block in the page, so it needs nothing but its own origin: the examples come from
``sparql/`` with a ``BASE`` line for the configured base IRI, and the terms offered for
completion are those of the mapping (``mappings/atlas.context.jsonld``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from publisher.query_files import load_query_files
from publisher.resources import resource_dir
from publisher.settings import Settings
from publisher.web.prefixes import prefixes_for

FIRST_EXAMPLE = "partnership-summary"


@cache
def _mapping_terms() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(classes, properties) of the mapping context, as compact IRIs (``atlas:Partnership``)."""
    context = json.loads((resource_dir("mappings") / "atlas.context.jsonld").read_text(encoding="utf-8"))
    classes: set[str] = set()
    properties: set[str] = set()
    for key, value in context["@context"].items():
        iri = value.get("@id") if isinstance(value, dict) else value
        if key.startswith("@") or not isinstance(iri, str) or ":" not in iri or iri.startswith("@"):
            continue
        if iri.startswith(("http:", "https:", "def/")):
            continue  # a prefix declaration
        (classes if key[0].isupper() else properties).add(iri)
    properties.add("rdf:type")
    return tuple(sorted(classes)), tuple(sorted(properties))


def _expand(compact: str, prefixes: dict[str, str]) -> str:
    prefix, _, local = compact.partition(":")
    return prefixes[prefix] + local if prefix in prefixes else compact


def editor_settings(settings: Settings) -> dict[str, Any]:
    """The editor's configuration, as the page's JSON block holds it."""
    prefixes = prefixes_for(settings.base_iri)
    classes, properties = _mapping_terms()
    queries = load_query_files()
    names = sorted(queries, key=lambda name: (name != FIRST_EXAMPLE, bool(queries[name].federated), name))
    return {
        "endpoint": "/sparql",
        "baseIri": settings.base_iri,
        "rowLimit": settings.max_result_rows,
        "prefixes": prefixes,
        "classes": [_expand(c, prefixes) for c in classes],
        "properties": [_expand(p, prefixes) for p in properties],
        "examples": [
            {
                "name": name,
                "title": queries[name].title,
                "description": queries[name].description,
                "tags": list(queries[name].tags),
                "federated": list(queries[name].federated),
                "parameters": [p.name for p in queries[name].parameters],
                "query": queries[name].text_with_base(settings.base_iri),
            }
            for name in names
        ],
    }
