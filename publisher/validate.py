"""SHACL validation of mapped records with pySHACL, the reference implementation.

Shapes live in ``shapes/`` (violations apart from warnings); the ontology and its
concept schemes are given to the validator so that ``sh:class`` and
``skos:inScheme`` checks see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from publisher.resources import resource_dir
from publisher.store import Quad, serialize_rdf


@dataclass(frozen=True)
class ShaclResult:
    """One SHACL result: focus node, path, constraint component, severity and message."""

    focus: str
    path: str | None
    constraint: str
    severity: str
    message: str
    value: str | None = None

    @property
    def is_violation(self) -> bool:
        return self.severity == str(SH.Violation)

    def __str__(self) -> str:
        level = self.severity.rsplit("#", 1)[-1]
        path = f" path <{self.path}>" if self.path else ""
        value = f" value {self.value}" if self.value else ""
        return f"{level}: <{self.focus}>{path}{value}: {self.message}"


def _turtle_files(folder: str) -> list:
    return sorted(resource_dir(folder).glob("*.ttl"))


@cache
def shapes_graph(base_iri: str) -> Graph:
    graph = Graph()
    for path in _turtle_files("shapes"):
        graph.parse(path, format="turtle", publicID=base_iri)
    return graph


@cache
def ontology_graph(base_iri: str) -> Graph:
    graph = Graph()
    for path in _turtle_files("ontology"):
        graph.parse(path, format="turtle", publicID=base_iri)
    return graph


def _results(report: Graph) -> list[ShaclResult]:
    results = []
    for node in report.objects(None, SH.result):
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
        english = [m for m in report.objects(node, SH.resultMessage) if getattr(m, "language", None) == "en"]
        results.append(ShaclResult(
            focus=str(report.value(node, SH.focusNode)),
            path=str(path) if isinstance(path, URIRef) else (None if path is None else "complex path"),
            constraint=str(report.value(node, SH.sourceConstraintComponent)),
            severity=str(report.value(node, SH.resultSeverity)),
            message=str(english[0]) if english else (messages[0] if messages else ""),
            value=None if value is None else value.n3(),
        ))
    return sorted(results, key=lambda r: (r.focus, r.path or "", r.constraint))


def validate_quads(quads: Iterable[Quad], base_iri: str) -> tuple[list[ShaclResult], Graph]:
    """SHACL results for the union of ``quads`` (graph names ignored), and the report graph."""
    data = Graph()
    data.parse(data=serialize_rdf((q.triple for q in quads), "ntriples"), format="nt")
    # The ontology's classes and concept schemes are part of what sh:class and
    # skos:inScheme constraints must see.
    data += ontology_graph(base_iri)
    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes_graph(base_iri),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    return _results(report), report
