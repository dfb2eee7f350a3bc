"""Every researcher question in sparql/ parses, has its header, and answers the sample data as expected.

The sample data is the seed page plus the pages of tests/data/sample/. Expected answers are in
tests/sparql_expected/<query>.json, one case per set of parameter values; a query with ORDER BY is
compared row by row, any other as a multiset of rows. A federated query cannot call its remote
endpoint here: it is checked to parse, and its local part (the query without its SERVICE block)
is run against the sample data.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib.plugins.sparql import prepareQuery

from publisher.build import build
from publisher.query_files import (
    PARAMETER_TYPES,
    ParameterError,
    QueryFile,
    QueryFileError,
    load_query_files,
    read_query_file,
)
from publisher.settings import load_settings
from publisher.store import BlankNode, EmbeddedStoreDirectory, Literal, NamedNode, Store, Term
from tests.conftest import BASE_IRI, SEED_DIR, TESTS

SAMPLE_DIR = TESTS / "data" / "sample"
EXPECTED_DIR = TESTS / "sparql_expected"
QUERIES = load_query_files()
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int")}


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("sample-store")
    report = build([SEED_DIR, SAMPLE_DIR], path, load_settings(environ={}, base_iri=BASE_IRI))
    assert report.refused == [] and report.errors == [], report.errors
    return EmbeddedStoreDirectory(path, BASE_IRI).reader()


def value(term: Term) -> str:
    """A term as written in the expected files: ``<relative IRI>``, ``_:``, or a literal's value."""
    if isinstance(term, NamedNode):
        iri = term.value
        return f"<{iri[len(BASE_IRI):]}>" if iri.startswith(BASE_IRI) else f"<{iri}>"
    if isinstance(term, BlankNode):
        return "_:"
    assert isinstance(term, Literal)
    if term.datatype.value in NUMERIC:
        return format(Decimal(term.value).normalize(), "f")
    return term.value


