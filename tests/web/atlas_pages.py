"""Atlas project pages made from records, for the web tests' stores (see tests/data/README.md)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from publisher.ingest.atlas_page import render_atlas_page
from publisher.record import ForeignPartner, FundingLine, PartnershipRecord, SourceRef, ThemeLevels

MALIAN_PLACES = ["Bamako", "Kayes", "Mopti", "Gao", "Sikasso", "Koulikoro", "Ségou", "Tombouctou", "Kati",
                 "Bougouni", "Djenné", "Bandiagara", "Kidal", "Banamba", "Fana", "Goundam"]
FRENCH_COMMUNES = ["Lyon", "Grenoble", "Rennes", "Angoulême", "Nantes", "Bordeaux", "Lille", "Strasbourg",
                   "Toulouse", "Montpellier", "Dijon", "Besançon", "Poitiers", "Limoges", "Tours", "Orléans"]
THEMES = ["Gouvernance locale et appui institutionnel", "Eau et assainissement", "Développement économique",
          "Culture, patrimoine et francophonie", "Santé et affaires sociales"]
STATUSES = ["En cours", "Terminé", "En projet"]


def partnership(record_id: str, title: str, french: list[str], foreign: list[tuple[str, str]], *,
                start: int | None = None, status: str | None = None, themes: list[str] | None = None,
                funding: list[tuple[str, int, int]] | None = None, context: str | None = None,
                post: str | None = None) -> PartnershipRecord:
    """A partnership record: French partners, (foreign partner, country) pairs, (funder, amount, year) lines."""
    theme_rows = [ThemeLevels(t) for t in (themes or [])]
    return PartnershipRecord(
        record_id=record_id,
        source=SourceRef(f"{record_id}.txt"),
        title=title,
        diplomatic_post=post,
        start_year=start,
        first_signature_year=start,
        status=status,
        themes=theme_rows,
        context=context,
        partnership_form="Projet de coopération décentralisée",
        project_owners=french[:1],
        french_partners=french,
        foreign_partners=[ForeignPartner(name, country) for name, country in foreign],
        funding=[FundingLine(funder, Decimal(amount), year) for funder, amount, year in funding or []],
    )


def write_page(folder: Path, record: PartnershipRecord) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record.record_id}.txt"
    path.write_text(render_atlas_page(record), encoding="utf-8")
    return path


def malian_partnerships(count: int) -> list[PartnershipRecord]:
    """``count`` partnerships between French communes and Malian towns, with varied themes and years."""
    records = []
    for n in range(count):
        commune = FRENCH_COMMUNES[n % len(FRENCH_COMMUNES)]
        place = MALIAN_PLACES[n % len(MALIAN_PLACES)]
        records.append(partnership(
            f"generated-mali-{n:03d}", f"Coopération {commune} – {place} n° {n}", [commune], [(place, "Mali")],
            start=1990 + n % 30, status=STATUSES[n % len(STATUSES)], themes=[THEMES[n % len(THEMES)]],
            funding=[(commune, 1000 + 100 * n, 2000 + n % 20),
                     ("Ministère de l'Europe et des Affaires étrangères", 500 * (1 + n % 4), 2001 + n % 20)],
        ))
    return records
