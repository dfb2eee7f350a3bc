"""A store richer than the seed for the web tests: the seed, tests/data/pages-web, and generated
partnerships with Mali, served with a small page size so that lists are paged."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from publisher.build import build
from publisher.release_files import publish_release_files
from publisher.settings import load_settings
from tests.conftest import BASE_IRI, SEED_DIR, TESTS, BuiltStore, Server, start_server, stop_server
from tests.web.atlas_pages import malian_partnerships, write_page

WEB_PAGES = TESTS / "data" / "pages-web"
GENERATED = 30
PAGE_SIZE = 5


def build_web_store(path: Path, generated_dir: Path) -> BuiltStore:
    for record in malian_partnerships(GENERATED):
        write_page(generated_dir, record)
    settings = load_settings(environ={}, base_iri=BASE_IRI)
    report = build([SEED_DIR, WEB_PAGES, generated_dir], path, settings)
    publish_release_files(path, settings)
    return BuiltStore(path, report)


@pytest.fixture(scope="session")
def web_store(tmp_path_factory: pytest.TempPathFactory) -> BuiltStore:
    """The seed, the web test pages and 30 generated Malian partnerships, with their dumps."""
    return build_web_store(tmp_path_factory.mktemp("web-store"), tmp_path_factory.mktemp("generated-pages"))


@pytest.fixture(scope="session")
def web_server(web_store: BuiltStore) -> Iterator[Server]:
    """A real ``atlas-ld serve`` on the web store, 5 rows per page."""
    server = start_server(web_store.path, {"ATLAS_LD_PAGE_SIZE": str(PAGE_SIZE)})
    yield server
    stop_server(server)