def without_service(text: str) -> str:
    """The query with its SERVICE blocks removed: what runs without the remote endpoint."""
    while (found := re.search(r"\bSERVICE\s+(?:SILENT\s+)?<[^>]*>\s*\{", text, re.IGNORECASE)) is not None:
        depth, end = 0, found.end() - 1
        for end in range(found.end() - 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        text = text[:found.start()] + text[end + 1:]
    return text


def answer(store: Store, query: QueryFile, parameters: dict[str, str]) -> list[Any]:
    """The query's answer with ``parameters`` bound as ``/queries/<name>`` binds them."""
    text = without_service(query.bound_text(query.bindings(parameters, BASE_IRI)))
    if query.form == "construct":
        return sorted([value(t.subject), value(t.predicate), value(t.object)] for t in store.construct(text))
    return [{name: value(term) for name, term in row.items()} for row in store.select(text).rows]


def expected_cases(name: str) -> list[dict[str, object]]:
    return json.loads((EXPECTED_DIR / f"{name}.json").read_text(encoding="utf-8"))["cases"]  # type: ignore[no-any-return]


def ordered(query: QueryFile) -> bool:
    return query.form == "select" and re.search(r"\bORDER\s+BY\b", query.text, re.IGNORECASE) is not None


# -- The files -------------------------------------------------------------------------------------


def test_at_least_fifteen_questions() -> None:
    assert len(QUERIES) >= 15
    assert len([q for q in QUERIES.values() if q.federated]) >= 2


def test_every_query_has_expected_answers() -> None:
    assert {p.stem for p in EXPECTED_DIR.glob("*.json")} == set(QUERIES)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_header(name: str) -> None:
    query = QUERIES[name]
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", name), "names are what /queries/<name> accepts"
    assert query.title and query.title[0].isupper() and not query.title.endswith(".")
    assert query.description.endswith(".") and len(query.description) > 40
    assert query.tags and all(re.fullmatch(r"[a-z][a-z.-]*", tag) for tag in query.tags)
    for parameter in query.parameters:
        assert parameter.type in PARAMETER_TYPES and parameter.description.endswith(".")
    # Federation is declared in the header exactly when the query uses it.
    assert sorted(query.federated) == sorted(set(query.services()))
    assert ("federated" in query.tags) == bool(query.federated)


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_parses_with_rdflib(name: str) -> None:
    """A second, independent parser: the text is standard SPARQL 1.1 with relative IRIs."""
    prepareQuery(QUERIES[name].text, base=BASE_IRI)
    prepareQuery(QUERIES[name].text_with_base(BASE_IRI))


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_runs_the_same_with_a_base_line(sample_store: Store, name: str) -> None:
    """The text the editor shows (with a BASE line) answers as the file does against the base IRI."""
    query = QUERIES[name]

    def run(text: str) -> list[object]:
        text = without_service(text)
        if query.form == "construct":
            return sorted(str(t) for t in sample_store.construct(text))
        return [sorted((k, str(v)) for k, v in row.items()) for row in sample_store.select(text).rows]

    as_file = run(query.text)
    assert as_file
    assert run(query.text_with_base(BASE_IRI)) == as_file
    assert run(query.text_with_base("https://elsewhere.example/")) != as_file


def _cases() -> list[tuple[str, int]]:
    """(query, case number) for every expected case; a query without a file fails the test above."""
    return [(name, n) for name in sorted(QUERIES) if (EXPECTED_DIR / f"{name}.json").is_file()
            for n in range(len(expected_cases(name)))]


@pytest.mark.parametrize(("name", "case"), _cases())
def test_expected_answer(sample_store: Store, name: str, case: int) -> None:
    query = QUERIES[name]
    expected = expected_cases(name)[case]
    parameters = expected["parameters"]
    assert isinstance(parameters, dict)
    rows = answer(sample_store, query, parameters)
    assert rows, "every case has an answer: an empty one tests nothing"
    if ordered(query) or query.form == "construct":
        assert rows == expected["rows"]
    else:
        key = lambda row: json.dumps(row, sort_keys=True)  # noqa: E731
        assert sorted(rows, key=key) == sorted(expected["rows"], key=key)  # type: ignore[arg-type]


# -- Header format ---------------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """\
# title: A question
# description: What it asks, on
#   two lines.
# tags: funding, country
# param: country iri = id/country/ml -- The country.
# param: year year -- A year.
SELECT ?country ?year WHERE { ?x ?country ?year }
"""


def test_header_reading(tmp_path: Path) -> None:
    query = read_query_file(write(tmp_path, GOOD))
    assert query.title == "A question"
    assert query.description == "What it asks, on two lines."
    assert query.tags == ("funding", "country")
    assert [(p.name, p.type, p.default) for p in query.parameters] == [
        ("country", "iri", "id/country/ml"), ("year", "year", None)]
    assert query.text_with_base(BASE_IRI).splitlines()[6] == f"BASE <{BASE_IRI}>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (GOOD.replace("# title: A question\n", ""), "no '# title:' line"),
        (GOOD.replace("# tags: funding, country", "# tag: funding"), "header lines read"),
        (GOOD.replace("country iri =", "country place ="), "parameter type 'place' unknown"),
        (GOOD.replace("year year -- A year.", "year year A year."), "a parameter reads"),
        (GOOD.replace("id/country/ml", "not an iri"), "default of parameter 'country'"),
        (GOOD.replace("# param: year year", "# param: month year"), "'month' is not a variable"),
    ],
)
def test_header_errors_name_file_and_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(QueryFileError, match=re.escape(message)) as caught:
        read_query_file(write(tmp_path, text))
    assert str(tmp_path / "q.rq") in str(caught.value)


# -- Parameter values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "given", "term"),
    [
        ("iri", "id/country/ml", NamedNode(BASE_IRI + "id/country/ml")),
        ("iri", "https://www.wikidata.org/entity/Q1", NamedNode("https://www.wikidata.org/entity/Q1")),
        ("string", '"> } ; DROP ALL', Literal('"> } ; DROP ALL')),
        ("integer", " 2025 ", Literal("2025", datatype=NamedNode(XSD + "integer"))),
        ("decimal", "1250.50", Literal("1250.50", datatype=NamedNode(XSD + "decimal"))),
        ("year", "1985", Literal("1985", datatype=NamedNode(XSD + "gYear"))),
        ("boolean", "1", Literal("true", datatype=NamedNode(XSD + "boolean"))),
    ],
)
def test_parameter_values_become_typed_terms(tmp_path: Path, type_: str, given: str, term: Term) -> None:
    query = read_query_file(write(tmp_path, GOOD.replace("year year", f"year {type_}")))
    assert query.bindings({"year": given}, BASE_IRI)["year"] == term


@pytest.mark.parametrize(
    ("type_", "given"),
    [("iri", 'id/x"> } ; DROP ALL'), ("iri", "a b"), ("integer", "12a"), ("integer", "1.5"),
     ("decimal", "1e5"), ("year", "85"), ("boolean", "oui")],
)
def test_bad_parameter_values_name_the_parameter(tmp_path: Path, type_: str, given: str) -> None:
    query = read_query_file(write(tmp_path, GOOD.replace("year year", f"year {type_}")))
    with pytest.raises(ParameterError, match="parameter 'year'") as caught:
        query.bindings({"year": given}, BASE_IRI)
    assert caught.value.parameter == "year"


def test_defaults_unknown_and_empty_parameters(tmp_path: Path) -> None:
    query = read_query_file(write(tmp_path, GOOD))
    assert query.bindings({}, BASE_IRI) == {"country": NamedNode(BASE_IRI + "id/country/ml")}
    assert query.bindings({"country": ""}, BASE_IRI) == {}
    with pytest.raises(ParameterError, match="'month': not a parameter of q"):
        query.bindings({"month": "1"}, BASE_IRI)
