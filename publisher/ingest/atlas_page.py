"""Atlas project pages: the text of one page read into a :class:`PartnershipRecord`, and written back.

A project page of the "Atlas français de la coopération décentralisée", saved as text, is a
sequence of headings ("Titre", "Contexte", "Nom du financeur Montant en euros ...") each followed
by its value. :func:`parse_atlas_page` reads it in two passes: the lines are cleaned (site chrome
and untranslated interface keys removed) and cut into sections at the headings of
:data:`_HEADINGS`; then each section is read according to its kind: one line, a year, lines,
free text, a Oui/Non flag or a table.

The site flattens each table row to one line of space-separated cells. The cells are recovered
from what they hold: a country name ends a foreign-partner row, a listed partner's name starts a
contact row, a year and one or two amounts end a funding row, a family name in capitals starts a
person. A row whose cells are separated by tabs (what a browser gives when a table is copied) is
read cell by cell instead.

Free text keeps its structure: paragraphs are separated by one blank line, each line of a
paragraph stays a line, and bullet items (symbol-font bullets U+F0B7, U+F0C4, ..., "•", "- ")
become lines starting with "• ". Whitespace inside a line is collapsed to one space; nothing else
in the text is changed.

:func:`render_atlas_page` writes a record in the same form, so that parsing the result gives the
record back. It raises ValueError, naming the field, for a value the page cannot carry: a funding
line without a year, a title on two lines, a given name in capitals (which reads back
title-cased), a text line that is itself a heading.
"""

from __future__ import annotations

import codecs
import gettext
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from functools import cache, lru_cache
from pathlib import Path, PurePath
from typing import TypeVar

import pycountry

from publisher.problems import Problem, Severity, SourceError
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

# -- The page ---------------------------------------------------------------------------------------

_NBSP = "\u00a0"
_BULLET = "\uf0b7"
_LOUPE = "commun.ico.loupe.alter"
_BREADCRUMB = "Accueil > ???menu.atlas.libelle??? > ???menu.atlas.detailProjet.libelle???"
_SITE_TITLE = "Atlas français de la coopération décentralisée et des autres actions extérieures"
_PAGINATION = "<< < pagination.page.precedent 1 pagination.page.suivant > >>"
_FOOTER = "PIED DE PAGE"
_COPYRIGHT = "Tous droits réservés - Ministère de l'Europe et des Affaires étrangères 2013"
_POST_HEADING = "Contacts dans le poste diplomatique"
_WATER = "Montant 1% Eau (Loi Oudin 2005)"


class _Kind(Enum):
    SECTION = "section title, no value of its own"
    LINE = "one line"
    YEAR = "a year"
    LINES = "one value per line"
    TEXT = "free text"
    FLAG = "Oui / Non"
    TABLE = "table header, rows follow"


@dataclass(frozen=True)
class _Heading:
    """A heading of a project page: its label, how its value is read, where the value goes."""

    label: str
    kind: _Kind
    slot: str
    record_field: str | None = None
    when_empty: bool | None = None

    @property
    def field(self) -> str | None:
        """The record field an error under this heading names."""
        if self.kind is _Kind.SECTION:
            return None
        return self.record_field or self.slot


# In page order. Section titles appear twice on the site (section, then table caption).
_HEADINGS: tuple[_Heading, ...] = (
    _Heading("Titre", _Kind.LINE, "title"),
    _Heading("Année de première signature de la convention", _Kind.YEAR, "first_signature_year"),
    _Heading("Thématique d'intervention", _Kind.LINE, "theme", "themes"),
    _Heading("Sous-thématique d'intervention", _Kind.LINE, "sub_theme", "themes"),
    _Heading("Sous-sous-thématique d'intervention", _Kind.LINE, "sub_sub_theme", "themes"),
    _Heading("Autres thématiques mises en œuvre pour le partenariat", _Kind.SECTION, "other_themes_title"),
    _Heading(
        "Thématique éligible Sous-thématique Sous-sous-thématique Priorité",
        _Kind.TABLE,
        "other_themes",
        "themes",
    ),
    _Heading("Année de début du partenariat", _Kind.YEAR, "start_year"),
    _Heading("Le partenariat est", _Kind.LINE, "status"),
    _Heading("Date de fin du partenariat", _Kind.LINE, "end_date"),
    _Heading("Contexte", _Kind.TEXT, "context"),
    _Heading("Historique", _Kind.TEXT, "history"),
    _Heading("Objectif du partenariat", _Kind.TEXT, "objective"),
    _Heading("Description détaillée du partenariat", _Kind.TEXT, "description"),
    _Heading("Votre partenariat prend la forme d'un(e)", _Kind.LINE, "partnership_form"),
    _Heading("Mise en œuvre du partenariat", _Kind.SECTION, "implementation_title"),
    _Heading("Maître(s) d'œuvre", _Kind.LINES, "implementers"),
    _Heading("Maître(s) d'ouvrage", _Kind.LINES, "project_owners"),
    _Heading("Bénéficiaire(s)", _Kind.TEXT, "beneficiaries"),
    _Heading("Partenaires étrangers du partenariat", _Kind.SECTION, "foreign_partners_title"),
    _Heading("Nom de la collectivité étrangère Pays", _Kind.TABLE, "foreign_partners"),
    _Heading(
        "Contacts dans les partenaires étrangers du partenariat", _Kind.SECTION, "foreign_contacts_title"
    ),
    _Heading(
        "Nom de la collectivité étrangère Nom Prénom Fonction Courriel", _Kind.TABLE, "foreign_contacts"
    ),
    _Heading(
        "Collectivités territoriales partenaires du partenariat", _Kind.SECTION, "french_partners_title"
    ),
    _Heading("Nom de la collectivité territoriale", _Kind.TABLE, "french_partners"),
    _Heading("Le partenariat est triennal", _Kind.FLAG, "triennial", when_empty=True),
    _Heading("Financement du partenariat", _Kind.SECTION, "funding_title"),
    _Heading(f"Nom du financeur Montant en euros {_WATER} {_WATER} {_WATER} Année", _Kind.TABLE, "funding"),
    _Heading(f"Nom du financeur Montant en euros {_WATER} Année", _Kind.TABLE, "funding"),
    _Heading("Évaluations, communication et perspectives", _Kind.SECTION, "evaluation_title"),
    _Heading("Une communication a été engagée en France", _Kind.FLAG, "communication_in_france"),
    _Heading(
        "Une communication a été engagée dans les pays partenaires",
        _Kind.FLAG,
        "communication_in_partner_countries",
    ),
    _Heading("Une politique d'évaluation a été engagée", _Kind.FLAG, "evaluation_policy"),
    _Heading(
        "Volontaires impliqués dans le partenariat (VSI, service civique, etc.) d'Échange et de Solidarité",
        _Kind.SECTION,
        "volunteers_title",
    ),
    _Heading("Nom Prénom Mission Champs d'action Entité d'affectation", _Kind.TABLE, "volunteers"),
)

