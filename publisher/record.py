"""The typed record every ingest format produces and every later stage reads.

A record is what one source (an Atlas project page, a row of a tabular export)
says about one partnership, with names exactly as written: reconciliation to
identified entities happens later, in :mod:`publisher.reconcile`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class SourceRef:
    """Where a record or a value came from: file, line (1-based) or row."""

    path: str
    line: int | None = None


@dataclass(frozen=True)
class PostContact:
    """A person listed under the diplomatic post, with the role heading they appear under."""

    role: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class ForeignPartner:
    """A foreign local authority named as partner, with its country as written."""

    name: str
    country: str


@dataclass(frozen=True)
class ForeignContact:
    """A contact in a foreign partner: collectivity, family name, given name, function, e-mail."""

    collectivity: str
    family_name: str
    given_name: str | None = None
    function: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class FundingLine:
    """One row of the funding table: funder as written, amount in euros, 1 % water amount, year."""

    funder: str
    amount: Decimal
    year: int | None
    water_amount: Decimal | None = None


@dataclass(frozen=True)
class Volunteer:
    """A volunteer involved in the partnership (VSI, service civique, ...)."""

    family_name: str
    given_name: str | None = None
    mission: str | None = None
    field_of_action: str | None = None
    host_entity: str | None = None


@dataclass(frozen=True)
class ThemeLevels:
    """A thematic classification: theme, sub-theme, sub-sub-theme, and the priority flag."""

    theme: str
    sub_theme: str | None = None
    sub_sub_theme: str | None = None
    priority: bool | None = None


@dataclass
class PartnershipRecord:
    """Everything one source says about one partnership.

    Free-text sections keep their structure: paragraphs are separated by a blank
    line and bullet items are lines starting with ``"• "``. Flags are ``None``
    when the source does not show a value (never guessed as true or false).
    """

    record_id: str
    source: SourceRef
    title: str
    diplomatic_post: str | None = None
    post_contacts: list[PostContact] = field(default_factory=list)
    first_signature_year: int | None = None
    themes: list[ThemeLevels] = field(default_factory=list)
    start_year: int | None = None
    status: str | None = None
    end_date: str | None = None
    context: str | None = None
    history: str | None = None
    objective: str | None = None
    description: str | None = None
    partnership_form: str | None = None
    implementers: list[str] = field(default_factory=list)
    project_owners: list[str] = field(default_factory=list)
    beneficiaries: str | None = None
    foreign_partners: list[ForeignPartner] = field(default_factory=list)
    foreign_contacts: list[ForeignContact] = field(default_factory=list)
    french_partners: list[str] = field(default_factory=list)
    triennial: bool | None = None
    funding: list[FundingLine] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)
    communication_in_france: bool | None = None
    communication_in_partner_countries: bool | None = None
    evaluation_policy: bool | None = None

    @property
    def total_funding(self) -> Decimal:
        return sum((line.amount for line in self.funding), Decimal(0))
