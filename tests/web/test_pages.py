"""Entity pages in HTML: label, type, labelled links, incoming links, the funding table."""

from __future__ import annotations

import re

import requests

from tests.conftest import Server


def page(server: Server, key: str) -> str:
    response = requests.get(f"{server.url}/doc/{key}.html")
    assert response.status_code == 200
    return response.text


def test_partnership_page_shows_funding_table_with_total(seed_server: Server) -> None:
    html = page(seed_server, "id/partnership/atlas-page-angouleme-segou")
    assert "<h1>Renforcer et appuyer la gouvernance locale</h1>" in html
    funding = html[html.index('class="funding"'):html.index("</table>")]
    assert funding.count("<tr>") == 1 + 5 + 1
    assert "49 000" in funding
    assert "Ministère de l&#39;Europe et des Affaires étrangères" in funding
    assert 'href="/id/commune/16015"' in html
    assert ">Ségou</a>" in html


def test_collectivity_page_lists_its_partnerships(seed_server: Server) -> None:
    html = page(seed_server, "id/commune/16015")
    assert "<h1>Angoulême</h1>" in html
    incoming = html[html.index('class="incoming"'):]
    assert 'href="/id/partnership/atlas-page-angouleme-segou"' in incoming
    assert "Renforcer et appuyer la gouvernance locale" in incoming


def test_text_sections_keep_paragraphs_and_bullets(seed_server: Server) -> None:
    html = page(seed_server, "id/partnership/atlas-page-angouleme-segou")
    assert re.search(r"<li>l’appui institutionnel,</li>", html)


def test_security_headers(seed_server: Server) -> None:
    response = requests.get(seed_server.url + "/")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"]
