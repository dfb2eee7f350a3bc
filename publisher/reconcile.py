"""Reconciliation: names as written in records → identified entities.

French collectivities resolve to INSEE codes and SIREN numbers, countries to ISO
codes, foreign places to GeoNames, other funders to known organisations. A name
that matches several entities (homonym communes) or none is left unresolved and
reported: it is published under its own name, never guessed.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache

from publisher.resources import reference_table

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=200_000)
def normalize_name(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form of a name ("Côte d'Ivoire" → "cote d ivoire")."""
    folded = text.casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        folded = folded.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(_NOT_ALPHANUMERIC.sub(" ", folded).split())


def slugify(text: str) -> str:
    """IRI-safe slug of a name ("Ambassade de France à Bamako" → "ambassade-de-france-a-bamako")."""
    return normalize_name(text).replace(" ", "-") or "unnamed"


def best_label(variants: list[str]) -> str:
    """The best-written of several spellings: accents and mixed case beat bare capitals."""
    def score(name: str) -> tuple[int, int, int, str]:
        return (any(ord(c) > 127 for c in name), not name.isupper(), -len(name), name)

    return max(variants, key=score)


@dataclass(frozen=True)
class Entity:
    """An identified (or explicitly unresolved) entity, keyed by its IRI path under the base IRI."""

    key: str
    kind: str
    label: str
    codes: tuple[tuple[str, str], ...] = ()
    resolved: bool = True

    def code(self, name: str) -> str | None:
        return dict(self.codes).get(name)


_PREFIXES = {
    "commune": [
        "ville de", "ville d", "commune de", "commune d", "mairie de", "mairie d", "cite de", "cite d",
        "municipalite de", "municipalite d", "commune urbaine de", "commune rurale de",
    ],
    "departement": [
        "conseil departemental de la", "conseil departemental de l", "conseil departemental du",
        "conseil departemental des", "conseil departemental de", "conseil departemental d",
        "conseil general de la", "conseil general de l", "conseil general du", "conseil general des",
        "conseil general de", "conseil general d", "departement de la", "departement de l",
        "departement du", "departement des", "departement de", "departement d", "cd", "cg",
    ],
    "region": [
        "conseil regional de la", "conseil regional de l", "conseil regional du", "conseil regional des",
        "conseil regional de", "conseil regional d", "conseil regional", "region de la", "region de l",
        "region du", "region des", "region de", "region d", "region", "cr",
    ],
}

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ABBREVIATION = re.compile(r"(?:(?<=^)|(?<= ))(st|ste|sts|stes) ")

_EPCI_TYPES = {
    "communaute d agglomeration": "ca",
    "communaute de communes": "cc",
    "communaute urbaine": "cu",
    "metropole": "metropole",
}


def _epci_key(name: str) -> str:
    norm = normalize_name(name)
    for long, short in _EPCI_TYPES.items():
        if norm.startswith(long + " "):
            norm = short + " " + norm[len(long) + 1:]
            break
    words = [w for w in norm.split() if w not in {"de", "du", "des", "la", "le", "les", "l", "d"}]
    return " ".join(words)


@dataclass
class ReferenceData:
    """The reference tables, indexed by normalised name."""

    communes: dict[str, list[Entity]] = field(default_factory=lambda: defaultdict(list))
    departements: dict[str, Entity] = field(default_factory=dict)
    regions: dict[str, Entity] = field(default_factory=dict)
    epci: dict[str, list[Entity]] = field(default_factory=lambda: defaultdict(list))
    countries: dict[str, Entity] = field(default_factory=dict)
    places_by_country: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))
    _places: dict[str, dict[str, list[Entity]]] = field(default_factory=dict)

    def places(self, alpha2: str) -> dict[str, list[Entity]]:
        """GeoNames places of one country by normalised name (and alternate name), indexed on first use."""
        index = self._places.get(alpha2)
        if index is None:
            index = self._places[alpha2] = defaultdict(list)
            for row in self.places_by_country.get(alpha2, []):
                entity = Entity(
                    f"id/foreign-authority/{alpha2.lower()}/{row['geonames_id']}", "ForeignLocalAuthority",
                    row["name"],
                    (("geonames", row["geonames_id"]), ("country", alpha2), ("lat", row["lat"]),
                     ("long", row["long"])),
                )
                names = {normalize_name(row["name"])}
                names.update(normalize_name(n) for n in row["alternate_names"].split("|") if n)
                for name in names - {""}:
                    index[name].append(entity)
        return index
    organisations: dict[str, Entity] = field(default_factory=dict)


def _without_article(norm: str) -> list[str]:
    """A name and, when it starts with an article ("La Réunion"), the name without it."""
    words = norm.split(" ", 1)
    if len(words) == 2 and words[0] in {"la", "le", "les", "l"}:
        return [norm, words[1]]
    return [norm]


