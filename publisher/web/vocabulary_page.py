"""The vocabulary's documentation page (every class, property and concept scheme with its labels and
comments) and the page of the SHACL shapes the published data is checked against."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from publisher.store import Literal, NamedNode, Triple
from publisher.web.prefixes import compact, prefixes_for

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
KINDS = [
    (OWL + "Class", "Classes"),
    (RDFS + "Class", "Classes"),
    (OWL + "ObjectProperty", "Propriétés (liens)"),
    (OWL + "DatatypeProperty", "Propriétés (valeurs)"),
    (OWL + "AnnotationProperty", "Propriétés d'annotation"),
    (RDFS + "Property", "Propriétés"),
    (SKOS + "ConceptScheme", "Schémas de concepts"),
    (OWL + "NamedIndividual", "Individus"),
]
# Arcs shown first, with a readable name, on each term.
LINK_NAMES = {
    RDFS + "subClassOf": "sous-classe de",
    RDFS + "subPropertyOf": "sous-propriété de",
    RDFS + "domain": "domaine",
    RDFS + "range": "portée",
    OWL + "equivalentClass": "classe équivalente",
    OWL + "equivalentProperty": "propriété équivalente",
    OWL + "inverseOf": "inverse de",
    SKOS + "hasTopConcept": "concepts",
    SKOS + "closeMatch": "correspondance proche",
    SKOS + "exactMatch": "correspondance exacte",
}


@dataclass
class Term:
    iri: str
    local: str
    labels: dict[str, str] = field(default_factory=dict)
    comments: dict[str, str] = field(default_factory=dict)
    links: list[tuple[str, str, str]] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


@dataclass
class Vocabulary:
    iri: str
    title: str
    metadata: list[tuple[str, str]]
    sections: list[tuple[str, list[Term]]]


def _href(target: str, base_iri: str, doc_iri: str) -> str:
    if target.startswith(doc_iri + "#"):
        return "#" + target[len(doc_iri) + 1:]
    return "/" + target[len(base_iri):] if target.startswith(base_iri) else target


def vocabulary_model(triples: list[Triple], doc_iri: str, base_iri: str,
                     concepts: list[Triple] | None = None) -> Vocabulary:
    prefixes = prefixes_for(base_iri)
    concept_labels: dict[str, str] = {}
    for t in concepts or []:
        if t.predicate.value == SKOS + "prefLabel" and isinstance(t.object, Literal) and t.object.language == "fr":
            concept_labels[t.subject.value] = t.object.value  # type: ignore[union-attr]
    by_subject: dict[str, list[Triple]] = defaultdict(list)
    for t in triples:
        if isinstance(t.subject, NamedNode):
            by_subject[t.subject.value].append(t)
    metadata = []
    title = compact(doc_iri, prefixes)
    for t in by_subject.pop(doc_iri, []):
        name = compact(t.predicate.value, prefixes)
        if isinstance(t.object, Literal):
            if t.predicate.value == "http://purl.org/dc/terms/title" and t.object.language in ("fr", None):
                title = t.object.value
            metadata.append((name, t.object.value))
        elif isinstance(t.object, NamedNode):
            metadata.append((name, compact(t.object.value, prefixes)))
    sections: dict[str, list[Term]] = defaultdict(list)
    for iri, arcs in sorted(by_subject.items()):
        term = Term(iri, iri.rsplit("#", 1)[-1])
        kind = None
        links: list[tuple[int, str, str, str]] = []
        for t in arcs:
            p = t.predicate.value
            if p == RDF_TYPE:
                for candidate, name in KINDS:
                    if t.object.value == candidate and kind is None:  # type: ignore[union-attr]
                        kind = name
                term.kinds.append(compact(t.object.value, prefixes))  # type: ignore[union-attr]
            elif p == RDFS + "label" and isinstance(t.object, Literal):
                term.labels[t.object.language or ""] = t.object.value
            elif p == RDFS + "comment" and isinstance(t.object, Literal):
                term.comments[t.object.language or ""] = t.object.value
            elif isinstance(t.object, NamedNode) and p != RDFS + "isDefinedBy":
                target = t.object.value
                shown = concept_labels.get(target) or compact(target, prefixes)
                order = list(LINK_NAMES).index(p) if p in LINK_NAMES else len(LINK_NAMES)
                links.append((order, LINK_NAMES.get(p) or compact(p, prefixes), shown,
                              _href(target, base_iri, doc_iri)))
        term.links = [(name, shown, href) for _o, name, shown, href in sorted(links)]
        sections[kind or "Autres termes"].append(term)
    section_order = [name for _, name in KINDS] + ["Autres termes"]
    ordered = [(name, sections[name]) for name in dict.fromkeys(section_order) if sections.get(name)]
    return Vocabulary(doc_iri, title, sorted(metadata), ordered)


@dataclass
class PropertyShape:
    path: str
    path_href: str
    constraints: list[tuple[str, str]]
    message: str | None
    severity: str


@dataclass
class NodeShape:
    iri: str
    name: str
    targets: list[tuple[str, str]]
    messages: list[str]
    properties: list[PropertyShape]
    severity: str


def shapes_model(triples: list[Triple], base_iri: str) -> list[NodeShape]:
    """Node shapes with their targets and property shapes (path, constraints, message)."""
    prefixes = prefixes_for(base_iri)
    arcs: dict[str, list[Triple]] = defaultdict(list)
    for t in triples:
        arcs[str(t.subject)].append(t)

    def objects(node: str, predicate: str) -> list:
        return [t.object for t in arcs.get(node, []) if t.predicate.value == predicate]

    def href(iri: str) -> str:
        return "/" + iri[len(base_iri):] if iri.startswith(base_iri) else iri

    def severity(node: str) -> str:
        found = objects(node, SH + "severity")
        return compact(found[0].value, prefixes).removeprefix("sh:") if found else "Violation"

    shapes = []
    for subject, subject_arcs in arcs.items():
        if not any(t.predicate.value == RDF_TYPE and t.object.value == SH + "NodeShape" for t in subject_arcs):  # type: ignore[union-attr]
            continue
        targets = [(compact(o.value, prefixes), href(o.value)) for o in objects(subject, SH + "targetClass")]
        targets += [(compact(o.value, prefixes), href(o.value))
                    for o in objects(subject, SH + "targetSubjectsOf") + objects(subject, SH + "targetObjectsOf")
                    if isinstance(o, NamedNode)]
        properties = []
        for node in objects(subject, SH + "property"):
            key = str(node)
            paths = objects(key, SH + "path")
            path = paths[0] if paths else None
            path_text = compact(path.value, prefixes) if isinstance(path, NamedNode) else "(chemin composé)"
            constraints = []
            for t in arcs.get(key, []):
                p = t.predicate.value
                if p in (SH + "path", SH + "message", SH + "severity", RDF_TYPE, SH + "name", SH + "description"):
                    continue
                shown = t.object.value if isinstance(t.object, NamedNode | Literal) else "[…]"
                constraints.append((compact(p, prefixes), compact(shown, prefixes)))
            messages = [m.value for m in objects(key, SH + "message")
                        if isinstance(m, Literal) and m.language in ("fr", None, "")]
            properties.append(PropertyShape(
                path_text, href(path.value) if isinstance(path, NamedNode) else "", sorted(constraints),
                messages[0] if messages else None, severity(key)))
        name = compact(subject, prefixes) if not subject.startswith("_:") else "forme anonyme"
        if subject.startswith("<"):
            name = compact(subject[1:-1], prefixes)
        messages = [m.value for m in objects(subject, SH + "message") if isinstance(m, Literal)]
        shapes.append(NodeShape(subject, name, targets, messages,
                                sorted(properties, key=lambda p: p.path), severity(subject)))
    return sorted(shapes, key=lambda s: (s.severity != "Violation", s.name))
