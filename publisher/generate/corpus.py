"""A synthetic Atlas: partnership records with the real Atlas's proportions, and the truth behind
every name they mention.

The plan, for ``projects`` records (national default 12,129):

1. countries: 140 of them at national scale (scaled with the number of records), drawn by how often
   each appears in the Atlas; each country's records share one post, its embassy, listed with 1–3
   contacts;
2. records per country in proportion to the country's weight (at least one each), foreign authorities
   per country in proportion to its records (9,889 at national scale), capped by the places GeoNames
   knows unambiguously there;
3. French collectivities (4,756 at national scale): mostly communes drawn by population, plus
   départements, régions and EPCI;
4. every authority drawn is a partner of at least one record; the other partner slots go to the
   active ones (big cities, régions and départements take part in many partnerships);
5. each record is then written with the noise real records have (see :mod:`publisher.generate.spelling`
   for the spellings, and the rates below for the rest).

The same seed gives the same corpus: every draw comes from one ``random.Random(seed)``, in a fixed order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from publisher.generate import lexicon
from publisher.generate.pools import Collectivity, Country, Place, Pools, load_pools
from publisher.generate.spelling import (
    Mention,
    _pick,
    country_mention,
    french_mention,
    place_mention,
    respelled,
    strip_accents,
)
from publisher.reconcile import normalize_name, slugify
from publisher.record import (
    ForeignContact,
    ForeignPartner,
    FundingLine,
    PartnershipRecord,
    PostContact,
    SourceRef,
    ThemeLevels,
    Volunteer,
)

_T = TypeVar("_T")

UNSPECIFIED_FUNDER = "def/atlas#unspecifiedFunder"


@dataclass(frozen=True)
class CorpusSize:
    """How many records, French collectivities, foreign authorities and countries a corpus holds."""

    projects: int
    french: int
    foreign: int
    countries: int


NATIONAL = CorpusSize(projects=12_129, french=4_756, foreign=9_889, countries=140)

# Shares of the French collectivities by kind (the rest are communes).
REGION_SHARE = 17 / 4756
DEPARTEMENT_SHARE = 95 / 4756
EPCI_SHARE = 240 / 4756


def corpus_size(projects: int) -> CorpusSize:
    """The national proportions scaled to ``projects`` records (at least one of each)."""
    if projects < 1:
        raise ValueError(f"the number of projects must be at least 1, not {projects}")
    ratio = projects / NATIONAL.projects
    return CorpusSize(
        projects=projects,
        french=max(1, round(NATIONAL.french * ratio)),
        foreign=max(1, round(NATIONAL.foreign * ratio)),
        countries=max(1, round(NATIONAL.countries * ratio)),
    )


@dataclass(frozen=True)
class KeyEntry:
    """One line of the answer key: a mention in a record and the entity it truly stands for."""

    record: str
    field: str
    index: int
    mention: Mention

    def as_json(self) -> dict[str, object]:
        return {
            "record": self.record,
            "field": self.field,
            "index": self.index,
            "mention": self.mention.text,
            "entity": self.mention.entity,
            "kind": self.mention.kind,
            "variant": self.mention.variant,
            "hard": self.mention.hard,
        }


@dataclass
class Corpus:
    """The generated records and their answer key."""

    seed: int
    size: CorpusSize
    records: list[PartnershipRecord]
    answer_key: list[KeyEntry]
    posts: dict[str, str] = field(default_factory=dict)  # country key → post name

    def distinct(self, kinds: set[str], fields: set[str] | None = None) -> set[str]:
        """The entities of ``kinds`` the answer key names (in ``fields`` if given)."""
        return {e.mention.entity for e in self.answer_key
                if e.mention.kind in kinds and (fields is None or e.field in fields)}


# -- Drawing --------------------------------------------------------------------------------------


def _weighted_sample(items: Sequence[_T], count: int, weight: Callable[[_T], float],
                     rng: random.Random) -> list[_T]:
    """``count`` distinct items, each drawn with probability growing with its weight (Efraimidis–Spirakis)."""
    keyed = []
    for item in items:
        w = max(weight(item), 1e-9)
        keyed.append((rng.random() ** (1.0 / w), item))
    keyed.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in keyed[:count]]


def _apportion(weights: Sequence[float], total: int, minimum: int = 0) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), each share at least ``minimum``."""
    shares = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest <= 0:
        return shares
    scale = sum(weights)
    exact = [rest * w / scale for w in weights]
    floors = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (floors[i] - exact[i], i))
    for i in order[: rest - sum(floors)]:
        floors[i] += 1
    return [s + f for s, f in zip(shares, floors, strict=True)]


