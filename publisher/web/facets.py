"""Faceted browsing of partnerships: by country, French region, theme, status, start year and funder.

The facts partnerships are browsed by are read once per release into memory (a handful of
queries), so narrowing the list and counting each facet's values costs no query. The French
region of a partner comes from its INSEE code (communes, départements, régions) or SIREN number
(intercommunalités) through the reference tables the build reconciles against.
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from publisher.queries import load_query
from publisher.resources import reference_table
from publisher.store import Literal, Store
from publisher.web.app import current_settings, current_store
from publisher.web.entity_page import pick_label
from publisher.web.release_cache import PerRelease

blueprint = Blueprint("facets", __name__)

FACETS = (
    ("country", "Pays"),
    ("region", "Région française"),
    ("theme", "Thématique"),
    ("status", "État"),
    ("funder", "Financeur"),
)
FACET_VALUES_SHOWN = 12


@dataclass
class PartnershipFacts:
    iri: str
    label: str
    start: int | None
    values: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


@dataclass
class FacetIndex:
    partnerships: list[PartnershipFacts]
    labels: dict[str, dict[str, str]]
    iris: dict[str, dict[str, str]]

    def matching(self, filters: dict[str, str], year_from: int | None, year_to: int | None,
                 skip: str | None = None) -> list[PartnershipFacts]:
        found = []
        for p in self.partnerships:
            if any(name != skip and value not in p.values.get(name, ()) for name, value in filters.items()):
                continue
            if skip != "year" and (year_from is not None or year_to is not None):
                if p.start is None:
                    continue
                if year_from is not None and p.start < year_from:
                    continue
                if year_to is not None and p.start > year_to:
                    continue
            found.append(p)
        return found

    def counts(self, partnerships: list[PartnershipFacts], name: str) -> Counter[str]:
        counter: Counter[str] = Counter()
        for p in partnerships:
            counter.update(p.values.get(name, ()))
        return counter


@cache
def _regions() -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    """(commune → region, département → region, EPCI SIREN → region, region code → name)."""
    def rows(name: str) -> list[dict[str, str]]:
        with reference_table(name).open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    communes = {r["insee"]: r["region"] for r in rows("communes.csv")}
    departements = {r["insee"]: r["region"] for r in rows("departements.csv")}
    epci = {}
    for r in rows("epci.csv"):
        members = r.get("member_communes", "").split()
        if members and members[0] in communes:
            epci[r["siren"]] = communes[members[0]]
    names = {r["insee"]: r["name"] for r in rows("regions.csv")}
    return communes, departements, epci, names


def region_of(iri: str, insee: str | None, siren: str | None) -> str | None:
    """The INSEE code of the region a French collectivity lies in, when it is known."""
    communes, departements, epci, names = _regions()
    if insee:
        if "/commune/" in iri:
            return communes.get(insee)
        if "/departement/" in iri:
            return departements.get(insee)
        if "/region/" in iri:
            return insee if insee in names else None
    if siren:
        return epci.get(siren)
    return None


def key_of(iri: str, base_iri: str) -> str:
    """The short key a facet value goes by in URLs: its IRI's last segment ("id/country/ml" → "ml")."""
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def build_facets(store: Store) -> FacetIndex:
    base_iri = current_settings().base_iri
    facts: dict[str, PartnershipFacts] = {}
    for row in store.select(load_query("facet_partnerships")).rows:
        start = row.get("start")
        try:
            year = int(start.value[:4]) if start is not None else None
        except ValueError:
            year = None
        label = row["label"].value if "label" in row else key_of(row["p"].value, base_iri)
        p = PartnershipFacts(row["p"].value, label, year)
        if "status" in row:
            p.values["status"].add(key_of(row["status"].value, base_iri))
        facts[p.iri] = p
    iris: dict[str, dict[str, str]] = defaultdict(dict)
    for facet, query in (("country", "facet_countries"), ("theme", "facet_themes"), ("funder", "facet_funders")):
        for row in store.select(load_query(query)).rows:
            member = facts.get(row["p"].value)
            if member is not None:
                key = key_of(row["value"].value, base_iri)
                member.values[facet].add(key)
                iris[facet][key] = row["value"].value
    for row in store.select(load_query("facet_partnerships")).rows:
        if "status" in row:
            iris["status"][key_of(row["status"].value, base_iri)] = row["status"].value
    _c, _d, _e, region_names = _regions()
    for row in store.select(load_query("facet_french_partners")).rows:
        member = facts.get(row["p"].value)
        if member is None:
            continue
        region = region_of(row["value"].value, row["insee"].value if "insee" in row else None,
                           row["siren"].value if "siren" in row else None)
        if region:
            member.values["region"].add(region)
            iris["region"][region] = f"{base_iri}id/region/{region}"
    found: dict[str, list[Literal]] = defaultdict(list)
    for row in store.select(load_query("facet_labels")).rows:
        if isinstance(row["label"], Literal):
            found[row["value"].value].append(row["label"])
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for facet, keys in iris.items():
        for key, iri in keys.items():
            labels[facet][key] = pick_label(found.get(iri, [])) or region_names.get(key) or key
    ordered = sorted(facts.values(), key=lambda p: (p.label.lower(), p.iri))
    return FacetIndex(ordered, dict(labels), dict(iris))


