"""Writes the broken inputs of this folder from the seed page, and expected.json, what each must give.

    python tests/data/bad/regenerate.py

Each case is one way real exports go wrong. expected.json lists, per file: what becomes of its records
("published", "refused", "unreadable", "duplicate") and the problems the build report must hold for it
(severity, and the field named, as the record field or the end of a SHACL path). A 50 MB page is not kept
here: the test writes it.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = (HERE.parent / "seed" / "atlas-page-angouleme-segou.txt").read_text(encoding="utf-8")
CASES: dict[str, dict[str, object]] = {}


def replace_line(text: str, old: str, new: str | None) -> str:
    lines = text.split("\n")
    index = lines.index(old)
    if new is None:
        del lines[index]
    else:
        lines[index] = new
    return "\n".join(lines)


def after(text: str, heading: str, value: str) -> str:
    """The page with ``value`` on the line after ``heading`` (an empty heading gets one)."""
    lines = text.split("\n")
    index = lines.index(heading)
    lines.insert(index + 1, value)
    return "\n".join(lines)


def case(name: str, content: str | bytes, outcome: str, *problems: tuple[str, str | None],
         records: tuple[str, ...] = ()) -> None:
    """A broken input; ``records`` are the ids of its records (a page's is its file name's stem)."""
    path = HERE / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    CASES[name] = {"outcome": outcome, "records": list(records) or [Path(name).stem],
                   "problems": [{"severity": s, "field": f} for s, f in problems]}


TITLE = "Renforcer et appuyer la gouvernance locale"
FUNDING_ROW = "Angoulême 8000 0 1985"
START = "Année de début du partenariat\n1985"

# -- Files that cannot be read ----------------------------------------------------------------------
case("empty.txt", "", "unreadable", ("error", None))
case("whitespace-only.txt", "  \n\u00a0\n\t\n", "unreadable", ("error", None))
case("binary.txt", bytes(range(256)) * 8, "unreadable", ("error", None))
case("png-image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "unreadable", ("error", None))
case("windows-1252.txt", SEED.encode("cp1252", errors="replace"), "unreadable", ("error", None))
case("latin-1.txt", SEED.replace("’", "'").replace("œ", "oe").replace("«", '"').replace("»", '"')
     .replace("\uf0b7", "-").replace("\uf0c4", "-").replace("–", "-").encode("latin-1"), "unreadable", ("error", None))
case("not-an-atlas-page.txt", "Bonjour,\nvoici le compte rendu de la réunion.\nCordialement.\n", "unreadable",
     ("error", None))
case("truncated-after-title-heading.txt", SEED[:SEED.index("Titre\n") + len("Titre\n")], "unreadable",
     ("error", "title"))
case("truncated-in-funding-table.txt", SEED[:SEED.index("Ministère de l'Europe et des Affaires étrangères 4000 1986")]
     + "Ministère de l'Europe et des Affaires étrangères 40", "unreadable", ("error", "funding"))
case("missing-title.txt", replace_line(SEED, TITLE, None), "unreadable", ("error", "title"))
case("title-heading-missing.txt", replace_line(replace_line(SEED, "Titre", None), TITLE, None), "unreadable",
     ("error", "title"))
case("funding-row-without-year.txt", replace_line(SEED, FUNDING_ROW, "Angoulême 8000"), "unreadable",
     ("error", "funding"))
case("funding-amount-with-letters.txt", replace_line(SEED, FUNDING_ROW, "Angoulême 8OOO 0 1985"), "unreadable",
     ("error", "funding"))
case("negative-amount.txt", replace_line(SEED, FUNDING_ROW, "Angoulême -8000 0 1985"), "unreadable",
     ("error", "funding"))
case("unknown-country.txt", replace_line(SEED, "Segou Mali commun.ico.loupe.alter", "Segou Atlantide"), "unreadable",
     ("error", "foreign_partners"))
case("contact-in-unlisted-partner.txt", replace_line(SEED, "Segou DIARRA CHIAKA", "Tombouctou DIARRA CHIAKA"),
     "unreadable", ("error", "foreign_contacts"))
case("contact-row-with-extra-columns.txt",
     replace_line(SEED, "Segou DIARRA CHIAKA", "Segou DIARRA CHIAKA Maire chiaka[at]segou.ml 12 rue X Bamako 223"),
     "unreadable", ("error", "foreign_contacts"))
case("start-year-not-a-year.txt", SEED.replace(START, "Année de début du partenariat\nvers 1985"), "unreadable",
     ("error", "start_year"))
case("heading-given-twice.txt", after(SEED, "Contexte", "Titre\nUn second titre"), "unreadable", ("error", None))
case("triennial-flag-unreadable.txt", after(SEED, "Le partenariat est triennal", "Peut-être"), "unreadable",
     ("error", "triennial"))
case("nul-bytes.txt", SEED.replace(TITLE, TITLE + "\x00\x00"), "unreadable", ("error", None))

# -- Records that are read, then refused by the shapes ----------------------------------------------
case("absurd-amount.txt", replace_line(SEED, FUNDING_ROW, "Angoulême 8000000000 0 1985"), "refused",
     ("error", "amount"))
case("start-year-1900.txt", SEED.replace(START, "Année de début du partenariat\n1900"), "refused",
     ("error", "startYear"))
case("start-year-2300.txt", SEED.replace(START, "Année de début du partenariat\n2300"), "refused",
     ("error", "startYear"))
case("first-signature-1800.txt", replace_line(SEED, "Année de première signature de la convention",
                                              "Année de première signature de la convention\n1800")
     .replace("convention\n1800\n1985", "convention\n1800"), "refused", ("error", "firstSignatureYear"))
case("funding-year-1890.txt", replace_line(SEED, FUNDING_ROW, "Angoulême 8000 0 1890"), "refused",
     ("error", "year"))
case("end-before-start.txt", after(SEED, "Date de fin du partenariat", "1980"), "refused", ("error", "endDate"))
case("end-date-impossible.txt", after(SEED, "Date de fin du partenariat", "31/02/2015"), "refused",
     ("error", "endDate"))
case("end-date-not-a-date.txt", after(SEED, "Date de fin du partenariat", "bientôt"), "refused", ("error", "endDate"))
case("water-amount-absurd.txt", replace_line(SEED, FUNDING_ROW, "Angoulême 8000 900000000 1985"), "refused",
     ("error", "waterAmount"))

# -- Records published, with a warning ----------------------------------------------------------------
case("utf8-bom.txt", "\ufeff" + SEED, "published")
case("html-entities.txt", SEED.replace(TITLE, "Renforcer et appuyer la gouvernance locale &amp; l&#39;&eacute;conomie"),
     "published", ("warning", "title"))
case("markup-in-title.txt", SEED.replace(TITLE, "<b>Renforcer</b> et appuyer la gouvernance locale"), "published",
     ("warning", "title"))
case("script-in-context.txt", SEED.replace("Contexte\n", "Contexte\n<script>alert(1)</script>\n", 1), "published",
     ("warning", "context"))
case("control-characters.txt", SEED.replace(TITLE, "Renforcer\x07 et appuyer\x1b la gouvernance locale"),
     "published", ("warning", "title"))
case("unknown-status.txt", SEED.replace("Le partenariat est\nEn cours", "Le partenariat est\nPeut-être"),
     "published", ("warning", "status"))
case("unknown-french-collectivity.txt", SEED.replace("Angoulême commun.ico.loupe.alter",
                                                      "Ville imaginaire commun.ico.loupe.alter"), "published",
     ("warning", "french_partners"))
case("homonym-commune.txt", SEED.replace("Angoulême commun.ico.loupe.alter", "Saint-Denis commun.ico.loupe.alter"),
     "published", ("warning", "french_partners"))
case("unknown-foreign-place.txt", SEED.replace("Segou Mali commun.ico.loupe.alter", "Kalabougou Mali")
     .replace("Segou DIARRA CHIAKA", "Kalabougou DIARRA CHIAKA"), "published", ("warning", "foreign_partners"))
case("unknown-funder.txt", replace_line(SEED, FUNDING_ROW, "Fondation des Amis du Niger 8000 0 1985"), "published",
     ("warning", "funding"))

# -- Tabular exports --------------------------------------------------------------------------------
HEADER = "record_id,title,start_year,status,french_partners,foreign_partners,funding"
GOOD_ROW = 'tab-good,Coopération tabulaire,2001,En cours,Angoulême,Ségou;Mali,"Angoulême;5000;;2001"'
case("export-unknown-column.csv", HEADER + ",colonne_inconnue\n" + GOOD_ROW.replace("tab-good", "tab-unknown-col")
     + ",x\n", "published", ("error", None), records=("tab-unknown-col",))
case("export-bad-amount.csv", HEADER + "\n" + GOOD_ROW.replace("tab-good", "tab-bad-amount").replace("5000", "cinq"),
     "unreadable", ("error", "funding"), records=("tab-bad-amount",))
case("export-row-with-extra-cells.csv", HEADER + "\n" + GOOD_ROW.replace("tab-good", "tab-extra") + ",de,trop\n",
     "unreadable", ("error", None), records=("tab-extra",))
case("export-duplicated-id.csv", HEADER + "\n" + GOOD_ROW.replace("tab-good", "tab-twice") + "\n"
     + GOOD_ROW.replace("tab-good", "tab-twice").replace("2001,", "2002,", 1) + "\n", "duplicate",
     ("error", "record_id"), records=("tab-twice",))
case("export-bad-json.jsonl", '{"record_id": "jsonl-broken", "title": "Sans fin"\n', "unreadable", ("error", None),
     records=("jsonl-broken",))
case("export-wrong-types.jsonl", json.dumps({"record_id": "jsonl-types", "title": "Types", "start_year": "un jour",
                                              "french_partners": ["Angoulême"]}, ensure_ascii=False) + "\n",
     "unreadable", ("error", "start_year"), records=("jsonl-types",))
case("export-missing-title.csv", HEADER + "\n" + GOOD_ROW.replace("tab-good", "tab-no-title")
     .replace("Coopération tabulaire", ""), "unreadable", ("error", "title"), records=("tab-no-title",))

(HERE / "expected.json").write_text(json.dumps(CASES, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"{len(CASES)} cases written to {HERE}")
