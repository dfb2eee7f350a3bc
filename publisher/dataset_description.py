"""The dataset's description of itself, in VoID (W3C Interest Group Note "Describing Linked Datasets
with the VoID Vocabulary") and DCAT 3: title, licence, publisher, dumps, SPARQL endpoint, URI space,
vocabularies used, size, entities per class, and when the data last changed.

The description is computed from the store's current release and the release manifest (dumps,
modification time); :data:`DESCRIPTION_PATH` is where it is published
(``/.well-known/void``, RFC 8615 and VoID §7).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from publisher.queries import load_query
from publisher.settings import Settings
from publisher.store import BlankNode, Literal, NamedNode, Store, Triple

DESCRIPTION_PATH = ".well-known/void"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
DCTERMS = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"
COMPRESS_FORMAT = "http://www.iana.org/assignments/media-types/application/gzip"
IANA_MEDIA = "http://www.iana.org/assignments/media-types/"


@dataclass(frozen=True)
class DescribedDump:
    url: str
    media_type: str
    title: str
    byte_size: int | None


def dataset_iri(settings: Settings) -> str:
    return settings.base_iri + DESCRIPTION_PATH + "#dataset"


def namespace_of(iri: str) -> str:
    for separator in ("#", "/"):
        if separator in iri:
            head = iri.rsplit(separator, 1)[0]
            return head + separator
    return iri


def _typed(value: object, datatype: str) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + datatype))


def describe_dataset(store: Store, settings: Settings, dumps: Iterable[DescribedDump],
                     modified: str | None) -> list[Triple]:
    """VoID and DCAT triples describing the published dataset."""
    ds = NamedNode(dataset_iri(settings))
    out: list[Triple] = []

    def add(subject: Any, predicate: str, obj: Any) -> None:
        out.append(Triple(subject, NamedNode(predicate), obj))

    add(ds, RDF_TYPE.value, NamedNode(VOID + "Dataset"))
    add(ds, RDF_TYPE.value, NamedNode(DCAT + "Dataset"))
    add(ds, DCTERMS + "title", Literal(settings.dataset_title, language="fr"))
    add(ds, DCTERMS + "description", Literal(
        "Les partenariats entre collectivités territoriales françaises et autorités locales étrangères "
        "recensés par l'Atlas français de la coopération décentralisée, en données liées.", language="fr"))
    add(ds, DCTERMS + "license", NamedNode(settings.dataset_licence))
    publisher = BlankNode()
    add(ds, DCTERMS + "publisher", publisher)
    add(publisher, RDF_TYPE.value, NamedNode(FOAF + "Organization"))
    add(publisher, FOAF + "name", Literal(settings.dataset_publisher, language="fr"))
    add(ds, DCAT + "landingPage", NamedNode(settings.base_iri))
    add(ds, FOAF + "homepage", NamedNode(settings.base_iri))
    add(ds, VOID + "sparqlEndpoint", NamedNode(settings.base_iri + "sparql"))
    add(ds, VOID + "uriSpace", Literal(settings.base_iri + "id/"))
    add(ds, VOID + "uriLookupEndpoint", NamedNode(settings.base_iri + "search.json?q="))
    add(ds, VOID + "rootResource", NamedNode(settings.base_iri + "def/atlas"))
    add(ds, DCTERMS + "conformsTo", NamedNode(settings.base_iri + "def/atlas/shapes"))
    if modified:
        add(ds, DCTERMS + "modified", _typed(modified, "dateTime"))
    add(ds, DCAT + "theme", Literal("coopération décentralisée", language="fr"))
    add(ds, DCAT + "keyword", Literal("coopération décentralisée", language="fr"))
    add(ds, DCAT + "keyword", Literal("collectivités territoriales", language="fr"))
    add(ds, DCAT + "keyword", Literal("aide publique au développement", language="fr"))
    service = NamedNode(settings.base_iri + "sparql")
    add(ds, DCAT + "distribution", _sparql_distribution(out, service, settings))

    for dump in dumps:
        url = NamedNode(dump.url)
        add(ds, VOID + "dataDump", url)
        distribution = BlankNode()
        add(ds, DCAT + "distribution", distribution)
        add(distribution, RDF_TYPE.value, NamedNode(DCAT + "Distribution"))
        add(distribution, DCTERMS + "title", Literal(dump.title, language="en"))
        add(distribution, DCAT + "downloadURL", url)
        add(distribution, DCAT + "accessURL", url)
        add(distribution, DCAT + "mediaType", NamedNode(IANA_MEDIA + dump.media_type))
        add(distribution, DCAT + "compressFormat", NamedNode(COMPRESS_FORMAT))
        add(distribution, DCTERMS + "license", NamedNode(settings.dataset_licence))
        if dump.byte_size is not None:
            add(distribution, DCAT + "byteSize", _typed(dump.byte_size, "nonNegativeInteger"))

    counts = store.select(load_query("void_counts")).rows[0]
    add(ds, VOID + "triples", _typed(counts["triples"].value, "integer"))
    add(ds, VOID + "distinctSubjects", _typed(counts["subjects"].value, "integer"))
    add(ds, VOID + "distinctObjects", _typed(counts["objects"].value, "integer"))
    classes = store.select(load_query("void_classes")).rows
    entities = sum(int(r["n"].value) for r in classes if r["class"].value.startswith(settings.vocab_iri))
    add(ds, VOID + "entities", _typed(entities, "integer"))
    add(ds, VOID + "classes", _typed(len(classes), "integer"))
    namespaces = set()
    for row in sorted(classes, key=lambda r: r["class"].value):
        partition = BlankNode()
        add(ds, VOID + "classPartition", partition)
        add(partition, VOID + "class", row["class"])
        add(partition, VOID + "entities", _typed(row["n"].value, "integer"))
        namespaces.add(namespace_of(row["class"].value))
    predicates = store.select(load_query("void_predicates")).rows
    add(ds, VOID + "properties", _typed(len(predicates), "integer"))
    for row in sorted(predicates, key=lambda r: r["p"].value):
        partition = BlankNode()
        add(ds, VOID + "propertyPartition", partition)
        add(partition, VOID + "property", row["p"])
        add(partition, VOID + "triples", _typed(row["n"].value, "integer"))
        namespaces.add(namespace_of(row["p"].value))
    for namespace in sorted(namespaces):
        add(ds, VOID + "vocabulary", NamedNode(namespace))
    return out


def _sparql_distribution(out: list[Triple], service: NamedNode, settings: Settings) -> BlankNode:
    distribution = BlankNode()
    data_service = NamedNode(settings.base_iri + "sparql#service")
    for s, p, o in (
        (distribution, RDF_TYPE.value, NamedNode(DCAT + "Distribution")),
        (distribution, DCTERMS + "title", Literal("SPARQL 1.1 endpoint", language="en")),
        (distribution, DCAT + "accessURL", service),
        (distribution, DCAT + "accessService", data_service),
        (data_service, RDF_TYPE.value, NamedNode(DCAT + "DataService")),
        (data_service, DCAT + "endpointURL", service),
        (data_service, DCTERMS + "conformsTo", NamedNode("https://www.w3.org/TR/sparql11-protocol/")),
    ):
        out.append(Triple(s, NamedNode(p), o))
    return distribution
