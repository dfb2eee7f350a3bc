"""What an entity page shows: label, types, grouped properties, texts, funding, links in and out, provenance."""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from publisher.queries import load_query
from publisher.store import BlankNode, Literal, NamedNode, Store, Term
from publisher.web.prefixes import compact, prefixes_for

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
LABEL_PROPERTIES = {RDFS + "label", SKOS + "prefLabel"}
LANGUAGE_ORDER = ("fr", "en", "")
TEXT_PROPERTIES = ("context", "history", "objective", "description", "beneficiaries")

# Names of terms from other vocabularies, for the properties that have no label in the store.
KNOWN_LABELS = {
    RDF_TYPE: "type",
    RDFS + "label": "libellé",
    RDFS + "comment": "commentaire",
    RDFS + "seeAlso": "voir aussi",
    SKOS + "prefLabel": "libellé préféré",
    SKOS + "altLabel": "autre nom",
    SKOS + "definition": "définition",
    SKOS + "inScheme": "schéma",
    SKOS + "closeMatch": "correspondance proche",
    SKOS + "exactMatch": "correspondance exacte",
    SKOS + "broader": "terme générique",
    SKOS + "narrower": "terme spécifique",
    SKOS + "topConceptOf": "concept de tête de",
    SKOS + "hasTopConcept": "concept de tête",
    DCTERMS + "title": "titre",
    DCTERMS + "identifier": "identifiant",
    DCTERMS + "description": "description",
    DCTERMS + "source": "fichier source",
    PROV_DERIVED: "tiré de l'enregistrement",
    "http://www.w3.org/ns/prov#generatedAtTime": "ingéré le",
    OWL_SAME_AS: "même ressource que",
    "http://www.w3.org/ns/org#member": "membre",
    "http://www.w3.org/ns/org#organization": "organisation",
    "http://www.w3.org/ns/org#role": "rôle",
    "http://xmlns.com/foaf/0.1/name": "nom complet",
    "http://xmlns.com/foaf/0.1/familyName": "nom de famille",
    "http://xmlns.com/foaf/0.1/givenName": "prénom",
    "http://www.w3.org/2006/vcard/ns#hasEmail": "courriel",
    "http://www.w3.org/2003/01/geo/wgs84_pos#lat": "latitude",
    "http://www.w3.org/2003/01/geo/wgs84_pos#long": "longitude",
    "http://rdf.insee.fr/def/geo#codeINSEE": "code Insee",
}

# Property groups on a page, in order; a property not listed goes to "Autres propriétés".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Description", (
        "title", "label", "prefLabel", "altLabel", "name", "identifier", "status", "form", "theme",
        "firstSignatureYear", "startYear", "endDate", "triennial", "definition", "comment", "inScheme",
        "fullName", "givenName", "familyName", "function", "role", "mission", "fieldOfAction", "hostEntity",
    )),
    ("Participants", (
        "frenchPartner", "foreignPartner", "projectOwner", "implementer", "diplomaticPost", "contact",
        "volunteer", "member", "organization",
    )),
    ("Lieu", ("country", "lat", "long")),
    ("Évaluation et communication", (
        "communicationInFrance", "communicationInPartnerCountries", "evaluationPolicy",
    )),
    ("Identifiants", ("codeINSEE", "siren", "isoAlpha2", "isoAlpha3", "checksum", "source")),
)
HIDDEN = ("fundingLine", "wasDerivedFrom", "sameAs", "type") + TEXT_PROPERTIES
TEXT_HEADINGS = {
    "context": "Contexte", "history": "Historique", "objective": "Objectif du partenariat",
    "description": "Description détaillée", "beneficiaries": "Bénéficiaires",
}
# How the links to a resource are headed on its page, by the linking property's local name.
INCOMING_LABELS = {
    "frenchPartner": "Partenariats (collectivité partenaire)",
    "foreignPartner": "Partenariats (partenaire étranger)",
    "projectOwner": "Maître d'ouvrage de",
    "implementer": "Maître d'œuvre de",
    "diplomaticPost": "Partenariats suivis par ce poste",
    "country": "Autorités locales de ce pays",
    "organization": "Contacts",
    "member": "Membre de",
    "status": "Partenariats dans cet état",
    "theme": "Partenariats sur cette thématique",
    "form": "Partenariats de cette forme",
    "role": "Contacts dans ce rôle",
    "wasDerivedFrom": "Ressources tirées de cet enregistrement",
    "inScheme": "Concepts du schéma",
    "topConceptOf": "Concepts de tête",
}
# Links shown through a derived list instead (see PageBuilder.funded_partnerships).
INCOMING_REPLACED = {"funder"}
EXTERNAL_SITES = {
    "https://sws.geonames.org/": "GeoNames",
    "http://publications.europa.eu/resource/authority/country/": "Table des pays de l'UE (EU Vocabularies)",
    "http://www.wikidata.org/entity/": "Wikidata",
    "http://id.insee.fr/": "Insee",
}


