"""Properties, not only examples: the page parser fails only with its own error, a record written as an
Atlas page reads back the same, and a record mapped to RDF reads back as the same mapped document."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from publisher.entities import EntityRegistry, resolve_record
from publisher.ingest.atlas_page import _HEADINGS, parse_atlas_page, render_atlas_page
from publisher.mapping import Provenance, document_from_quads, document_quads, record_document
from publisher.problems import SourceError
from publisher.record import ForeignContact, ForeignPartner, FundingLine, PartnershipRecord, SourceRef
from publisher.settings import load_settings

SETTINGS = load_settings(environ={})
HEADINGS = [h.label for h in _HEADINGS]
PAGE_BITS = HEADINGS + [
    "Segou Mali commun.ico.loupe.alter", "Autre 29000 0 1985", "Courriel : a[at]b.fr", "1985", "En cours",
    "Contacts dans le poste diplomatique \"Ambassade de France à Bamako\"", "PIED DE PAGE", "\uf0b7 item",
    "Nom du financeur Montant en euros Montant 1% Eau (Loi Oudin 2005) Année", "Oui", "Non", "", "\u00a0",
    "???menu.atlas.libelle???", "Segou DIARRA CHIAKA", "Le partenariat est triennal",
]

any_line = st.one_of(st.sampled_from(PAGE_BITS), st.text(max_size=80))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_line, max_size=60))
def test_parser_raises_only_its_own_error(lines: list[str]) -> None:
    try:
        record = parse_atlas_page("\n".join(lines), "page.txt")
    except SourceError as error:
        assert error.problem.path == "page.txt"
    else:
        assert isinstance(record, PartnershipRecord) and record.title


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=3000))
def test_parser_on_arbitrary_text(text: str) -> None:
    try:
        parse_atlas_page(text, "page.txt")
    except SourceError:
        pass


# -- Records the page form can carry ----------------------------------------------------------------

WORD = st.from_regex(r"[A-Za-zàâçéèêëîïôûùüÿœ]{2,12}", fullmatch=True)
PHRASE = st.lists(WORD, min_size=1, max_size=8).map(" ".join).map(lambda s: s[0].upper() + s[1:])
PARAGRAPH = st.lists(PHRASE, min_size=1, max_size=3).map(lambda lines: "\n".join(line + "." for line in lines))
TEXT = st.none() | st.lists(PARAGRAPH, min_size=1, max_size=3).map("\n\n".join)
COMMUNES = ["Angoulême", "Lyon", "Rennes", "Grenoble", "Besançon", "Cergy"]
PLACES = [("Ségou", "Mali"), ("Kayes", "Mali"), ("Thiès", "Sénégal"), ("Bobo-Dioulasso", "Burkina Faso"),
          ("Hué", "Viet Nam"), ("Leipzig", "Allemagne")]
AMOUNT = st.decimals(min_value=0, max_value=10_000_000, places=2, allow_nan=False, allow_infinity=False)
YEAR = st.integers(1950, 2100)


@st.composite
def records(draw: st.DrawFn) -> PartnershipRecord:
    french = draw(st.lists(st.sampled_from(COMMUNES), min_size=1, max_size=2, unique=True))
    places = draw(st.lists(st.sampled_from(PLACES), min_size=1, max_size=2, unique_by=lambda p: p[0]))
    funders = french + ["Autre", "Ministère de l'Europe et des Affaires étrangères"]
    funding = draw(st.lists(st.builds(FundingLine, st.sampled_from(funders), AMOUNT, YEAR, st.none() | AMOUNT),
                            max_size=5))
    contacts = draw(st.lists(st.builds(ForeignContact, st.sampled_from([p[0] for p in places]),
                                       st.sampled_from(["DIARRA", "TRAORE", "NGUYEN"]),
                                       st.sampled_from(["Chiaka", "Awa", "Minh"])), max_size=2))
    record_id = draw(st.from_regex(r"r[0-9]{1,6}", fullmatch=True))
    return PartnershipRecord(
        record_id=record_id,
        source=SourceRef(f"{record_id}.txt"),
        title=draw(PHRASE),
        first_signature_year=draw(st.none() | YEAR),
        start_year=draw(st.none() | YEAR),
        status=draw(st.none() | st.sampled_from(["En cours", "Terminé", "En projet"])),
        context=draw(TEXT),
        history=draw(TEXT),
        objective=draw(TEXT),
        description=draw(TEXT),
        partnership_form=draw(st.none() | st.just("Projet de coopération décentralisée")),
        project_owners=draw(st.lists(st.sampled_from(french), max_size=1)),
        implementers=draw(st.lists(st.sampled_from([p[0].upper() for p in places]), max_size=1)),
        foreign_partners=[ForeignPartner(name, country) for name, country in places],
        foreign_contacts=contacts,
        french_partners=french,
        triennial=draw(st.none() | st.booleans()),
        funding=funding,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_a_record_written_as_a_page_reads_back_the_same(record: PartnershipRecord) -> None:
    try:
        page = render_atlas_page(record)
    except ValueError:
        assume(False)  # a value the page form cannot carry; the renderer says which
    assert parse_atlas_page(page, record.source.path, record.record_id) == record


def _lexical(value: Any, key: str = "") -> Any:
    """The mapped document as RDF sees it: numbers and booleans by their value, lists as sets."""
    if isinstance(value, dict):
        return {k: _lexical(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return sorted((_lexical(v, key) for v in value), key=lambda v: json.dumps(v, sort_keys=True, default=str))
    if isinstance(value, bool):
        return str(value).lower()
    if key in {"amount", "waterAmount", "lat", "long"}:
        return Decimal(value)
    return value


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_a_record_mapped_to_rdf_reads_back_the_same(record: PartnershipRecord) -> None:
    resolved = resolve_record(record, EntityRegistry())
    provenance = Provenance(record.source.path, "sha256:" + "0" * 64, "2026-11-28T00:00:00Z")
    document = record_document(record, resolved, provenance, SETTINGS)
    quads = document_quads(document, SETTINGS)
    for node in document["@graph"]:
        assert _lexical(document_from_quads(quads, node["id"], SETTINGS)) == _lexical(node)
