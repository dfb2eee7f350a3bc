"""What the seed page says, as checks on any store it was built into.

One definition for every back end: ``tests/pipeline/test_seed_end_to_end.py`` runs these on the
embedded store, ``tests/backends/`` on the embedded store and on each external SPARQL store.
Each check runs a question of ``sparql/`` (or a short query) and compares the answer with the
facts of ``tests/data/seed/atlas-page-angouleme-segou.txt``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal

from publisher.resources import resource_dir
from publisher.store import NamedNode, Store
from tests.conftest import BASE_IRI, SEED_DIR

PARTNERSHIP = BASE_IRI + "id/partnership/atlas-page-angouleme-segou"
SEGOU = BASE_IRI + "id/foreign-authority/ml/2451478"
ANGOULEME = BASE_IRI + "id/commune/16015"
SEED_PAGE = SEED_DIR / "atlas-page-angouleme-segou.txt"
RECORD_GRAPH = BASE_IRI + "graph/record/atlas-page-angouleme-segou"


def run(store: Store, name: str) -> list[dict[str, str]]:
    """The answer of ``sparql/<name>.rq``, each term as its value."""
    text = (resource_dir("sparql") / f"{name}.rq").read_text(encoding="utf-8")
    return [{k: v.value for k, v in row.items()} for row in store.select(text).rows]


def summary(store: Store) -> None:
    assert run(store, "partnership-summary") == [{
        "partnership": PARTNERSHIP,
        "title": "Renforcer et appuyer la gouvernance locale",
        "firstSignature": "1985",
        "start": "1985",
        "status": "En cours",
        "form": "Projet de coopération décentralisée",
        "triennial": "true",
    }]


def one_entity_many_mentions(store: Store) -> None:
    rows = run(store, "partnership-participants")
    assert {(r["role"], r["participant"], r["name"], r.get("country")) for r in rows} == {
        ("maître d'ouvrage", ANGOULEME, "Angoulême", None),
        ("maître d'œuvre", SEGOU, "Ségou", "Mali"),
        ("partenaire français", ANGOULEME, "Angoulême", None),
        ("partenaire étranger", SEGOU, "Ségou", "Mali"),
    }


def funding_lines_and_total(store: Store) -> None:
    rows = run(store, "funding-lines")
    lines = sorted(
        (r["funderName"], Decimal(r["amount"]), r.get("waterAmount"), r["year"]) for r in rows
    )
    meae = "Ministère de l'Europe et des Affaires étrangères"
    assert lines == sorted([
        ("Autre financeur (non précisé)", Decimal(29000), "0", "1985"),
        ("Angoulême", Decimal(8000), "0", "1985"),
        (meae, Decimal(4000), None, "1985"),
        (meae, Decimal(4000), None, "1986"),
        (meae, Decimal(4000), None, "1987"),
    ])
    funders = {r["funderName"]: r["funder"] for r in rows}
    assert funders["Angoulême"] == ANGOULEME
    assert funders[meae] == BASE_IRI + "id/organisation/meae"
    assert funders["Autre financeur (non précisé)"] == BASE_IRI + "def/atlas#unspecifiedFunder"
    totals = run(store, "funding-total-by-partnership")
    assert [(t["partnership"], Decimal(t["total"]), t["lines"]) for t in totals] == [
        (PARTNERSHIP, Decimal(49000), "5")
    ]


def post_contacts(store: Store) -> None:
    rows = run(store, "post-contacts")
    assert {(r["postName"], r["name"], r["role"]) for r in rows} == {
        ("Ambassade de France à Bamako", "Sherazade BENALLA", "Correspondant coopération décentralisée"),
        ("Ambassade de France à Bamako", "Françoise GIANVITI", "Conseiller de coopération et d'action culturelle"),
    }


def foreign_partner_contact(store: Store) -> None:
    rows = run(store, "foreign-partner-contacts")
    assert [(r["authority"], r["authorityName"], r["familyName"], r["givenName"]) for r in rows] == [
        (SEGOU, "Ségou", "DIARRA", "Chiaka")
    ]


def no_volunteers_and_no_unshown_flags(store: Store) -> None:
    assert not store.ask(
        "PREFIX atlas: <def/atlas#> ASK { ?p atlas:volunteer|atlas:communicationInFrance"
        "|atlas:communicationInPartnerCountries|atlas:evaluationPolicy ?v }"
    )
    assert store.ask("PREFIX atlas: <def/atlas#> ASK { ?p a atlas:Partnership }")


def links_to_other_graphs(store: Store) -> None:
    rows = store.select(
        "PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT ?x ?same WHERE { ?x owl:sameAs ?same }"
    ).rows
    links = {(r["x"].value, r["same"].value) for r in rows}
    assert (SEGOU, "https://sws.geonames.org/2451478/") in links
    assert (BASE_IRI + "id/country/ml", "http://publications.europa.eu/resource/authority/country/MLI") in links
    codes = store.select(
        "PREFIX igeo: <http://rdf.insee.fr/def/geo#> PREFIX atlas: <def/atlas#> "
        "SELECT ?insee ?siren WHERE { ?c igeo:codeINSEE ?insee ; atlas:siren ?siren }",
    ).rows
    assert [(r["insee"].value, r["siren"].value) for r in codes] == [("16015", "211600150")]


def record_graph_with_provenance(store: Store) -> None:
    assert RECORD_GRAPH in store.graph_iris()
    rows = store.select(
        "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX atlas: <def/atlas#> "
        "PREFIX prov: <http://www.w3.org/ns/prov#> "
        "SELECT ?g ?source ?checksum ?time WHERE { GRAPH ?g { ?g dcterms:source ?source ; atlas:checksum ?checksum ;"
        " prov:generatedAtTime ?time } }",
        {"g": NamedNode(RECORD_GRAPH)},
    ).rows
    assert len(rows) == 1
    assert rows[0]["source"].value == "atlas-page-angouleme-segou.txt"
    assert rows[0]["checksum"].value == "sha256:" + hashlib.sha256(SEED_PAGE.read_bytes()).hexdigest()
    quads = list(store.quads(RECORD_GRAPH))
    assert quads and {q.graph_name.value for q in quads} == {RECORD_GRAPH}
    assert any(q.subject.value == PARTNERSHIP for q in quads)


SEED_FACTS: dict[str, Callable[[Store], None]] = {
    check.__name__: check
    for check in (summary, one_entity_many_mentions, funding_lines_and_total, post_contacts,
                  foreign_partner_contact, no_volunteers_and_no_unshown_flags, links_to_other_graphs,
                  record_graph_with_provenance)
}
