"""Dereferenceable IRIs (W3C "Cool URIs for the Semantic Web", 303 style) and their documents.

An entity IRI ``{base}id/...`` (a source record's graph ``{base}graph/...``, a concept
``{base}def/...``) names a thing, not a document: it answers ``303 See Other`` to the document
in the negotiated format, ``/doc/<key>.<ext>``, or ``404`` when the published data neither
describes it nor links to it. ``/doc/<key>`` without an extension negotiates and names the
chosen variant in ``Content-Location``. The vocabulary namespace ``{base}def/atlas`` and its
shapes ``{base}def/atlas/shapes`` are documents and answer directly.

Every negotiated answer, redirects included, says ``Vary: Accept`` and lists each variant in
a ``Link: <...>; rel="alternate"`` header; a client that accepts none of them gets ``406`` with
the list. Pages link to local paths, so the data's base IRI need not be the serving host.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from flask import Blueprint, Response, abort, render_template, request

from publisher.queries import load_query
from publisher.resources import resource_dir
from publisher.stable_blank_nodes import stable_blank_nodes
from publisher.store import NamedNode, Triple, parse_rdf, serialize_rdf
from publisher.web.app import current_settings, current_store
from publisher.web.charts import funding_by_year_svg
from publisher.web.entity_page import PageBuilder
from publisher.web.http_cache import describes
from publisher.web.negotiation import choose
from publisher.web.prefixes import prefixes_for
from publisher.web.structured_data import json_ld_block, structured_data

blueprint = Blueprint("linked_data", __name__)

FORMATS = {
    "html": "text/html",
    "ttl": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdf": "application/rdf+xml",
}
MEDIA_TO_EXT = {media: ext for ext, media in FORMATS.items()}
# Also understood in Accept, answered with the variant named here.
ACCEPT_ALIASES = {"application/xhtml+xml": "html", "application/json": "jsonld", "application/x-turtle": "ttl"}
OFFERED = list(FORMATS.values()) + list(ACCEPT_ALIASES)
RDF_FORMAT_NAMES = {"ttl": "turtle", "nt": "ntriples", "jsonld": "jsonld", "rdf": "rdfxml"}
VOCABULARY = "def/atlas"
SHAPES = "def/atlas/shapes"
CHARSET = {"text/html", "text/turtle", "application/n-triples"}


def not_acceptable() -> Response:
    available = ", ".join(FORMATS.values())
    response = Response(f"Not acceptable. Available types: {available}\n", status=406, mimetype="text/plain")
    response.headers["Vary"] = "Accept"
    return response


def alternates(path: str) -> str:
    return ", ".join(f'<{path}.{ext}>; rel="alternate"; type="{media}"' for ext, media in FORMATS.items())


def negotiated_ext() -> str | None:
    media = choose(request.headers.get("Accept"), OFFERED)
    if media is None:
        return None
    return MEDIA_TO_EXT.get(media) or ACCEPT_ALIASES[media]


def _split_ext(key: str) -> tuple[str, str | None]:
    stem, dot, ext = key.rpartition(".")
    if dot and ext in FORMATS and "/" not in ext:
        return stem, ext
    return key, None


def _is_iri(text: str) -> bool:
    """Whether ``text`` is an IRI at all: a path such as ``/doc/a%zz`` or ``/id/a b`` names no resource."""
    try:
        NamedNode(text)
    except ValueError:
        return False
    return True


def _exists(iri: str) -> bool:
    return _is_iri(iri) and current_store().ask(load_query("resource_exists"), {"s": NamedNode(iri)})


def _see_other(key: str) -> Response:
    if not _exists(current_settings().base_iri + key):
        abort(404)
    ext = negotiated_ext()
    if ext is None:
        return not_acceptable()
    target = f"/doc/{key}.{ext}"
    response = Response(f"See {target}\n", status=303, mimetype="text/plain")
    response.headers["Location"] = target
    response.headers["Vary"] = "Accept"
    response.headers["Link"] = alternates(f"/doc/{key}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blueprint.route("/id/<path:key>", methods=["GET", "HEAD"])
def entity(key: str) -> Response:
    """An entity IRI: 303 to its document in the format the client prefers."""
    return _see_other("id/" + key)


@blueprint.route("/graph/<path:key>", methods=["GET", "HEAD"])
def source_record(key: str) -> Response:
    """The IRI of a source record (and of its named graph): 303 to the record's description."""
    return _see_other("graph/" + key)


@blueprint.route("/def/<path:key>", methods=["GET", "HEAD"])
def vocabulary_term(key: str) -> Response:
    """The vocabulary and shapes documents, or 303 for a concept of the vocabulary's schemes."""
    stem, ext = _split_ext("def/" + key)
    if stem == VOCABULARY:
        return _vocabulary_document(ext)
    if stem == SHAPES:
        return _shapes_document(ext)
    return _see_other("def/" + key)


