"""The dataset describing itself: VoID/DCAT at ``/.well-known/void``, the dumps, ``sitemap.xml``
and ``robots.txt``."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, send_from_directory

from publisher.dataset_description import DESCRIPTION_PATH, DescribedDump, dataset_iri, describe_dataset
from publisher.dumps import DUMP_FORMATS
from publisher.queries import load_query
from publisher.store import BlankNode, Store, Triple
from publisher.web.app import current_settings, current_store
from publisher.web.http_cache import DUMP_CACHE_CONTROL, describes, publication
from publisher.web.linked_data import FORMATS, alternates, negotiated_ext, not_acceptable, rdf_body
from publisher.web.release_cache import PerRelease

blueprint = Blueprint("dataset", __name__)

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (sitemaps.org protocol)
DUMP_NAMES = {d.file_name: d for d in DUMP_FORMATS}


def _dumps() -> list[DescribedDump]:
    manifest = publication().manifest() or {}
    base = current_settings().base_iri
    return [DescribedDump(f"{base}dumps/{d['file']}", d["media_type"], d["title"], d.get("byte_size"))
            for d in manifest.get("dumps", [])]


def _compute_description(store: Store) -> list[Triple]:
    manifest = publication().manifest() or {}
    return describe_dataset(store, current_settings(), _dumps(), manifest.get("data_modified"))


_DESCRIPTION: PerRelease[list[Triple]] = PerRelease(_compute_description)


@blueprint.route(f"/{DESCRIPTION_PATH}", methods=["GET", "HEAD"])
@blueprint.route(f"/{DESCRIPTION_PATH}.<ext>", methods=["GET", "HEAD"])
def void(ext: str | None = None) -> Response:
    """The VoID and DCAT description of the dataset (RDF by negotiation, or a page)."""
    if ext is not None and ext not in FORMATS:
        abort(404)
    negotiated = ext is None
    chosen = ext or negotiated_ext()
    if chosen is None:
        return not_acceptable()
    describes(None)
    if publication().manifest() is None:
        from flask import g

        g.atlas_no_keep = True  # the dumps are not listed yet: do not keep this answer
        triples = _compute_description(current_store())
    else:
        triples = _DESCRIPTION.get(current_store())
    if chosen == "html":
        dataset = dataset_iri(current_settings())
        summary = [(t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], str(getattr(t.object, "value", "")))
                   for t in triples if str(t.subject) == f"<{dataset}>" and not isinstance(t.object, BlankNode)]
        body = render_template("void.html", summary=summary, dataset=dataset, dumps=_dumps(),
                               doc_path=f"/{DESCRIPTION_PATH}", formats=FORMATS)
        response = Response(body, mimetype="text/html")
    else:
        response = rdf_body(triples, chosen)
    response.headers["Link"] = alternates(f"/{DESCRIPTION_PATH}")
    if negotiated:
        response.headers["Vary"] = "Accept"
        response.headers["Content-Location"] = f"/{DESCRIPTION_PATH}.{chosen}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@blueprint.route("/dumps/<name>", methods=["GET", "HEAD"])
def dump(name: str) -> Response:
    """One dump of the current release, as written by the build (never a partial file)."""
    if name not in DUMP_NAMES:
        abort(404)
    pub = publication()
    manifest = pub.manifest()
    entry = next((d for d in (manifest or {}).get("dumps", []) if d["file"] == name), None)
    if entry is None:
        abort(404)
    response = send_from_directory(pub.files_dir() / "dumps", name, mimetype="application/gzip",
                                   as_attachment=True, etag=entry["sha256"], conditional=True,
                                   last_modified=pub.data_modified(), max_age=None)
    response.headers["Cache-Control"] = DUMP_CACHE_CONTROL
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _published_iris() -> list[str]:
    manifest = publication().manifest()
    base = current_settings().base_iri
    if manifest:
        return sorted(i for i in manifest["resources"]
                      if i.startswith((base + "id/", base + "graph/record/", base + "def/atlas/")))
    return [r["s"].value for r in current_store().select(load_query("published_entities")).rows]


@blueprint.route("/sitemap.xml")
def sitemap() -> Response:
    """The pages crawlers should read: every entity page (an index of sitemaps when there are many)."""
    iris = _published_iris()
    base = current_settings().base_iri
    if len(iris) > SITEMAP_LIMIT:
        parts = -(-len(iris) // SITEMAP_LIMIT)
        body = render_template("sitemap_index.xml", base=base, parts=range(1, parts + 1),
                               modified=publication().data_modified().strftime("%Y-%m-%d"))
        return Response(body, mimetype="application/xml")
    return _sitemap_part(iris, base)


@blueprint.route("/sitemap-<int:part>.xml")
def sitemap_part(part: int) -> Response:
    iris = _published_iris()
    chunk = iris[(part - 1) * SITEMAP_LIMIT: part * SITEMAP_LIMIT] if part >= 1 else []
    if not chunk:
        abort(404)
    return _sitemap_part(chunk, current_settings().base_iri)


def _sitemap_part(iris: list[str], base: str) -> Response:
    pub = publication()
    entries = [(f"{base}doc/{iri[len(base):]}.html", pub.resource_modified(iri).strftime("%Y-%m-%d"))
               for iri in iris]
    pages = [base, f"{base}partnerships", f"{base}map", f"{base}classes", f"{base}def/atlas"]
    body = render_template("sitemap.xml", pages=pages, entries=entries,
                           modified=pub.data_modified().strftime("%Y-%m-%d"))
    return Response(body, mimetype="application/xml")


@blueprint.route("/robots.txt")
def robots() -> Response:
    """What crawlers may read: everything but the query endpoints and the combinations of facets."""
    base = current_settings().base_iri
    lines = ["User-agent: *", "Allow: /", "Disallow: /sparql", "Disallow: /search", "Disallow: /partnerships?",
             "Disallow: /doc/*?", "", f"Sitemap: {base}sitemap.xml", ""]
    return Response("\n".join(lines), mimetype="text/plain")
