"""The vocabulary's documentation page: every class and property with its labels and comments."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from publisher.store import Literal, NamedNode, Triple
from publisher.web.prefixes import compact, prefixes_for

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
KINDS = [
    (OWL + "Class", "Classes"),
    (RDFS + "Class", "Classes"),
    (OWL + "ObjectProperty", "Propriétés (liens)"),
    (OWL + "DatatypeProperty", "Propriétés (valeurs)"),
    (OWL + "AnnotationProperty", "Propriétés d'annotation"),
    (RDFS + "Property", "Propriétés"),
    (OWL + "NamedIndividual", "Individus"),
]


@dataclass
class Term:
    iri: str
    local: str
    labels: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    links: list[tuple[str, str, str]] = field(default_factory=list)


@dataclass
class Vocabulary:
    iri: str
    title: str
    metadata: list[tuple[str, str]]
    sections: list[tuple[str, list[Term]]]


def vocabulary_model(triples: list[Triple], doc_iri: str, base_iri: str) -> Vocabulary:
    prefixes = prefixes_for(base_iri)
    by_subject: dict[str, list[Triple]] = defaultdict(list)
    for t in triples:
        if isinstance(t.subject, NamedNode):
            by_subject[t.subject.value].append(t)
    metadata = []
    title = compact(doc_iri, prefixes)
    for t in by_subject.pop(doc_iri, []):
        if isinstance(t.object, Literal):
            if t.predicate.value == "http://purl.org/dc/terms/title" and t.object.language in ("fr", None):
                title = t.object.value
            metadata.append((compact(t.predicate.value, prefixes), t.object.value))
    sections: dict[str, list[Term]] = defaultdict(list)
    for iri, arcs in sorted(by_subject.items()):
        term = Term(iri, iri.rsplit("#", 1)[-1])
        kind = None
        for t in arcs:
            p = t.predicate.value
            if p == RDF_TYPE:
                for candidate, name in KINDS:
                    if t.object.value == candidate and kind is None:
                        kind = name
            elif p == RDFS + "label" and isinstance(t.object, Literal):
                term.labels[t.object.language or ""] = t.object.value
            elif p == RDFS + "comment" and isinstance(t.object, Literal):
                term.comments[t.object.language or ""] = t.object.value
            elif isinstance(t.object, NamedNode) and p != RDFS + "isDefinedBy":
                target = t.object.value
                href = "/" + target[len(base_iri):] if target.startswith(base_iri) else target
                term.links.append((compact(p, prefixes), compact(target, prefixes), href))
        sections[kind or "Autres termes"].append(term)
    order = [name for _, name in KINDS] + ["Autres termes"]
    ordered = [(name, sections[name]) for name in dict.fromkeys(order) if sections.get(name)]
    return Vocabulary(doc_iri, title, sorted(metadata), ordered)
