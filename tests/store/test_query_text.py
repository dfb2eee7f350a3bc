"""Query text for a remote store: the form read, values bound in a VALUES block, BASE first.

Each rewritten query is run on an embedded store too: it must answer as the original does with the
same values bound by pyoxigraph's substitutions.
"""

from __future__ import annotations

import pytest

from publisher.queries import load_query
from publisher.store import BlankNode, Literal, NamedNode, Quad, scratch_store
from publisher.store.query_text import query_form, with_base, with_values

BASE = "https://atlas-ld.example/"
EX = NamedNode(BASE + "id/x")


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "select"),
        ("PREFIX select: <http://ex/> # ASK me\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "construct"),
        ('BASE <x/> PREFIX p: <y#> ask { ?s p:q "SELECT" }', "ask"),
        ("describe <http://ex/construct>", "describe"),
    ],
)
def test_form(query: str, form: str) -> None:
    assert query_form(query) == form


@pytest.mark.parametrize("query", ["", "# SELECT * WHERE {}\n", 'PREFIX a: <b> "SELECT"', "INSERT DATA {}"])
def test_not_a_query(query: str) -> None:
    with pytest.raises(SyntaxError, match="not a SPARQL query"):
        query_form(query)


@pytest.mark.parametrize(
    ("query", "before_values"),
    [
        ("SELECT ?s WHERE { ?s ?p ?o }", "SELECT ?s WHERE {"),
        ("SELECT ?s { ?s ?p ?o }", "SELECT ?s {"),
        ("SELECT (COUNT(?s) AS ?n) FROM <http://ex/g?a=(1)> WHERE { ?s ?p ?o }",
         "SELECT (COUNT(?s) AS ?n) FROM <http://ex/g?a=(1)> WHERE {"),
        ('# { not here\nSELECT * WHERE { ?s ?p "}{" }', '# { not here\nSELECT * WHERE {'),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } WHERE {"),
        ("CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }", "CONSTRUCT { ?s ?p ?o } {"),
        ("ASK { { ?s ?p ?o } UNION { ?o ?p ?s } }", "ASK {"),
        ("SELECT ?s (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?o }", "SELECT ?s (EXISTS { ?s ?p ?o } AS ?e) WHERE {"),
    ],
)
def test_values_open_the_outermost_where_group(query: str, before_values: str) -> None:
    bound = with_values(query, {"s": EX})
    assert bound.startswith(before_values + f" VALUES (?s) {{ ({EX}) }}")


def test_values_are_escaped_terms() -> None:
    hostile = Literal('a" } ; DROP ALL ; SELECT * { "\\\n', language="fr")
    bound = with_values("SELECT ?t WHERE { ?s ?p ?t }", {"t": hostile, "s": EX})
    assert "VALUES (?s ?t) {" in bound and "DROP ALL" in bound
    store = scratch_store([Quad(EX, NamedNode(BASE + "p"), hostile, NamedNode(BASE + "g"))])
    assert [r["t"] for r in store.select(bound).rows] == [hostile]
    assert store.select(with_values("SELECT ?t WHERE { ?s ?p ?t }", {"t": Literal("other")})).rows == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT WHERE short form"),
        ("DESCRIBE <http://ex/a>", "no WHERE group"),
    ],
)
def test_queries_that_cannot_take_values(query: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        with_values(query, {"s": EX})


def test_blank_nodes_cannot_be_sent() -> None:
    with pytest.raises(ValueError, match="blank node"):
        with_values("SELECT * WHERE { ?s ?p ?o }", {"s": BlankNode()})


def test_base_resolves_the_relative_iris_of_query_files() -> None:
    store = scratch_store([Quad(EX, NamedNode(BASE + "def/atlas#p"), Literal("v"), NamedNode(BASE + "g"))])
    text = with_base("PREFIX atlas: <def/atlas#> SELECT ?o WHERE { <id/x> atlas:p ?o }", BASE)
    assert [r["o"].value for r in store.select(text).rows] == ["v"]


@pytest.mark.parametrize("name", ["incoming_page", "describe", "outgoing", "funded_partnership_page",
                                  "class_members", "resource_exists"])
def test_every_bound_internal_query_takes_values(name: str) -> None:
    bound = with_values(load_query(name), {"s": EX, "o": EX, "p": EX, "f": EX, "class": EX})
    assert query_form(bound) in {"select", "construct", "ask"}
    assert "VALUES (?class ?f ?o ?p ?s)" in bound