def local_name(iri: str) -> str:
    for separator in ("#", "/"):
        if separator in iri:
            iri = iri.rsplit(separator, 1)[-1]
    return iri


def pick_label(literals: list[Literal]) -> str | None:
    """A label by language preference: French, then English, then untagged, then any."""
    if not literals:
        return None
    by_language: dict[str, str] = {}
    for lit in literals:
        by_language.setdefault(lit.language or "", lit.value)
    for language in LANGUAGE_ORDER:
        if language in by_language:
            return by_language[language]
    return sorted(by_language.values())[0]


@dataclass
class Value:
    """A property value as shown: a link (IRI with label), a literal, or a blank node shown inline."""

    text: str
    href: str | None = None
    iri: str | None = None
    datatype: str | None = None
    language: str | None = None
    is_text_block: bool = False
    nested: list[PropertyRow] = field(default_factory=list)
    note: str | None = None

    @property
    def external(self) -> bool:
        return bool(self.href) and not self.href.startswith("/")  # type: ignore[union-attr]


@dataclass
class PropertyRow:
    iri: str
    label: str
    values: list[Value] = field(default_factory=list)

    @property
    def local(self) -> str:
        return local_name(self.iri)


@dataclass
class LinkList:
    """A paged list of resources linked to the page's entity (by a property, or derived)."""

    key: str
    label: str
    count: int
    page: int
    pages: int
    items: list[Value] = field(default_factory=list)


@dataclass
class FundingRow:
    line: str
    funder: Value
    amount: Decimal
    water: Decimal | None
    year: str | None


@dataclass
class Provenance:
    record: Value
    source: str | None
    checksum: str | None
    generated: str | None


@dataclass
class EntityPage:
    iri: str
    label: str
    types: list[Value]
    classes: set[str]
    groups: list[tuple[str, list[PropertyRow]]]
    texts: list[tuple[str, list[list[str]]]]
    incoming: list[LinkList]
    funding: list[FundingRow]
    funding_total: Decimal
    water_total: Decimal
    funding_by_year: list[tuple[str, Decimal]]
    sub_resources: list[tuple[Value, list[PropertyRow]]]
    provenance: list[Provenance]
    links_out: list[tuple[str, Value]]
    countries: list[Value]
    row_values: dict[str, list[Value]]

    def values(self, local: str) -> list[Value]:
        return self.row_values.get(local, [])


