"""The endpoint's SPARQL 1.1 Service Description, pointing to the dataset's VoID description."""

from __future__ import annotations

from publisher.settings import Settings
from publisher.store import BlankNode, Literal, NamedNode, Triple

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID = "http://rdfs.org/ns/void#"
FORMATS = "http://www.w3.org/ns/formats/"


def service_description_triples(endpoint_url: str, settings: Settings) -> list[Triple]:
    service = NamedNode(endpoint_url)
    dataset = BlankNode()
    default_graph = BlankNode()

    def sd(name: str) -> NamedNode:
        return NamedNode(SD + name)

    triples = [
        Triple(service, RDF_TYPE, sd("Service")),
        Triple(service, sd("endpoint"), service),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, sd("Graph")),
        Triple(dataset, NamedNode(VOID + "inDataset"), NamedNode(settings.base_iri + ".well-known/void")),
        Triple(service, NamedNode("http://purl.org/dc/terms/title"), Literal(settings.dataset_title, language="fr")),
    ]
    if settings.federation_allowlist:
        triples.append(Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append(Triple(service, sd("resultFormat"), NamedNode(FORMATS + name)))
    return triples
