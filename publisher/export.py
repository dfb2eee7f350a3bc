"""Static export: the whole site as files a static host or CDN can serve (``atlas-ld export``).

Every entity's page and RDF documents, the vocabulary and its shapes, the VoID description, the
dumps, the home page, the class indexes, the partnership list, the map, ``sitemap.xml``,
``robots.txt`` and the static assets are rendered by the same application that serves them live,
and written under the paths they are served at (``/doc/id/commune/16015.ttl`` →
``OUT/doc/id/commune/16015.ttl``; a page without extension, such as ``/map``, → ``OUT/map.html``).

``nginx.conf`` beside them shows how a web server keeps the linked-data behaviour: ``303`` from
each IRI to its document in the format asked for, ``Vary: Accept``, the media types of the
extensions. Lists a static host cannot compute are exported without paging (every link of an
entity on its page, every member of a class on one page); search and the facets' combinations
need the live server.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from publisher.queries import load_query
from publisher.settings import Settings
from publisher.store import open_store_target

EXTENSIONS = ("html", "ttl", "nt", "jsonld", "rdf")
# Every link on one page, yet a LIMIT a store can sort within (Virtuoso: MaxSortedTopRows, see docs/deploy.md).
UNPAGED = 10**6


class ExportFailed(Exception):
    """A page could not be rendered for the export."""


NGINX_CONF = Path(__file__).with_name("export_nginx.conf")


def _client(store_dir: Path, settings: Settings):  # type: ignore[no-untyped-def]
    from publisher.web import create_app

    app = create_app(store_dir, settings.with_overrides(page_size=UNPAGED))
    return app.test_client()


def _write(out: Path, url_path: str, body: bytes) -> Path:
    relative = url_path.lstrip("/") or "index.html"
    target = (out / relative).resolve()
    if not str(target).startswith(str(out.resolve())):
        raise ExportFailed(f"{url_path}: would be written outside {out}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(body)
    return target


def export_site(store_dir: Path, out: Path, settings: Settings,
                progress: Callable[[str], None] | None = None) -> int:
    """Write the static site of the store's current release into ``out``; returns the files written."""
    store_dir, out = Path(store_dir), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    client = _client(store_dir, settings)
    written = 0

    def fetch(url: str, target: str | None = None, accept: str = "*/*") -> None:
        nonlocal written
        response = client.get(url, headers={"Accept": accept})
        if response.status_code != 200:
            raise ExportFailed(f"{url}: {response.status_code}")
        _write(out, target or url, response.get_data())
        written += 1

    store = open_store_target(settings, store_dir).reader()
    iris = [row["s"].value for row in store.select(load_query("published_entities")).rows]
    for index, iri in enumerate(iris):
        key = iri[len(settings.base_iri):]
        for ext in EXTENSIONS:
            fetch(f"/doc/{key}.{ext}")
        if progress and index % 200 == 0:
            progress(f"{index}/{len(iris)} entities")
    for stem in ("def/atlas", "def/atlas/shapes", ".well-known/void"):
        for ext in EXTENSIONS:
            fetch(f"/{stem}.{ext}")
    fetch("/", "/index.html")
    for page in ("/partnerships", "/map", "/classes"):
        fetch(page, page + ".html")
    classes = client.get("/classes").get_data(as_text=True)
    for local in sorted(set(_class_links(classes))):
        fetch(f"/classes/{local}", f"/classes/{local}.html")
    fetch("/sitemap.xml")
    fetch("/robots.txt")
    manifest_dumps = client.get("/.well-known/void.ttl").get_data(as_text=True)
    from publisher.dumps import DUMP_FORMATS

    for dump in DUMP_FORMATS:
        if f"dumps/{dump.file_name}" in manifest_dumps:
            fetch(f"/dumps/{dump.file_name}")
    static = Path(__file__).resolve().parent / "web" / "static"
    for path in sorted(static.rglob("*")):
        if path.is_file():
            target = out / "static" / path.relative_to(static)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written += 1
    shutil.copyfile(NGINX_CONF, out / "nginx.conf")
    return written + 1


def _class_links(html: str) -> list[str]:
    import re

    return re.findall(r'href="/classes/([A-Za-z]+)"', html)