class VocabularyLabels:
    """Labels of vocabulary terms, loaded once per release."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: tuple[str, dict[str, list[Literal]]] | None = None

    def get(self, store: Store) -> dict[str, list[Literal]]:
        version = store.version
        loaded = self._loaded
        if loaded is not None and loaded[0] == version:
            return loaded[1]
        labels: dict[str, list[Literal]] = defaultdict(list)
        for row in store.select(load_query("vocabulary_labels")).rows:
            if isinstance(row.get("label"), Literal):
                labels[row["term"].value].append(row["label"])  # type: ignore[arg-type]
        with self._lock:
            self._loaded = (version, dict(labels))
        return dict(labels)


_VOCABULARY_LABELS = VocabularyLabels()


def vocabulary_labels(store: Store) -> dict[str, list[Literal]]:
    """Labels of the vocabularies' terms and concepts in the store's current release."""
    return _VOCABULARY_LABELS.get(store)


def format_literal(term: Literal) -> str:
    datatype = term.datatype.value if term.datatype else ""
    if datatype == XSD + "boolean":
        return "oui" if term.value in ("true", "1") else "non"
    if datatype == XSD + "dateTime" and "T" in term.value:
        day, _, time = term.value.partition("T")
        return f"{day} à {time[:5].rstrip('Z')} UTC" if time.endswith("Z") else f"{day} {time[:5]}"
    return term.value


class PageBuilder:
    """Builds :class:`EntityPage` models from the store, with links made local to this server."""

    def __init__(self, store: Store, base_iri: str, page_size: int) -> None:
        self.store = store
        self.base_iri = base_iri
        self.page_size = max(1, page_size)
        self.prefixes = prefixes_for(base_iri)

    def local_href(self, iri: str) -> str:
        if iri.startswith(self.base_iri):
            return "/" + iri[len(self.base_iri):]
        return iri

    def term_label(self, iri: str) -> str:
        labels = _VOCABULARY_LABELS.get(self.store).get(iri)
        return pick_label(labels or []) or KNOWN_LABELS.get(iri) or compact(iri, self.prefixes)

    def _value(self, term: Term, labels: dict[str, list[Literal]]) -> Value:
        if isinstance(term, NamedNode):
            label = pick_label(labels.get(term.value, [])) or self._vocabulary_or_compact(term.value)
            return Value(label, href=self.local_href(term.value), iri=term.value)
        if isinstance(term, Literal):
            datatype = term.datatype.value if term.datatype else None
            return Value(format_literal(term), datatype=datatype, language=term.language or None,
                         is_text_block="\n" in term.value)
        return Value(str(term))

    def _vocabulary_or_compact(self, iri: str) -> str:
        labels = _VOCABULARY_LABELS.get(self.store).get(iri)
        if labels:
            return pick_label(labels) or iri
        if iri.startswith(self.base_iri):
            return compact(iri, self.prefixes)
        return iri

    def outgoing(self, iri: str) -> tuple[list[PropertyRow], list[Value], list[Literal]]:
        """Rows of the entity's own properties, its types, and its own labels."""
        result = self.store.select(load_query("outgoing"), {"s": NamedNode(iri)})
        labels: dict[str, list[Literal]] = defaultdict(list)
        property_labels: dict[str, list[Literal]] = defaultdict(list)
        values: dict[str, dict[str, Term]] = defaultdict(dict)
        own_labels: list[Literal] = []
        for row in result.rows:
            p, o = row["p"].value, row["o"]
            values[p][str(o)] = o
            if "plabel" in row and row["plabel"] not in property_labels[p]:
                property_labels[p].append(row["plabel"])  # type: ignore[arg-type]
            if "olabel" in row and isinstance(o, NamedNode) and row["olabel"] not in labels[o.value]:
                labels[o.value].append(row["olabel"])  # type: ignore[arg-type]
            if p in LABEL_PROPERTIES and isinstance(o, Literal) and o not in own_labels:
                own_labels.append(o)
        blank_rows = self._blank_nodes(iri) if any(
            isinstance(t, BlankNode) for terms in values.values() for t in terms.values()) else {}
        types = [self._value(t, labels) for t in values.pop(RDF_TYPE, {}).values()]
        rows = []
        for p, terms in values.items():
            label = pick_label(property_labels[p]) or self.term_label(p)
            shown = []
            for term in terms.values():
                value = self._value(term, labels)
                if isinstance(term, BlankNode):
                    value = Value("", nested=blank_rows.get(str(term), []))
                shown.append(value)
            shown.sort(key=lambda v: v.text.lower())
            rows.append(PropertyRow(p, label, shown))
        rows.sort(key=lambda r: (r.iri not in LABEL_PROPERTIES, r.label.lower()))
        return rows, sorted(types, key=lambda v: v.text), own_labels

    def _blank_nodes(self, iri: str) -> dict[str, list[PropertyRow]]:
        result = self.store.select(load_query("outgoing_blank"), {"s": NamedNode(iri)})
        arcs: dict[str, dict[str, dict[str, Term]]] = defaultdict(lambda: defaultdict(dict))
        labels: dict[str, list[Literal]] = defaultdict(list)
        property_labels: dict[str, list[Literal]] = defaultdict(list)
        for row in result.rows:
            node, p, o = str(row["o"]), row["bp"].value, row["bo"]
            arcs[node][p][str(o)] = o
            if "bplabel" in row and row["bplabel"] not in property_labels[p]:
                property_labels[p].append(row["bplabel"])  # type: ignore[arg-type]
            if "bolabel" in row and isinstance(o, NamedNode) and row["bolabel"] not in labels[o.value]:
                labels[o.value].append(row["bolabel"])  # type: ignore[arg-type]
        nodes = {}
        for node, properties in arcs.items():
            rows = [PropertyRow(p, pick_label(property_labels[p]) or self.term_label(p),
                                sorted((self._value(t, labels) for t in terms.values()), key=lambda v: v.text))
                    for p, terms in properties.items()]
            nodes[node] = sorted(rows, key=lambda r: r.label.lower())
        return nodes

    def _pages(self, count: int, page: int) -> tuple[int, int, int]:
        pages = max(1, -(-count // self.page_size))
        current = min(max(page, 1), pages)
        return current, pages, (current - 1) * self.page_size

    def _limit(self, offset: int) -> str:
        return f"LIMIT {int(self.page_size)} OFFSET {int(offset)}\n"

    def incoming(self, iri: str, page: int = 1, only: str | None = None) -> list[LinkList]:
        """Resources linking to ``iri``, grouped by property: counts, and one page of each group."""
        counts = self.store.select(load_query("incoming_counts"), {"o": NamedNode(iri)})
        groups = []
        for row in counts.rows:
            p = row["p"].value
            if local_name(p) in INCOMING_REPLACED and p.startswith(self.base_iri):
                continue
            count = int(row["n"].value)
            current, pages, offset = self._pages(count, page if only == p else 1)
            items = self.store.select(load_query("incoming_page") + self._limit(offset),
                                      {"o": NamedNode(iri), "p": NamedNode(p)})
            labels = {r["s"].value: [r["label"]] for r in items.rows if "label" in r}
            shown = [self._value(r["s"], labels) for r in items.rows]  # type: ignore[arg-type]
            groups.append(LinkList(p, self._incoming_label(p), count, current, pages, shown))
        groups.sort(key=lambda g: g.label.lower())
        return groups

    def _incoming_label(self, iri: str) -> str:
        if iri.startswith(self.base_iri) or local_name(iri) in ("organization", "member", "role", "wasDerivedFrom",
                                                                "inScheme", "topConceptOf"):
            known = INCOMING_LABELS.get(local_name(iri))
            if known:
                return known
        return f"{self.term_label(iri)} de"

    def funded_partnerships(self, iri: str, page: int, only: str | None) -> LinkList | None:
        """Partnerships the funder ``iri`` contributes to, with the total it gives each."""
        counts = self.store.select(load_query("funded_partnership_count"), {"f": NamedNode(iri)})
        count = int(counts.rows[0]["n"].value) if counts.rows else 0
        if not count:
            return None
        key = "funded-partnerships"
        current, pages, offset = self._pages(count, page if only == key else 1)
        items = self.store.select(load_query("funded_partnership_page") + self._limit(offset),
                                  {"f": NamedNode(iri)})
        shown = []
        for r in items.rows:
            labels = {r["s"].value: [r["label"]]} if "label" in r else {}
            value = self._value(r["s"], labels)  # type: ignore[arg-type]
            try:
                value.note = f"{Decimal(r['total'].value):,.0f} €".replace(",", "\u202f")
            except (KeyError, InvalidOperation):
                pass
            shown.append(value)
        return LinkList(key, "Partenariats financés", count, current, pages, shown)

    def country_partnerships(self, iri: str, page: int, only: str | None) -> LinkList | None:
        """Partnerships with a foreign partner in the country ``iri``, one page of them."""
        counts = self.store.select(load_query("country_partnership_count"), {"c": NamedNode(iri)})
        count = int(counts.rows[0]["n"].value) if counts.rows else 0
        if not count:
            return None
        key = "partnerships-in-country"
        current, pages, offset = self._pages(count, page if only == key else 1)
        items = self.store.select(load_query("country_partnership_page") + self._limit(offset),
                                  {"c": NamedNode(iri)})
        labels = {r["s"].value: [r["label"]] for r in items.rows if "label" in r}
        shown = [self._value(r["s"], labels) for r in items.rows]  # type: ignore[arg-type]
        return LinkList(key, "Partenariats dans ce pays", count, current, pages, shown)

    def funding(self, iri: str) -> list[FundingRow]:
        result = self.store.select(load_query("funding"), {"s": NamedNode(iri)})
        labels: dict[str, list[Literal]] = defaultdict(list)  # every label of each funder, for the language fallback
        for row in result.rows:
            if "funderLabel" in row and row["funderLabel"] not in labels[row["funder"].value]:
                labels[row["funder"].value].append(row["funderLabel"])
        rows = []
        seen = set()
        for row in result.rows:
            if row["line"].value in seen:
                continue
            seen.add(row["line"].value)
            try:
                amount = Decimal(row["amount"].value)
                water = Decimal(row["water"].value) if "water" in row else None
            except InvalidOperation:
                continue
            year = row["year"].value if "year" in row else None
            rows.append(FundingRow(row["line"].value, self._value(row["funder"], labels),  # type: ignore[arg-type]
                                   amount, water, year))
        return rows

    def provenance(self, iri: str) -> list[Provenance]:
        result = self.store.select(load_query("provenance"), {"s": NamedNode(iri)})
        found = []
        for row in result.rows:
            record = row["record"]
            generated = row.get("generated")
            found.append(Provenance(
                Value(local_name(record.value), href=self.local_href(record.value), iri=record.value),
                row["source"].value if "source" in row else None,
                row["checksum"].value if "checksum" in row else None,
                format_literal(generated) if isinstance(generated, Literal) else None,
            ))
        return found

    def countries(self, iri: str) -> list[Value]:
        result = self.store.select(load_query("partnership_countries"), {"s": NamedNode(iri)})
        labels: dict[str, list[Literal]] = defaultdict(list)
        terms: dict[str, Term] = {}
        for row in result.rows:
            terms[row["country"].value] = row["country"]
            if "label" in row:
                labels[row["country"].value].append(row["label"])  # type: ignore[arg-type]
        return sorted((self._value(t, labels) for t in terms.values()), key=lambda v: v.text)

    def build(self, iri: str, page: int = 1, incoming_key: str | None = None) -> EntityPage | None:
        properties, types, own_labels = self.outgoing(iri)
        incoming = self.incoming(iri, page, incoming_key)
        if not properties and not types and not incoming:
            return None
        classes = {local_name(t.iri) for t in types if t.iri}
        if "Country" in classes:
            in_country = self.country_partnerships(iri, page, incoming_key)
            if in_country is not None:
                incoming.insert(0, in_country)
        funded = self.funded_partnerships(iri, page, incoming_key)
        if funded is not None:
            incoming.insert(0, funded)
        label = pick_label(own_labels) or compact(iri, self.prefixes)
        by_local = {row.local: row for row in properties}
        title_row, label_row = by_local.get("title"), by_local.get("label")
        if title_row and label_row and {v.text for v in title_row.values} == {v.text for v in label_row.values}:
            properties = [row for row in properties if row is not label_row]
            del by_local["label"]
        texts = []
        for name in TEXT_PROPERTIES:
            row = by_local.get(name)
            if row is not None and row.values and not row.values[0].href:
                text = "\n\n".join(v.text for v in row.values)
                texts.append((TEXT_HEADINGS.get(name, row.label), [p.split("\n") for p in text.split("\n\n")]))
        links_out = []
        same_as = by_local.get("sameAs")
        for value in same_as.values if same_as else []:
            site = next((name for prefix, name in EXTERNAL_SITES.items() if (value.iri or "").startswith(prefix)),
                        None)
            links_out.append((site or "Autre ressource", Value(value.iri or value.text, href=value.iri,
                                                               iri=value.iri)))
        groups: dict[str, list[PropertyRow]] = defaultdict(list)
        placed = set(HIDDEN)
        for title, members in GROUPS:
            for member in members:
                if member in by_local and member not in placed:
                    groups[title].append(by_local[member])
                    placed.add(member)
        others = [row for row in properties if row.local not in placed]
        ordered = [(title, groups[title]) for title, _m in GROUPS if groups.get(title)]
        if others:
            ordered.append(("Autres propriétés", others))
        sub_resources = []
        for row in properties:
            if row.local == "fundingLine":
                continue
            for value in row.values:
                if value.iri and value.iri.startswith(iri + "/"):
                    sub_rows, _t, _l = self.outgoing(value.iri)
                    sub_resources.append((value, sub_rows))
        funding = self.funding(iri) if "fundingLine" in by_local else []
        by_year: dict[str, Decimal] = defaultdict(Decimal)
        for line in funding:
            by_year[line.year or "?"] += line.amount
        return EntityPage(
            iri=iri, label=label, types=types, classes=classes, groups=ordered, texts=texts,
            incoming=incoming, funding=funding,
            funding_total=sum((f.amount for f in funding), Decimal(0)),
            water_total=sum((f.water or Decimal(0) for f in funding), Decimal(0)),
            funding_by_year=sorted(by_year.items()), sub_resources=sub_resources,
            provenance=self.provenance(iri) if "wasDerivedFrom" in by_local else [],
            links_out=links_out,
            countries=self.countries(iri) if "Partnership" in classes else [],
            row_values={row.local: row.values for row in properties},
        )