_FACETS: PerRelease[FacetIndex] = PerRelease(build_facets)


def facet_index() -> FacetIndex:
    return _FACETS.get(current_store())


def _year(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 4 else None


@blueprint.route("/partnerships")
def partnerships() -> str:
    """The list of partnerships, narrowed by facets, with the count of each facet value."""
    settings = current_settings()
    index = facet_index()
    filters = {name: request.args[name] for name, _title in FACETS if request.args.get(name)}
    year_from, year_to = _year("from"), _year("to")
    found = index.matching(filters, year_from, year_to)
    page = max(request.args.get("page", default=1, type=int) or 1, 1)
    pages = max(1, -(-len(found) // settings.page_size))
    page = min(page, pages)
    shown = found[(page - 1) * settings.page_size: page * settings.page_size]
    state = {k: v for k, v in {**filters, "from": year_from, "to": year_to}.items() if v is not None}

    def link(**changes: object) -> str:
        query = {**state, **changes}
        return "/partnerships?" + urlencode({k: v for k, v in query.items() if v not in (None, "")})

    facets = []
    for name, title in FACETS:
        counts = index.counts(index.matching(filters, year_from, year_to, skip=name), name)
        values = [(index.labels.get(name, {}).get(key, key), key, n) for key, n in counts.most_common()]
        values.sort(key=lambda v: (-v[2], v[0].lower()))
        selected = filters.get(name)
        facets.append({
            "name": name, "title": title, "selected": selected,
            "selected_label": index.labels.get(name, {}).get(selected or "", selected),
            "clear": link(**{name: None}),
            "options": [(label, key, n, link(**{name: key})) for label, key, n in values],
            "shown": FACET_VALUES_SHOWN,
        })
    years = Counter(p.start // 10 * 10 for p in index.matching(filters, None, None) if p.start)
    decades = [(decade, n, link(**{"from": decade, "to": decade + 9})) for decade, n in sorted(years.items())]
    base = settings.base_iri
    rows = [(p.label, "/" + p.iri[len(base):] if p.iri.startswith(base) else p.iri,
             sorted(index.labels.get("country", {}).get(c, c) for c in p.values.get("country", ())), p.start)
            for p in shown]
    return render_template(
        "partnerships.html", rows=rows, total=len(found), all_count=len(index.partnerships), facets=facets,
        decades=decades, year_from=year_from, year_to=year_to, filters=filters, page=page, pages=pages,
        prev_link=link(page=page - 1) if page > 1 else None,
        next_link=link(page=page + 1) if page < pages else None,
        clear_years=link(**{"from": None, "to": None}),
    )
