"""One entity, many mentions: the entities a build's records refer to.

:func:`resolve_record` turns every name in a record into an entity key (reconciled
against the reference data where possible, shared across records otherwise) and
records the spellings met. The :class:`EntityRegistry` then describes each entity
once, in the build's entities graph.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache

from publisher.problems import Problem, Severity
from publisher.reconcile import (
    Entity,
    Unresolved,
    best_label,
    name_keys,
    normalize_name,
    reconcile_country,
    reconcile_foreign_place,
    reconcile_french_authority,
    reconcile_organisation,
    slugify,
)
from publisher.record import PartnershipRecord
from publisher.resources import resource_dir

UNSPECIFIED_FUNDER = "def/atlas#unspecifiedFunder"
UNSPECIFIED_FUNDER_NAMES = {"autre", "autres", "non precise", "inconnu"}


@cache
def iri_templates() -> dict[str, str]:
    with (resource_dir("mappings") / "iris.toml").open("rb") as handle:
        return tomllib.load(handle)


def iri(template: str, **values: object) -> str:
    return iri_templates()[template].format(**values)


def split_person_name(name: str) -> tuple[str | None, str]:
    """(given, family) from "Sherazade BENALLA": the family name is the run of upper-case words."""
    words = name.split()
    family = [w for w in words if w.isupper() and len(w) > 1]
    given = [w for w in words if w not in family]
    if not family:
        return (" ".join(words[:-1]) or None, words[-1]) if words else (None, name)
    return (" ".join(given) or None, " ".join(family))


Contribution = tuple[str, str, str, Entity | None, dict[str, object]]


@dataclass
class RegisteredEntity:
    key: str
    kind: str
    reference: Entity | None
    mentions: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.reference is not None:
            return self.reference.label
        return best_label(self.mentions)


@dataclass
class ResolvedRecord:
    """Entity keys for each mention in one record, in the record's order."""

    post: str | None = None
    post_contacts: list[str] = field(default_factory=list)
    foreign_partners: list[str] = field(default_factory=list)
    foreign_contacts: list[str] = field(default_factory=list)
    french_partners: list[str] = field(default_factory=list)
    project_owners: list[str] = field(default_factory=list)
    implementers: list[str] = field(default_factory=list)
    funders: list[str] = field(default_factory=list)
    status: str | None = None
    form: str | None = None
    themes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class EntityRegistry:
    """Every entity met in a build, with the spellings each was written in."""

    def __init__(self) -> None:
        self.entities: dict[str, RegisteredEntity] = {}
        self.unresolved: dict[tuple[str, str], Unresolved] = {}
        self.used_by: dict[str, set[str]] = defaultdict(set)
        self.contributions: dict[str, list[Contribution]] = defaultdict(list)

    def add(self, key: str, kind: str, mention: str, reference: Entity | None = None,
            record: str | None = None, **facts: object) -> str:
        if record is not None:
            self.contributions[record].append((key, kind, mention, reference, facts))
        return self._add(key, kind, mention, reference, record, facts)

    def replay(self, record: str, contributions: list[Contribution]) -> None:
        """Register again what a record contributed at an earlier build (no reconciliation needed)."""
        for key, kind, mention, reference, facts in contributions:
            self.contributions[record].append((key, kind, mention, reference, facts))
            self._add(key, kind, mention, reference, record, facts)

    def _add(self, key: str, kind: str, mention: str, reference: Entity | None, record: str | None,
             facts: dict[str, object]) -> str:
        entity = self.entities.get(key)
        if entity is None:
            entity = self.entities[key] = RegisteredEntity(key, kind, reference)
        if mention and mention not in entity.mentions:
            entity.mentions.append(mention)
        for name, value in facts.items():
            if value is not None:
                entity.facts.setdefault(name, value)
        if record is not None:
            self.used_by[key].add(record)
        return key

    def restricted_to(self, records: set[str]) -> list[RegisteredEntity]:
        """The entities used by at least one of ``records`` (the published ones)."""
        keep = {key for key, users in self.used_by.items() if users & records}
        # Entities referred to by kept entities (a country of a kept place) are kept too.
        for key in list(keep):
            country = self.entities[key].facts.get("country")
            if isinstance(country, str):
                keep.add(country)
            organisation = self.entities[key].facts.get("organization")
            if isinstance(organisation, str):
                keep.add(organisation)
        return [self.entities[k] for k in sorted(keep)]


def _warn(resolved: ResolvedRecord, record: PartnershipRecord, field_name: str, unresolved: Unresolved) -> None:
    detail = f"; candidates: {', '.join(unresolved.candidates)}" if unresolved.candidates else ""
    resolved.problems.append(Problem(
        Severity.WARNING, record.source.path,
        f"{unresolved.mention!r} not identified ({unresolved.reason}{detail}); published under its own name",
        record=record.record_id, field=field_name,
    ))


