"""A visitor's journey in real headless Chromium (Debian's, driven by Playwright): home → search "segou"
→ the Ségou page → a partnership → its funding table → a country page with paged links → facets
narrowing the list → the map. No console error on the way; a title that is a <script> does not run."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Dialog, Page, expect, sync_playwright

from tests.conftest import Server, start_server, stop_server
from tests.web.conftest import GENERATED, PAGE_SIZE, build_web_store

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The web tests' store (seed, tests/data/pages-web, generated Malian partnerships), 5 rows per page."""
    store = build_web_store(tmp_path_factory.mktemp("journey-store"), tmp_path_factory.mktemp("journey-pages"))
    server = start_server(store.path, {"ATLAS_LD_PAGE_SIZE": str(PAGE_SIZE)})
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A page whose console errors, uncaught exceptions and dialogs are recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({self.page.url})")

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture()
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Watched(page)
    context.close()


def test_home_search_partnership_country_facets_map(web_server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(web_server.url + "/")
    expect(page.locator("h1")).to_contain_text("Atlas français de la coopération décentralisée")

    page.locator("#home-q").press_sequentially("segou", delay=30)
    suggestion = page.locator("ul.suggestions li a", has_text="Ségou").first
    expect(suggestion).to_be_visible()
    suggestion.click()
    expect(page.locator("h1")).to_have_text("Ségou")
    assert page.url.endswith("/doc/id/foreign-authority/ml/2451478.html")

    page.locator(".incoming a", has_text="Accès à l'eau potable dans le cercle de Ségou").click()
    expect(page.locator("h1")).to_have_text("Accès à l'eau potable dans le cercle de Ségou")
    funding = page.locator("section.funding table")
    expect(funding).to_be_visible()
    expect(funding.locator("tbody tr")).to_have_count(3)
    expect(funding.locator("tfoot .total")).to_have_text("30 000")
    expect(page.locator("section.funding svg.chart")).to_be_visible()

    page.locator("p.where a.country", has_text="Mali").click()
    expect(page.locator("h1")).to_have_text("Mali")
    group = page.locator("#partnerships-in-country")
    pages = -(-(GENERATED + 3) // PAGE_SIZE)
    expect(group.locator(".pager .where")).to_have_text(f"page 1 / {pages}")
    first_items = group.locator("ul.links li").all_inner_texts()
    assert len(first_items) == PAGE_SIZE
    group.locator("a[rel=next]").click()
    group = page.locator("#partnerships-in-country")
    expect(group.locator(".pager .where")).to_have_text(f"page 2 / {pages}")
    assert not set(group.locator("ul.links li").all_inner_texts()) & set(first_items)

    page.locator("header.site nav a", has_text="Partenariats").click()
    count = page.locator("#result-count")
    expect(count).to_have_text(str(1 + 5 + GENERATED))
    page.locator('[data-facet="country"] a[data-value="ml"]').click()
    expect(count).to_have_text(str(GENERATED + 3))
    page.locator('[data-facet="theme"] a[data-value="eau-et-assainissement"]').click()
    narrowed = int(count.inner_text())
    assert 0 < narrowed < GENERATED + 3
    expect(page.locator("table.results tbody tr")).to_have_count(min(narrowed, PAGE_SIZE))
    expect(page.locator('[data-facet="country"] .selected')).to_contain_text("Mali")

    page.locator("header.site nav a", has_text="Carte").click()
    expect(page.locator("svg.map").first).to_be_visible()
    mali = page.locator('svg.map path[data-key="ml"]')
    expect(mali).to_have_class(re.compile(r"\bc5\b"))
    mali.click()
    expect(page).to_have_url(re.compile(r"/partnerships\?country=ml$"))
    expect(count).to_have_text(str(GENERATED + 3))

    assert watched.errors == []
    assert watched.dialogs == []


def test_a_script_title_does_not_run(web_server: Server, watched: Watched) -> None:
    page = watched.page
    page.goto(web_server.url + "/doc/id/partnership/web-rennes-saint-louis-script.html")
    expect(page.locator("h1")).to_have_text("<script>alert(1)</script>")
    assert page.title().startswith("<script>alert(1)</script>")
    page.goto(web_server.url + "/search?q=script")
    expect(page.locator("ol.results a").first).to_have_text("<script>alert(1)</script>")
    page.locator("#site-q").fill("")
    page.locator("#site-q").press_sequentially("alert", delay=30)
    expect(page.locator("ul.suggestions li a").first).to_contain_text("<script>alert(1)</script>")
    page.wait_for_timeout(300)
    assert watched.dialogs == []
    assert watched.errors == []
