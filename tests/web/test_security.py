"""Security of the pages: values escaped, no inline script allowed, no file read outside the published folders."""

from __future__ import annotations

import socket

import pytest
import requests

from tests.conftest import Server

SCRIPT_TITLE = "<script>alert(1)</script>"


def test_a_script_title_renders_as_text(web_server: Server) -> None:
    html = requests.get(web_server.url + "/doc/id/partnership/web-rennes-saint-louis-script.html").text
    assert SCRIPT_TITLE not in html
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>" in html
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    # In the JSON-LD data block, < and > are escaped so the block cannot be closed early.
    block = html[html.index('<script type="application/ld+json">'):]
    block = block[:block.index("</script>")]
    assert "<" not in block[1:] and "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in block


@pytest.mark.parametrize("path", ["/search?q=%3Cscript%3Ealert(1)%3C/script%3E", "/partnerships?country=%3Cscript%3E",
                                  "/search.json?q=%3Cscript%3E"])
def test_reflected_values_are_escaped(web_server: Server, path: str) -> None:
    response = requests.get(web_server.url + path)
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<script>" not in response.text.replace(
        '<script src="/static/atlas.js" defer></script>', "")


def test_search_suggestions_list_the_script_title_as_data(web_server: Server) -> None:
    data = requests.get(web_server.url + "/search.json", params={"q": "script alert"}).json()
    assert data["results"][0]["label"] == SCRIPT_TITLE
    html = requests.get(web_server.url + "/search", params={"q": "script alert"}).text
    assert ">&lt;script&gt;alert(1)&lt;/script&gt;</a>" in html


@pytest.mark.parametrize("path", ["/", "/doc/id/country/ml.html", "/partnerships", "/map", "/search?q=a", "/def/atlas",
                                  "/.well-known/void"])
def test_csp_forbids_inline_scripts_and_pages_have_none(web_server: Server, path: str) -> None:
    response = requests.get(web_server.url + path, headers={"Accept": "text/html"})
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "object-src 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.text
    scripts = html.count("<script")
    assert scripts == html.count('<script src="/static/atlas.js" defer></script>') + html.count(
        '<script type="application/ld+json">')
    assert " on" + "click=" not in html and "javascript:" not in html


def _raw_get(server: Server, path: str) -> tuple[int, bytes]:
    """A request sent as written, so that ``..`` reaches the server unnormalised."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/..%2fapp.py", "/static/%2e%2e/%2e%2e/settings.py", "/static/../../pyproject.toml",
    "/dumps/../manifest.json", "/dumps/..%2fmanifest.json", "/dumps/%2e%2e%2f%2e%2e%2freleases",
    "/def/atlas/shapes/../../../../etc/passwd", "/doc/../../etc/passwd", "/doc/id/..%2f..%2f..%2fetc%2fpasswd.ttl",
    "/static//etc/passwd", "/dumps/atlas.nt.gz/../../manifest.json",
])
def test_no_path_reads_outside_the_published_folders(web_server: Server, path: str) -> None:
    status, data = _raw_get(web_server, path)
    assert status in (400, 404, 308, 301), (path, status)
    for secret in (b"root:x:0:0", b"def create_app", b"[build-system]", b'"resources"', b"class Settings"):
        assert secret not in data, path
