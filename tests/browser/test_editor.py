"""The query editor at /sparql in a real headless browser: Debian's chromium, driven by Playwright.

The browser is the system's (``/usr/bin/chromium``, installed by ``make test``); Playwright's own
browser downloads are never used. Every request the page makes is checked to stay on the server:
the editor works offline.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BuiltStore, Server, start_server, stop_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    print(f"skipping the browser tests: {CHROMIUM} is missing (`make test` installs Debian's chromium)")
    pytest.skip(f"{CHROMIUM} is missing (`make test` installs Debian's chromium)", allow_module_level=True)

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class Visit:
    """A page of the editor, with what the browser reported and every address it asked for."""

    page: Page
    server: Server
    problems: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)

    def open_editor(self, fragment: str = "") -> None:
        self.page.goto(self.server.url + "/sparql" + fragment)
        self.page.wait_for_selector("#yasgui[data-ready=true]")

    def query_text(self) -> str:
        return self.page.eval_on_selector(".CodeMirror:visible", "e => e.CodeMirror.getValue()")  # type: ignore[no-any-return]

    def run(self) -> None:
        self.page.click(".yasqe_queryButton:visible")
        self.page.wait_for_selector(".yasr:visible table.dataTable tbody tr td")

    def column(self, name: str) -> list[str]:
        headers: list[str] = self.page.eval_on_selector_all(
            ".yasr:visible table.dataTable thead th", "cells => cells.map(c => c.textContent.trim())")
        index = headers.index(name)
        return self.page.eval_on_selector_all(  # type: ignore[no-any-return]
            ".yasr:visible table.dataTable tbody tr",
            f"rows => rows.map(r => r.children[{index}].textContent.trim())")


def visit(browser: Browser, server: Server) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    seen = Visit(page, server)

    def console(message: Any) -> None:
        if message.type in {"error", "warning"}:
            seen.problems.append(f"console {message.type}: {message.text}")

    def route(route: Any) -> None:
        if route.request.url.startswith(server.url + "/"):
            route.continue_()
        else:
            seen.elsewhere.append(route.request.url)
            route.abort()

    page.on("console", console)
    page.on("pageerror", lambda error: seen.problems.append(f"page error: {error}"))
    context.route("**/*", route)
    yield seen
    context.close()


@pytest.fixture
def editor(browser: Browser, seed_server: Server) -> Iterator[Visit]:
    yield from visit(browser, seed_server)


@pytest.fixture(scope="module")
def two_row_server(seed_store: BuiltStore) -> Iterator[Server]:
    running = start_server(seed_store.path, {"ATLAS_LD_MAX_RESULT_ROWS": "2"})
    yield running
    stop_server(running)


def test_runs_an_example_and_shows_the_table(editor: Visit) -> None:
    editor.open_editor()
    assert editor.page.title().startswith("SPARQL")
    assert "Partnerships at a glance" in editor.page.inner_text(".tabsList .tab.active")
    assert editor.query_text().splitlines()[4] == "BASE <https://atlas-ld.example/>"
    assert editor.page.locator(".CodeMirror:visible .cm-keyword").count() > 3  # highlighted, not plain text
    editor.run()
    assert editor.column("title") == ['"Renforcer et appuyer la gouvernance locale"@fr']
    assert editor.page.locator(".yasr:visible .dt-paging").count() == 1  # paged table
    assert editor.page.locator(".yasr:visible .yasr_btn.yasr_downloadIcon").count() == 1
    # An IRI under the base IRI links to this server's page for it.
    results = ".yasr:visible table.dataTable tbody"
    link = editor.page.locator(f"{results} a", has_text="atlas-page-angouleme-segou").first
    assert link.get_attribute("href") == "/id/partnership/atlas-page-angouleme-segou"
    editor.page.click(f"{results} .expandable")  # unfolds the cell shortened with an ellipsis
    with editor.page.expect_navigation():
        link.click()
    assert editor.page.url.startswith(editor.server.url + "/doc/id/partnership/atlas-page-angouleme-segou")
    assert "Renforcer et appuyer la gouvernance locale" in editor.page.inner_text("h1")
    assert editor.problems == [] and editor.elsewhere == []


def test_examples_open_in_tabs(editor: Visit) -> None:
    editor.open_editor()
    editor.page.click("[data-example=funding-lines]")
    assert "Funding lines" in editor.page.inner_text(".tabsList .tab.active")
    editor.run()
    years = ['"1985"^^xsd:gYear'] * 3 + ['"1986"^^xsd:gYear', '"1987"^^xsd:gYear']
    assert sorted(editor.column("year")) == years
    editor.open_editor("#example=post-contacts")
    assert "Diplomatic posts and their contacts" in editor.page.inner_text(".tabsList .tab.active")
    editor.run()
    assert sorted(editor.column("name")) == ["Françoise GIANVITI", "Sherazade BENALLA"]
    assert editor.problems == [] and editor.elsewhere == []


def test_results_download_as_csv_and_json(editor: Visit) -> None:
    editor.open_editor("#example=post-contacts")
    editor.run()
    with editor.page.expect_download() as table_download:
        editor.page.click(".yasr:visible .yasr_downloadIcon")
    as_csv = Path(table_download.value.path()).read_text(encoding="utf-8")
    assert table_download.value.suggested_filename.endswith(".csv")
    assert as_csv.splitlines()[0] == '"post","postName","person","name","role"'
    assert '"Sherazade BENALLA"' in as_csv
    editor.page.click(".yasr:visible .select_response")
    with editor.page.expect_download() as response_download:
        editor.page.click(".yasr:visible .yasr_downloadIcon")
    assert response_download.value.suggested_filename.endswith(".json")
    as_json = json.loads(Path(response_download.value.path()).read_text(encoding="utf-8"))
    assert {b["name"]["value"] for b in as_json["results"]["bindings"]} == {"Françoise GIANVITI", "Sherazade BENALLA"}
    assert editor.problems == [] and editor.elsewhere == []


def test_completion_from_our_prefixes_and_vocabulary(editor: Visit) -> None:
    editor.open_editor()
    editor.page.click(".CodeMirror:visible")
    editor.page.keyboard.press("Control+a")
    editor.page.keyboard.press("Delete")
    editor.page.keyboard.type("SELECT * WHERE { ?s a atlas:")
    # The prefix is declared as soon as it is used...
    editor.page.wait_for_function(
        "document.querySelector('.CodeMirror').CodeMirror.getValue().startsWith('PREFIX atlas:')")
    assert editor.query_text().splitlines()[0] == "PREFIX atlas: <https://atlas-ld.example/def/atlas#>"
    # ...and the classes offered are the dataset's own, with no call to a remote vocabulary service.
    editor.page.keyboard.type("Part")
    editor.page.wait_for_selector(".CodeMirror-hints li")
    hints = editor.page.eval_on_selector_all(".CodeMirror-hints li", "items => items.map(i => i.textContent)")
    assert hints == ["atlas:Partnership"]
    assert editor.problems == [] and editor.elsewhere == []


def test_truncation_notice(browser: Browser, two_row_server: Server) -> None:
    for seen in visit(browser, two_row_server):
        seen.open_editor("#example=funding-lines")
        assert seen.page.is_hidden("#truncation-notice")
        seen.run()
        seen.page.wait_for_selector("#truncation-notice:not([hidden])")
        assert "au plus 2 lignes" in seen.page.inner_text("#truncation-notice")
        assert len(seen.column("year")) == 2
        seen.page.click("[data-example=partnership-summary]")
        assert seen.page.is_hidden("#truncation-notice")
        assert seen.problems == [] and seen.elsewhere == []
