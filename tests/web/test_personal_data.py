"""Contacts' e-mail addresses are not published unless the publish_emails setting says so."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from publisher.build import build
from publisher.settings import load_settings
from publisher.store import EmbeddedStoreDirectory, serialize_rdf
from tests.conftest import BASE_IRI, SEED_DIR, BuiltStore, Server, start_server, stop_server

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(@|\[at\]|%40)[A-Za-z0-9.-]+\.[a-z]{2,}")
SEED_EMAILS = ("sherazade.benalla", "francoise.gianviti")


def store_text(path: Path) -> str:
    reader = EmbeddedStoreDirectory(path, BASE_IRI).reader()
    return serialize_rdf(reader.quads(), "nquads").decode("utf-8")


def served_texts(server: Server) -> list[str]:
    urls = [
        "/", "/def/atlas",
        "/doc/id/post/ambassade-de-france-a-bamako.html",
        "/doc/id/post/ambassade-de-france-a-bamako/person/sherazade-benalla.html",
        "/doc/id/post/ambassade-de-france-a-bamako/person/sherazade-benalla.ttl",
        "/doc/id/post/ambassade-de-france-a-bamako/contact/sherazade-benalla.jsonld",
        "/doc/id/partnership/atlas-page-angouleme-segou.html",
        "/doc/id/partnership/atlas-page-angouleme-segou.nt",
    ]
    texts = [requests.get(server.url + url).text for url in urls]
    everything = requests.get(server.url + "/sparql", params={"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"},
                              headers={"Accept": "application/n-triples"})
    texts.append(everything.text)
    return texts


def test_no_email_in_store_by_default(seed_store: BuiltStore) -> None:
    text = store_text(seed_store.path)
    assert "mailto:" not in text
    assert not EMAIL.search(text)
    assert not any(name in text for name in SEED_EMAILS)


def test_no_email_in_any_served_response_by_default(seed_server: Server) -> None:
    for text in served_texts(seed_server):
        assert not EMAIL.search(text)
        assert not any(name in text for name in SEED_EMAILS)


def test_setting_publishes_emails(tmp_path: Path) -> None:
    settings = load_settings(environ={}, base_iri=BASE_IRI, publish_emails=True)
    build([SEED_DIR], tmp_path, settings)
    text = store_text(tmp_path)
    assert "<mailto:sherazade.benalla@diplomatie.gouv.fr>" in text
    server = start_server(tmp_path, {"ATLAS_LD_PUBLISH_EMAILS": "true"})
    try:
        person = requests.get(
            server.url + "/doc/id/post/ambassade-de-france-a-bamako/person/sherazade-benalla.ttl").text
        assert "mailto:sherazade.benalla@diplomatie.gouv.fr" in person
    finally:
        stop_server(server)
