"""What an entity page shows: label, types, properties, incoming links, funding, provenance."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from publisher.queries import load_query
from publisher.store import Literal, NamedNode, Store, Term
from publisher.web.prefixes import compact, prefixes_for

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PROPERTIES = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
}
TEXT_PROPERTIES = ("context", "history", "objective", "beneficiaries")
LANGUAGE_ORDER = ("fr", "en", "")


def pick_label(literals: list[Literal]) -> str | None:
    """A label by language preference: French, then English, then untagged, then any."""
    if not literals:
        return None
    by_language = {(lit.language or ""): lit.value for lit in literals}
    for language in LANGUAGE_ORDER:
        if language in by_language:
            return by_language[language]
    return sorted(by_language.values())[0]


@dataclass
class Value:
    """A property value as shown: a link (IRI with label) or a literal."""

    text: str
    href: str | None = None
    iri: str | None = None
    datatype: str | None = None
    language: str | None = None
    is_text_block: bool = False


@dataclass
class PropertyRow:
    iri: str
    label: str
    values: list[Value] = field(default_factory=list)


@dataclass
class IncomingGroup:
    iri: str
    label: str
    count: int
    page: int
    pages: int
    items: list[Value] = field(default_factory=list)


@dataclass
class FundingRow:
    funder: Value
    amount: Decimal
    water: Decimal | None
    year: str | None


@dataclass
class EntityPage:
    iri: str
    label: str
    types: list[Value]
    properties: list[PropertyRow]
    texts: list[tuple[str, list[list[str]]]]
    incoming: list[IncomingGroup]
    funding: list[FundingRow]
    funding_total: Decimal
    funding_by_year: list[tuple[str, Decimal]]
    sub_resources: list[tuple[Value, list[PropertyRow]]]


class PageBuilder:
    """Builds :class:`EntityPage` models from the store, with links made local to this server."""

    def __init__(self, store: Store, base_iri: str, page_size: int) -> None:
        self.store = store
        self.base_iri = base_iri
        self.page_size = page_size
        self.prefixes = prefixes_for(base_iri)

    def local_href(self, iri: str) -> str:
        if iri.startswith(self.base_iri):
            return "/" + iri[len(self.base_iri):]
        return iri

    def _value(self, term: Term, labels: dict[str, list[Literal]]) -> Value:
        if isinstance(term, NamedNode):
            label = pick_label(labels.get(term.value, [])) or compact(term.value, self.prefixes)
            return Value(label, href=self.local_href(term.value), iri=term.value)
        if isinstance(term, Literal):
            datatype = term.datatype.value if term.datatype else None
            return Value(term.value, datatype=datatype, language=term.language or None,
                         is_text_block="\n" in term.value)
        return Value(str(term))

    def outgoing(self, iri: str) -> tuple[list[PropertyRow], list[Value], list[Literal]]:
        result = self.store.select(load_query("outgoing"), {"s": NamedNode(iri)})
        labels: dict[str, list[Literal]] = defaultdict(list)
        property_labels: dict[str, list[Literal]] = defaultdict(list)
        values: dict[str, dict[str, Term]] = defaultdict(dict)
        own_labels: list[Literal] = []
        for row in result.rows:
            p, o = row["p"].value, row["o"]
            values[p][str(o)] = o
            if "plabel" in row and row["plabel"] not in property_labels[p]:
                property_labels[p].append(row["plabel"])
            if "olabel" in row and isinstance(o, NamedNode) and row["olabel"] not in labels[o.value]:
                labels[o.value].append(row["olabel"])
            if p in LABEL_PROPERTIES and isinstance(o, Literal) and o not in own_labels:
                own_labels.append(o)
        types = [self._value(t, labels) for t in values.pop(RDF_TYPE, {}).values()]
        rows = []
        for p, terms in values.items():
            label = pick_label(property_labels[p]) or compact(p, self.prefixes)
            shown = sorted((self._value(t, labels) for t in terms.values()), key=lambda v: v.text)
            rows.append(PropertyRow(p, label, shown))
        rows.sort(key=lambda r: (r.iri not in LABEL_PROPERTIES, r.label.lower()))
        return rows, sorted(types, key=lambda v: v.text), own_labels

    def incoming(self, iri: str, page: int = 1, only: str | None = None) -> list[IncomingGroup]:
        counts = self.store.select(load_query("incoming_counts"), {"o": NamedNode(iri)})
        groups = []
        for row in counts.rows:
            p = row["p"].value
            count = int(row["n"].value)
            pages = max(1, -(-count // self.page_size))
            current = min(max(page, 1), pages) if only in (None, p) else 1
            query = load_query("incoming_page") + (
                f"LIMIT {self.page_size} OFFSET {(current - 1) * self.page_size}\n")
            items = self.store.select(query, {"o": NamedNode(iri), "p": NamedNode(p)})
            labels = {r["s"].value: [r["label"]] for r in items.rows if "label" in r}
            shown = [self._value(r["s"], labels) for r in items.rows]
            plabel = self._property_label(p)
            groups.append(IncomingGroup(p, plabel, count, current, pages, shown))
        groups.sort(key=lambda g: g.label.lower())
        return groups

    def _property_label(self, iri: str) -> str:
        rows, _types, labels = self.outgoing(iri) if iri.startswith(self.base_iri) else ([], [], [])
        return pick_label(labels) or compact(iri, self.prefixes)

    def funding(self, iri: str) -> list[FundingRow]:
        result = self.store.select(load_query("funding"), {"s": NamedNode(iri)})
        rows = []
        seen = set()
        for row in result.rows:
            if row["line"].value in seen:
                continue
            seen.add(row["line"].value)
            labels = {row["funder"].value: [row["funderLabel"]]} if "funderLabel" in row else {}
            try:
                amount = Decimal(row["amount"].value)
                water = Decimal(row["water"].value) if "water" in row else None
            except InvalidOperation:
                continue
            year = row["year"].value if "year" in row else None
            rows.append(FundingRow(self._value(row["funder"], labels), amount, water, year))
        return rows

    def build(self, iri: str, page: int = 1, incoming_property: str | None = None) -> EntityPage | None:
        properties, types, own_labels = self.outgoing(iri)
        incoming = self.incoming(iri, page, incoming_property)
        if not properties and not types and not incoming:
            return None
        label = pick_label(own_labels) or compact(iri, self.prefixes)
        texts = []
        kept = []
        for row in properties:
            blocks = [v for v in row.values if v.is_text_block]
            if blocks and len(row.values) == 1:
                paragraphs = [p.split("\n") for p in blocks[0].text.split("\n\n")]
                texts.append((row.label, paragraphs))
            else:
                kept.append(row)
        sub_resources = []
        for row in kept:
            for value in row.values:
                if value.iri and value.iri.startswith(iri + "/") and "funding" not in value.iri:
                    sub_rows, _t, _l = self.outgoing(value.iri)
                    sub_resources.append((value, sub_rows))
        funding = self.funding(iri)
        by_year: dict[str, Decimal] = defaultdict(Decimal)
        for line in funding:
            by_year[line.year or "?"] += line.amount
        return EntityPage(
            iri=iri, label=label, types=types, properties=kept, texts=texts, incoming=incoming,
            funding=funding, funding_total=sum((f.amount for f in funding), Decimal(0)),
            funding_by_year=sorted(by_year.items()), sub_resources=sub_resources,
        )