def _rows(name: str) -> list[dict[str, str]]:
    with reference_table(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def load_reference() -> ReferenceData:
    """Reference tables from ``reference/data`` (loaded once per process)."""
    ref = ReferenceData()
    for row in _rows("communes.csv"):
        codes = (("insee", row["insee"]), ("siren", row["siren"]), ("departement", row["departement"]),
                 ("region", row["region"]), ("population", row["population"]))
        entity = Entity(f"id/commune/{row['insee']}", "Commune", row["name"], codes)
        ref.communes[normalize_name(row["name"])].append(entity)
    for row in _rows("departements.csv"):
        entity = Entity(f"id/departement/{row['insee']}", "Departement", row["name"],
                        (("insee", row["insee"]), ("region", row["region"])))
        for key in _without_article(normalize_name(row["name"])):
            ref.departements[key] = entity
    for row in _rows("regions.csv"):
        entity = Entity(f"id/region/{row['insee']}", "Region", row["name"], (("insee", row["insee"]),))
        for key in _without_article(normalize_name(row["name"])):
            ref.regions[key] = entity
    for row in _rows("epci.csv"):
        entity = Entity(f"id/epci/{row['siren']}", "Intercommunalite", row["name"],
                        (("siren", row["siren"]), ("epci_type", row["type"])))
        ref.epci[_epci_key(row["name"])].append(entity)
    for row in _rows("countries.csv"):
        entity = Entity(
            f"id/country/{row['alpha2'].lower()}", "Country", row["name_fr"],
            (("alpha2", row["alpha2"]), ("alpha3", row["alpha3"]), ("name_en", row["name_en"]),
             ("geonames", row["geonames_id"])),
        )
        for name in (row["name_fr"], row["name_en"], row["alpha2"], row["alpha3"]):
            ref.countries.setdefault(normalize_name(name), entity)
    for row in _rows("foreign-places.csv"):
        ref.places_by_country[row["country"]].append(row)
    for row in _rows("organisations.csv"):
        entity = Entity(f"id/organisation/{row['key']}", "Organisation", row["label"])
        for name in [row["label"], *row["aliases"].split("|")]:
            ref.organisations[normalize_name(name)] = entity
    return ref


@dataclass(frozen=True)
class Unresolved:
    """A mention that could not be identified, with the candidates considered."""

    mention: str
    kind: str
    reason: str
    candidates: tuple[str, ...] = ()


# "Ville du Mans" is Le Mans, "Ville des Fins" Les Fins: the article the preposition swallowed comes back.
_CONTRACTED = {"du": "le", "des": "les"}


def _strip_prefix(norm: str, kind: str) -> str | None:
    if kind == "commune":
        words = norm.split(" ", 2)
        if len(words) == 3 and words[0] in {"ville", "commune", "mairie", "cite"} and words[1] in _CONTRACTED:
            return f"{_CONTRACTED[words[1]]} {words[2]}"
    for prefix in _PREFIXES[kind]:
        if norm.startswith(prefix + " "):
            return norm[len(prefix) + 1:]
    return None


def name_keys(name: str) -> set[str]:
    """The normalised forms a name can be matched under: as written, and without "Ville de", "Commune de"..."""
    norm = normalize_name(name)
    keys = {norm}
    bare = _strip_prefix(norm, "commune")
    if bare:
        keys.add(bare)
    return keys


def reconcile_country(name: str) -> Entity | Unresolved:
    ref = load_reference()
    entity = ref.countries.get(normalize_name(name))
    if entity is None:
        return Unresolved(name, "Country", "no country of that name in ISO 3166")
    return entity


def reconcile_french_authority(name: str, departement: str | None = None) -> Entity | Unresolved:
    """A French collectivity by name; ``departement`` (INSEE code) settles homonym communes."""
    ref = load_reference()
    norm = normalize_name(name)
    for kind, table in (("departement", ref.departements), ("region", ref.regions)):
        rest = _strip_prefix(norm, kind)
        if rest is not None:
            found = table.get(rest)
            if found is None:
                return Unresolved(name, "FrenchLocalAuthority", f"no {kind} named {rest!r}")
            return found
    if any(norm.startswith(t + " ") for t in _EPCI_TYPES) or norm.split()[:1] in (["ca"], ["cc"], ["cu"]):
        matches = ref.epci.get(_epci_key(name), [])
        if len(matches) == 1:
            return matches[0]
        return Unresolved(name, "FrenchLocalAuthority",
                          "no intercommunality of that name" if not matches else "several intercommunalities",
                          tuple(e.key for e in matches))
    commune_name = _strip_prefix(norm, "commune") or norm
    commune_name = _ABBREVIATION.sub(lambda m: _ABBREVIATIONS[m.group(1)] + " ", commune_name)
    candidates = ref.communes.get(commune_name, [])
    if departement is not None:
        candidates = [c for c in candidates if c.code("departement") == departement]
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        return Unresolved(name, "FrenchLocalAuthority", "homonym communes: give the département",
                          tuple(c.key for c in candidates))
    if commune_name == norm:
        for table in (ref.departements, ref.regions):
            if norm in table:
                return table[norm]
        groupings = ref.epci.get(_epci_key(name), [])
        if len(groupings) == 1:  # "Eurométropole de Strasbourg", "Bordeaux Métropole": named without a type
            return groupings[0]
    return Unresolved(name, "FrenchLocalAuthority", "no French collectivity of that name")


def reconcile_foreign_place(name: str, country: Entity) -> Entity | Unresolved:
    """A foreign local authority by name within its country, when GeoNames knows it unambiguously."""
    ref = load_reference()
    alpha2 = country.code("alpha2") or ""
    norm = normalize_name(name)
    places = ref.places(alpha2)
    matches = {e.key: e for e in places.get(norm, [])}
    if not matches:
        bare = _strip_prefix(norm, "commune")  # "Commune de Ségou", "Ville d'Essen"
        if bare:
            matches = {e.key: e for e in places.get(bare, [])}
    if len(matches) == 1:
        return next(iter(matches.values()))
    reason = "no GeoNames place of that name in " + country.label if not matches else "several GeoNames places"
    return Unresolved(name, "ForeignLocalAuthority", reason, tuple(sorted(matches)))


def reconcile_organisation(name: str) -> Entity | None:
    return load_reference().organisations.get(normalize_name(name))
