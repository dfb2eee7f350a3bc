"""Static export: every entity's page and documents, the vocabulary, VoID and dumps as files, with a
web-server configuration that keeps content negotiation."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from tests.conftest import BASE_IRI, BuiltStore


def test_export_writes_the_whole_site(web_store: BuiltStore, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "publisher", "export", "--store", str(web_store.path), "--out", str(out),
         "--base-iri", BASE_IRI], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    for key in ("id/partnership/web-lyon-ouagadougou", "id/country/ml", "id/commune/69123",
                "graph/record/web-lyon-ouagadougou", "def/atlas/status/en-cours"):
        for ext in ("html", "ttl", "nt", "jsonld", "rdf"):
            assert (out / "doc" / f"{key}.{ext}").is_file(), f"{key}.{ext}"
        graph = Graph().parse(out / "doc" / f"{key}.ttl", format="turtle")
        assert (URIRef(BASE_IRI + key), RDF.type, None) in graph
    for path in ("index.html", "partnerships.html", "map.html", "classes.html", "classes/Partnership.html",
                 "def/atlas.html", "def/atlas.ttl", "def/atlas/shapes.ttl", ".well-known/void.ttl", "sitemap.xml",
                 "robots.txt", "static/atlas.css", "static/atlas.js", "nginx.conf"):
        assert (out / path).is_file(), path
    for dump in ("atlas.nt.gz", "atlas.nq.gz", "atlas.ttl.gz", "atlas.jsonld.gz"):
        assert gzip.decompress((out / "dumps" / dump).read_bytes())
    # Exported lists are not paged: the country page lists every partnership in the country.
    country = (out / "doc" / "id" / "country" / "ml.html").read_text(encoding="utf-8")
    assert "page 1 /" not in country and country.count('href="/id/partnership/') >= 33
    config = (out / "nginx.conf").read_text(encoding="utf-8")
    for needed in ("return 303 /doc/$1/$2.$atlas_ext", "add_header Vary Accept", "text/turtle             ttl",
                   '"~*application/ld\\+json"    jsonld'):
        assert needed in config
