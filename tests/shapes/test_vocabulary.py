"""Lint of the vocabulary, the concept schemes, the shapes and the shape cases.

Turtle typos parse (``atlas:startyear``, ``rdfs:subClasOf``): these tests catch
them by checking that every term used is declared, in the Atlas vocabulary or
in the standard vocabulary it comes from. They also check the conventions of
the files: relative IRIs without ``@base``, read alike by rdflib and
pyoxigraph; every Atlas term labelled and commented in French and English;
every property shape named and explained in both languages; concept IRIs built
from labels the way the mapping builds them.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import (
    DCTERMS,
    FOAF,
    ORG,
    OWL,
    PROV,
    RDF,
    RDFS,
    SDO,
    SH,
    SKOS,
    VANN,
    XSD,
    DefinedNamespace,
)

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
SHARED = ROOT.parent / "shared"
BASE = "https://atlas-ld.example/"

ATLAS = BASE + "def/atlas#"
ATLAS_SHAPES = BASE + "def/atlas/shapes#"
IATI = BASE + "def/iati/"
ONTOLOGY = URIRef(BASE + "def/atlas")

ONTOLOGY_FILES = sorted((ROOT / "ontology").glob("*.ttl"))
SHAPE_FILES = sorted((ROOT / "shapes").glob("*.ttl"))
CASE_FILES = sorted(CASES.glob("*.ttl"))
ALL_FILES = ONTOLOGY_FILES + SHAPE_FILES + CASE_FILES

# Closed vocabularies whose terms rdflib lists, and the few the project uses
# that are newer than rdflib's snapshot of them.
CLOSED: list[type[DefinedNamespace]] = [DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SH, SKOS, VANN, XSD]
NEWER_THAN_RDFLIB = {str(SDO) + "funding"}
# W3C Basic Geo (WGS84) has seven terms; of vCard the project uses hasEmail only.
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEO_TERMS = {GEO + t for t in ("SpatialThing", "Point", "lat", "long", "alt", "lat_long", "location")}
VCARD = "http://www.w3.org/2006/vcard/ns#"
VCARD_TERMS = {VCARD + "hasEmail"}
IGEO = "http://rdf.insee.fr/def/geo#"


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@cache
def parse(path: Path) -> Graph:
    return Graph().parse(path, format="turtle", publicID=BASE)


def parse_all(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph += parse(path)
    return graph


def iris(graph: Graph) -> set[URIRef]:
    """Every IRI of a graph, in any position, datatypes of literals included."""
    found: set[URIRef] = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                found.add(term)
            elif isinstance(term, Literal) and term.datatype is not None:
                found.add(term.datatype)
    return found


def declared(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}


def languages(graph: Graph, subject: URIRef, predicate: URIRef) -> list[str]:
    return sorted(o.language or "" for o in graph.objects(subject, predicate) if isinstance(o, Literal))


def assert_french_and_english(graph: Graph, subject: URIRef, predicate: URIRef, what: str) -> None:
    found = languages(graph, subject, predicate)
    name = graph.qname(predicate)
    assert found == ["en", "fr"], f"{what}: {name} in {found or 'no language'}, not once in fr and en"


# -- Files --


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_file_has_relative_iris_and_no_base(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    base_directive = re.search(r"^\s*(@base|BASE)\b", text, re.MULTILINE | re.IGNORECASE)
    assert not base_directive, f"{rel(path)}: @base directive"
    assert "atlas-ld.example" not in text, f"{rel(path)}: absolute IRI under the default base IRI"


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_rdflib_and_pyoxigraph_read_the_same_graph(path: Path) -> None:
    pyoxigraph = pytest.importorskip("pyoxigraph")
    with path.open("rb") as handle:
        quads = list(pyoxigraph.parse(handle, format=pyoxigraph.RdfFormat.TURTLE, base_iri=BASE))
    ntriples = pyoxigraph.serialize((q.triple for q in quads), format=pyoxigraph.RdfFormat.N_TRIPLES)
    from_oxigraph = Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    assert len(from_oxigraph) == len(parse(path)), rel(path)
    assert isomorphic(from_oxigraph, parse(path)), f"{rel(path)}: rdflib and pyoxigraph disagree"


# -- Terms used are declared --


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_atlas_terms_used_are_declared(path: Path) -> None:
    vocabulary = declared(parse_all([ROOT / "ontology" / "atlas.ttl", ROOT / "ontology" / "schemes.ttl"]))
    used = {iri for iri in iris(parse(path)) if iri.startswith(ATLAS)}
    undeclared = sorted(iri.removeprefix(ATLAS) for iri in used - vocabulary)
    assert not undeclared, f"{rel(path)}: atlas: terms not declared in atlas.ttl or schemes.ttl: {undeclared}"


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_shape_and_iati_iris_used_are_declared(path: Path) -> None:
    shapes = declared(parse_all(SHAPE_FILES))
    iati = declared(parse(ROOT / "ontology" / "iati.ttl"))
    used = iris(parse(path))
    undeclared = sorted(
        [iri for iri in used if iri.startswith(ATLAS_SHAPES) and iri not in shapes]
        + [iri for iri in used if iri.startswith(IATI) and iri not in iati]
    )
    assert not undeclared, f"{rel(path)}: IRIs declared neither in shapes/ nor in iati.ttl: {undeclared}"


@pytest.mark.parametrize("path", ONTOLOGY_FILES + SHAPE_FILES, ids=rel)
def test_vocabulary_iris_used_by_ontology_and_shapes_are_declared(path: Path) -> None:
    """Concepts and documents under def/ referred to by the project's own files exist.

    (Cases may use concepts the schemes lack: the mapping mints them from labels.)
    """
    known = declared(parse_all(ONTOLOGY_FILES + SHAPE_FILES))
    used = {iri for iri in iris(parse(path)) if iri.startswith(BASE + "def/")}
    assert not sorted(used - known), f"{rel(path)}: undeclared IRIs {sorted(used - known)}"


@cache
def insee_terms() -> set[URIRef] | None:
    insee = SHARED / "reference" / "insee" / "insee-geo.ttl"
    if not insee.is_file():
        return None
    return {s for s in Graph().parse(insee, format="turtle").subjects() if isinstance(s, URIRef)}


@pytest.mark.parametrize("path", ALL_FILES, ids=rel)
def test_standard_vocabulary_terms_exist(path: Path) -> None:
    unknown = []
    for iri in iris(parse(path)):
        text = str(iri)
        if text in NEWER_THAN_RDFLIB:
            continue
        for namespace in CLOSED:
            if text.startswith(str(namespace._NS)) and iri not in namespace:
                unknown.append(text)
        if text.startswith(GEO) and text not in GEO_TERMS:
            unknown.append(text)
        if text.startswith(VCARD) and text not in VCARD_TERMS:
            unknown.append(text)
        terms = insee_terms()
        if text.startswith(IGEO) and terms is not None and iri not in terms:
            unknown.append(text)
    assert not unknown, f"{rel(path)}: terms unknown to their vocabulary: {sorted(unknown)}"


# -- The Atlas vocabulary --


def test_ontology_header() -> None:
    graph = parse(ROOT / "ontology" / "atlas.ttl")
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in graph
    for predicate in (OWL.versionInfo, DCTERMS.license, DCTERMS.modified):
        assert graph.value(ONTOLOGY, predicate) is not None, f"ontology header lacks {predicate}"
    for predicate in (DCTERMS.title, DCTERMS.description):
        assert_french_and_english(graph, ONTOLOGY, predicate, "ontology header")


def atlas_terms() -> list[tuple[Path, URIRef]]:
    return [
        (path, subject)
        for path in (ROOT / "ontology" / "atlas.ttl", ROOT / "ontology" / "schemes.ttl")
        for subject in sorted(set(parse(path).subjects()))
        if isinstance(subject, URIRef) and subject.startswith(ATLAS)
    ]


@pytest.mark.parametrize("path, term", [pytest.param(p, t, id=f"{p.name}:{t.removeprefix(ATLAS)}")
                                        for p, t in atlas_terms()])
def test_atlas_term_is_documented_in_french_and_english(path: Path, term: URIRef) -> None:
    graph = parse(path)
    name = "atlas:" + term.removeprefix(ATLAS)
    assert_french_and_english(graph, term, RDFS.label, name)
    assert_french_and_english(graph, term, RDFS.comment, name)
    assert graph.value(term, RDFS.isDefinedBy) == ONTOLOGY, f"{name}: rdfs:isDefinedBy not <def/atlas>"


def test_iati_roles_of_participant_properties() -> None:
    graph = parse(ROOT / "ontology" / "atlas.ttl")
    role = URIRef(ATLAS + "iatiOrganisationRole")
    roles = {
        "funder": "OrganisationRole/1",
        "projectOwner": "OrganisationRole/2",
        "implementer": "OrganisationRole/4",
    }
    for prop, code in roles.items():
        assert graph.value(URIRef(ATLAS + prop), role) == URIRef(IATI + code), prop


# -- Concept schemes --

SCHEME_TEMPLATES = {"statusScheme": "status", "formScheme": "form", "themeScheme": "theme",
                    "postRoleScheme": "post_role"}


def concepts() -> list[URIRef]:
    graph = parse(ROOT / "ontology" / "schemes.ttl")
    return sorted(c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef))


@pytest.mark.parametrize("concept", concepts(), ids=lambda c: c.removeprefix(BASE + "def/atlas/"))
def test_concept_is_labelled_and_in_one_scheme(concept: URIRef) -> None:
    graph = parse(ROOT / "ontology" / "schemes.ttl")
    assert_french_and_english(graph, concept, SKOS.prefLabel, concept)
    schemes = list(graph.objects(concept, SKOS.inScheme))
    assert len(schemes) == 1, f"{concept}: in schemes {schemes}"
    scheme = schemes[0]
    assert scheme.removeprefix(ATLAS) in SCHEME_TEMPLATES, f"{concept}: in unknown scheme {scheme}"
    top = (scheme, SKOS.hasTopConcept, concept) in graph
    listed = (concept, SKOS.topConceptOf, scheme) in graph
    assert top == listed, f"{concept}: skos:topConceptOf and skos:hasTopConcept differ"


def test_concept_iris_are_the_mapping_iris_of_their_french_labels() -> None:
    """A label met in a source lands on its concept: same slug rule, same IRI template."""
    from publisher.reconcile import slugify

    with (ROOT / "mappings" / "iris.toml").open("rb") as handle:
        templates = tomllib.load(handle)
    graph = parse(ROOT / "ontology" / "schemes.ttl")
    for concept in concepts():
        scheme = graph.value(concept, SKOS.inScheme).removeprefix(ATLAS)
        label = next(str(o) for o in graph.objects(concept, SKOS.prefLabel) if o.language == "fr")
        expected = BASE + templates[SCHEME_TEMPLATES[scheme]].format(slug=slugify(label))
        assert str(concept) == expected, f"{label!r}: {concept} is not the mapping's {expected}"


def test_statuses_match_iati_activity_statuses() -> None:
    graph = parse(ROOT / "ontology" / "schemes.ttl")
    expected = {"en-cours": "2", "termine": "4", "en-projet": "1", "suspendu": "6"}
    for slug, code in expected.items():
        concept = URIRef(BASE + "def/atlas/status/" + slug)
        assert graph.value(concept, SKOS.closeMatch) == URIRef(IATI + "ActivityStatus/" + code), slug


# -- IATI code lists --


def test_iati_ttl_is_what_the_generator_writes() -> None:
    source = SHARED / "reference" / "iati"
    if not source.is_dir():
        pytest.skip(f"{source} is absent: the IATI codelists are read from ../shared")
    spec = importlib.util.spec_from_file_location("iati_to_skos", ROOT / "reference" / "iati_to_skos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    written = (ROOT / "ontology" / "iati.ttl").read_text(encoding="utf-8")
    stale = "ontology/iati.ttl is stale: run python reference/iati_to_skos.py"
    assert written == module.iati_turtle(source), stale


def test_iati_concepts_have_labels_definitions_and_notation() -> None:
    graph = parse(ROOT / "ontology" / "iati.ttl")
    found = sorted(c for c in graph.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef))
    assert len(found) == 10  # OrganisationRole 1-4, ActivityStatus 1-6
    for concept in found:
        assert_french_and_english(graph, concept, SKOS.prefLabel, concept)
        assert_french_and_english(graph, concept, SKOS.definition, concept)
        assert str(graph.value(concept, SKOS.notation)) == concept.rsplit("/", 1)[1], concept


# -- Shapes --

CONSTRAINTS = [SH["or"], SH["and"], SH["not"], SH.xone, SH.sparql, SH["class"], SH.datatype, SH.nodeKind,
               SH.minCount, SH.maxCount, SH.pattern, SH["in"], SH.hasValue, SH.node,
               SH.qualifiedValueShape, URIRef(ATLAS_SHAPES + "notBefore")]


def named_shapes(graph: Graph) -> set[URIRef]:
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(graph.subjects(RDF.type, SH.PropertyShape))
    return {s for s in shapes if isinstance(s, URIRef)}


def test_every_property_shape_is_a_named_property_shape() -> None:
    graph = parse_all(SHAPE_FILES)
    for shape in graph.subjects(SH.path, None):
        if (shape, RDF.type, SH.Parameter) in graph:
            continue
        assert isinstance(shape, URIRef) and (shape, RDF.type, SH.PropertyShape) in graph, (
            f"property shape {shape} on {graph.value(shape, SH.path)} is anonymous or untyped"
        )


@pytest.mark.parametrize("path", SHAPE_FILES, ids=rel)
def test_shapes_have_names_and_messages_in_french_and_english(path: Path) -> None:
    graph = parse(path)
    for shape in sorted(named_shapes(graph)):
        constrained = any(graph.value(shape, c) is not None for c in CONSTRAINTS)
        if (shape, RDF.type, SH.PropertyShape) in graph:
            assert_french_and_english(graph, shape, SH.name, shape)
        if constrained:
            assert_french_and_english(graph, shape, SH.message, shape)


def reporting_shapes(graph: Graph) -> set[URIRef]:
    """Targeted node shapes and their property shapes: the shapes whose results are reported."""
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    targeted = {s for predicate in targets for s in graph.subjects(predicate, None) if isinstance(s, URIRef)}
    return targeted | {o for s in targeted for o in graph.objects(s, SH.property) if isinstance(o, URIRef)}


def test_shapes_are_split_by_severity() -> None:
    violations, warnings = parse(ROOT / "shapes" / "violations.ttl"), parse(ROOT / "shapes" / "warnings.ttl")
    for shape in named_shapes(violations):
        assert violations.value(shape, SH.severity) in (None, SH.Violation), f"{shape} in violations.ttl"
    reporting = reporting_shapes(warnings)
    for shape in named_shapes(warnings):
        severity = warnings.value(shape, SH.severity)
        if shape not in reporting:
            # Only used inside sh:or or sh:node: with a severity, a validator that lets warnings
            # pass (the build's allow_warnings) would take its failures for passes.
            assert severity is None, f"{shape} in warnings.ttl is used inside another shape, has a severity"
        elif any(warnings.value(shape, c) is not None for c in CONSTRAINTS):
            assert severity == SH.Warning, f"{shape} in warnings.ttl has severity {severity}"
    both = named_shapes(violations) & named_shapes(warnings)
    assert not both, f"shapes described in both files: {sorted(both)}"


def test_shapes_graph_is_valid_shacl() -> None:
    from pyshacl import validate

    data = parse(CASES / "valid-seed-angouleme-segou.ttl") + parse_all(ONTOLOGY_FILES)
    conforms, _report, text = validate(data, shacl_graph=parse_all(SHAPE_FILES), meta_shacl=True,
                                       inference="none", advanced=True)
    assert conforms, text
