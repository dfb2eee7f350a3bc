"""How a record writes a name: the spellings real Atlas pages use, each with how often it is drawn.

Every spelling is returned as a :class:`Mention`: the text, the entity it stands for (the key the
build mints), and the name of the variant. A few variants are marked ``hard``: spellings found in
real records that a matcher working from names alone has to know about ("Ville du Mans",
"St-Étienne", "Conseil régional de Bretagne", "Bordeaux Métropole", "Commune de Ségou"). The answer
key lists every mention with its true entity, hard or not.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from publisher.generate.lexicon import elided_of, of_article
from publisher.generate.pools import Collectivity, Country, Place


@dataclass(frozen=True)
class Mention:
    """A name as a record writes it, and the truth behind it."""

    text: str
    entity: str
    kind: str
    variant: str
    hard: bool = False


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def _pick(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    """One of the variant names, by weight."""
    total = sum(weight for _, weight in choices)
    point = rng.random() * total
    for name, weight in choices:
        point -= weight
        if point < 0:
            return name
    return choices[-1][0]


# Weights of each variant, per kind of entity.
COMMUNE_VARIANTS = (
    ("plain", 52), ("upper", 8), ("upper-stripped", 6), ("stripped", 6), ("ville", 14), ("commune", 4),
    ("mairie", 4), ("abbreviated", 2),
)
DEPARTEMENT_VARIANTS = (
    ("conseil-departemental", 45), ("conseil-general", 15), ("departement", 25), ("upper", 5),
    ("stripped", 9), ("conseil-departemental-no-article", 1),
)
REGION_VARIANTS = (("region", 55), ("conseil-regional", 30), ("upper", 8), ("stripped", 7))
EPCI_VARIANTS = (("short", 35), ("long", 55), ("upper", 5), ("stripped", 5))
PLACE_VARIANTS = (("plain", 72), ("upper", 11), ("stripped", 11), ("commune", 2))
COUNTRY_VARIANTS = (("plain", 86), ("stripped", 8), ("upper", 4), ("english", 2))

_SAINT = (("Saint-", "St-"), ("Sainte-", "Ste-"))
_EPCI_LONG = {"CA": "Communauté d'agglomération", "CC": "Communauté de communes", "CU": "Communauté urbaine"}


def _upper(text: str) -> str:
    return text.upper()


def commune_mention(commune: Collectivity, rng: random.Random, variant: str | None = None) -> Mention:
    name = commune.name
    variant = variant or _pick(rng, COMMUNE_VARIANTS)
    hard = False
    if variant == "abbreviated":
        # Only names with a saint can be abbreviated; the others are written plainly.
        for long, short in _SAINT:
            if name.startswith(long) or f"-{long}" in name:
                return Mention(name.replace(long, short, 1), commune.key, "commune", "abbreviated", True)
        variant = "plain"
    if variant in {"stripped", "upper-stripped"} and strip_accents(name) == name:
        variant = "upper" if variant == "upper-stripped" else "plain"
    if variant == "plain":
        text = name
    elif variant == "upper":
        text = _upper(name)
    elif variant == "upper-stripped":
        text = _upper(strip_accents(name))
    elif variant == "stripped":
        text = strip_accents(name)
    else:
        of = elided_of(name)
        hard = of.startswith(("du ", "des "))  # "Ville du Mans": the article is merged into "du"
        if hard and rng.random() < 0.7:
            return Mention(name, commune.key, "commune", "plain")
        text = {"ville": "Ville", "commune": "Commune", "mairie": "Mairie"}[variant] + " " + of
    return Mention(text, commune.key, "commune", variant, hard)


def departement_mention(departement: Collectivity, rng: random.Random) -> Mention:
    variant = _pick(rng, DEPARTEMENT_VARIANTS)
    of = of_article(departement.article, departement.name)
    # "de La Réunion", "de Mayotte": no article of its own, or one that is part of the name.
    hard = not departement.article
    if variant == "conseil-general":
        text = f"Conseil général {of}"
    elif variant == "departement":
        text = f"Département {of}"
    elif variant == "upper":
        text = _upper(f"Conseil départemental {of}")
    elif variant == "stripped":
        text = strip_accents(f"Conseil départemental {of}")
    elif variant == "conseil-departemental-no-article":
        return Mention(f"CD {departement.name}", departement.key, "departement", "abbreviated", True)
    else:
        text = f"Conseil départemental {of}"
    return Mention(text, departement.key, "departement", variant, hard)


def region_mention(region: Collectivity, rng: random.Random) -> Mention:
    variant = _pick(rng, REGION_VARIANTS)
    if variant == "conseil-regional":
        if region.article == "la":
            # Usage drops the article of feminine région names ("Conseil régional de Bretagne") or
            # says "Région Bretagne".
            if rng.random() < 0.3:
                text = f"Conseil régional de {region.name}"
                return Mention(text, region.key, "region", "conseil-regional-de", True)
            return Mention(f"Région {region.name}", region.key, "region", "region")
        of = of_article(region.article, region.name).replace("de l'", "d'")
        return Mention(f"Conseil régional {of}", region.key, "region", variant, not region.article)
    text = f"Région {region.name}"
    if variant == "upper":
        text = _upper(text)
    elif variant == "stripped":
        text = strip_accents(text)
    return Mention(text, region.key, "region", variant)


def epci_mention(epci: Collectivity, rng: random.Random) -> Mention:
    name = epci.name
    if epci.epci_type not in _EPCI_LONG:
        # Metropolises are written by their name; "Bordeaux Métropole" puts the type last.
        hard = not name.startswith("Métropole")
        return Mention(name, epci.key, "epci", "reference-name", hard)
    variant = _pick(rng, EPCI_VARIANTS)
    long = _EPCI_LONG[epci.epci_type] + name[len(epci.epci_type):]
    text = {"short": name, "long": long, "upper": _upper(long), "stripped": strip_accents(long)}[variant]
    return Mention(text, epci.key, "epci", variant)


def french_mention(collectivity: Collectivity, rng: random.Random) -> Mention:
    """A French collectivity as a record writes it."""
    if collectivity.kind == "commune":
        return commune_mention(collectivity, rng)
    if collectivity.kind == "departement":
        return departement_mention(collectivity, rng)
    if collectivity.kind == "region":
        return region_mention(collectivity, rng)
    return epci_mention(collectivity, rng)


def place_mention(place: Place, rng: random.Random, variant: str | None = None) -> Mention:
    """A foreign local authority as a record writes it."""
    variant = variant or _pick(rng, PLACE_VARIANTS)
    name = place.name
    if variant == "stripped" and strip_accents(name) == name:
        variant = "plain"
    if variant == "commune":
        return Mention(f"Commune {elided_of(name)}", place.key, "foreign-authority", variant, True)
    text = {"plain": name, "upper": _upper(name), "stripped": strip_accents(name)}[variant]
    return Mention(text, place.key, "foreign-authority", variant)


def country_mention(country: Country, rng: random.Random) -> Mention:
    """A country as a record writes it (always a name the ISO 3166 table gives, in some case)."""
    variant = _pick(rng, COUNTRY_VARIANTS)
    name = country.name_fr
    if variant == "stripped" and strip_accents(name) == name:
        variant = "plain"
    text = {"plain": name, "stripped": strip_accents(name), "upper": _upper(name),
            "english": country.name_en}[variant]
    return Mention(text, country.key, "country", variant)


def respelled(mention: Mention, rng: random.Random) -> Mention:
    """The same name written differently (upper case or accents stripped), for a second mention."""
    upper = _upper(mention.text)
    if upper != mention.text and rng.random() < 0.6:
        return Mention(upper, mention.entity, mention.kind, "upper", mention.hard)
    stripped = strip_accents(mention.text)
    if stripped != mention.text:
        return Mention(stripped, mention.entity, mention.kind, "stripped", mention.hard)
    return Mention(upper, mention.entity, mention.kind, "upper", mention.hard)