def _groups(items: Sequence[_T], count: int, sizes: Sequence[tuple[int, float]], cap: int,
            weight: Callable[[_T], float], rng: random.Random) -> list[list[_T]]:
    """``count`` groups of distinct items covering every item at least once; further slots go by weight."""
    chosen = [int(_pick(rng, [(str(size), w) for size, w in sizes])) for _ in range(count)]
    cap = max(cap, math.ceil(len(items) / max(count, 1)))
    chosen = [min(size, cap, len(items)) for size in chosen]
    while sum(chosen) < len(items):
        open_groups = [i for i, size in enumerate(chosen) if size < cap]
        chosen[rng.choice(open_groups)] += 1
    order = list(items)
    rng.shuffle(order)
    cumulative: list[float] = []
    running = 0.0
    for item in items:
        running += max(weight(item), 1e-9)
        cumulative.append(running)
    groups: list[list[_T]] = []
    position = 0
    for size in chosen:
        group: list[_T] = []
        for _ in range(size):
            if position < len(order):
                candidate = order[position]
                position += 1
                if candidate not in group:
                    group.append(candidate)
                    continue
            for _attempt in range(20):
                candidate = rng.choices(items, cum_weights=cumulative)[0]
                if candidate not in group:
                    group.append(candidate)
                    break
        groups.append(group)
    return groups


# -- The plan -------------------------------------------------------------------------------------


def _capacity(country: Country, records: int) -> int:
    return min(len(country.places), 3 * records)


def _choose_countries(pools: Pools, size: CorpusSize, rng: random.Random) -> tuple[list[Country], list[int]]:
    """The countries and how many records each has; swaps in roomier countries if places run short."""
    count = min(size.countries, len(pools.countries), size.projects)
    chosen = _weighted_sample(pools.countries, count, lambda c: c.weight, rng)
    chosen.sort(key=lambda c: c.alpha2)
    while True:
        records = _apportion([c.weight for c in chosen], size.projects, minimum=1)
        if sum(_capacity(c, r) for c, r in zip(chosen, records, strict=True)) >= size.foreign:
            return chosen, records
        spare = sorted((c for c in pools.countries if c not in chosen),
                       key=lambda c: (-len(c.places), c.alpha2))
        if not spare:
            return chosen, records
        smallest = min(range(len(chosen)), key=lambda i: (len(chosen[i].places), chosen[i].alpha2))
        if len(spare[0].places) <= len(chosen[smallest].places):
            return chosen, records
        chosen[smallest] = spare[0]
        chosen.sort(key=lambda c: c.alpha2)


def _places_per_country(countries: Sequence[Country], records: Sequence[int], total: int) -> list[int]:
    """Foreign authorities per country: in proportion to its records, within what it can hold."""
    caps = [_capacity(c, r) for c, r in zip(countries, records, strict=True)]
    counts = [min(cap, max(1, n)) for cap, n in zip(caps, _apportion(records, total), strict=True)]
    by_weight = sorted(range(len(countries)), key=lambda i: (-countries[i].weight, countries[i].alpha2))
    while sum(counts) < total:
        room = [i for i in by_weight if counts[i] < caps[i]]
        if not room:
            break
        for i in room[: total - sum(counts)]:
            counts[i] += 1
    while sum(counts) > total:
        for i in sorted(range(len(counts)), key=lambda i: (-counts[i], i))[: sum(counts) - total]:
            counts[i] -= 1
    return counts


