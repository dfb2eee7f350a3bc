"""Results cut at the row limit are written as pyoxigraph writes whole results, in all four formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from xml.etree.ElementTree import canonicalize

import pytest

from publisher.store import EmbeddedStore, EmbeddedStoreDirectory

XSD = "http://www.w3.org/2001/XMLSchema#"
# Every kind of term and value a result format has to write: plain, language-tagged and typed
# literals (with quotes, commas, tabs and line breaks), IRIs, unbound values and a triple term.
QUERY = f"""
SELECT ?a ?b ?c ?d ?e ?f ?g WHERE {{
  VALUES (?a ?b ?c ?d ?e ?f) {{
    (1 "tab\\there, \\"quoted\\"\\nnew line" "Ségou"@fr <http://example.org/x?a=1&b=2> 1.5 true)
    (UNDEF 1e3 -2 UNDEF "2020-01-01"^^<{XSD}date> "<tag> & 'apostrophe'")
    ("x"@en-GB "" 0 <http://example.org/é> UNDEF false)
  }}
  BIND(IF(?c = -2, <<( <http://example.org/s> <http://example.org/p> "o" )>>, ?undefined) AS ?g)
}}
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedStore:
    directory = EmbeddedStoreDirectory(Path(tmp_path_factory.mktemp("empty-store")), "https://atlas-ld.example/")
    directory.begin_release().commit()
    return directory.reader()


@pytest.mark.parametrize("format_name", ["json", "xml", "csv", "tsv"])
def test_uncut_results_match_pyoxigraph(store: EmbeddedStore, format_name: str) -> None:
    whole = store.execute(QUERY).serialize(format_name)
    ours, truncated = store.execute(QUERY).serialize_limited(format_name, 100)
    assert truncated is False
    if format_name == "json":
        assert json.loads(ours) == json.loads(whole)
    elif format_name == "xml":
        assert canonicalize(ours.decode()) == canonicalize(whole.decode())
    elif format_name == "csv":
        assert list(csv.reader(io.StringIO(ours.decode()))) == list(csv.reader(io.StringIO(whole.decode())))
    else:
        assert ours.decode().strip() == whole.decode().strip()


def test_cut_results_keep_the_first_rows_and_say_so(store: EmbeddedStore) -> None:
    notice = {"truncated": True, "rowLimit": 2}
    body, truncated = store.execute(QUERY).serialize_limited("json", 2, json_notice=notice)
    document = json.loads(body)
    assert truncated is True
    whole = json.loads(store.execute(QUERY).serialize("json"))
    assert document["results"]["bindings"] == whole["results"]["bindings"][:2]
    assert document["truncated"] is True and document["rowLimit"] == 2
    body, truncated = store.execute(QUERY).serialize_limited("json", 3, json_notice=notice)
    assert truncated is False and "truncated" not in json.loads(body)
