"""Full-text search over the names of published resources, ignoring case and accents.

The store has no full-text index, so one is built in memory for each release: every label,
title and other name is folded (lower case, accents and punctuation removed: "Ségou" → "segou")
and cut into words; the sorted list of distinct words lets each query word be matched as a
prefix with two binary searches. ``/search`` shows results; ``/search.json`` feeds the
suggestions shown as one types (``static/atlas.js``).
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from flask import Blueprint, Response, render_template, request

from publisher.queries import load_query
from publisher.store import Literal, Store
from publisher.web.app import current_settings, current_store
from publisher.web.entity_page import local_name, pick_label, vocabulary_labels
from publisher.web.release_cache import PerRelease

blueprint = Blueprint("search", __name__)

MAX_QUERY = 200
SUGGESTIONS = 8
RESULTS_PER_PAGE = 50
# Shown first among equally good matches: places and collectivities, then partnerships.
CLASS_ORDER = ["ForeignLocalAuthority", "FrenchLocalAuthority", "Country", "Partnership", "DiplomaticPost",
               "Organisation", "Person", "Contact", "SourceRecord", "FundingLine"]
LABEL_PREDICATES = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
                    "http://purl.org/dc/terms/title")


def fold(text: str) -> str:
    """Lower case, accents removed, every run of other characters one space ("Côte-d'Or" → "cote d or")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = stripped.replace("œ", "oe").replace("æ", "ae").replace("ß", "ss")
    return " ".join(re.sub(r"[^0-9a-z]+", " ", stripped).split())


@dataclass
class Entry:
    iri: str
    label: str
    kind: str
    kind_label: str
    names: list[str] = field(default_factory=list)


@dataclass
class Hit:
    entry: Entry
    score: tuple[int, int, int, str]


class SearchIndex:
    """Names of every resource, folded, with a sorted word list for prefix lookups."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        postings: dict[str, set[int]] = defaultdict(set)
        for index, entry in enumerate(entries):
            for name in entry.names:
                for word in name.split():
                    postings[word].add(index)
        self.words = sorted(postings)
        self.postings = postings

    def _prefixed(self, prefix: str) -> set[int]:
        start = bisect.bisect_left(self.words, prefix)
        end = bisect.bisect_left(self.words, prefix + "\uffff")
        found: set[int] = set()
        for word in self.words[start:end]:
            found |= self.postings[word]
        return found

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        folded = fold(query[:MAX_QUERY])
        words = folded.split()
        if not words:
            return []
        candidates: set[int] | None = None
        for word in sorted(words, key=len, reverse=True):
            matches = self._prefixed(word)
            candidates = matches if candidates is None else candidates & matches
            if not candidates:
                return []
        hits = []
        for index in candidates or ():
            entry = self.entries[index]
            quality = min(self._quality(name, folded) for name in entry.names)
            order = CLASS_ORDER.index(entry.kind) if entry.kind in CLASS_ORDER else len(CLASS_ORDER)
            hits.append(Hit(entry, (quality, order, len(entry.label), entry.label.lower())))
        hits.sort(key=lambda h: h.score)
        return hits[:limit] if limit else hits

    @staticmethod
    def _quality(name: str, folded: str) -> int:
        if name == folded:
            return 0
        if name.startswith(folded):
            return 1
        if f" {folded}" in f" {name}":
            return 2
        return 3


def build_index(store: Store) -> SearchIndex:
    base_iri = current_settings().base_iri
    names: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, list[Literal]] = defaultdict(list)
    for row in store.select(load_query("search_labels")).rows:
        iri = row["s"].value
        if not iri.startswith(base_iri) or "#" in iri:
            continue
        name = row["name"]
        if not isinstance(name, Literal):
            continue
        names[iri].add(fold(name.value))
        if row["p"].value in LABEL_PREDICATES:
            labels[iri].append(name)
    kinds: dict[str, list[str]] = defaultdict(list)
    for row in store.select(load_query("search_types")).rows:
        kinds[row["s"].value].append(local_name(row["type"].value))
    class_labels = _class_labels(store)
    entries = []
    for iri, folded in names.items():
        label = pick_label(labels.get(iri, [])) or next(iter(sorted(folded)))
        found = sorted(kinds.get(iri, []), key=lambda k: CLASS_ORDER.index(k) if k in CLASS_ORDER else 99)
        kind = found[0] if found else ("Concept" if "/def/" in iri else "")
        entries.append(Entry(iri, label, kind, class_labels.get(kind, kind or "ressource"),
                             sorted(n for n in folded if n)))
    return SearchIndex(entries)


def _class_labels(store: Store) -> dict[str, str]:
    vocab = current_settings().vocab_iri
    found = {iri[len(vocab):]: pick_label(lits) or iri for iri, lits in vocabulary_labels(store).items()
             if iri.startswith(vocab)}
    found["Concept"] = "concept"
    return found


_INDEX: PerRelease[SearchIndex] = PerRelease(build_index)


def search_index() -> SearchIndex:
    return _INDEX.get(current_store())


def _href(iri: str) -> str:
    base_iri = current_settings().base_iri
    return "/" + iri[len(base_iri):] if iri.startswith(base_iri) else iri


@blueprint.route("/search.json")
def suggestions() -> Response:
    """Suggestions for what is being typed: the best matches, as JSON."""
    query = request.args.get("q", "")[:MAX_QUERY]
    limit = min(max(request.args.get("limit", default=SUGGESTIONS, type=int) or SUGGESTIONS, 1), 50)
    hits = search_index().search(query, limit)
    body = json.dumps({
        "query": query,
        "results": [{"label": h.entry.label, "iri": h.entry.iri, "href": _href(h.entry.iri),
                     "type": h.entry.kind_label} for h in hits],
    }, ensure_ascii=False)
    # Markup characters escaped even in JSON: the answer stays inert wherever it is pasted.
    body = body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    response = Response(body, mimetype="application/json")
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.route("/search")
def search_page() -> str:
    """The search page: a box, and the resources whose names match, best first."""
    query = request.args.get("q", "")[:MAX_QUERY]
    page = max(request.args.get("page", default=1, type=int) or 1, 1)
    hits = search_index().search(query) if query.strip() else []
    pages = max(1, -(-len(hits) // RESULTS_PER_PAGE))
    page = min(page, pages)
    shown = hits[(page - 1) * RESULTS_PER_PAGE: page * RESULTS_PER_PAGE]
    results = [(h.entry.label, _href(h.entry.iri), h.entry.kind_label) for h in shown]
    return render_template("search.html", query=query, results=results, total=len(hits), page=page,
                           pages=pages)