def _french_collectivities(pools: Pools, total: int, rng: random.Random) -> list[Collectivity]:
    regions = min(len(pools.regions), round(total * REGION_SHARE))
    departements = min(len(pools.departements), round(total * DEPARTEMENT_SHARE))
    epci = min(len(pools.epci), round(total * EPCI_SHARE))
    communes = max(0, total - regions - departements - epci)
    return [
        *_weighted_sample(pools.regions, regions, lambda c: 1.0, rng),
        *_weighted_sample(pools.departements, departements, lambda c: 1.0, rng),
        *_weighted_sample(pools.epci, epci, lambda c: c.population, rng),
        *_weighted_sample(pools.communes, communes, lambda c: c.population, rng),
    ]


def _activity(collectivity: Collectivity) -> float:
    """How many partnerships a collectivity takes part in, relatively."""
    if collectivity.kind == "region":
        return 60.0
    if collectivity.kind == "departement":
        return 25.0
    if collectivity.kind == "epci":
        # Metropolises named "<City> Métropole" are a spelling few matchers know: kept rare.
        usual = collectivity.epci_type in {"CA", "CC", "CU"} or collectivity.name.startswith("Métropole")
        damp = 1.0 if usual else 0.2
        return (0.5 + math.sqrt(collectivity.population) / 40) * damp
    return 0.5 + math.sqrt(collectivity.population) / 12


FRENCH_PARTNERS_PER_RECORD = ((1, 0.88), (2, 0.10), (3, 0.02))
FOREIGN_PARTNERS_PER_RECORD = ((1, 0.92), (2, 0.06), (3, 0.02))


@dataclass(frozen=True)
class _Plan:
    country: Country
    places: list[Place]
    collectivities: list[Collectivity]


def _clash(places: Sequence[Place], collectivities: Sequence[Collectivity]) -> bool:
    """A French and a foreign partner with the same name would make the record's other mentions ambiguous."""
    foreign = {normalize_name(p.name) for p in places}
    return any(normalize_name(c.name) in foreign for c in collectivities)


def _plans(pools: Pools, size: CorpusSize, rng: random.Random) -> list[_Plan]:
    countries, records = _choose_countries(pools, size, rng)
    counts = _places_per_country(countries, records, size.foreign)
    foreign: list[tuple[Country, list[Place]]] = []
    for country, n_records, n_places in zip(countries, records, counts, strict=True):
        places = _weighted_sample(country.places, n_places, lambda p: p.population, rng)
        groups = _groups(places, n_records, FOREIGN_PARTNERS_PER_RECORD, 3,
                         lambda p: 1 + math.sqrt(p.population), rng)
        foreign.extend((country, group) for group in groups)
    rng.shuffle(foreign)
    collectivities = _french_collectivities(pools, size.french, rng)
    french = _groups(collectivities, size.projects, FRENCH_PARTNERS_PER_RECORD, 3, _activity, rng)
    rng.shuffle(french)
    for i in range(len(french)):
        for step in range(1, min(len(french), 50)):
            if not _clash(foreign[i][1], french[i]):
                break
            j = (i + step) % len(french)
            if not _clash(foreign[i][1], french[j]) and not _clash(foreign[j][1], french[i]):
                french[i], french[j] = french[j], french[i]
                break
    return [_Plan(country, places, group) for (country, places), group in zip(foreign, french, strict=True)]


# -- Writing one record -----------------------------------------------------------------------------

STATUS_WEIGHTS = {"En cours": 55, "Terminé": 28, "En projet": 8, "Suspendu": 4}
NO_STATUS = 5
FORM_WEIGHTS = {"Projet de coopération décentralisée": 45, "Jumelage": 30, "Accord de coopération": 12,
                "Autre forme de partenariat": 5}
NO_FORM = 8
LAST_YEAR = 2023


def _elided(name: str) -> str:
    return lexicon.elided_of(name)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _email(given: str, family: str, domain: str) -> str:
    local = f"{given}.{family}".replace(" ", "-").replace("'", "")
    return strip_accents(local).lower() + "@" + domain


