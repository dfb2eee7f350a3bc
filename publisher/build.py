"""The build: sources → records → RDF → validated graphs → a new release of the store.

Each stage hands the next plain values; problems are collected in a
:class:`BuildReport` naming file, record and field. A record refused by SHACL is
not published (its last valid version stays, if any); every other record is. The
release becomes visible only when complete.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph

from publisher.entities import EntityRegistry, ResolvedRecord, iri, resolve_record
from publisher.ingest.atlas_page import read_atlas_page
from publisher.mapping import Provenance, document_quads, entities_document, record_document
from publisher.problems import Problem, Severity, SourceError
from publisher.record import PartnershipRecord
from publisher.resources import resource_dir
from publisher.settings import Settings
from publisher.store import EmbeddedStoreDirectory, NamedNode, Quad, parse_rdf
from publisher.validate import ShaclResult, validate_quads

PAGE_SUFFIXES = {".txt"}
PROV_TIME = "http://www.w3.org/ns/prov#generatedAtTime"


@dataclass
class Source:
    path: Path
    root: Path
    checksum: str

    @property
    def display(self) -> str:
        return self.path.relative_to(self.root).as_posix()


@dataclass
class BuildReport:
    """What a build read, published and refused, and why."""

    sources: int = 0
    records_read: int = 0
    published: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    shacl: dict[str, list[ShaclResult]] = field(default_factory=dict)
    shacl_report: Graph = field(default_factory=Graph)
    triples: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    release: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    def summary(self) -> str:
        lines = [
            f"sources read: {self.sources}",
            f"records read: {self.records_read}",
            f"records published: {len(self.published)} ({len(self.unchanged)} unchanged)",
            f"records refused: {len(self.refused)}",
            f"sources unreadable: {len(self.unreadable)}",
            f"problems: {len(self.errors)} errors, {len(self.problems) - len(self.errors)} warnings",
            f"triples in release: {self.triples}",
            "time per stage: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.stage_seconds.items()),
        ]
        if self.release:
            lines.append(f"release: {self.release}")
        return "\n".join(lines)

    def as_json(self) -> dict[str, object]:
        return {
            "release": self.release,
            "sources": self.sources,
            "records_read": self.records_read,
            "published": self.published,
            "unchanged": self.unchanged,
            "refused": self.refused,
            "unreadable": self.unreadable,
            "triples": self.triples,
            "stage_seconds": self.stage_seconds,
            "problems": [
                {"severity": p.severity.value, "path": p.path, "line": p.line, "record": p.record,
                 "field": p.field, "column": p.column, "message": p.message}
                for p in self.problems
            ],
            "shacl": {
                record: [
                    {"severity": r.severity, "focus": r.focus, "path": r.path, "constraint": r.constraint,
                     "message": r.message, "value": r.value}
                    for r in results
                ]
                for record, results in self.shacl.items()
            },
        }


class BuildFailed(Exception):
    """The build could not produce a release (nothing was published)."""


def collect_sources(paths: Iterable[Path]) -> list[Source]:
    """Source files named directly or found under folders, in a stable order."""
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            found.extend((p, path) for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in PAGE_SUFFIXES)
        elif path.is_file():
            found.append((path, path.parent))
        else:
            raise BuildFailed(f"{path}: no such file or folder")
    sources = []
    for file, root in found:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        sources.append(Source(file, root, f"sha256:{digest}"))
    return sources


def _stage(report: BuildReport, name: str, started: float) -> float:
    now = time.perf_counter()
    report.stage_seconds[name] = report.stage_seconds.get(name, 0.0) + now - started
    return now


def _triple_set(quads: Iterable[Quad]) -> set[str]:
    return {str(q.triple) for q in quads if q.predicate.value != PROV_TIME}


def _declarative_graph(folder: str, settings: Settings) -> list[Quad]:
    quads: list[Quad] = []
    for path in sorted(resource_dir(folder).glob("*.ttl")):
        with path.open("rb") as handle:
            quads.extend(parse_rdf(handle, "turtle", base_iri=settings.base_iri))
    return quads


ProgressFactory = Callable[[Iterable, str, int], Iterable]


def _no_progress(items: Iterable, _label: str, _total: int) -> Iterable:
    return items


def build(
    paths: list[Path],
    store_dir: Path,
    settings: Settings,
    progress: ProgressFactory = _no_progress,
    now: datetime | None = None,
) -> BuildReport:
    """Build ``paths`` into a new release of the store in ``store_dir``."""
    report = BuildReport()
    ingested_at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.perf_counter()

    sources = collect_sources(paths)
    report.sources = len(sources)
    records: list[tuple[PartnershipRecord, Source]] = []
    seen: dict[str, str] = {}
    for source in progress(sources, "parse", len(sources)):
        try:
            record = read_atlas_page(source.path, root=source.root)
        except SourceError as exc:
            report.problems.append(exc.problem)
            report.unreadable.append(source.display)
            continue
        if record.record_id in seen:
            report.problems.append(Problem(
                Severity.ERROR, source.display,
                f"record id {record.record_id!r} is already used by {seen[record.record_id]}; record not published",
                record=record.record_id, field="record_id"))
            report.refused.append(record.record_id)
            continue
        seen[record.record_id] = source.display
        records.append((record, source))
    report.records_read = len(records) + len(report.refused)
    started = _stage(report, "parse", started)

    registry = EntityRegistry()
    resolved: list[tuple[PartnershipRecord, Source, ResolvedRecord]] = []
    for record, source in progress(records, "reconcile", len(records)):
        result = resolve_record(record, registry)
        report.problems.extend(result.problems)
        resolved.append((record, source, result))
    started = _stage(report, "reconcile", started)

    ontology = _declarative_graph("ontology", settings)
    scheme_concepts = {q.subject.value[len(settings.base_iri):] for q in ontology
                       if q.subject.value.startswith(settings.base_iri + "def/atlas/")}
    all_entities = entities_document(registry.restricted_to(set(seen)), settings, scheme_concepts)
    entity_quads = document_quads(all_entities, settings)
    mapped: list[tuple[PartnershipRecord, list[Quad]]] = []
    for record, source, result in progress(resolved, "map", len(resolved)):
        if any(p.severity is Severity.ERROR and p.record == record.record_id for p in result.problems):
            report.refused.append(record.record_id)
            continue
        provenance = Provenance(source.display, source.checksum, ingested_at)
        mapped.append((record, document_quads(record_document(record, result, provenance, settings), settings)))
    started = _stage(report, "map", started)

    valid: list[tuple[PartnershipRecord, list[Quad]]] = []
    for record, quads in progress(mapped, "validate", len(mapped)):
        results, report_graph = validate_quads([*quads, *entity_quads], settings.base_iri)
        own = [r for r in results if r.focus.startswith(settings.base_iri)]
        if own:
            report.shacl[record.record_id] = own
            report.shacl_report += report_graph
        if any(r.is_violation for r in own):
            report.refused.append(record.record_id)
            for r in own:
                if r.is_violation:
                    report.problems.append(Problem(Severity.ERROR, record.source.path, str(r),
                                                   record=record.record_id, field=r.path))
        else:
            valid.append((record, quads))
    started = _stage(report, "validate", started)

    directory = EmbeddedStoreDirectory(store_dir, settings.base_iri)
    release = directory.begin_release()
    try:
        published = {record.record_id for record, _ in valid}
        entity_doc = entities_document(registry.restricted_to(published), settings, scheme_concepts)
        release.replace_graph(settings.base_iri + iri("entities_graph"), document_quads(entity_doc, settings))
        release.replace_graph(settings.base_iri + iri("ontology_graph"), ontology)
        current_records = {settings.base_iri + iri("record_graph", record=r) for r in seen}
        for graph in release.graph_iris():
            if graph.startswith(settings.base_iri + "graph/record/") and graph not in current_records:
                release.remove_graph(graph)
        for record, quads in progress(valid, "store", len(valid)):
            graph = settings.base_iri + iri("record_graph", record=record.record_id)
            previous = list(release.quads(graph))
            if previous and _triple_set(previous) == _triple_set(quads):
                report.unchanged.append(record.record_id)
            else:
                release.replace_graph(graph, quads)
            report.published.append(record.record_id)
        report.triples = sum(1 for _ in release.quads())
        _stage(report, "store", started)
        report.release = release.commit()
    except BaseException:
        release.abort()
        raise
    write_report(report, store_dir)
    return report


def write_report(report: BuildReport, store_dir: Path) -> Path:
    """The build report as JSON and as text, in ``store_dir/reports``."""
    folder = store_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    lines = [report.summary(), ""]
    lines += [str(p) for p in report.problems]
    for record, results in report.shacl.items():
        lines.append(f"SHACL, record {record}:")
        lines += [f"  {r}" for r in results]
    report.shacl_report.serialize(folder / "latest-shacl.ttl", format="turtle")
    (folder / "latest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


__all__ = ["BuildFailed", "BuildReport", "NamedNode", "build", "collect_sources"]
