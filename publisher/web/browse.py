"""Where browsing starts: the home page (what the dataset holds) and an index per class."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, render_template, request

from publisher.queries import load_query
from publisher.store import NamedNode, Store
from publisher.web.app import current_settings, current_store
from publisher.web.entity_page import PageBuilder, pick_label, vocabulary_labels
from publisher.web.facets import facet_index
from publisher.web.release_cache import PerRelease

blueprint = Blueprint("browse", __name__)

HOME_CLASSES = ("Partnership", "FrenchLocalAuthority", "ForeignLocalAuthority", "Country", "DiplomaticPost",
                "Organisation")


def _class_counts(store: Store) -> list[tuple[str, str, int]]:
    """(local name, label, members) of every class of the vocabulary with members, largest first."""
    vocab = current_settings().vocab_iri
    labels = vocabulary_labels(store)
    found = []
    for row in store.select(load_query("class_counts")).rows:
        iri = row["class"].value
        local = iri[len(vocab):]
        label = pick_label(labels.get(iri, [])) or local
        found.append((local, label[:1].upper() + label[1:], int(row["n"].value)))
    return found


def _funding_total(store: Store) -> tuple[Decimal, int]:
    rows = store.select(load_query("funding_total")).rows
    try:
        total = Decimal(rows[0]["total"].value) if rows and "total" in rows[0] else Decimal(0)
    except InvalidOperation:
        total = Decimal(0)
    return total, int(rows[0]["lines"].value) if rows and "lines" in rows[0] else 0


_CLASS_COUNTS: PerRelease[list[tuple[str, str, int]]] = PerRelease(_class_counts)
_FUNDING_TOTAL: PerRelease[tuple[Decimal, int]] = PerRelease(_funding_total)


@blueprint.route("/")
def home() -> str:
    """The home page: what the dataset holds, and where to start."""
    store = current_store()
    classes = _CLASS_COUNTS.get(store)
    by_local = {local: (label, n) for local, label, n in classes}
    figures = [(local, *by_local[local]) for local in HOME_CLASSES if local in by_local]
    total, lines = _FUNDING_TOTAL.get(store)
    index = facet_index()
    countries = index.counts(index.partnerships, "country").most_common(8)
    themes = index.counts(index.partnerships, "theme").most_common(8)
    recent = sorted((p for p in index.partnerships if p.start), key=lambda p: (-(p.start or 0), p.label))[:8]
    base = current_settings().base_iri
    return render_template(
        "home.html", figures=figures, classes=classes, funding_total=total, funding_lines=lines,
        countries=[(index.labels.get("country", {}).get(k, k), k, n) for k, n in countries],
        themes=[(index.labels.get("theme", {}).get(k, k), k, n) for k, n in themes],
        partnerships=[(p.label, "/" + p.iri[len(base):], p.start) for p in recent],
    )


@blueprint.route("/classes")
def classes() -> str:
    """Every class of the vocabulary with its number of members."""
    return render_template("classes.html", classes=_CLASS_COUNTS.get(current_store()))


@blueprint.route("/classes/<local>")
def class_index(local: str) -> str:
    """The members of one class, by label, a page at a time."""
    settings = current_settings()
    store = current_store()
    counts = {name: (label, n) for name, label, n in _CLASS_COUNTS.get(store)}
    if local not in counts:
        abort(404)
    label, count = counts[local]
    builder = PageBuilder(store, settings.base_iri, settings.page_size)
    page = max(request.args.get("page", default=1, type=int) or 1, 1)
    pages = max(1, -(-count // builder.page_size))
    page = min(page, pages)
    query = load_query("class_members") + f"LIMIT {builder.page_size} OFFSET {(page - 1) * builder.page_size}\n"
    rows = store.select(query, {"class": NamedNode(settings.vocab_iri + local)}).rows
    items = [(r["label"].value if "label" in r else r["s"].value, builder.local_href(r["s"].value)) for r in rows]
    return render_template("class_index.html", local=local, label=label, count=count, items=items, page=page,
                           pages=pages, class_href=f"/def/atlas#{local}")