class _RecordWriter:
    """Writes one record from its plan, noting every mention in the answer key."""

    def __init__(self, record_id: str, plan: _Plan, pools: Pools, post_contacts: list[PostContact],
                 rng: random.Random) -> None:
        self.id = record_id
        self.plan = plan
        self.pools = pools
        self.post_contacts = post_contacts
        self.rng = rng
        self.key: list[KeyEntry] = []

    def note(self, field_name: str, index: int, mention: Mention) -> str:
        self.key.append(KeyEntry(self.id, field_name, index, mention))
        return mention.text

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability

    def write(self) -> PartnershipRecord:
        rng, plan = self.rng, self.plan
        french_mentions = [french_mention(c, rng) for c in plan.collectivities]
        if self.chance(0.02):
            french_mentions.append(respelled(french_mentions[0], rng))
        country = country_mention(plan.country, rng)
        place_mentions = [place_mention(p, rng) for p in plan.places]
        if self.chance(0.01):
            place_mentions.append(respelled(place_mentions[0], rng))
        french_partners = [self.note("french_partners", i, m) for i, m in enumerate(french_mentions)]
        foreign_partners = []
        for i, mention in enumerate(place_mentions):
            foreign_partners.append(ForeignPartner(self.note("foreign_partners", i, mention),
                                                   self.note("foreign_partners.country", i, country)))
        words = self.words()
        themes = self.themes()
        first_signature = rng.randint(1975, 2021) if self.chance(0.85) else None
        start = None
        if self.chance(0.8):
            delay = rng.choice((0, 0, 0, 1, 2, 5))
            start = min(LAST_YEAR, (first_signature or rng.randint(1980, 2021)) + delay)
        status = None if self.chance(NO_STATUS / 100) else _pick(rng, list(STATUS_WEIGHTS.items()))
        with_post = self.chance(0.94)
        return PartnershipRecord(
            record_id=self.id,
            source=SourceRef(f"pages/{self.id}.txt"),
            title=rng.choice(lexicon.TITLES).format(**words),
            diplomatic_post=plan.country.post if with_post else None,
            post_contacts=list(self.post_contacts) if with_post else [],
            first_signature_year=first_signature,
            themes=themes,
            start_year=start,
            status=status,
            end_date=self.end_date(status, start),
            context=self.text(0.7, lexicon.CONTEXT_SENTENCES, words),
            history=self.text(0.5, lexicon.HISTORY_SENTENCES, words),
            objective=self.objective(),
            description=self.text(0.8, lexicon.DESCRIPTION_SENTENCES, words),
            partnership_form=None if self.chance(NO_FORM / 100) else _pick(rng, list(FORM_WEIGHTS.items())),
            implementers=self.implementers(french_mentions, words),
            project_owners=self.project_owners(french_mentions),
            beneficiaries=rng.choice(lexicon.BENEFICIARIES).format(**words) if self.chance(0.6) else None,
            foreign_partners=foreign_partners,
            foreign_contacts=self.foreign_contacts(place_mentions),
            french_partners=french_partners,
            triennial=self.flag(0.4, 0.62),
            funding=self.funding(french_mentions, place_mentions, start, themes),
            volunteers=self.volunteers(words),
            communication_in_france=self.flag(0.5, 0.6),
            communication_in_partner_countries=self.flag(0.5, 0.6),
            evaluation_policy=self.flag(0.5, 0.5),
        )

    def words(self) -> dict[str, str]:
        theme = self.rng.choice(self.pools.themes)
        french = self.plan.collectivities[0].name
        foreign = self.plan.places[0].name
        return {
            "french": french,
            "of_french": _elided(french),
            "foreign": foreign,
            "of_foreign": _elided(foreign),
            "country": self.plan.country.name_fr.split(",")[0],
            "year": str(self.rng.randint(1980, 2015)),
            "theme": theme,
            "theme_lower": _lower_first(theme),
        }

    def flag(self, shown: float, yes: float) -> bool | None:
        if not self.chance(shown):
            return None
        return self.chance(yes)

    def themes(self) -> list[ThemeLevels]:
        labels = list(self.pools.themes)
        self.rng.shuffle(labels)
        themes = []
        if self.chance(0.85):
            themes.append(ThemeLevels(labels.pop()))
        others = _pick(self.rng, [("0", 60), ("1", 28), ("2", 12)])
        for _ in range(int(others)):
            themes.append(ThemeLevels(labels.pop(), priority=self.chance(0.4)))
        return themes

    def end_date(self, status: str | None, start: int | None) -> str | None:
        if status != "Terminé" or self.chance(0.05):
            return None
        year = self.rng.randint(start or 1990, LAST_YEAR)
        if self.chance(0.1):
            return str(year)
        return f"{self.rng.randint(1, 28):02d}/{self.rng.randint(1, 12):02d}/{year}"

    def text(self, present: float, sentences: Sequence[str], words: dict[str, str]) -> str | None:
        if not self.chance(present):
            return None
        paragraphs = []
        for _ in range(self.rng.choice((1, 1, 2))):
            chosen = self.rng.sample(list(sentences), k=self.rng.randint(1, 3))
            paragraphs.append("\n".join(s.format(**words) for s in chosen))
        return "\n\n".join(paragraphs)

    def objective(self) -> str | None:
        if not self.chance(0.75):
            return None
        intro = self.rng.choice(lexicon.OBJECTIVE_INTROS)
        if self.chance(0.4):
            return intro.replace(" :", ".").replace("vise à", "vise à renforcer le partenariat")
        count = self.rng.randint(2, 5)
        items = sorted(self.rng.sample(range(len(lexicon.OBJECTIVE_ITEMS) - 1), k=count - 1))
        items.append(len(lexicon.OBJECTIVE_ITEMS) - 1)
        return intro + "\n\n" + "\n".join("• " + lexicon.OBJECTIVE_ITEMS[i] for i in items)

    def project_owners(self, french: list[Mention]) -> list[str]:
        if not self.chance(0.85):
            return []
        owners = [french[0]]
        if len(french) > 1 and self.chance(0.3):
            owners.append(french[1])
        written = [respelled(m, self.rng) if self.chance(0.15) else m for m in owners]
        return [self.note("project_owners", i, m) for i, m in enumerate(written)]

    def implementers(self, french: list[Mention], words: dict[str, str]) -> list[str]:
        if not self.chance(0.6):
            return []
        chosen: list[Mention] = []
        for _ in range(1 if self.chance(0.85) else 2):
            kind = _pick(self.rng, [("foreign", 50), ("french", 30), ("association", 20)])
            if kind == "foreign":
                place = self.rng.choice(self.plan.places)
                variant = self.rng.choice(("plain", "upper", "upper", "stripped"))
                mention = place_mention(place, self.rng, variant)
            elif kind == "french":
                mention = self.rng.choice(french)
            else:
                name = self.rng.choice(lexicon.ASSOCIATION_TEMPLATES).format(**words)
                mention = Mention(name, f"id/organisation/{slugify(name)}", "organisation", "association")
            if all(normalize_name(mention.text) != normalize_name(m.text) for m in chosen):
                chosen.append(mention)
        return [self.note("implementers", i, m) for i, m in enumerate(chosen)]

    def foreign_contacts(self, places: list[Mention]) -> list[ForeignContact]:
        if not self.chance(0.35):
            return []
        area = lexicon.PEOPLE_BY_COUNTRY.get(self.plan.country.alpha2, "other")
        given_names, family_names = lexicon.PEOPLE[area]
        contacts = []
        for _ in range(self.rng.choice((1, 1, 2))):
            partner = self.rng.choice(places)
            family = self.rng.choice(family_names)
            given = self.rng.choice(given_names) if self.chance(0.9) else None
            function = self.rng.choice(lexicon.FOREIGN_FUNCTIONS) if self.chance(0.7) else None
            email = None
            if given and self.chance(0.5):
                email = _email(given, family, f"mairie-{slugify(partner.text)}.org")
            contacts.append(ForeignContact(partner.text, family, given, function, email))
        return contacts

    def funding(self, french: list[Mention], foreign: list[Mention], start: int | None,
                themes: list[ThemeLevels]) -> list[FundingLine]:
        rng = self.rng
        if not self.chance(0.8):
            return []
        water_theme = any(t.theme == "Eau et assainissement" for t in themes)
        first_year = max(start or rng.randint(1995, 2020), 1990)
        lines: list[tuple[Mention, int]] = []
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            kind = _pick(rng, [("french", 40), ("meae", 30), ("other", 12), ("afd", 6), ("ue", 5),
                               ("agences-de-l-eau", 12 if water_theme else 3), ("foreign", 3)])
            year = min(LAST_YEAR, first_year + rng.randint(0, 4))
            if kind == "french":
                partner = rng.choice(french)
                mention = partner if self.chance(0.7) else self.french_again(partner)
            elif kind == "foreign":
                mention = rng.choice(foreign)
            elif kind == "other":
                text = _pick(rng, lexicon.UNSPECIFIED_FUNDERS)
                mention = Mention(text, UNSPECIFIED_FUNDER, "unspecified-funder", "unspecified")
            else:
                text = _pick(rng, lexicon.ORGANISATION_SPELLINGS[kind])
                mention = Mention(text, f"id/organisation/{kind}", "organisation", "organisation")
            if kind == "meae" and self.chance(0.4):
                # The ministry's co-financing is often listed year by year.
                for offset in range(rng.randint(2, 3)):
                    lines.append((mention, min(LAST_YEAR, year + offset)))
            else:
                lines.append((mention, year))
        funding = []
        for i, (mention, year) in enumerate(lines):
            amount = Decimal(rng.choice((1, 2, 3, 4, 5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 80, 120)) * 1000
                             + rng.choice((0, 0, 0, 500)))
            if self.chance(0.04):
                amount += Decimal(rng.randint(1, 99)) / 100
            water = None
            roll = rng.random()
            if roll < (0.25 if water_theme else 0.05):
                water = Decimal(rng.choice((1, 2, 5, 10, 20))) * 1000
            elif roll < (0.35 if water_theme else 0.12):
                water = Decimal(0)
            funding.append(FundingLine(self.note("funding", i, mention), amount, year, water))
        return funding

    def french_again(self, partner: Mention) -> Mention:
        """Another spelling of a record's French partner (as a funder writes it)."""
        for collectivity in self.plan.collectivities:
            if collectivity.key == partner.entity:
                return french_mention(collectivity, self.rng)
        return partner

    def volunteers(self, words: dict[str, str]) -> list[Volunteer]:
        if not self.chance(0.05):
            return []
        mission, field_of_action = self.rng.choice(lexicon.VOLUNTEER_MISSIONS)
        family, given = self.rng.choice(lexicon.FRENCH_FAMILY), self.rng.choice(lexicon.FRENCH_GIVEN)
        return [Volunteer(family, given, mission, field_of_action, f"Mairie {words['of_foreign']}")]


