"""The RDF of an entity page for search engines: JSON-LD with schema.org terms where they fit.

The object is embedded in the page as a ``<script type="application/ld+json">`` data block
(a data block is not run, so the Content-Security-Policy's ban on inline scripts still holds).
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from publisher.web.entity_page import EntityPage

SCHEMA_TYPES = {
    "Partnership": "Project",
    "FrenchLocalAuthority": "GovernmentOrganization",
    "ForeignLocalAuthority": "GovernmentOrganization",
    "Country": "Country",
    "DiplomaticPost": "GovernmentOrganization",
    "Organisation": "Organization",
    "UnidentifiedOrganisation": "Organization",
    "Person": "Person",
    "Contact": "OrganizationRole",
    "FundingLine": "MonetaryGrant",
    "SourceRecord": "Dataset",
    "Concept": "DefinedTerm",
}


def _ref(value: Any, base_iri: str) -> dict[str, Any]:
    node: dict[str, Any] = {"@id": value.iri or value.text}
    if value.text and value.text != value.iri:
        node["name"] = value.text
    return node


def structured_data(page: EntityPage, base_iri: str, page_url: str) -> dict[str, Any]:
    """A schema.org description of the page's entity."""
    types = sorted({SCHEMA_TYPES[c] for c in page.classes if c in SCHEMA_TYPES}) or ["Thing"]
    node: dict[str, Any] = {
        "@context": "https://schema.org",
        "@id": page.iri,
        "@type": types if len(types) > 1 else types[0],
        "name": page.label,
        "url": page_url,
        "additionalType": sorted(t.iri for t in page.types if t.iri),
    }
    same_as = [v.iri for _site, v in page.links_out if v.iri]
    if same_as:
        node["sameAs"] = same_as
    for local, key in (("identifier", "identifier"), ("codeINSEE", "identifier"), ("isoAlpha2", "identifier")):
        for value in page.values(local):
            node.setdefault(key, value.text)
    descriptions = [text for heading, paragraphs in page.texts for text in
                    ["\n".join(line for para in paragraphs for line in para)] if heading]
    if descriptions:
        node["description"] = descriptions[0][:2000]
    for value in page.values("startYear"):
        node["startDate"] = value.text
    for value in page.values("endDate"):
        node["endDate"] = value.text
    lat, long = page.values("lat"), page.values("long")
    if lat and long:
        node["geo"] = {"@type": "GeoCoordinates", "latitude": lat[0].text, "longitude": long[0].text}
    for local in ("country",):
        for value in page.values(local):
            node["containedInPlace"] = {"@type": "Country", **_ref(value, base_iri)}
    members = [_ref(v, base_iri) for local in ("frenchPartner", "foreignPartner") for v in page.values(local)]
    if members:
        node["member"] = members
    keywords = [v.text for v in page.values("theme")]
    if keywords:
        node["keywords"] = keywords
    if page.funding:
        funders = {line.funder.iri or line.funder.text: line.funder for line in page.funding}
        node["funder"] = [{"@type": "Organization", **_ref(v, base_iri)} for v in funders.values()]
        node["funding"] = {"@type": "MonetaryAmount", "currency": "EUR", "value": str(page.funding_total)}
    for local in ("givenName", "familyName"):
        for value in page.values(local):
            node[local] = value.text
    if page.provenance:
        record = page.provenance[0]
        node["isBasedOn"] = {"@id": record.record.iri}
    return {k: v for k, v in node.items() if v not in (None, [], "")}


def json_ld_block(data: dict[str, Any]) -> Markup:
    """JSON safe to place inside a ``<script>`` element: no ``<``, ``>`` or ``&`` appears literally."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)
