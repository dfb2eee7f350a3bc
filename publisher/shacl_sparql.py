"""SHACL validation run as SPARQL queries on the store (https://www.w3.org/TR/shacl/).

pySHACL walks the data graph node by node in Python; at the national scale that
is too slow for a build. This module compiles the shapes in ``shapes/`` once
into SPARQL SELECT queries, one per constraint, and runs them on an in-memory
pyoxigraph store holding the data. It implements the constraint components the
shapes use — SHACL Core (§4) value type, cardinality, value range, string,
property pair, logical, shape-based, ``sh:hasValue``/``sh:in``, and SPARQL-based
constraints and constraint components (§5, §6) — and refuses a shape it cannot
compile, so nothing is silently left unchecked. A test keeps its results equal
to pySHACL's (focus node, path, constraint component, severity) on a corpus with
injected faults.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from itertools import count

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from publisher.store import Quad, ScratchStore, scratch_store

SUBCLASS_PATH = f"<{RDF.type}>/<{RDFS.subClassOf}>*"

# Lexical forms (XML Schema 1.1 Part 2) checked for well-formedness, as sh:datatype requires.
LEXICAL_FORMS = {
    XSD.decimal: r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.gYear: r"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.date: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.dateTime: r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$",
}
NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNode: "isBlank({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
RANGE = {
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
}
PAIRS = {
    SH.lessThan: ("<", SH.LessThanConstraintComponent),
    SH.lessThanOrEquals: ("<=", SH.LessThanOrEqualsConstraintComponent),
}
# Parameters that are read with another one rather than on their own.
COMPANION = {SH.flags, SH.qualifiedMinCount, SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint}
IGNORED = {
    RDF.type, RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, SH.name, SH.description, SH.message,
    SH.severity, SH.order, SH.group, SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
    SH.targetObjectsOf, SH.deactivated, SH.defaultValue, SH.property,
}


class ShapeCompileError(Exception):
    """A shape uses a feature this compiler does not implement; validate with pySHACL instead."""


@dataclass(frozen=True)
class CompiledCheck:
    """One constraint of one shape, as a SPARQL query selecting ?this and, where SHACL reports one, ?value."""

    query: str
    shape: str
    path: str | None
    component: str
    severity: str
    message: str


@dataclass(frozen=True)
class CheckResult:
    focus: str
    path: str | None
    component: str
    severity: str
    message: str
    value: str | None


def term(node: URIRef | Literal) -> str:
    """A shapes-graph term written in SPARQL syntax."""
    if isinstance(node, URIRef):
        return f"<{node}>"
    if isinstance(node, Literal):
        return node.n3()
    raise ShapeCompileError(f"cannot write {node!r} in a query")


def sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class ShapesCompiler:
    """Compiles the shapes of a graph into :class:`CompiledCheck` queries."""

    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self._vars = count()
        self.components = self._custom_components()

    # -- helpers --

    def var(self, name: str = "v") -> str:
        return f"?_{name}{next(self._vars)}"

    def path(self, node: URIRef | BNode) -> str:
        """SHACL property path (§2.3.1) → SPARQL property path."""
        if isinstance(node, URIRef):
            return term(node)
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in Collection(self.g, node)) + ")"
        for predicate, template in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                                    (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
            inner = self.g.value(node, predicate)
            if inner is not None:
                return "(" + template.format(self.path(inner)) + ")"
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in Collection(self.g, alternatives)) + ")"
        raise ShapeCompileError(f"unsupported property path {node!r}")

    def message(self, shape: URIRef | BNode, component: URIRef | None = None) -> str:
        messages = list(self.g.objects(shape, SH.message))
        if not messages and component is not None and component in self.components:
            messages = list(self.g.objects(self.components[component][1], SH.message))
        by_language = {getattr(m, "language", None) or "": str(m) for m in messages}
        return by_language.get("en") or by_language.get("") or next(iter(by_language.values()), "")

    def _custom_components(self) -> dict[URIRef, tuple[list[URIRef], URIRef | BNode]]:
        """SPARQL-based constraint components (§6): parameter paths and validator, by component IRI."""
        found = {}
        for component in self.g.subjects(RDF.type, SH.ConstraintComponent):
            params = [self.g.value(p, SH.path) for p in self.g.objects(component, SH.parameter)]
            validator = (self.g.value(component, SH.propertyValidator) or self.g.value(component, SH.validator))
            if validator is None or self.g.value(validator, SH.select) is None:
                raise ShapeCompileError(f"constraint component {component} needs a SELECT validator")
            found[component] = (params, validator)
        return found

    # -- conditions on one value: a SPARQL expression true when the value VIOLATES --

    def value_violation(self, predicate: URIRef, obj: object, v: str, shape: URIRef | BNode) -> str | None:
        """The condition on value ``v`` under which parameter ``predicate`` is violated, or None."""
        if predicate == SH.datatype:
            ok = f"(isLiteral({v}) && DATATYPE({v}) = {term(obj)})"  # type: ignore[arg-type]
            if obj == RDF.langString:
                ok = f"(isLiteral({v}) && LANG({v}) != \"\")"
            elif obj in LEXICAL_FORMS:
                ok = f"({ok} && REGEX(STR({v}), {sparql_string(LEXICAL_FORMS[obj])}))"  # type: ignore[index]
            elif obj == XSD.string:
                ok = f"({ok} && LANG({v}) = \"\")"
            return f"!{ok}"
        if predicate == SH.nodeKind:
            if obj not in NODE_KINDS:
                raise ShapeCompileError(f"unknown node kind {obj}")
            return "!" + NODE_KINDS[obj].format(v=v)  # type: ignore[index]
        if predicate == SH["class"]:
            return f"NOT EXISTS {{ {v} {SUBCLASS_PATH} {term(obj)} }}"  # type: ignore[arg-type]
        if predicate in RANGE:
            op = RANGE[predicate][0]  # type: ignore[index]
            return f"!COALESCE({v} {op} {term(obj)}, false)"  # type: ignore[arg-type]
        if predicate in (SH.minLength, SH.maxLength):
            op = ">=" if predicate == SH.minLength else "<="
            return f"(isBlank({v}) || !COALESCE(STRLEN(STR({v})) {op} {int(obj)}, false))"  # type: ignore[call-overload]
        if predicate == SH.pattern:
            flags = self.g.value(shape, SH.flags)
            args = f", {sparql_string(str(flags))}" if flags else ""
            return f"(isBlank({v}) || !REGEX(STR({v}), {sparql_string(str(obj))}{args}))"
        if predicate == SH.languageIn:
            tags = [str(t) for t in Collection(self.g, obj)]  # type: ignore[arg-type]
            matches = " || ".join(f"LANGMATCHES(LANG({v}), {sparql_string(t)})" for t in tags) or "false"
            return f"!(isLiteral({v}) && ({matches}))"
        if predicate == SH["in"]:
            members = [term(m) for m in Collection(self.g, obj)]  # type: ignore[arg-type]
            return "!(" + (" || ".join(f"sameTerm({v}, {m})" for m in members) or "false") + ")"
        if predicate == SH.node:
            return f"!{self.conforms(obj, v)}"  # type: ignore[arg-type]
        if predicate == SH["not"]:
            return self.conforms(obj, v)  # type: ignore[arg-type]
        if predicate in (SH["or"], SH["and"], SH.xone):
            parts = [self.conforms(s, v) for s in Collection(self.g, obj)]  # type: ignore[arg-type]
            if predicate == SH["or"]:
                return "!(" + " || ".join(parts) + ")"
            if predicate == SH["and"]:
                return "!(" + " && ".join(parts) + ")"
            ones = " + ".join(f"IF({p}, 1, 0)" for p in parts)
            return f"(({ones}) != 1)"
        return None

    # -- whether a node conforms to a shape: a SPARQL expression --

    def conforms(self, shape: URIRef | BNode, x: str) -> str:
        """A SPARQL expression true when the node in ``x`` conforms to ``shape``."""
        path_node = self.g.value(shape, SH.path)
        violations = []
        if path_node is None:
            for predicate, obj in self.g.predicate_objects(shape):
                if predicate in IGNORED or predicate in COMPANION:
                    continue
                if predicate == SH.hasValue:
                    violations.append(f"!sameTerm({x}, {term(obj)})")  # type: ignore[arg-type]
                    continue
                condition = self.value_violation(predicate, obj, x, shape)
                if condition is None:
                    raise ShapeCompileError(f"unsupported parameter {predicate} in nested shape {shape}")
                violations.append(condition)
            for prop in self.g.objects(shape, SH.property):
                violations.append(f"!{self.conforms(prop, x)}")
        else:
            path = self.path(path_node)
            for predicate, obj in self.g.predicate_objects(shape):
                if predicate in IGNORED or predicate in COMPANION:
                    continue
                if predicate in (SH.minCount, SH.maxCount):
                    n = int(obj)  # type: ignore[call-overload]
                    k = n if predicate == SH.minCount else n + 1
                    names = [self.var() for _ in range(k)]
                    distinct = " && ".join(f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1:])
                    pattern = " ".join(f"{x} {path} {name} ." for name in names)
                    pattern += f" FILTER({distinct})" if distinct else ""
                    if k == 0:
                        continue
                    exists = f"EXISTS {{ {pattern} }}"
                    violations.append(f"!{exists}" if predicate == SH.minCount else exists)
                    continue
                if predicate == SH.hasValue:
                    violations.append(f"NOT EXISTS {{ {x} {path} {term(obj)} }}")  # type: ignore[arg-type]
                    continue
                if predicate == SH.qualifiedValueShape:
                    minimum = self.g.value(shape, SH.qualifiedMinCount)
                    if minimum is None or int(minimum) > 1:
                        raise ShapeCompileError(f"only qualifiedMinCount 1 is supported in nested shape {shape}")
                    v = self.var()
                    violations.append(f"NOT EXISTS {{ {x} {path} {v} FILTER({self.conforms(obj, v)}) }}")  # type: ignore[arg-type]
                    continue
                v = self.var()
                condition = self.value_violation(predicate, obj, v, shape)
                if condition is None:
                    raise ShapeCompileError(f"unsupported parameter {predicate} in nested shape {shape}")
                violations.append(f"EXISTS {{ {x} {path} {v} FILTER({condition}) }}")
        if not violations:
            return "true"
        return "!(" + " || ".join(violations) + ")"

    # -- top-level checks --

    def targets(self, shape: URIRef | BNode) -> list[str]:
        patterns = []
        for cls in self.g.objects(shape, SH.targetClass):
            patterns.append(f"?this {SUBCLASS_PATH} {term(cls)} .")
        for node in self.g.objects(shape, SH.targetNode):
            patterns.append(f"VALUES ?this {{ {term(node)} }}")
        for p in self.g.objects(shape, SH.targetSubjectsOf):
            patterns.append(f"?this {term(p)} [] .")
        for p in self.g.objects(shape, SH.targetObjectsOf):
            patterns.append(f"[] {term(p)} ?this .")
        if (shape, RDF.type, RDFS.Class) in self.g:
            patterns.append(f"?this {SUBCLASS_PATH} {term(shape)} .")  # type: ignore[arg-type]
        return patterns

    def compile(self) -> list[CompiledCheck]:
        checks = []
        for shape in sorted(set(self.g.subjects(SH.targetClass, None)) | set(self.g.subjects(SH.targetNode, None))
                            | set(self.g.subjects(SH.targetSubjectsOf, None))
                            | set(self.g.subjects(SH.targetObjectsOf, None)), key=str):
            if self.g.value(shape, SH.deactivated) == Literal(True):
                continue
            for target in self.targets(shape):
                checks.extend(self.shape_checks(shape, target))
                for prop in self.g.objects(shape, SH.property):
                    if self.g.value(prop, SH.deactivated) != Literal(True):
                        checks.extend(self.shape_checks(prop, target))
        return checks

    def shape_checks(self, shape: URIRef | BNode, target: str) -> list[CompiledCheck]:
        path_node = self.g.value(shape, SH.path)
        path = self.path(path_node) if path_node is not None else None
        reported_path = str(path_node) if isinstance(path_node, URIRef) else (
            None if path_node is None else "complex path")
        severity = str(self.g.value(shape, SH.severity) or SH.Violation)
        checks: list[CompiledCheck] = []

        def add(query: str, component: URIRef) -> None:
            checks.append(CompiledCheck(query, str(shape), reported_path, str(component), severity,
                                        self.message(shape, component)))

        value_nodes = f"?this {path} ?value ." if path else "BIND(?this AS ?value)"
        for predicate, obj in self.g.predicate_objects(shape):
            if predicate in IGNORED or predicate in COMPANION:
                continue
            if predicate in (SH.minCount, SH.maxCount):
                if path is None:
                    raise ShapeCompileError(f"{predicate} on node shape {shape}")
                op = "<" if predicate == SH.minCount else ">"
                component = (SH.MinCountConstraintComponent if predicate == SH.minCount
                             else SH.MaxCountConstraintComponent)
                add(f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?v }} }} "
                    f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) {op} {int(obj)})", component)  # type: ignore[call-overload]
            elif predicate == SH.hasValue:
                condition = (f"FILTER NOT EXISTS {{ ?this {path} {term(obj)} }}" if path  # type: ignore[arg-type]
                             else f"FILTER(!sameTerm(?this, {term(obj)}))")  # type: ignore[arg-type]
                add(f"SELECT DISTINCT ?this WHERE {{ {target} {condition} }}", SH.HasValueConstraintComponent)
            elif predicate == SH.qualifiedValueShape:
                low = self.g.value(shape, SH.qualifiedMinCount)
                high = self.g.value(shape, SH.qualifiedMaxCount)
                if self.g.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
                    raise ShapeCompileError(f"sh:qualifiedValueShapesDisjoint in {shape}")
                conforming = self.conforms(obj, "?v")  # type: ignore[arg-type]
                for bound, op, component in ((low, "<", SH.QualifiedMinCountConstraintComponent),
                                             (high, ">", SH.QualifiedMaxCountConstraintComponent)):
                    if bound is not None:
                        add(f"SELECT ?this WHERE {{ {target} OPTIONAL {{ ?this {path} ?v FILTER({conforming}) }} }} "
                            f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) {op} {int(bound)})", component)
            elif predicate in PAIRS:
                op, component = PAIRS[predicate]
                add(f"SELECT DISTINCT ?this ?value WHERE {{ {target} {value_nodes} ?this {term(obj)} ?other . "  # type: ignore[arg-type]
                    f"FILTER(!COALESCE(?value {op} ?other, false)) }}", component)
            elif predicate in (SH.equals, SH.disjoint):
                raise ShapeCompileError(f"{predicate} is not supported ({shape})")
            elif predicate == SH.sparql:
                add(self.sparql_constraint(obj, target, path), SH.SPARQLConstraintComponent)  # type: ignore[arg-type]
            elif predicate in self.params_of_components():
                continue
            else:
                condition = self.value_violation(predicate, obj, "?value", shape)
                if condition is None:
                    raise ShapeCompileError(f"unsupported parameter {predicate} in shape {shape}")
                add(f"SELECT DISTINCT ?this ?value WHERE {{ {target} {value_nodes} FILTER({condition}) }}",
                    self.component_of(predicate))
        for component, (params, validator) in self.components.items():
            values = [self.g.value(shape, p) for p in params]
            if any(v is None for v in values):
                continue
            select = str(self.g.value(validator, SH.select))
            if path is not None:
                select = select.replace("$PATH", path)
            for param, value in zip(params, values, strict=True):
                local = re.split(r"[#/]", str(param))[-1]
                select = re.sub(rf"\$({re.escape(local)})\b", term(value), select)  # type: ignore[arg-type]
            select = select.replace("$this", "?this")
            add(f"SELECT DISTINCT ?this ?value WHERE {{ {target} {{ {select} }} }}", component)
        return checks

    def params_of_components(self) -> set[URIRef]:
        return {p for params, _ in self.components.values() for p in params}

    @staticmethod
    def component_of(predicate: URIRef) -> URIRef:
        if predicate in RANGE:
            return RANGE[predicate][1]
        local = str(predicate).removeprefix(str(SH))
        return SH[local[0].upper() + local[1:] + "ConstraintComponent"]

    def sparql_constraint(self, constraint: URIRef | BNode, target: str, path: str | None) -> str:
        select = self.g.value(constraint, SH.select)
        if select is None:
            raise ShapeCompileError(f"sh:sparql constraint {constraint} has no sh:select")
        if self.g.value(constraint, SH.prefixes) is not None:
            raise ShapeCompileError(f"sh:prefixes in {constraint}: write full IRIs")
        text = str(select).replace("$this", "?this")
        if path is not None:
            text = text.replace("$PATH", path)
        return f"SELECT DISTINCT ?this ?value WHERE {{ {target} {{ {text} }} }}"


@cache
def compiled_checks(base_iri: str) -> tuple[CompiledCheck, ...]:
    from publisher.validate import shapes_graph

    return tuple(ShapesCompiler(shapes_graph(base_iri)).compile())


def run_checks(quads: list[Quad], base_iri: str, documents: list[tuple[bytes, str]] | None = None) -> list[CheckResult]:
    """Every compiled check run on the union of ``quads`` and ``documents`` (graph names ignored).

    The checks run in threads: pyoxigraph evaluates a query without holding the GIL.
    """
    return run_checks_on(scratch_store(quads, documents or [], base_iri), base_iri)


def run_checks_on(store: ScratchStore, base_iri: str) -> list[CheckResult]:
    """Every compiled check run on the union of the graphs of ``store``, in parallel threads."""
    checks = compiled_checks(base_iri)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        answers = list(pool.map(lambda check: store.select(check.query).rows, checks))
    results = set()
    for check, rows in zip(checks, answers, strict=True):
        for row in rows:
            focus = row["this"]
            value = row.get("value")
            results.add(CheckResult(
                focus=focus.value if hasattr(focus, "value") else str(focus),
                path=check.path,
                component=check.component,
                severity=check.severity,
                message=check.message,
                value=None if value is None else str(value),
            ))
    return sorted(results, key=lambda r: (r.focus, r.path or "", r.component, r.value or ""))