def _finish(response: Response, stem_path: str, ext: str, negotiated: bool) -> Response:
    response.headers["Link"] = alternates(stem_path)
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"{stem_path}.{ext}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _requested_ext(ext: str | None) -> tuple[str | None, bool]:
    if ext is not None:
        return ext, False
    return negotiated_ext(), True


@blueprint.route("/doc/<path:key>", methods=["GET", "HEAD"])
def document(key: str) -> Response:
    """The document describing an entity, in one format (by extension or by negotiation)."""
    stem, ext = _split_ext(key)
    ext, negotiated = _requested_ext(ext)
    if ext is None:
        return not_acceptable()
    settings = current_settings()
    iri = settings.base_iri + stem
    if not _is_iri(iri):
        abort(404)
    describes(iri)
    if ext == "html":
        page_number = request.args.get("page", default=1, type=int) or 1
        builder = PageBuilder(current_store(), settings.base_iri, settings.page_size)
        model = builder.build(iri, page_number, request.args.get("property"))
        if model is None:
            abort(404)
        page_url = f"{settings.base_iri}doc/{stem}.html"
        body = render_template(
            "entity.html", page=model, doc_path=f"/doc/{stem}", formats=FORMATS,
            json_ld=json_ld_block(structured_data(model, settings.base_iri, page_url)),
            chart=funding_by_year_svg(model.funding_by_year) if len(model.funding_by_year) > 0 else None,
        )
        response = Response(body, mimetype="text/html")
    else:
        triples = describe(iri)
        if not triples:
            abort(404)
        response = rdf_body(triples, ext)
    return _finish(response, f"/doc/{stem}", ext, negotiated)


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


def rdf_body(triples: Iterable[Triple], ext: str) -> Response:
    settings = current_settings()
    body = serialize_rdf(stable_blank_nodes(triples), RDF_FORMAT_NAMES[ext], prefixes_for(settings.base_iri))
    media = FORMATS[ext]
    response = Response(body, mimetype=media)
    if media in CHARSET:
        response.headers["Content-Type"] = f"{media}; charset=utf-8"
    return response


def rdf_response(triples: list[Triple], offered: list[str]) -> Response:
    """Triples in the RDF format the client prefers among ``offered`` media types."""
    media = choose(request.headers.get("Accept"), offered)
    if media is None:
        return not_acceptable()
    response = rdf_body(triples, MEDIA_TO_EXT[media])
    response.headers["Vary"] = "Accept"
    return response


def vocabulary_triples() -> list[Triple]:
    """The vocabulary document: the ontology header and every term of its namespace."""
    settings = current_settings()
    doc_iri = settings.base_iri + VOCABULARY
    namespace = doc_iri + "#"
    return [
        q.triple for q in current_store().quads(settings.base_iri + "graph/ontology")
        if isinstance(q.subject, NamedNode) and (q.subject.value == doc_iri or q.subject.value.startswith(namespace))
    ]


def _vocabulary_document(ext: str | None) -> Response:
    settings = current_settings()
    ext, negotiated = _requested_ext(ext)
    if ext is None:
        return not_acceptable()
    doc_iri = settings.base_iri + VOCABULARY
    describes(doc_iri)
    triples = vocabulary_triples()
    if not triples:
        abort(404)
    if ext == "html":
        from publisher.web.vocabulary_page import vocabulary_model

        concepts = [q.triple for q in current_store().quads(settings.base_iri + "graph/ontology")
                    if isinstance(q.subject, NamedNode) and q.subject.value.startswith(doc_iri + "/")]
        body = render_template("vocabulary.html",
                               vocab=vocabulary_model(triples, doc_iri, settings.base_iri, concepts),
                               doc_path=f"/{VOCABULARY}", formats=FORMATS)
        response = Response(body, mimetype="text/html")
    else:
        response = rdf_body(triples, ext)
    return _finish(response, f"/{VOCABULARY}", ext, negotiated)


@cache
def _shape_triples(base_iri: str) -> tuple[Triple, ...]:
    triples: list[Triple] = []
    for path in sorted(resource_dir("shapes").glob("*.ttl")):
        with path.open("rb") as handle:
            triples.extend(q.triple for q in parse_rdf(handle, "turtle", base_iri=base_iri))
    return tuple(triples)


def _shapes_document(ext: str | None) -> Response:
    settings = current_settings()
    ext, negotiated = _requested_ext(ext)
    if ext is None:
        return not_acceptable()
    describes(None)
    triples = list(_shape_triples(settings.base_iri))
    if ext == "html":
        from publisher.web.vocabulary_page import shapes_model

        body = render_template("shapes.html", shapes=shapes_model(triples, settings.base_iri),
                               doc_path=f"/{SHAPES}", formats=FORMATS)
        response = Response(body, mimetype="text/html")
    else:
        response = rdf_body(triples, ext)
    return _finish(response, f"/{SHAPES}", ext, negotiated)
