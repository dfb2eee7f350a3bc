"""Shape tests as data: every case in ``cases/`` validated against ``shapes/*.ttl``.

A ``valid-*.ttl`` case must give no validation result at all, of any severity.
An ``invalid-*.ttl`` case must give exactly the results of its approved report
``invalid-*.expected.ttl``: the same (focus node, result path, source
constraint component, severity, source shape) tuples, compared as multisets,
never as text.

Cases are validated by the build's own validation,
:func:`publisher.validate.validate_quads`: pySHACL on the case plus
``ontology/*.ttl`` (as a record's graph, the shared entities, the ontology and
schemes are in a build), against ``shapes/*.ttl``, without RDFS inference and
with ``advanced=True`` for the SPARQL-based constraint component. Every file is
parsed with relative IRIs resolved against the base IRI.

To review a new or changed case, print the report it gives in the expected
format: ``python tests/shapes/test_shapes.py tests/shapes/cases/invalid-x.ttl``,
read it, and save it as the approved report when every result is the intended one.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH

from publisher.store import parse_rdf
from publisher.validate import validate_quads

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(__file__).resolve().parent / "cases"
DEFAULT_BASE = "https://atlas-ld.example/"
OTHER_BASE = "http://data.example.org/atlas-ld/"

VALID = sorted(CASES.glob("valid-*.ttl"))
INVALID = sorted(p for p in CASES.glob("invalid-*.ttl") if not p.name.endswith(".expected.ttl"))

ResultKey = tuple[str, str | None, str, str, str]


def parse_turtle(paths: list[Path], base: str) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID=base)
    return graph


def validation_report(case: Path, base: str = DEFAULT_BASE) -> Graph:
    _results, report = validate_quads(parse_rdf(case.read_bytes(), "turtle", base_iri=base), base)
    return report


def _short(term: object, base: str) -> str:
    """A term of a report, IRIs under the base IRI written relative to it, so that bases compare."""
    text = str(term)
    if isinstance(term, URIRef):
        if text.startswith(base):
            return "<" + text[len(base):] + ">"
        return "<" + text + ">"
    if isinstance(term, BNode):
        return "_:blank"  # a blank focus node or path cannot be matched; cases name their nodes
    assert isinstance(term, Literal)
    return term.n3()


def report_results(report: Graph, base: str) -> Counter[ResultKey]:
    """(focus, path, component, severity, shape) of each result of a report, as a multiset."""
    keys: Counter[ResultKey] = Counter()
    for result in report.objects(None, SH.result):
        path = report.value(result, SH.resultPath)
        keys[(
            _short(report.value(result, SH.focusNode), base),
            None if path is None else _short(path, base),
            _short(report.value(result, SH.sourceConstraintComponent), base),
            _short(report.value(result, SH.resultSeverity), base),
            _short(report.value(result, SH.sourceShape), base),
        )] += 1
    return keys


def expected_path(case: Path) -> Path:
    return case.with_name(case.name.removesuffix(".ttl") + ".expected.ttl")


def describe(keys: Counter[ResultKey]) -> str:
    lines = []
    for (focus, path, component, severity, shape), count in sorted(keys.items(), key=lambda kv: str(kv[0])):
        times = f" (x{count})" if count > 1 else ""
        lines.append(f"  {severity} {component} on {focus} {path or '(node)'} from {shape}{times}")
    return "\n".join(lines) or "  (none)"


PREFIXES = {
    "atlas": "def/atlas#",
    "atlas-sh": "def/atlas/shapes#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "igeo": "http://rdf.insee.fr/def/geo#",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "sh": str(SH),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}


def _compact(term: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if term.startswith("<" + namespace) and term.endswith(">"):
            local = term[len(namespace) + 1:-1]
            if local.replace("-", "").replace("_", "").isalnum():
                return f"{prefix}:{local}"
    return term


def report_turtle(case: Path, report: Graph, base: str) -> str:
    """The report of ``case`` in the approved-report format, for review."""
    body = ["[] a sh:ValidationReport ;", "    sh:conforms false ;"]
    keys = sorted(report_results(report, base).elements(), key=str)
    for n, (focus, path, component, severity, shape) in enumerate(keys):
        body.append("    sh:result [")
        body.append(f"        sh:focusNode {_compact(focus)} ;")
        if path is not None:
            body.append(f"        sh:resultPath {_compact(path)} ;")
        body.append(f"        sh:sourceConstraintComponent {_compact(component)} ;")
        body.append(f"        sh:resultSeverity {_compact(severity)} ;")
        body.append(f"        sh:sourceShape {_compact(shape)} ;")
        body.append("    ] " + ("." if n == len(keys) - 1 else ";"))
    text = "\n".join(body)
    used = [prefix for prefix in PREFIXES if f" {prefix}:" in text]
    header = [
        f"# Approved validation report of {case.name}: one sh:result for each expected",
        "# (focus node, result path, constraint component, severity, source shape).",
        "",
        *(f"@prefix {prefix}: <{PREFIXES[prefix]}> ." for prefix in used),
        "",
    ]
    return "\n".join(header) + "\n" + text + "\n"


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_case_gives_no_result(case: Path) -> None:
    results = report_results(validation_report(case), DEFAULT_BASE)
    assert not results, f"{case.name} should give no result, gave:\n{describe(results)}"


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_invalid_case_gives_its_approved_report(case: Path) -> None:
    expected_file = expected_path(case)
    assert expected_file.is_file(), f"{case.name} has no approved report {expected_file.name}"
    expected = report_results(parse_turtle([expected_file], DEFAULT_BASE), DEFAULT_BASE)
    assert expected, f"{expected_file.name} lists no result: an invalid case must give some"
    actual = report_results(validation_report(case), DEFAULT_BASE)
    missing, unexpected = expected - actual, actual - expected
    assert not missing and not unexpected, (
        f"{case.name}: report differs from {expected_file.name}\n"
        f"expected but not given:\n{describe(missing)}\n"
        f"given but not expected:\n{describe(unexpected)}"
    )


def test_every_approved_report_has_its_case() -> None:
    for expected_file in CASES.glob("*.expected.ttl"):
        case = expected_file.with_name(expected_file.name.removesuffix(".expected.ttl") + ".ttl")
        assert case in INVALID, f"{expected_file.name} has no case {case.name}"


def test_seed_case_gives_no_result_under_another_base_iri() -> None:
    """Nothing in the ontology, shapes or cases depends on the default base IRI."""
    case = CASES / "valid-seed-angouleme-segou.ttl"
    report = validation_report(case, OTHER_BASE)
    results = report_results(report, OTHER_BASE)
    assert not results, f"under {OTHER_BASE}:\n{describe(results)}"
    graph = parse_turtle([case], OTHER_BASE)
    atlas = Namespace(OTHER_BASE + "def/atlas#")
    partnership = URIRef(OTHER_BASE + "id/partnership/atlas-page-angouleme-segou")
    assert (partnership, RDF.type, atlas.Partnership) in graph


def test_invalid_case_under_another_base_iri_gives_the_same_results() -> None:
    case = CASES / "invalid-partnership-fields.ttl"
    default = report_results(validation_report(case, DEFAULT_BASE), DEFAULT_BASE)
    other = report_results(validation_report(case, OTHER_BASE), OTHER_BASE)
    assert default == other


if __name__ == "__main__":
    for name in sys.argv[1:]:
        sys.stdout.write(report_turtle(Path(name), validation_report(Path(name)), DEFAULT_BASE))
