"""Blank node labels that depend on the data only, so the same data always serialises to the same bytes.

A store gives blank nodes fresh labels each time a file is parsed (the ontology's OWL lists, say,
at every build), so a dump or a document would change although its data did not, and with it
its checksum and ETag. Here each blank node is named by a hash of its surroundings, refined a few
rounds (the colour refinement of graph isomorphism tests): its arcs, the IRIs and literals at
their ends, and the hashes of the blank nodes at their ends. Blank nodes that still share a hash
have the same surroundings to that depth and are numbered in their original order.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from typing import TypeVar

from publisher.store import BlankNode, Quad, Triple

ROUNDS = 4
Statement = TypeVar("Statement", Quad, Triple)


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()


def stable_blank_nodes(statements: Iterable[Statement]) -> list[Statement]:
    """The same triples or quads, their blank nodes relabelled from the data around them."""
    items = list(statements)
    arcs: dict[str, list[tuple[str, str, object]]] = defaultdict(list)
    for item in items:
        subject, obj = item.subject, item.object
        if type(subject) is not BlankNode and type(obj) is not BlankNode:
            continue
        graph = str(getattr(item, "graph_name", ""))
        if type(subject) is BlankNode:
            arcs[subject.value].append(("out", item.predicate.value + " " + graph, obj))
        if type(obj) is BlankNode:
            arcs[obj.value].append(("in", item.predicate.value + " " + graph, subject))
    if not arcs:
        return items
    colour = {node: "" for node in arcs}
    for _round in range(ROUNDS):
        colour = {
            node: _digest(colour[node], *sorted(
                f"{way} {predicate} {colour[end.value] if isinstance(end, BlankNode) else end}"
                for way, predicate, end in node_arcs))
            for node, node_arcs in arcs.items()
        }
    by_colour: dict[str, list[str]] = defaultdict(list)
    for node in sorted(arcs):
        by_colour[colour[node]].append(node)
    labels = {}
    for value, nodes in by_colour.items():
        for index, node in enumerate(nodes):
            # 32 hexadecimal digits: the form a store keeps as is (other labels it may replace by its own ids).
            labels[node] = hashlib.blake2b(f"{value}/{index}".encode(), digest_size=16).hexdigest()

    def relabel(term: object) -> object:
        return BlankNode(labels[term.value]) if isinstance(term, BlankNode) else term

    out: list[Statement] = []
    for item in items:
        if type(item.subject) is BlankNode or type(item.object) is BlankNode:
            if isinstance(item, Quad):
                out.append(Quad(relabel(item.subject), item.predicate, relabel(item.object),  # type: ignore[arg-type]
                                item.graph_name))
            else:
                out.append(Triple(relabel(item.subject), item.predicate, relabel(item.object)))  # type: ignore[arg-type]
        else:
            out.append(item)
    return out
