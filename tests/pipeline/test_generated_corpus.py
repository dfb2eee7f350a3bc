"""A generated corpus through the whole pipeline: reconciliation scored against its answer key, tabular and
page inputs giving the same graphs, and the SPARQL validation equal to pySHACL on injected faults."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from publisher.build import BuildReport, build, declarative_graph
from publisher.generate import generate_corpus, write_corpus
from publisher.generate.scoring import score_reconciliation
from publisher.ingest import read_source
from publisher.settings import load_settings
from publisher.shacl_sparql import run_checks
from publisher.store import EmbeddedStoreDirectory, Literal, NamedNode, Quad, serialize_rdf
from publisher.validate import validate_quads
from tests.conftest import BASE_IRI

SETTINGS = load_settings(environ={}, base_iri=BASE_IRI)
ATLAS = BASE_IRI + "def/atlas#"
PROVENANCE = {"http://purl.org/dc/terms/source", ATLAS + "checksum", "http://www.w3.org/ns/prov#generatedAtTime"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_corpus(generate_corpus(projects=300, seed=7), out)
    return out


@pytest.fixture(scope="module")
def built_pages(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    store = tmp_path_factory.mktemp("pages-store")
    return store, build([corpus / "pages"], store, SETTINGS)


def test_reconciliation_against_the_answer_key(corpus: Path) -> None:
    records = []
    for page in sorted((corpus / "pages").rglob("*.txt")):
        records.extend(read_source(page, corpus / "pages").records)
    scores = score_reconciliation(records, corpus / "answer-key.jsonl")
    french, countries = scores["french"], scores["country"]
    assert french.mentions > 500
    assert french.precision >= 0.99, french.wrong[:10]
    assert french.recall >= 0.97, french.unresolved[:10]
    assert countries.precision == 1.0 and countries.recall == 1.0
    assert scores["foreign-authority"].precision >= 0.99


def test_every_unresolved_mention_is_in_the_build_report(corpus: Path, built_pages: tuple[Path, BuildReport]) -> None:
    _store, report = built_pages
    records = []
    for page in sorted((corpus / "pages").rglob("*.txt")):
        records.extend(read_source(page, corpus / "pages").records)
    scores = score_reconciliation(records, corpus / "answer-key.jsonl")
    reported: dict[str, list[str]] = {}
    for problem in report.unresolved:
        reported.setdefault(problem.record or "", []).append(problem.message)
    for kind in ("french", "foreign-authority", "organisation"):
        for record, _field, mention in scores[kind].unresolved:
            assert any(repr(mention) in message for message in reported.get(record, [])), (record, mention)


def test_pages_and_tabular_export_give_the_same_graphs(corpus: Path, built_pages: tuple[Path, BuildReport],
                                                       tmp_path: Path) -> None:
    pages_store, pages_report = built_pages
    for export in ("atlas-export.csv", "atlas-export.jsonl"):
        store = tmp_path / export
        report = build([corpus / "export" / export], store, SETTINGS)
        assert report.published == pages_report.published
        assert not report.unreadable
        assert isomorphic(_graph(pages_store), _graph(store))


def _graph(store: Path) -> Graph:
    """Everything published but the provenance triples naming the source file."""
    reader = EmbeddedStoreDirectory(store, BASE_IRI).reader()
    quads = [q for q in reader.quads() if q.predicate.value not in PROVENANCE]
    return Graph().parse(data=serialize_rdf((q.triple for q in quads), "ntriples"), format="nt")


def _inject_faults(quads: list[Quad], rng: random.Random) -> list[Quad]:
    """Faults of every kind the shapes check, each in a few random places."""
    faulty = list(quads)

    def pick(predicate: str, count: int = 3) -> list[Quad]:
        found = [q for q in faulty if q.predicate.value == predicate]
        return rng.sample(found, min(count, len(found)))

    for q in pick("http://purl.org/dc/terms/title"):
        faulty.remove(q)
    for q in pick(ATLAS + "amount"):
        faulty.remove(q)
        faulty.append(Quad(q.subject, q.predicate, Literal("-250", datatype=q.object.datatype), q.graph_name))
    for q in pick(ATLAS + "startYear"):
        faulty.append(Quad(q.subject, NamedNode(ATLAS + "endDate"),
                           Literal("1960", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
                           q.graph_name))
    for q in pick(ATLAS + "year"):
        faulty.remove(q)
        faulty.append(Quad(q.subject, q.predicate, Literal("1890", datatype=q.object.datatype), q.graph_name))
    for q in pick(ATLAS + "funder"):
        faulty.remove(q)
        faulty.append(Quad(q.subject, q.predicate, Literal("Un financeur"), q.graph_name))
    for q in pick(ATLAS + "country"):
        faulty.remove(q)
    for q in pick(ATLAS + "status", 2):
        faulty.append(Quad(q.subject, q.predicate, NamedNode(BASE_IRI + "def/atlas/status/inconnu"), q.graph_name))
    for q in pick(ATLAS + "isoAlpha2", 2):
        faulty.remove(q)
        faulty.append(Quad(q.subject, q.predicate, Literal("xx"), q.graph_name))
    for q in pick("http://www.w3.org/2000/01/rdf-schema#label", 3):
        faulty.append(Quad(q.subject, q.predicate, Literal("Second nom"), q.graph_name))
    return faulty


def test_sparql_validation_equals_pyshacl_on_injected_faults(built_pages: tuple[Path, BuildReport]) -> None:
    store, _report = built_pages
    reader = EmbeddedStoreDirectory(store, BASE_IRI).reader()
    ontology_graph = BASE_IRI + "graph/ontology"
    quads = [q for q in reader.quads() if q.graph_name.value != ontology_graph]  # type: ignore[union-attr]
    faulty = _inject_faults(quads, random.Random(11))
    ontology = declarative_graph("ontology", SETTINGS)
    reference, _graph_report = validate_quads(faulty, BASE_IRI)
    compiled = run_checks([*faulty, *ontology], BASE_IRI)
    expected = {(r.focus, r.path, r.constraint, r.severity) for r in reference}
    assert expected == {(r.focus, r.path, r.component, r.severity) for r in compiled}
    violations = {r.constraint.rsplit("#", 1)[-1] for r in reference if r.severity.endswith("Violation")}
    assert {"MinCountConstraintComponent", "MinInclusiveConstraintComponent", "PatternConstraintComponent",
            "NodeConstraintComponent", "MaxCountConstraintComponent"} <= violations
