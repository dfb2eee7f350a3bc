"""Dereferenceable IRIs (W3C "Cool URIs for the Semantic Web", 303 style) and their documents.

An entity IRI ``{base}id/...`` (or a concept ``{base}def/...``) names a thing, not a
document: it answers ``303 See Other`` to the document in the negotiated format,
``/doc/<key>.<ext>``. ``/doc/<key>`` without an extension negotiates and names the
chosen variant in ``Content-Location``. The vocabulary namespace ``{base}def/atlas``
is itself a document and answers directly. See docs/architecture.md.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Blueprint, Response, abort, redirect, render_template, request

from publisher.queries import load_query
from publisher.store import NamedNode, Triple, serialize_rdf
from publisher.web.app import current_settings, current_store
from publisher.web.entity_page import PageBuilder
from publisher.web.negotiation import choose
from publisher.web.prefixes import prefixes_for

blueprint = Blueprint("linked_data", __name__)

FORMATS = {
    "html": "text/html",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
MEDIA_TO_EXT = {media: ext for ext, media in FORMATS.items()}
RDF_FORMAT_NAMES = {"ttl": "turtle", "nt": "ntriples", "jsonld": "jsonld", "rdf": "rdfxml"}
VOCABULARIES = {"def/atlas"}
CHARSET = {"text/html", "text/turtle", "application/n-triples"}


def _not_acceptable() -> Response:
    available = ", ".join(FORMATS.values())
    response = Response(f"Not acceptable. Available types: {available}\n", status=406, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


def _alternates(path: str) -> str:
    return ", ".join(f'<{path}.{ext}>; rel="alternate"; type="{media}"' for ext, media in FORMATS.items())


def _negotiated_ext() -> str | None:
    media = choose(request.headers.get("Accept"), list(FORMATS.values()))
    return MEDIA_TO_EXT.get(media) if media else None


def _split_ext(key: str) -> tuple[str, str | None]:
    stem, dot, ext = key.rpartition(".")
    if dot and ext in FORMATS and "/" not in ext:
        return stem, ext
    return key, None


def _see_other(key: str) -> Response:
    ext = _negotiated_ext()
    if ext is None:
        return _not_acceptable()
    response = redirect(f"/doc/{key}.{ext}", code=303)
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = _alternates(f"/doc/{key}")
    return response


@blueprint.route("/id/<path:key>", methods=["GET", "HEAD"])
def entity(key: str) -> Response:
    """An entity IRI: 303 to its document in the format the client prefers."""
    return _see_other("id/" + key)


@blueprint.route("/def/<path:key>", methods=["GET", "HEAD"])
def vocabulary_term(key: str) -> Response:
    """The vocabulary namespace document, or 303 for a concept of its schemes."""
    stem, ext = _split_ext("def/" + key)
    if stem in VOCABULARIES:
        return _vocabulary_document(stem, ext)
    return _see_other("def/" + key)


@blueprint.route("/doc/<path:key>", methods=["GET", "HEAD"])
def document(key: str) -> Response:
    """The document describing an entity, in one format (by extension or by negotiation)."""
    stem, ext = _split_ext(key)
    negotiated = ext is None
    if negotiated:
        ext = _negotiated_ext()
        if ext is None:
            return _not_acceptable()
    assert ext is not None
    settings = current_settings()
    iri = settings.base_iri + stem
    if ext == "html":
        page_number = request.args.get("page", default=1, type=int) or 1
        model = PageBuilder(current_store(), settings.base_iri, settings.page_size).build(
            iri, page_number, request.args.get("property"))
        if model is None:
            abort(404)
        body = render_template("entity.html", page=model, doc_path=f"/doc/{stem}", formats=FORMATS)
        response = Response(body, mimetype="text/html")
    else:
        triples = describe(iri)
        if not triples:
            abort(404)
        response = _rdf_body(triples, ext)
    response.headers["Link"] = _alternates(f"/doc/{stem}")
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/doc/{stem}.{ext}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def describe(iri: str) -> list[Triple]:
    """The triples of an entity's RDF document: its own, its parts', and the links to it."""
    store = current_store()
    triples = store.construct(load_query("describe"), {"s": NamedNode(iri)})
    seen = {str(t) for t in triples}
    for triple in store.construct(load_query("describe_incoming"), {"o": NamedNode(iri)}):
        if str(triple) not in seen:
            triples.append(triple)
            seen.add(str(triple))
    return triples


def _rdf_body(triples: Iterable[Triple], ext: str) -> Response:
    settings = current_settings()
    body = serialize_rdf(triples, RDF_FORMAT_NAMES[ext], prefixes_for(settings.base_iri))
    media = FORMATS[ext]
    response = Response(body, mimetype=media)
    if media in CHARSET:
        response.headers["Content-Type"] = f"{media}; charset=utf-8"
    return response


def rdf_response(triples: list[Triple], offered: list[str]) -> Response:
    """Triples in the RDF format the client prefers among ``offered`` media types."""
    media = choose(request.headers.get("Accept"), offered)
    if media is None:
        return _not_acceptable()
    response = _rdf_body(triples, MEDIA_TO_EXT[media])
    response.headers["Vary"] = "Accept"
    return response


def _vocabulary_document(stem: str, ext: str | None) -> Response:
    settings = current_settings()
    negotiated = ext is None
    if negotiated:
        ext = _negotiated_ext()
        if ext is None:
            return _not_acceptable()
    assert ext is not None
    doc_iri = settings.base_iri + stem
    namespace = doc_iri + "#"
    triples = [
        q.triple for q in current_store().quads(settings.base_iri + "graph/ontology")
        if isinstance(q.subject, NamedNode) and (q.subject.value == doc_iri or q.subject.value.startswith(namespace))
    ]
    if not triples:
        abort(404)
    if ext == "html":
        from publisher.web.vocabulary_page import vocabulary_model

        body = render_template("vocabulary.html", vocab=vocabulary_model(triples, doc_iri, settings.base_iri),
                               doc_path=f"/{stem}", formats=FORMATS)
        response = Response(body, mimetype="text/html")
    else:
        response = _rdf_body(triples, ext)
    response.headers["Link"] = _alternates(f"/{stem}")
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/{stem}.{ext}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.route("/")
def home() -> str:
    """The home page: what the dataset holds, and where to start."""
    settings = current_settings()
    counts = current_store().select(load_query("class_counts"))
    builder = PageBuilder(current_store(), settings.base_iri, settings.page_size)
    classes = []
    for row in counts.rows:
        _rows, _types, labels = builder.outgoing(row["class"].value)
        from publisher.web.entity_page import pick_label

        classes.append((pick_label(labels) or row["class"].value, int(row["n"].value)))
    partnerships = current_store().select(load_query("recent_partnerships"))
    items = [(builder.local_href(r["s"].value), r["label"].value) for r in partnerships.rows]
    return render_template("home.html", classes=classes, partnerships=items)
