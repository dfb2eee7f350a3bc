"""Record → RDF, as declared in ``mappings/``.

A record and its resolved entities become a JSON-LD document whose keys are the
terms of ``mappings/atlas.context.jsonld`` and whose IRIs follow
``mappings/iris.toml``; the JSON-LD parser turns it into quads. The code here
only arranges values; what each key means in RDF is the mapping files' business.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from publisher.entities import UNSPECIFIED_FUNDER, RegisteredEntity, ResolvedRecord, iri
from publisher.record import PartnershipRecord
from publisher.resources import resource_dir
from publisher.settings import Settings
from publisher.store import NamedNode, Quad, parse_rdf

GEONAMES = "https://sws.geonames.org/{}/"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/{}"


@dataclass(frozen=True)
class Provenance:
    """Where a record's graph came from: the source file, its checksum, when it was ingested."""

    source_path: str
    checksum: str
    ingested_at: str


@cache
def _context_file() -> dict[str, Any]:
    return json.loads((resource_dir("mappings") / "atlas.context.jsonld").read_text(encoding="utf-8"))


def context(settings: Settings) -> dict[str, Any]:
    """The mapping context with the ``atlas`` prefix bound to the configured vocabulary namespace."""
    ctx = dict(_context_file()["@context"])
    ctx["atlas"] = settings.vocab_iri
    return ctx


def _drop_empty(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if v is not None and v != [] and v != ""}


def _number(value: object) -> str | None:
    return None if value is None else str(value)


def _date(text: str | None) -> dict[str, str] | str | None:
    """An end date as written ("2015", "31/12/2015", "2015-12-31") typed xsd:gYear or xsd:date."""
    if text is None:
        return None
    value = text.strip()
    if re.fullmatch(r"[0-9]{4}", value):
        return {"@value": value, "@type": "xsd:gYear"}
    day_first = re.fullmatch(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})", value)
    if day_first:
        day, month, year = day_first.groups()
        value = f"{year}-{int(month):02d}-{int(day):02d}"
    try:
        return {"@value": datetime.date.fromisoformat(value).isoformat(), "@type": "xsd:date"}
    except ValueError:
        return text  # not a date of the calendar: left as written, and the shapes report it


def record_document(record: PartnershipRecord, resolved: ResolvedRecord, provenance: Provenance,
                    settings: Settings) -> dict[str, Any]:
    """The JSON-LD document of one record's named graph."""
    rid = record.record_id
    graph_iri = iri("record_graph", record=rid)
    funding = [
        _drop_empty({
            "id": iri("funding_line", record=rid, n=n),
            "type": "FundingLine",
            "funder": funder,
            "amount": _number(line.amount),
            "waterAmount": _number(line.water_amount),
            "year": _number(line.year),
        })
        for n, (line, funder) in enumerate(zip(record.funding, resolved.funders, strict=True), start=1)
    ]
    volunteers = []
    for n, volunteer in enumerate(record.volunteers, start=1):
        name = " ".join(p for p in (volunteer.given_name, volunteer.family_name) if p)
        volunteers.append(_drop_empty({
            "id": iri("volunteer", record=rid, n=n),
            "type": "VolunteerAssignment",
            "member": _drop_empty({
                "id": iri("volunteer_person", record=rid, n=n), "type": "Person", "name": name,
                "fullName": name, "familyName": volunteer.family_name, "givenName": volunteer.given_name,
            }),
            "mission": volunteer.mission,
            "fieldOfAction": volunteer.field_of_action,
            "hostEntity": volunteer.host_entity,
        }))
    partnership = _drop_empty({
        "id": iri("partnership", record=rid),
        "type": "Partnership",
        "identifier": rid,
        "title": record.title,
        "label": record.title,
        "firstSignatureYear": _number(record.first_signature_year),
        "startYear": _number(record.start_year),
        "endDate": _date(record.end_date),
        "status": resolved.status,
        "form": resolved.form,
        "theme": sorted(set(resolved.themes)),
        "context": record.context,
        "history": record.history,
        "objective": record.objective,
        "description": record.description,
        "beneficiaries": record.beneficiaries,
        "projectOwner": resolved.project_owners,
        "implementer": resolved.implementers,
        "foreignPartner": resolved.foreign_partners,
        "frenchPartner": resolved.french_partners,
        "contact": resolved.foreign_contacts,
        "diplomaticPost": resolved.post,
        "triennial": record.triennial,
        "communicationInFrance": record.communication_in_france,
        "communicationInPartnerCountries": record.communication_in_partner_countries,
        "evaluationPolicy": record.evaluation_policy,
        "fundingLine": funding,
        "volunteer": volunteers,
        "derivedFrom": graph_iri,
    })
    source = {
        "id": graph_iri,
        "type": "SourceRecord",
        "source": provenance.source_path,
        "checksum": provenance.checksum,
        "generatedAtTime": provenance.ingested_at,
    }
    return {"@context": context(settings), "@graph": [partnership, source]}