def _post_contacts(countries: Sequence[Country], pools: Pools,
                   rng: random.Random) -> dict[str, list[PostContact]]:
    """1–3 contacts per post, the same in every record of the country."""
    roles = [r for r in lexicon.POST_ROLE_ORDER if r in pools.post_roles] or list(pools.post_roles)
    contacts: dict[str, list[PostContact]] = {}
    for country in countries:
        people = []
        for role in roles[: rng.randint(1, min(3, len(roles)))]:
            given, family = rng.choice(lexicon.FRENCH_GIVEN), rng.choice(lexicon.FRENCH_FAMILY)
            email = _email(given, family, "diplomatie.gouv.fr") if rng.random() < 0.85 else None
            people.append(PostContact(role, f"{given} {family}", email))
        contacts[country.key] = people
    return contacts


def record_id(number: int) -> str:
    return f"gen-{number:06d}"


def generate_corpus(projects: int = NATIONAL.projects, seed: int = 0) -> Corpus:
    """``projects`` synthetic records with the national proportions, and their answer key."""
    rng = random.Random(seed)
    pools = load_pools()
    size = corpus_size(projects)
    plans = _plans(pools, size, rng)
    countries = sorted({plan.country.key: plan.country for plan in plans}.values(), key=lambda c: c.key)
    contacts = _post_contacts(countries, pools, rng)
    records: list[PartnershipRecord] = []
    answer_key: list[KeyEntry] = []
    for number, plan in enumerate(plans, start=1):
        writer = _RecordWriter(record_id(number), plan, pools, contacts[plan.country.key], rng)
        records.append(writer.write())
        answer_key.extend(writer.key)
    return Corpus(seed, size, records, answer_key, {c.key: c.post for c in countries})
