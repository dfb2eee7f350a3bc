"""The endpoint's SPARQL 1.1 Service Description, pointing to the dataset's VoID description.

https://www.w3.org/TR/sparql11-service-description/
"""

from __future__ import annotations

from publisher.settings import Settings
from publisher.store import BlankNode, Literal, NamedNode, Triple

SD = "http://www.w3.org/ns/sparql-service-description#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
FORMATS = "http://www.w3.org/ns/formats/"
PREFIXES = {"sd": SD, "void": VOID, "dcterms": DCTERMS, "formats": FORMATS}
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                  "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def void_iri(settings: Settings) -> str:
    """The IRI of the dataset's VoID description."""
    return settings.base_iri + ".well-known/void"


def service_description_triples(endpoint_url: str, settings: Settings) -> list[Triple]:
    """The description of the endpoint at ``endpoint_url``: what it supports, its limits, its dataset."""
    service = NamedNode(endpoint_url)
    dataset = BlankNode()
    default_graph = BlankNode()

    def sd(name: str) -> NamedNode:
        return NamedNode(SD + name)

    limits = (
        f"Read-only. A query stops after {settings.query_timeout_s:g} s; answers are cut after "
        f"{settings.max_result_rows} rows (header X-Atlas-Truncated); request bodies are limited to "
        f"{settings.max_request_bytes} bytes; "
        + ("SERVICE is refused." if not settings.federation_allowlist
           else "SERVICE may call: " + ", ".join(settings.federation_allowlist) + ".")
    )
    triples = [
        Triple(service, RDF_TYPE, sd("Service")),
        Triple(service, sd("endpoint"), service),
        Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        # Without default-graph-uri, the default graph is the union of every named graph.
        Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, RDF_TYPE, sd("Dataset")),
        Triple(dataset, sd("defaultGraph"), default_graph),
        Triple(default_graph, RDF_TYPE, sd("Graph")),
        Triple(dataset, NamedNode(VOID + "inDataset"), NamedNode(void_iri(settings))),
        Triple(service, NamedNode(DCTERMS + "title"), Literal(settings.dataset_title, language="fr")),
        Triple(service, NamedNode(DCTERMS + "description"), Literal(limits, language="en")),
    ]
    if settings.federation_allowlist:
        triples.append(Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    for name in RESULT_FORMATS:
        triples.append(Triple(service, sd("resultFormat"), NamedNode(FORMATS + name)))
    return triples
