"""The build's SHACL-as-SPARQL validation gives exactly pySHACL's results."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.util import from_n3

from publisher.build import declarative_graph
from publisher.settings import load_settings
from publisher.shacl_sparql import ShapeCompileError, ShapesCompiler, run_checks
from publisher.store import parse_rdf
from publisher.validate import shapes_graph, validate_quads

CASES = sorted(p for p in (Path(__file__).resolve().parents[1] / "shapes" / "cases").glob("*.ttl")
               if not p.name.endswith(".expected.ttl"))
BASE = "https://atlas-ld.example/"


def value_of(n3: str | None) -> object:
    """A reported value compared as RDF terms compare (1.0 and 1 are the same xsd:decimal)."""
    if n3 is None:
        return None
    term = from_n3(n3)
    return term.toPython() if isinstance(term, Literal) else str(term)


def keys_pyshacl(quads: list, base: str) -> set[tuple]:
    results, _report = validate_quads(quads, base)
    return {(r.focus, r.path, r.constraint, r.severity, value_of(r.value)) for r in results}


def keys_sparql(quads: list, base: str) -> set[tuple]:
    ontology = declarative_graph("ontology", load_settings(environ={}, base_iri=base))
    return {(r.focus, r.path, r.component, r.severity, value_of(r.value))
            for r in run_checks([*quads, *ontology], base)}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_same_results_as_pyshacl(case: Path) -> None:
    quads = list(parse_rdf(case.read_bytes(), "turtle", base_iri=BASE))
    reference = keys_pyshacl(quads, BASE)
    assert keys_sparql(quads, BASE) == reference
    if case.name.startswith("invalid-"):
        assert reference, "an invalid case must give results"


def test_unsupported_shape_is_refused_not_skipped() -> None:
    from rdflib import Graph

    graph = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <http://example.org/S> a sh:NodeShape ; sh:targetClass <http://example.org/C> ;
            sh:property [ sh:path <http://example.org/p> ; sh:equals <http://example.org/q> ] .
    """, format="turtle")
    with pytest.raises(ShapeCompileError):
        ShapesCompiler(graph).compile()


def test_every_shape_of_the_project_compiles() -> None:
    checks = ShapesCompiler(shapes_graph(BASE)).compile()
    assert len(checks) > 100