_POST = _Heading(_POST_HEADING, _Kind.LINE, "diplomatic_post")
_POST_LINE = re.compile(
    r"Contacts\s+dans\s+le\s+poste\s+diplomatique(?:\s*[\"«“](?P<quoted>.*)[\"»”]|\s+(?P<bare>.*))?",
    re.IGNORECASE,
)


_APOSTROPHES = re.compile(r"[’‘ʼ´`]")


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    """The form two labels or names are compared in: no accents, case, apostrophe or hyphen variants."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        text = _APOSTROPHES.sub("'", text)
    return " ".join(text.replace("-", " ").casefold().split())


def _line_key(text: str) -> str:
    """:func:`_key` of a line that may be a heading, the site title or the footer; "" for longer lines."""
    return _key(text) if len(text) <= _LONGEST_LABEL else ""


_BY_KEY: dict[str, _Heading] = {_key(h.label): h for h in _HEADINGS}
# Lines longer than every heading, the site title and the footer are never compared with them.
_LONGEST_LABEL = 2 * max(len(h.label) for h in _HEADINGS) + 40
_LABEL: dict[str, str] = {h.slot: h.label for h in reversed(_HEADINGS)}  # the first label of a slot

# -- Lines ------------------------------------------------------------------------------------------

_NEWLINE = re.compile(r"\r\n|\r|\n")
_INVISIBLE = re.compile(r"[\ufeff\u200b\u200c\u200d\u2060]")
_SPACES = re.compile(r"[^\S\t]+")
_UI_KEY = re.compile(r"\?\?\?[^?\s]+\?\?\?|(?<![\w.@\[])(?:commun|menu|pagination)\.[\w.]*\w")
_NUMBER_SPACE = re.compile(r"(?<=\d)[\u00a0\u202f\u2009](?=\d{3}(?!\d))")
_SITE_TITLE_KEY = _key(_SITE_TITLE)
_FOOTER_KEY = _key(_FOOTER)


@dataclass(frozen=True)
class _Line:
    """A cleaned line of a page, with its 1-based number in the file and its text as written."""

    number: int
    text: str
    raw: str

    @property
    def blank(self) -> bool:
        return not self.text.strip()


def _clean_line(number: int, raw: str) -> _Line | None:
    """The line without interface keys and with plain spaces, or None for site chrome."""
    text = _SPACES.sub(" ", raw if raw.isascii() else _INVISIBLE.sub("", raw))
    if "pagination.page." in text:
        return None
    has_key = "???" in text or "commun." in text or "menu." in text or "pagination." in text
    kept = _UI_KEY.sub("", text) if has_key else text
    if text.strip() and not kept.strip():
        return None
    text = _SPACES.sub(" ", kept).strip(" ")
    key = _line_key(text)
    if key.startswith("accueil >") or key == _SITE_TITLE_KEY:
        return None
    return _Line(number, text, raw)


def _page_lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    for number, raw in enumerate(_NEWLINE.split(text), start=1):
        if _line_key(raw) == _FOOTER_KEY:
            break
        line = _clean_line(number, raw)
        if line is not None:
            lines.append(line)
    return lines


def _collapse(text: str) -> str:
    return " ".join(text.split())


# -- Errors -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    path: str
    record: str

    def error(self, message: str, *, field: str | None = None, line: int | None = None) -> SourceError:
        return SourceError(
            Problem(Severity.ERROR, self.path, message, record=self.record, field=field, line=line)
        )


# -- Sections ---------------------------------------------------------------------------------------


@dataclass
class _Section:
    heading: _Heading
    line: _Line
    body: list[_Line] = field(default_factory=list)
    inline: str | None = None

    @property
    def values(self) -> list[_Line]:
        return [line for line in self.body if not line.blank]


def _match_heading(line: _Line) -> tuple[_Heading, str | None] | None:
    heading = _BY_KEY.get(_line_key(line.text))
    if heading is not None:
        return heading, None
    post = _POST_LINE.fullmatch(_collapse(line.text))
    if post is not None:
        name = _collapse(post["quoted"] or post["bare"] or "")
        return _POST, name or None
    return None


def _sections(lines: list[_Line], where: _Where) -> dict[str, _Section]:
    sections: dict[str, _Section] = {}
    current: _Section | None = None
    for line in lines:
        match = _match_heading(line)
        if match is None:
            if current is None:
                if not line.blank:
                    raise where.error(
                        f"text before the first heading: {line.text!r}; expected a heading such as 'Titre'",
                        line=line.number,
                    )
            elif current.heading.kind is _Kind.SECTION and not line.blank:
                raise where.error(
                    f"unexpected text {line.text!r} under the section title {current.heading.label!r}; "
                    "expected a heading (is it a heading this reader does not know?)",
                    line=line.number,
                )
            else:
                current.body.append(line)
            continue
        heading, inline = match
        existing = sections.get(heading.slot)
        if existing is None:
            current = sections[heading.slot] = _Section(heading, line, inline=inline)
        elif heading.kind in (_Kind.SECTION, _Kind.TABLE):
            current = existing
        else:
            raise where.error(
                f"the heading {heading.label!r} appears a second time (first on line {existing.line.number})",
                field=heading.field,
                line=line.number,
            )
    return sections


# -- Values -----------------------------------------------------------------------------------------


def _one_line(body: Sequence[_Line]) -> str | None:
    text = " ".join(_collapse(line.text) for line in body if not line.blank)
    return text or None


def _lines(body: Sequence[_Line]) -> list[str]:
    return [_collapse(line.text) for line in body if not line.blank]


_LEADING_BULLET = re.compile(r"(?:•|-(?=\s))\s*")
_SYMBOL_BULLET = re.compile(r"\s*[\uf000-\uf0ff]\s*")


def _text_lines(text: str) -> list[str]:
    """One line of free text as item lines: a symbol-font bullet, even inside the line, starts an item."""
    head, *items = _SYMBOL_BULLET.split(_collapse(text))
    lines: list[str] = []
    bullet = _LEADING_BULLET.match(head)
    if bullet is not None:
        if head[bullet.end() :]:
            lines.append("• " + head[bullet.end() :])
    elif head:
        lines.append(head)
    lines.extend("• " + item for item in items if item)
    return lines


def _free_text(body: Sequence[_Line]) -> str | None:
    paragraphs: list[list[str]] = [[]]
    for line in body:
        if line.blank:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        paragraphs[-1].extend(_text_lines(line.text))
    text = "\n\n".join("\n".join(paragraph) for paragraph in paragraphs if paragraph)
    return text or None


_AT = re.compile(r"\s*\[at\]\s*", re.IGNORECASE)


def _email(text: str | None) -> str | None:
    if not text:
        return None
    return _AT.sub("@", text)


def _written_email(email: str) -> str:
    return email.replace("@", "[at]")


_COURRIEL = re.compile(r"Courriel\s*:\s*(?P<email>.*)", re.IGNORECASE)


def _post_contacts(body: Sequence[_Line], where: _Where) -> list[PostContact]:
    """Blocks of a role line, a name line and an optional "Courriel : x[at]y" line."""
    contacts: list[PostContact] = []
    pending: list[_Line] = []

    def close(email_line: _Line | None) -> None:
        if not pending and email_line is None:
            return
        if len(pending) != 2:
            at = email_line or (pending[0] if pending else None)
            raise where.error(
                "a diplomatic-post contact must be a role line, a name line and an optional "
                f"'Courriel : ...' line; found {[line.text for line in pending]!r}",
                field="post_contacts",
                line=at.number if at else None,
            )
        email = None
        if email_line is not None:
            courriel = _COURRIEL.fullmatch(_collapse(email_line.text))
            email = _email(courriel["email"]) if courriel else None
        role, name = (_collapse(line.text) for line in pending)
        contacts.append(PostContact(role=role, name=name, email=email))
        pending.clear()

    for line in body:
        if line.blank:
            close(None)
        elif _COURRIEL.fullmatch(_collapse(line.text)):
            close(line)
        else:
            pending.append(line)
            if len(pending) > 2:
                close(None)
    close(None)
    return contacts


# -- Countries --------------------------------------------------------------------------------------

_COUNTRY_SPELLINGS = (
    "Cote d'Ivoire",
    "République démocratique du Congo",
    "RD Congo",
    "RDC",
    "Congo",
    "Congo-Brazzaville",
    "Congo-Kinshasa",
    "Burkina Faso",
    "Bolivie",
    "Biélorussie",
    "Centrafrique",
    "Corée du Sud",
    "Corée du Nord",
    "Etats-Unis d'Amérique",
    "Guinée équatoriale",
    "Iran",
    "Kosovo",
    "Laos",
    "Macédoine",
    "Moldavie",
    "Myanmar",
    "Palestine",
    "Territoires palestiniens",
    "République tchèque",
    "Russie",
    "Swaziland",
    "Syrie",
    "Taïwan",
    "Tanzanie",
    "Venezuela",
    "Vietnam",
    "Vatican",
)


@cache
def _country_keys() -> frozenset[str]:
    """French country names (ISO 3166-1 as translated by iso-codes, plus spellings seen in the Atlas)."""
    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    names: set[str] = set(_COUNTRY_SPELLINGS)
    for country in pycountry.countries:
        for english in {country.name, getattr(country, "official_name", country.name)}:
            name = french.gettext(english)
            names.add(name)
            if ", " in name:
                # "Bolivie, état plurinational de" -> "Bolivie", "état plurinational de Bolivie"
                main, qualifier = name.split(", ", 1)
                names.add(main)
                names.add(qualifier + ("" if qualifier.endswith("'") else " ") + main)
    return frozenset(_key(name) for name in names)


# -- Table rows -------------------------------------------------------------------------------------


def _cells(line: _Line, count: int, where: _Where, field: str, names: str) -> list[str | None] | None:
    """The cells of a tab-separated row, padded to ``count``; None for a space-flattened row."""
    text = line.text.strip()
    if "\t" not in text:
        return None
    cells = [_collapse(cell) or None for cell in line.text.split("\t")]
    while len(cells) > count and cells[-1] is None:
        cells.pop()
    if len(cells) > count:
        raise where.error(
            f"the row {text!r} has {len(cells)} cells; expected at most {count}: {names}",
            field=field,
            line=line.number,
        )
    return cells + [None] * (count - len(cells))


def _is_capitals(token: str) -> bool:
    return token.upper() == token and token.lower() != token


def _given_name(text: str | None) -> str | None:
    if text and _is_capitals(text):
        return text.title()
    return text


def _person(tokens: Sequence[str]) -> tuple[str, str | None, list[str]] | None:
    """Family name, given name and the remaining tokens of "FAMILY Given rest..." (None when empty).

    The family name is the leading run of tokens in capitals. The next token is the given name
    when it starts with a capital; otherwise, in a run of two or more, the last token of the run
    is taken as a given name written in capitals ("DIARRA CHIAKA").
    """
    if not tokens:
        return None
    run = 0
    while run < len(tokens) and _is_capitals(tokens[run]):
        run += 1
    if run == 0:
        return tokens[0], (tokens[1] if len(tokens) > 1 else None), list(tokens[2:])
    family, after = list(tokens[:run]), list(tokens[run:])
    if after and after[0][:1].isupper():
        return " ".join(family), after[0], after[1:]
    if len(family) > 1:
        return " ".join(family[:-1]), family[-1], after
    return family[0], None, after


def _foreign_partner(line: _Line, where: _Where) -> ForeignPartner:
    cells = _cells(line, 2, where, "foreign_partners", "collectivity, country")
    if cells is not None:
        name, country = cells
        if name is None or country is None:
            raise where.error(
                f"the row {line.text.strip()!r} needs a collectivity and a country",
                field="foreign_partners",
                line=line.number,
            )
        return ForeignPartner(name=name, country=country)
    tokens = line.text.split()
    for size in range(len(tokens) - 1, 0, -1):
        if _key(" ".join(tokens[-size:])) in _country_keys():
            return ForeignPartner(name=" ".join(tokens[:-size]), country=" ".join(tokens[-size:]))
    raise where.error(
        f"no country name at the end of the row {line.text!r}; expected 'collectivity country' "
        "(e.g. 'Segou Mali') with the country's French name",
        field="foreign_partners",
        line=line.number,
    )


def _foreign_contact(line: _Line, where: _Where, partners: Sequence[str]) -> ForeignContact:
    keys = {_key(name) for name in partners}
    unknown = (
        f"the row {line.text.strip()!r} does not start with a foreign partner listed in the table "
        f"'Nom de la collectivité étrangère Pays' ({', '.join(partners) or 'none listed'})"
    )
    cells = _cells(
        line, 5, where, "foreign_contacts", "collectivity, family name, given name, function, e-mail"
    )
    if cells is not None:
        collectivity, family, given, function, email = cells
        if collectivity is None or _key(collectivity) not in keys:
            raise where.error(unknown, field="foreign_contacts", line=line.number)
        if family is None:
            raise where.error(
                f"the row {line.text.strip()!r} has no family name",
                field="foreign_contacts",
                line=line.number,
            )
        return ForeignContact(collectivity, family, _given_name(given), function, _email(email))
    tokens = _AT.sub("[at]", line.text).split()
    size = next((n for n in range(len(tokens), 0, -1) if _key(" ".join(tokens[:n])) in keys), 0)
    if size == 0:
        raise where.error(unknown, field="foreign_contacts", line=line.number)
    rest = tokens[size:]
    email = rest.pop() if rest and ("@" in rest[-1] or "[at]" in rest[-1].lower()) else None
    if any("@" in token or "[at]" in token.lower() for token in rest):
        raise where.error(
            f"the row {line.text.strip()!r} has cells after the e-mail, the last column of the table "
            "'Nom de la collectivité étrangère Nom Prénom Fonction Courriel': more cells than columns",
            field="foreign_contacts",
            line=line.number,
        )
    person = _person(rest)
    if person is None:
        raise where.error(
            f"the row {line.text!r} has no family name after the collectivity",
            field="foreign_contacts",
            line=line.number,
        )
    family_name, given_name, rest_of_row = person
    return ForeignContact(
        collectivity=" ".join(tokens[:size]),
        family_name=family_name,
        given_name=_given_name(given_name),
        function=" ".join(rest_of_row) or None,
        email=_email(email),
    )


def _french_partner(line: _Line, where: _Where) -> str:
    return _collapse(line.text)


_PRIORITY = {"oui": True, "non": False}


def _theme_row(line: _Line, where: _Where) -> ThemeLevels:
    cells = _cells(line, 4, where, "themes", "theme, sub-theme, sub-sub-theme, priority")
    if cells is not None:
        theme, sub_theme, sub_sub_theme, priority = cells
        if theme is None:
            raise where.error(f"the row {line.text.strip()!r} has no theme", field="themes", line=line.number)
        if priority is not None and priority.casefold() not in _PRIORITY:
            raise where.error(
                f"the priority {priority!r} should be 'Oui' or 'Non'", field="themes", line=line.number
            )
        flag = None if priority is None else _PRIORITY[priority.casefold()]
        return ThemeLevels(theme, sub_theme, sub_sub_theme, flag)
    # Flattened, the theme levels cannot be told apart: the whole row is the theme.
    tokens = line.text.split()
    flag = _PRIORITY.get(tokens[-1].casefold()) if len(tokens) > 1 else None
    if flag is not None:
        tokens = tokens[:-1]
    return ThemeLevels(theme=" ".join(tokens), priority=flag)


def _volunteer(line: _Line, where: _Where) -> Volunteer:
    cells = _cells(
        line, 5, where, "volunteers", "family name, given name, mission, field of action, host entity"
    )
    if cells is not None:
        family, given, mission, field_of_action, host_entity = cells
        if family is None:
            raise where.error(
                f"the row {line.text.strip()!r} has no family name", field="volunteers", line=line.number
            )
        return Volunteer(family, _given_name(given), mission, field_of_action, host_entity)
    # Flattened, mission, field of action and host entity cannot be told apart: all go to mission.
    person = _person(line.text.split())
    if person is None:
        raise where.error("an empty volunteer row", field="volunteers", line=line.number)
    family, given, rest = person
    return Volunteer(family_name=family, given_name=_given_name(given), mission=" ".join(rest) or None)


_YEAR = re.compile(r"\d{4}")
_NUMBER_TOKEN = re.compile(r"\d[\d.,]*")
_PLAIN_AMOUNT = re.compile(r"(?P<int>0|[1-9]\d*)(?:[.,](?P<frac>\d+))?")
_LEADING_GROUP = re.compile(r"[1-9]\d{0,2}")
_GROUP = re.compile(r"\d{3}")
_LAST_GROUP = re.compile(r"(?P<int>\d{3})(?:[.,](?P<frac>\d+))?")


def _amount(tokens: Sequence[str]) -> Decimal | None:
    """The amount these tokens write ("29000", "29 000", "1250,50"), or None if not exactly one."""
    if len(tokens) == 1:
        plain = _PLAIN_AMOUNT.fullmatch(tokens[0])
        if plain is None:
            return None
        integer, fraction = plain["int"], plain["frac"]
        if fraction is not None and len(fraction) == 3 and integer != "0" and len(integer) <= 3:
            return None  # "1,500": a decimal comma or a thousands separator
    else:
        first, *middle, last = tokens
        grouped = _LAST_GROUP.fullmatch(last)
        if not _LEADING_GROUP.fullmatch(first) or not all(_GROUP.fullmatch(t) for t in middle):
            return None
        if grouped is None:
            return None
        integer, fraction = first + "".join(middle) + grouped["int"], grouped["frac"]
    return Decimal(f"{integer}.{fraction}" if fraction else integer)


def _readings(tokens: Sequence[str]) -> list[tuple[Decimal, Decimal | None]]:
    """Every way to read the tokens as an amount and an optional water amount."""
    readings: list[tuple[Decimal, Decimal | None]] = []
    whole = _amount(tokens)
    if whole is not None:
        readings.append((whole, None))
    for cut in range(1, len(tokens)):
        amount, water = _amount(tokens[:cut]), _amount(tokens[cut:])
        if amount is not None and water is not None:
            readings.append((amount, water))
    return readings


def _funding_cells(cells: list[str | None], line: _Line, where: _Where) -> FundingLine:
    """A funding row copied with its cells: funder, amount, optional water amount, year."""
    funder, filled = cells[0], [cell for cell in cells[1:] if cell is not None]
    if funder is None or len(filled) < 2:
        raise where.error(
            f"the row {line.text.strip()!r} needs a funder, an amount and a year",
            field="funding",
            line=line.number,
        )
    *amounts, year = filled
    values = [value for value in (_amount(amount.split()) for amount in amounts) if value is not None]
    if not _YEAR.fullmatch(year) or len(values) != len(amounts) or len(values) > 2:
        raise where.error(
            f"the row {line.text.strip()!r} should hold a funder, one or two amounts in euros and a year",
            field="funding",
            line=line.number,
        )
    return FundingLine(funder, values[0], int(year), values[1] if len(values) > 1 else None)


def _funding_line(line: _Line, where: _Where) -> FundingLine:
    def error(message: str) -> SourceError:
        return where.error(message, field="funding", line=line.number)

    cells = _cells(line, 6, where, "funding", "funder, amount, water amount, year")
    if cells is not None:
        return _funding_cells(cells, line, where)
    text = _SPACES.sub(" ", _UI_KEY.sub("", _NUMBER_SPACE.sub("", _INVISIBLE.sub("", line.raw))))
    tokens = text.split()
    if not tokens or not _YEAR.fullmatch(tokens[-1]):
        raise error(
            f"the row {line.text!r} does not end with a year (4 digits); expected 'funder amount year'"
        )
    body = tokens[:-1]
    run = 0
    while run < len(body) - 1 and _NUMBER_TOKEN.fullmatch(body[-1 - run]):
        run += 1
    if run == 0:
        found = repr(body[-1]) if body else "nothing"
        raise error(f"expected an amount in euros before the year, found {found}")
    for size in range(run, 0, -1):
        readings = _readings(body[-size:])
        if len(readings) > 1:
            raise error(
                f"the amounts {' '.join(body[-size:])!r} can be read in several ways; write each amount "
                "without spaces (e.g. '12345 0')"
            )
        if readings:
            amount, water = readings[0]
            funder = body[:-size]
            if funder and any(ch.isdigit() for ch in funder[-1]) and not funder[-1].isdigit():
                raise error(
                    f"the amount {funder[-1]!r} before {' '.join(body[-size:])!r} is not a number in euros "
                    "(a letter O for a zero, a sign, a unit?); amounts are written '29000', '29 000' or '1250,50'"
                )
            return FundingLine(" ".join(funder), amount, int(tokens[-1]), water_amount=water)
    raise error(
        f"the amount {' '.join(body[-run:])!r} is not a number in euros (e.g. '29000', '29 000', '1250,50')"
    )


# -- Reading a page ---------------------------------------------------------------------------------


class _Page:
    """The sections of one page, read into values."""

    def __init__(self, sections: dict[str, _Section], where: _Where) -> None:
        self.sections = sections
        self.where = where

    def body(self, slot: str) -> list[_Line]:
        section = self.sections.get(slot)
        return section.body if section else []

    def line(self, slot: str) -> str | None:
        return _one_line(self.body(slot))

    def lines(self, slot: str) -> list[str]:
        return _lines(self.body(slot))

    def text(self, slot: str) -> str | None:
        return _free_text(self.body(slot))

    def year(self, slot: str) -> int | None:
        section = self.sections.get(slot)
        if section is None or not section.values:
            return None
        value = _one_line(section.values)
        if value is None or not _YEAR.fullmatch(value):
            raise self.where.error(
                f"expected a year (4 digits) under {section.heading.label!r}, found {value!r}",
                field=section.heading.field,
                line=section.values[0].number,
            )
        return int(value)

    def flag(self, slot: str) -> bool | None:
        section = self.sections.get(slot)
        if section is None:
            return None
        value = _one_line(section.values)
        if value is None:
            return section.heading.when_empty
        if value.casefold() not in _PRIORITY:
            raise self.where.error(
                f"expected 'Oui', 'Non' or nothing under {section.heading.label!r}, found {value!r}",
                field=section.heading.field,
                line=section.values[0].number,
            )
        return _PRIORITY[value.casefold()]

    def rows(self, slot: str, read: Callable[[_Line, _Where], _T]) -> list[_T]:
        return [read(line, self.where) for line in self.body(slot) if not line.blank]

    def themes(self) -> list[ThemeLevels]:
        theme, sub_theme, sub_sub_theme = (self.line(s) for s in ("theme", "sub_theme", "sub_sub_theme"))
        themes: list[ThemeLevels] = []
        if theme is not None:
            themes.append(ThemeLevels(theme, sub_theme, sub_sub_theme))
        elif sub_theme is not None or sub_sub_theme is not None:
            slot = "sub_theme" if sub_theme is not None else "sub_sub_theme"
            raise self.where.error(
                "a sub-theme is given but 'Thématique d'intervention' is empty",
                field="themes",
                line=self.sections[slot].line.number,
            )
        return themes + self.rows("other_themes", _theme_row)


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def parse_atlas_page(text: str, path: str, record_id: str | None = None) -> PartnershipRecord:
    """Read the text of an Atlas project page; ``path`` is named in errors and in the record's source.

    ``record_id`` defaults to a slug of the file's stem ("atlas-page-angouleme-segou").
    Raises :class:`SourceError` naming the line and field of the first value that cannot be read.
    """
    if record_id is None:
        record_id = _slug(PurePath(path).stem) or "page"
    where = _Where(path, record_id)
    sections = _sections(_page_lines(text.removeprefix("\ufeff")), where)
    if not sections:
        raise where.error(
            "no heading of an Atlas project page found ('Titre', 'Contexte', ...); "
            "the file is empty, truncated or not an Atlas project page"
        )
    page = _Page(sections, where)
    title = page.line("title")
    if title is None:
        heading = sections.get("title")
        raise where.error(
            "the 'Titre' heading has no value" if heading else "no 'Titre' heading: every page needs a title",
            field="title",
            line=heading.line.number if heading else None,
        )
    post = sections.get("diplomatic_post")
    foreign_partners = page.rows("foreign_partners", _foreign_partner)
    partner_names = [partner.name for partner in foreign_partners]
    return PartnershipRecord(
        record_id=record_id,
        source=SourceRef(path),
        title=title,
        diplomatic_post=post.inline if post else None,
        post_contacts=_post_contacts(post.body, where) if post else [],
        first_signature_year=page.year("first_signature_year"),
        themes=page.themes(),
        start_year=page.year("start_year"),
        status=page.line("status"),
        end_date=page.line("end_date"),
        context=page.text("context"),
        history=page.text("history"),
        objective=page.text("objective"),
        description=page.text("description"),
        partnership_form=page.line("partnership_form"),
        implementers=page.lines("implementers"),
        project_owners=page.lines("project_owners"),
        beneficiaries=page.text("beneficiaries"),
        foreign_partners=foreign_partners,
        foreign_contacts=page.rows(
            "foreign_contacts", lambda line, where: _foreign_contact(line, where, partner_names)
        ),
        french_partners=page.rows("french_partners", _french_partner),
        triennial=page.flag("triennial"),
        funding=page.rows("funding", _funding_line),
        volunteers=page.rows("volunteers", _volunteer),
        communication_in_france=page.flag("communication_in_france"),
        communication_in_partner_countries=page.flag("communication_in_partner_countries"),
        evaluation_policy=page.flag("evaluation_policy"),
    )


def _shown_path(path: Path, root: Path | None) -> str:
    if root is not None:
        for candidate, base in ((path, root), (path.resolve(), root.resolve())):
            try:
                return candidate.relative_to(base).as_posix()
            except ValueError:
                continue
    return path.as_posix()


def read_atlas_page(path: Path, root: Path | None = None) -> PartnershipRecord:
    """Read an Atlas project page saved as UTF-8 text (with or without a byte-order mark).

    The record's source path is relative to ``root`` when given.
    """
    shown = _shown_path(path, root)
    where = _Where(shown, _slug(path.stem) or "page")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise where.error(f"cannot read the file: {error.strerror or error}") from error
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        offset = start + error.start
        raise where.error(
            f"the file is not UTF-8 (byte 0x{data[offset]:02x} at offset {offset}); "
            "save the page again as UTF-8, e.g. `iconv -f WINDOWS-1252 -t UTF-8 page.txt`",
            line=data.count(b"\n", 0, offset) + 1,
        ) from None
    return parse_atlas_page(text, shown)


# -- Writing a page ---------------------------------------------------------------------------------


class _Unreadable(Exception):
    """Lines that the parser would not read as a value."""


_RENDERED = _Where("<rendered page>", "")


def _as_read(texts: Sequence[str]) -> list[_Line]:
    """The lines as the parser sees them under a heading; raises _Unreadable if one would be lost."""
    lines: list[_Line] = []
    for number, raw in enumerate(texts, start=1):
        line = _clean_line(number, raw)
        if line is None or _key(raw) == _FOOTER_KEY or _match_heading(line) is not None:
            raise _Unreadable(raw)
        lines.append(line)
    return lines


def _checked(field: str, value: object, texts: list[str], read: Callable[[list[_Line]], object]) -> list[str]:
    """``texts`` if the parser reads them back as ``value``; otherwise ValueError naming the field."""
    try:
        back = read(_as_read(texts))
    except (_Unreadable, SourceError) as error:
        back = error
    if back != value:
        raise ValueError(
            f"{field}: {value!r} cannot be written on an Atlas page (it would read back as {back!r})"
        )
    return texts


def _line_value(field: str, value: str | None) -> list[str]:
    return [] if value is None else _checked(field, value, [value], _one_line)


def _year_of(lines: list[_Line]) -> int | None:
    value = _one_line(lines)
    return int(value) if value is not None and _YEAR.fullmatch(value) else None


def _year_value(field: str, value: int | None) -> list[str]:
    return [] if value is None else _checked(field, value, [str(value)], _year_of)


def _lines_value(field: str, values: list[str]) -> list[str]:
    return [line for value in values for line in _checked(field, [value], [value], _lines)]


def _text_value(field: str, value: str | None) -> list[str]:
    if value is None:
        return []
    texts = [_BULLET + " " + line[2:] if line.startswith("• ") else line for line in value.split("\n")]
    return _checked(field, value, texts, _free_text)


def _flag_value(value: bool | None) -> list[str]:
    return [] if value is None else ["Oui" if value else "Non"]


def _row_values(
    field: str,
    values: Sequence[_T],
    forms: Callable[[_T], list[str]],
    read: Callable[[_Line, _Where], _T],
) -> list[str]:
    """One row per value, in the first of its ``forms`` that reads back as the value."""
    rows: list[str] = []
    for value in values:
        for form in forms(value):
            try:
                (line,) = _as_read([form])
                if not line.blank and read(line, _RENDERED) == value:
                    rows.append(form)
                    break
            except (_Unreadable, SourceError):
                continue
        else:
            raise ValueError(f"{field}: {value!r} cannot be written as a row of the Atlas table")
    return rows


def _row(*cells: str | None) -> list[str]:
    """A row flattened to spaces, as the site shows it, then the same row with tab-separated cells."""
    return [" ".join(cell for cell in cells if cell is not None), "\t".join(cell or "" for cell in cells)]


def _amount_text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    if not value.is_finite() or value < 0:
        raise ValueError(f"funding: the amount {value} cannot be written on an Atlas page")
    text = format(value, "f")
    integer, _, fraction = text.partition(".")
    if len(fraction) == 3:
        fraction += "0"  # "1,500" would be ambiguous
    return f"{integer},{fraction}" if fraction else integer


def _priority_text(value: bool | None) -> str | None:
    return None if value is None else ("Oui" if value else "Non")


def render_atlas_page(record: PartnershipRecord) -> str:
    """Write a record as the text of an Atlas project page, in the form :func:`parse_atlas_page` reads.

    Raises ValueError, naming the field, for a value that would not read back unchanged.
    """
    out: list[str] = [_BREADCRUMB, "", _SITE_TITLE, ""]

    if record.diplomatic_post is not None or record.post_contacts:
        post = f'{_POST_HEADING} "{record.diplomatic_post or ""}"'
        line = _clean_line(1, post)
        match = _match_heading(line) if line is not None else None
        if match is None or match[1] != record.diplomatic_post:
            raise ValueError(
                f"diplomatic_post: {record.diplomatic_post!r} cannot be written on an Atlas page"
            )
        out += [post, ""]
        contacts: list[str] = []
        for contact in record.post_contacts:
            if contacts:
                contacts.append(_NBSP)
            contacts += [contact.role, contact.name]
            if contact.email is not None:
                contacts.append(f"Courriel : {_written_email(contact.email)}")
        out += _checked(
            "post_contacts", record.post_contacts, contacts, lambda lines: _post_contacts(lines, _RENDERED)
        )

    themes = list(record.themes)
    main = themes.pop(0) if themes and themes[0].priority is None else None
    out += [_LABEL["title"], *_line_value("title", record.title)]
    out += [_LABEL["first_signature_year"], *_year_value("first_signature_year", record.first_signature_year)]
    out += [_LABEL["theme"], *_line_value("themes", main.theme if main else None)]
    out += [_LABEL["sub_theme"], *_line_value("themes", main.sub_theme if main else None)]
    out += [_LABEL["sub_sub_theme"], *_line_value("themes", main.sub_sub_theme if main else None)]
    out += ["", _LABEL["other_themes_title"], "", _LABEL["other_themes_title"], _LABEL["other_themes"]]
    out += _row_values(
        "themes",
        themes,
        lambda t: _row(t.theme, t.sub_theme, t.sub_sub_theme, _priority_text(t.priority)),
        _theme_row,
    )
    out += [_PAGINATION]

    out += [_LABEL["start_year"], *_year_value("start_year", record.start_year)]
    out += [_LABEL["status"], *_line_value("status", record.status)]
    out += [_LABEL["end_date"], *_line_value("end_date", record.end_date)]
    for slot in ("context", "history", "objective", "description"):
        out += [_LABEL[slot], *_text_value(slot, getattr(record, slot))]
    out += [_LABEL["partnership_form"], *_line_value("partnership_form", record.partnership_form)]
    out += [_LABEL["implementation_title"]]
    out += [_LABEL["implementers"], *_lines_value("implementers", record.implementers)]
    out += [_LABEL["project_owners"], *_lines_value("project_owners", record.project_owners)]
    out += [_LABEL["beneficiaries"], *_text_value("beneficiaries", record.beneficiaries), ""]

    out += [_LABEL["foreign_partners_title"], "", _LABEL["foreign_partners_title"]]
    out += [_LABEL["foreign_partners"] + " " + _NBSP]
    out += _row_values(
        "foreign_partners",
        record.foreign_partners,
        lambda p: [f"{form} {_LOUPE}" for form in _row(p.name, p.country)],
        _foreign_partner,
    )
    partner_names = [partner.name for partner in record.foreign_partners]
    out += [
        "",
        _LABEL["foreign_contacts_title"],
        "",
        _LABEL["foreign_contacts_title"],
        _LABEL["foreign_contacts"],
    ]
    out += _row_values(
        "foreign_contacts",
        record.foreign_contacts,
        lambda c: _row(
            c.collectivity,
            c.family_name,
            c.given_name,
            c.function,
            None if c.email is None else _written_email(c.email),
        ),
        lambda line, where: _foreign_contact(line, where, partner_names),
    )
    out += ["", _LABEL["french_partners_title"], "", _LABEL["french_partners_title"]]
    out += [_LABEL["french_partners"] + " " + _NBSP]
    out += _row_values(
        "french_partners", record.french_partners, lambda name: [f"{name} {_LOUPE}"], _french_partner
    )
    out += ["", "", ""]
    if record.triennial is not None:
        out += [_LABEL["triennial"], *([] if record.triennial else ["Non"])]
    out += ["", _LABEL["funding_title"], "", _LABEL["funding_title"], _LABEL["funding"]]
    out += _row_values(
        "funding",
        record.funding,
        lambda f: _row(
            f.funder,
            _amount_text(f.amount),
            _amount_text(f.water_amount),
            None if f.year is None else str(f.year),
        ),
        _funding_line,
    )
    out += ["", "", "", "", _LABEL["evaluation_title"], ""]
    for slot in ("communication_in_france", "communication_in_partner_countries", "evaluation_policy"):
        out += [_LABEL[slot], *_flag_value(getattr(record, slot)), ""]
    out += [_LABEL["volunteers_title"], "", _LABEL["volunteers_title"], _LABEL["volunteers"]]
    out += _row_values(
        "volunteers",
        record.volunteers,
        lambda v: _row(v.family_name, v.given_name, v.mission, v.field_of_action, v.host_entity),
        _volunteer,
    )
    out += ["", "", _FOOTER, "", _COPYRIGHT]
    return "\n".join(out)
