"""What the generator draws from: the reference tables and the concept schemes, filtered to names
that identify one entity.

A commune is drawn only when no other commune has its name (the page gives no département to tell
homonyms apart), and a foreign place only when no other place of its country has that name among
its names or alternate names. Every entity carries its key as the build mints it (``id/commune/<INSEE>``,
``id/foreign-authority/<alpha-2>/<GeoNames id>``, ...).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache

from publisher.generate.lexicon import (
    CAPITALS,
    COUNTRY_WEIGHTS,
    DEFAULT_COUNTRY_WEIGHT,
    DEPARTEMENT_ARTICLES,
    FRANCE,
    POST_NAMES,
    REGION_ARTICLES,
)
from publisher.reconcile import normalize_name
from publisher.resources import reference_table, resource_dir
from publisher.store import Literal, NamedNode, parse_rdf

_SKOS = "http://www.w3.org/2004/02/skos/core#"


@dataclass(frozen=True)
class Collectivity:
    """A French collectivity: commune, département, région or EPCI."""

    key: str
    kind: str
    name: str
    population: int
    article: str = ""
    epci_type: str = ""


@dataclass(frozen=True)
class Place:
    """A foreign local authority as GeoNames knows it."""

    key: str
    name: str
    population: int


@dataclass(frozen=True)
class Country:
    """A country that can be drawn, with its embassy and the places that can be partners."""

    alpha2: str
    key: str
    name_fr: str
    name_en: str
    post: str
    weight: int
    places: tuple[Place, ...]


@dataclass(frozen=True)
class Pools:
    communes: tuple[Collectivity, ...]
    departements: tuple[Collectivity, ...]
    regions: tuple[Collectivity, ...]
    epci: tuple[Collectivity, ...]
    countries: tuple[Country, ...]
    statuses: tuple[str, ...]
    forms: tuple[str, ...]
    themes: tuple[str, ...]
    post_roles: tuple[str, ...]


def _rows(name: str) -> list[dict[str, str]]:
    with reference_table(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# Commune names that read as another kind of collectivity once normalised.
_MISLEADING_STARTS = (
    "ville d", "commune d", "mairie d", "cite d", "conseil ", "departement ", "region ", "communaute ",
    "metropole ", "ca ", "cc ", "cu ", "agglomeration ",
)


def _population(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _french(pools_names: set[str]) -> tuple[tuple[Collectivity, ...], ...]:
    regions = tuple(
        Collectivity(f"id/region/{r['insee']}", "region", r["name"], 0, REGION_ARTICLES[r["insee"]])
        for r in _rows("regions.csv") if r["insee"] in REGION_ARTICLES
    )
    departements = tuple(
        Collectivity(f"id/departement/{r['insee']}", "departement", r["name"], 0,
                     DEPARTEMENT_ARTICLES[r["insee"]])
        for r in _rows("departements.csv") if r["insee"] in DEPARTEMENT_ARTICLES
    )
    taken = {normalize_name(c.name) for c in (*regions, *departements)} | pools_names
    commune_rows = _rows("communes.csv")
    counts = Counter(normalize_name(r["name"]) for r in commune_rows)
    communes = tuple(
        Collectivity(f"id/commune/{r['insee']}", "commune", r["name"], _population(r["population"]))
        for r in commune_rows
        if counts[normalize_name(r["name"])] == 1
        and normalize_name(r["name"]) not in taken
        and not (normalize_name(r["name"]) + " ").startswith(_MISLEADING_STARTS)
        and _population(r["population"]) > 0
    )
    epci_rows = _rows("epci.csv")
    epci_counts = Counter(normalize_name(r["name"]) for r in epci_rows)
    epci = tuple(
        # " ".join(split()): the reference table writes a few names with two spaces, which a page cannot keep.
        Collectivity(f"id/epci/{r['siren']}", "epci", " ".join(r["name"].split()), _population(r["population"]),
                     epci_type=r["type"])
        for r in epci_rows
        if epci_counts[normalize_name(r["name"])] == 1
        and (r["type"] not in {"CA", "CC", "CU"} or r["name"].startswith(r["type"] + " "))
    )
    return communes, departements, regions, epci


def _countries(excluded: set[str]) -> tuple[Country, ...]:
    by_country: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in _rows("foreign-places.csv"):
        by_country[row["country"]].append(row)
    countries = []
    for row in _rows("countries.csv"):
        alpha2 = row["alpha2"]
        if alpha2 in FRANCE or alpha2 not in CAPITALS:
            continue
        names: dict[str, set[str]] = defaultdict(set)
        for place in by_country.get(alpha2, []):
            for name in {place["name"], *place["alternate_names"].split("|")}:
                if name:
                    names[normalize_name(name)].add(place["geonames_id"])
        places = tuple(
            Place(f"id/foreign-authority/{alpha2.lower()}/{place['geonames_id']}", place["name"],
                  _population(place["population"]))
            for place in by_country.get(alpha2, [])
            if len(names[normalize_name(place["name"])]) == 1
            and normalize_name(place["name"]) not in excluded
            and normalize_name(place["name"])
        )
        if not places:
            continue
        post = POST_NAMES.get(alpha2, f"Ambassade de France à {CAPITALS[alpha2]}")
        countries.append(Country(alpha2, f"id/country/{alpha2.lower()}", row["name_fr"], row["name_en"], post,
                                 COUNTRY_WEIGHTS.get(alpha2, DEFAULT_COUNTRY_WEIGHT), places))
    return tuple(countries)


def _scheme_labels() -> dict[str, tuple[str, ...]]:
    """The French labels of each concept scheme's top concepts, by scheme name, sorted."""
    base = "https://atlas-ld.example/"
    top: dict[str, str] = {}
    labels: dict[str, str] = {}
    with (resource_dir("ontology") / "schemes.ttl").open("rb") as handle:
        for quad in parse_rdf(handle, "turtle", base_iri=base):
            subject, predicate, value = quad.subject, quad.predicate.value, quad.object
            if not isinstance(subject, NamedNode):
                continue
            if predicate == _SKOS + "topConceptOf" and isinstance(value, NamedNode):
                top[subject.value] = value.value.rsplit("#", 1)[-1]
            elif predicate == _SKOS + "prefLabel" and isinstance(value, Literal) and value.language == "fr":
                labels[subject.value] = value.value
    schemes: dict[str, list[str]] = defaultdict(list)
    for concept, scheme in top.items():
        schemes[scheme].append(labels[concept])
    return {scheme: tuple(sorted(names)) for scheme, names in schemes.items()}


@cache
def load_pools() -> Pools:
    """The reference data the generator draws from (loaded once per process)."""
    organisations: set[str] = set()
    for row in _rows("organisations.csv"):
        organisations.update(normalize_name(n) for n in [row["label"], *row["aliases"].split("|")] if n)
    countries_names = {normalize_name(r[k]) for r in _rows("countries.csv") for k in ("name_fr", "name_en")}
    communes, departements, regions, epci = _french(organisations | countries_names)
    schemes = _scheme_labels()
    return Pools(
        communes=communes,
        departements=departements,
        regions=regions,
        epci=epci,
        countries=_countries(organisations),
        statuses=schemes["statusScheme"],
        forms=schemes["formScheme"],
        themes=schemes["themeScheme"],
        post_roles=schemes["postRoleScheme"],
    )