def resolve_record(record: PartnershipRecord, registry: EntityRegistry) -> ResolvedRecord:
    """Entity keys for every mention in ``record``, registered in ``registry``."""
    rid = record.record_id
    out = ResolvedRecord()

    def country(name: str, field_name: str) -> str:
        found = reconcile_country(name)
        if isinstance(found, Unresolved):
            out.problems.append(Problem(Severity.ERROR, record.source.path,
                                        f"unknown country {name!r}", record=rid, field=field_name))
            return registry.add(iri("unresolved_country", slug=slugify(name)), "Country", name, None, rid)
        return registry.add(found.key, "Country", name, found, rid)

    def french(name: str, field_name: str) -> str:
        found = reconcile_french_authority(name)
        if isinstance(found, Unresolved):
            _warn(out, record, field_name, found)
            registry.unresolved[(found.kind, normalize_name(name))] = found
            return registry.add(iri("unresolved_french_authority", slug=slugify(name)),
                                "FrenchLocalAuthority", name, None, rid)
        return registry.add(found.key, found.kind, name, found, rid)

    foreign_by_name: dict[str, str] = {}
    for partner in record.foreign_partners:
        country_key = country(partner.country, "foreign_partners")
        country_entity = registry.entities[country_key].reference
        found = reconcile_foreign_place(partner.name, country_entity) if country_entity else None
        if isinstance(found, Entity):
            key = registry.add(found.key, "ForeignLocalAuthority", partner.name, found, rid, country=country_key)
        else:
            if found is not None:
                _warn(out, record, "foreign_partners", found)
                registry.unresolved[("ForeignLocalAuthority", normalize_name(partner.name))] = found
            alpha2 = country_entity.code("alpha2").lower() if country_entity else "xx"  # type: ignore[union-attr]
            key = registry.add(iri("unresolved_foreign_authority", country=alpha2, slug=slugify(partner.name)),
                               "ForeignLocalAuthority", partner.name, None, rid, country=country_key)
        for name_key in name_keys(partner.name):
            foreign_by_name.setdefault(name_key, key)
        out.foreign_partners.append(key)

    french_by_name: dict[str, str] = {}
    for name in record.french_partners:
        key = french(name, "french_partners")
        for name_key in name_keys(name):
            french_by_name.setdefault(name_key, key)
        out.french_partners.append(key)

    def participant(name: str, field_name: str) -> str:
        """A maître d'ouvrage, maître d'œuvre or funder: the record's own partners first."""
        for norm in sorted(name_keys(name)):
            for known in (french_by_name, foreign_by_name):
                if norm in known:
                    return registry.add(known[norm], registry.entities[known[norm]].kind, name, None, rid)
        organisation = reconcile_organisation(name)
        if organisation is not None:
            return registry.add(organisation.key, "Organisation", name, organisation, rid)
        found = reconcile_french_authority(name)
        if isinstance(found, Entity):
            return registry.add(found.key, found.kind, name, found, rid)
        out.problems.append(Problem(
            Severity.WARNING, record.source.path,
            f"{name!r} not identified (neither a partner of the record nor a known organisation or French "
            "collectivity); published as an organisation under its own name", record=rid, field=field_name))
        return registry.add(iri("organisation", slug=slugify(name)), "Organisation", name, None, rid)

    out.project_owners = [participant(n, "project_owners") for n in record.project_owners]
    out.implementers = [participant(n, "implementers") for n in record.implementers]
    for line in record.funding:
        if normalize_name(line.funder) in UNSPECIFIED_FUNDER_NAMES:
            out.funders.append(UNSPECIFIED_FUNDER)
        else:
            out.funders.append(participant(line.funder, "funding"))

    for contact in record.foreign_contacts:
        authority = next((foreign_by_name[k] for k in sorted(name_keys(contact.collectivity))
                          if k in foreign_by_name), None)
        if authority is None:
            authority = participant(contact.collectivity, "foreign_contacts")
        name = " ".join(p for p in (contact.given_name, contact.family_name) if p)
        person = registry.add(iri("authority_person", authority=authority, slug=slugify(name)), "Person", name,
                              None, rid, family_name=contact.family_name, given_name=contact.given_name,
                              email=contact.email)
        membership = registry.add(iri("authority_contact", authority=authority, slug=slugify(name)), "Contact",
                                  name, None, rid, member=person, organization=authority,
                                  function=contact.function)
        out.foreign_contacts.append(membership)

    if record.diplomatic_post:
        post_slug = slugify(record.diplomatic_post)
        out.post = registry.add(iri("post", slug=post_slug), "DiplomaticPost", record.diplomatic_post, None, rid)
        for contact in record.post_contacts:
            given, family = split_person_name(contact.name)
            person = registry.add(iri("post_person", post=post_slug, slug=slugify(contact.name)), "Person",
                                  contact.name, None, rid, family_name=family, given_name=given,
                                  email=contact.email)
            role = registry.add(iri("post_role", slug=slugify(contact.role)), "Concept", contact.role, None, rid,
                                scheme="postRoleScheme")
            out.post_contacts.append(registry.add(
                iri("post_contact", post=post_slug, slug=slugify(contact.name)), "Contact", contact.name, None,
                rid, member=person, organization=out.post, role=role))

    if record.status:
        out.status = registry.add(iri("status", slug=slugify(record.status)), "Concept", record.status, None, rid,
                                  scheme="statusScheme")
    if record.partnership_form:
        out.form = registry.add(iri("form", slug=slugify(record.partnership_form)), "Concept",
                                record.partnership_form, None, rid, scheme="formScheme")
    for theme in record.themes:
        for level in (theme.theme, theme.sub_theme, theme.sub_sub_theme):
            if level:
                out.themes.append(registry.add(iri("theme", slug=slugify(level)), "Concept", level, None, rid,
                                               scheme="themeScheme"))
    return out