def records_document(documents: list[dict[str, Any]], settings: Settings) -> dict[str, Any]:
    """Several records' documents as one JSON-LD document of named graphs, parsed in one pass.

    Each record's nodes go in the named graph its source record node names (JSON-LD 1.1 §4.9).
    """
    graphs = []
    for document in documents:
        nodes = document["@graph"]
        source = next(n for n in nodes if n.get("type") == "SourceRecord")
        graphs.append({"id": source["id"], "@graph": nodes})
    return {"@context": context(settings), "@graph": graphs}


def _entity_node(entity: RegisteredEntity, settings: Settings, scheme_concepts: set[str]) -> dict[str, Any] | None:
    ref = entity.reference
    alt = sorted({m for m in entity.mentions if m != entity.label})
    node: dict[str, Any] = {"id": entity.key}
    kind = entity.kind
    if kind == "Concept":
        if entity.key in scheme_concepts:
            return None  # described by the ontology's concept schemes
        return {"id": entity.key, "type": "Concept", "prefLabel": entity.label, "altLabel": alt}
    if kind == "Country":
        node["type"] = "Country"
        if ref is None:
            return _drop_empty({**node, "name": entity.label, "altLabel": alt})
        node.update({
            "label": ref.label,
            "labelEn": ref.code("name_en"),
            "isoAlpha2": ref.code("alpha2"),
            "isoAlpha3": ref.code("alpha3"),
            "sameAs": [EU_COUNTRY.format(ref.code("alpha3"))]
            + ([GEONAMES.format(ref.code("geonames"))] if ref.code("geonames") else []),
            "altLabel": alt,
        })
        return _drop_empty(node)
    if kind in {"Commune", "Departement", "Region", "Intercommunalite", "FrenchLocalAuthority"}:
        types = ["FrenchLocalAuthority"] + ([kind] if kind != "FrenchLocalAuthority" else [])
        codes = dict(ref.codes) if ref else {}
        node.update({
            "type": types,
            "name": entity.label,
            "altLabel": alt,
            "codeINSEE": codes.get("insee"),
            "siren": codes.get("siren") or None,
        })
        return _drop_empty(node)
    if kind == "ForeignLocalAuthority":
        codes = dict(ref.codes) if ref else {}
        node.update({
            "type": "ForeignLocalAuthority",
            "name": entity.label,
            "altLabel": alt,
            "country": entity.facts.get("country"),
            "sameAs": [GEONAMES.format(codes["geonames"])] if "geonames" in codes else [],
            "lat": codes.get("lat"),
            "long": codes.get("long"),
        })
        return _drop_empty(node)
    if kind in {"Organisation", "DiplomaticPost"}:
        return _drop_empty({**node, "type": kind, "name": entity.label, "altLabel": alt})
    if kind == "Person":
        email = entity.facts.get("email") if settings.publish_emails else None
        return _drop_empty({
            **node, "type": "Person", "name": entity.label, "fullName": entity.label,
            "familyName": entity.facts.get("family_name"), "givenName": entity.facts.get("given_name"),
            "email": f"mailto:{email}" if email else None,
        })
    if kind == "Contact":
        return _drop_empty({
            **node, "type": "Contact", "name": entity.label, "member": entity.facts.get("member"),
            "organization": entity.facts.get("organization"), "role": entity.facts.get("role"),
            "function": entity.facts.get("function"),
        })
    raise ValueError(f"no mapping for entities of kind {kind!r} ({entity.key})")


def entities_document(entities: list[RegisteredEntity], settings: Settings,
                      scheme_concepts: set[str]) -> dict[str, Any]:
    """The JSON-LD document of the shared entities graph."""
    nodes = [n for n in (_entity_node(e, settings, scheme_concepts) for e in entities) if n is not None]
    return {"@context": context(settings), "@graph": nodes}


def document_subjects(document: dict[str, Any]) -> set[str]:
    """The ids (relative IRIs) of every node a document describes, nested ones included."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if "id" in value and len(value) > 1:
                found.add(value["id"])
            for key, item in value.items():
                if key != "@context":
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return found


def document_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


def document_quads(document: dict[str, Any], settings: Settings) -> list[Quad]:
    """Quads of a mapping document, IRIs resolved against the base IRI."""
    return list(parse_rdf(document_bytes(document), "jsonld", base_iri=settings.base_iri))


__all__ = [
    "UNSPECIFIED_FUNDER", "Provenance", "document_bytes", "document_quads", "document_subjects", "entities_document",
    "record_document", "records_document",
]


def _expand(term: str, ctx: dict[str, Any]) -> str:
    prefix, colon, local = term.partition(":")
    if colon and isinstance(ctx.get(prefix), str):
        return ctx[prefix] + local
    return term


def document_from_quads(quads: list[Quad], root: str, settings: Settings) -> dict[str, Any]:
    """The mapping read backwards: the node ``root`` (a relative IRI) rebuilt from quads, in the terms of
    the context, with the nodes it embeds (funding lines, volunteers) nested as :func:`record_document`
    writes them. Values come back as the strings the mapping wrote; lists as the context declares them."""
    ctx = context(settings)
    base = settings.base_iri
    classes = {_expand(v, ctx): k for k, v in ctx.items() if isinstance(v, str) and k[0].isupper()}
    by_key: dict[tuple[str, str | None, str | None, bool], str] = {}
    sets: set[str] = set()
    for term, definition in ctx.items():
        if not isinstance(definition, dict) or "@id" not in definition or term in ("id", "type"):
            continue
        iri = _expand(definition["@id"], ctx)
        kind = definition.get("@type")
        is_iri = kind == "@id"
        datatype = _expand(kind, ctx) if kind and not is_iri else None
        by_key.setdefault((iri, definition.get("@language"), datatype, is_iri), term)
        if definition.get("@container") == "@set":
            sets.add(term)

    def relative(value: str) -> str:
        return value[len(base):] if value.startswith(base) else value

    nodes: dict[str, dict[str, Any]] = {}
    for quad in quads:
        subject = relative(quad.subject.value)  # type: ignore[union-attr]
        node = nodes.setdefault(subject, {"id": subject})
        predicate, obj = quad.predicate.value, quad.object
        if predicate == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type":
            node.setdefault("type", []).append(classes.get(obj.value, obj.value))
            continue
        if isinstance(obj, NamedNode):
            # Terms of embedded nodes (fundingLine, volunteer) carry no "@type": "@id".
            term = by_key.get((predicate, None, None, True)) or by_key.get((predicate, None, None, False))
            value = relative(obj.value)
        else:
            language = obj.language or None  # type: ignore[union-attr]
            datatype = obj.datatype.value if language is None else None  # type: ignore[union-attr]
            term = (by_key.get((predicate, language, None, False)) if language
                    else by_key.get((predicate, None, datatype, False)) or by_key.get((predicate, None, None, False)))
            value = obj.value
            if term and ctx[term].get("@type") is None and datatype not in (None, XSD_STRING):
                value = {"@value": obj.value, "@type": "xsd:" + datatype.rsplit("#", 1)[-1]}  # type: ignore[union-attr]
        if term is None:
            raise ValueError(f"no term of the mapping context for <{predicate}> {obj}")
        node.setdefault(term, []).append(value)

    def shaped(node: dict[str, Any], inside: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for term, values in node.items():
            if term == "id":
                out[term] = values
                continue
            if term == "type":
                out[term] = values[0] if len(values) == 1 else sorted(values)
                continue
            nested = [shaped(nodes[v], inside | {v}) if isinstance(v, str) and v in nodes and v not in inside
                      and v.startswith(node["id"] + "/") else v for v in values]
            out[term] = nested if term in sets else (nested[0] if len(nested) == 1 else nested)
        return out

    return shaped(nodes[root], {root})


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
