"""The build: sources → records → RDF → validated graphs → a new release of the store.

Each stage hands the next plain values; problems are collected in a
:class:`BuildReport` naming file, record and field. A record refused by SHACL is
not published (its last valid version stays, if any); every other record is.
The release becomes visible only when complete.

The build is incremental: what each source gave (its records, their entity
keys, what they contributed to the shared entities) is kept in a cache beside
the store, keyed by the source's checksum and by a fingerprint of everything
else that shapes the output (mappings, shapes, ontology, reference data,
settings, code). Only changed sources are parsed, reconciled, mapped and
validated again, and only their named graphs are rewritten.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph

from publisher import __version__
from publisher.entities import Contribution, EntityRegistry, ResolvedRecord, iri, resolve_record
from publisher.ingest import SOURCE_SUFFIXES, read_source
from publisher.mapping import (
    Provenance,
    document_bytes,
    document_quads,
    document_subjects,
    entities_document,
    record_document,
    records_document,
)
from publisher.problems import Problem, Severity
from publisher.record import PartnershipRecord
from publisher.release_files import publish_release_files
from publisher.resources import resource_dir
from publisher.settings import Settings
from publisher.shacl_sparql import CheckResult, run_checks_on
from publisher.stable_blank_nodes import stable_blank_nodes
from publisher.store import Quad, StoreUnavailable, open_store_target, parse_rdf, scratch_store

PROV_TIME = "http://www.w3.org/ns/prov#generatedAtTime"
SH_VIOLATION = "http://www.w3.org/ns/shacl#Violation"
PARALLEL_FROM = 200
CACHE_FILE = "build-cache.pickle"
# The code whose changes change what a build publishes (the cache is dropped when it changes).
PIPELINE_MODULES = ("ingest/*.py", "record.py", "reconcile.py", "entities.py", "mapping.py", "shacl_sparql.py",
                    "build.py")


@dataclass
class Source:
    """A source file: ``display`` is its path as reported, ``key`` identifies it across builds."""

    path: Path
    root: Path
    checksum: str
    display: str = ""
    key: str = ""
    size: int = 0
    mtime_ns: int = 0

    def __post_init__(self) -> None:
        self.display = self.display or self.path.relative_to(self.root).as_posix()
        self.key = self.key or str(self.path.resolve())


@dataclass
class SourceOutcome:
    """What one source gave: its records, each with its entity keys and contributions, and its problems."""

    checksum: str
    records: list[tuple[PartnershipRecord, ResolvedRecord, list[Contribution]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class BuildReport:
    """What a build read, published and refused, and why."""

    sources: int = 0
    sources_changed: int = 0
    records_read: int = 0
    published: list[str] = field(default_factory=list)
    republished: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    shacl: dict[str, list[CheckResult]] = field(default_factory=dict)
    triples: int = 0
    stage_seconds: dict[str, float] = field(default_factory=dict)
    release: str | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def unresolved(self) -> list[Problem]:
        return [p for p in self.problems if "not identified" in p.message]

    def summary(self) -> str:
        lines = [
            f"sources read: {self.sources} ({self.sources_changed} new or changed)",
            f"records read: {self.records_read}",
            f"records published: {len(self.published)} ({len(self.republished)} written in this release)",
            f"records refused: {len(self.refused)}",
            f"records with a duplicated id: {len(self.duplicates)}",
            f"sources unreadable: {len(self.unreadable)}",
            f"problems: {len(self.errors)} errors, {len(self.problems) - len(self.errors)} warnings "
            f"({len(self.unresolved)} unresolved mentions)",
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
            "sources_changed": self.sources_changed,
            "records_read": self.records_read,
            "published": self.published,
            "republished": self.republished,
            "refused": self.refused,
            "duplicates": self.duplicates,
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
                    {"severity": r.severity, "focus": r.focus, "path": r.path, "constraint": r.component,
                     "message": r.message, "value": r.value}
                    for r in results
                ]
                for record, results in self.shacl.items()
            },
        }


class BuildFailed(Exception):
    """The build could not produce a release (nothing was published)."""


ProgressFactory = Callable[[Iterable, str, int], Iterable]


def _no_progress(items: Iterable, _label: str, _total: int) -> Iterable:
    return items


def collect_sources(paths: Iterable[Path], known: dict[str, tuple[int, int, str]] | None = None) -> list[Source]:
    """Source files named directly or found under folders, in a stable order.

    ``known`` maps a source's key to the (size, modification time, checksum) seen at the last build: a file
    whose size and time have not changed is not read again.
    """
    found: list[tuple[Path, Path]] = []
    for path in paths:
        if path.is_dir():
            found.extend((p, path) for p in sorted(path.rglob("*"))
                         if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES)
        elif path.is_file():
            found.append((path, path.parent))
        else:
            raise BuildFailed(f"{path}: no such file or folder")
    sources = []
    for file, root in found:
        stat = file.stat()
        key = str(file.resolve())
        seen = (known or {}).get(key)
        if seen is not None and seen[:2] == (stat.st_size, stat.st_mtime_ns):
            checksum = seen[2]
        else:
            checksum = "sha256:" + hashlib.sha256(file.read_bytes()).hexdigest()
        sources.append(Source(file, root, checksum, key=key, size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    return sources


def pipeline_fingerprint(settings: Settings) -> str:
    """Changes whenever anything but the sources would change the output."""
    digest = hashlib.sha256(__version__.encode())
    for folder in ("mappings", "shapes", "ontology", "reference"):
        for path in sorted(resource_dir(folder).rglob("*")):
            if path.is_file() and path.suffix in {".ttl", ".jsonld", ".toml", ".csv"}:
                digest.update(path.name.encode())
                digest.update(path.read_bytes())
    package = Path(__file__).resolve().parent
    for module in PIPELINE_MODULES:
        for path in sorted(package.glob(module)):
            digest.update(path.read_bytes())
    digest.update(repr(sorted(vars(settings).items())).encode())
    return digest.hexdigest()


def _read(source: Source, max_bytes: int) -> tuple[list[PartnershipRecord], list[Problem]]:
    result = read_source(source.path, source.root, max_bytes=max_bytes)
    return result.records, result.problems


def _read_many(sources: list[Source], max_bytes: int) -> list[tuple[list[PartnershipRecord], list[Problem]]]:
    return [_read(s, max_bytes) for s in sources]


def _chunks(items: list[Source], size: int) -> Iterator[list[Source]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def read_sources(sources: list[Source], progress: ProgressFactory,
                 max_bytes: int) -> list[tuple[list[PartnershipRecord], list[Problem]]]:
    """Records of each source, read in parallel worker processes when there are many."""
    if len(sources) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return [_read(s, max_bytes) for s in progress(sources, "parse", len(sources))]
    chunks = list(_chunks(sources, 100))
    results: list[tuple[list[PartnershipRecord], list[Problem]]] = []
    with ProcessPoolExecutor(max_workers=min(os.cpu_count() or 2, 4)) as pool:
        answers = pool.map(_read_many, chunks, [max_bytes] * len(chunks))
        for chunk_result in progress(answers, "parse", len(chunks)):
            results.extend(chunk_result)
    return results


class BuildCache:
    """What the last build got from each source, keyed by the source file's resolved path."""

    def __init__(self, fingerprint: str, outcomes: dict[str, SourceOutcome] | None = None) -> None:
        self.fingerprint = fingerprint
        self.outcomes = outcomes or {}
        self.stats: dict[str, tuple[int, int, str]] = {}

    @classmethod
    def load(cls, store_dir: Path, fingerprint: str) -> BuildCache:
        try:
            with (store_dir / CACHE_FILE).open("rb") as handle:
                cached = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return cls(fingerprint)
        if not isinstance(cached, BuildCache) or cached.fingerprint != fingerprint:
            return cls(fingerprint)
        return cached

    def save(self, store_dir: Path) -> None:
        temporary = store_dir / f".{CACHE_FILE}.{os.getpid()}"
        with temporary.open("wb") as handle:
            pickle.dump(self, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, store_dir / CACHE_FILE)


def _stage(report: BuildReport, name: str, started: float) -> float:
    now = time.perf_counter()
    report.stage_seconds[name] = report.stage_seconds.get(name, 0.0) + now - started
    return now


def _triple_set(quads: Iterable[Quad]) -> set[str]:
    # Blank nodes named from their surroundings: a SPARQL store gives them labels of its own.
    return {str(q.triple) for q in stable_blank_nodes(quads) if q.predicate.value != PROV_TIME}


def declarative_graph(folder: str, settings: Settings) -> list[Quad]:
    """The quads of the Turtle files of ``ontology/`` or ``shapes/``, resolved against the base IRI."""
    quads: list[Quad] = []
    for path in sorted(resource_dir(folder).glob("*.ttl")):
        with path.open("rb") as handle:
            quads.extend(parse_rdf(handle, "turtle", base_iri=settings.base_iri))
    # Blank nodes (OWL lists, SHACL paths) get labels from the data around them, not fresh ones at each parse:
    # the same files give the same graph, and an unchanged release gives the same dumps and ETags.
    return stable_blank_nodes(quads)


def _attribute(results: list[CheckResult], owners: dict[str, str], registry: EntityRegistry,
               base_iri: str) -> dict[str, list[CheckResult]]:
    """SHACL results by record: a record's own nodes, or the shared entities it refers to."""
    by_record: dict[str, list[CheckResult]] = defaultdict(list)
    for result in results:
        if result.focus in owners:
            by_record[owners[result.focus]].append(result)
            continue
        key = result.focus[len(base_iri):] if result.focus.startswith(base_iri) else result.focus
        for record in sorted(registry.used_by.get(key, ())):
            by_record[record].append(result)
    return by_record


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
    store_dir.mkdir(parents=True, exist_ok=True)

    cache = BuildCache.load(store_dir, pipeline_fingerprint(settings))
    sources = collect_sources(paths, cache.stats)
    report.sources = len(sources)
    changed = [s for s in sources if cache.outcomes.get(s.key, SourceOutcome("")).checksum != s.checksum]
    report.sources_changed = len(changed)
    read = dict(zip([s.key for s in changed], read_sources(changed, progress, settings.max_source_bytes),
                    strict=True))
    started = _stage(report, "parse", started)

    # Reconcile the changed records; the others' entity keys and contributions come from the cache.
    outcomes: dict[str, SourceOutcome] = {}
    fresh_registry = EntityRegistry()
    for source in progress(changed, "reconcile", len(changed)):
        records, problems = read[source.key]
        outcome = SourceOutcome(source.checksum, problems=list(problems))
        for record in records:
            resolved = resolve_record(record, fresh_registry)
            outcome.records.append((record, resolved, fresh_registry.contributions.pop(record.record_id, [])))
            outcome.problems.extend(resolved.problems)
        outcomes[source.key] = outcome
    for source in sources:
        if source.key not in outcomes:
            outcomes[source.key] = cache.outcomes[source.key]
    started = _stage(report, "reconcile", started)

    changed_names = {s.key for s in changed}
    records: dict[str, tuple[PartnershipRecord, ResolvedRecord, list[Contribution], Source]] = {}
    by_key = {s.key: s for s in sources}
    for key, outcome in outcomes.items():
        report.problems.extend(outcome.problems)
        if not outcome.records and any(p.severity is Severity.ERROR for p in outcome.problems):
            report.unreadable.append(by_key[key].display)
        for record, resolved, contributions in outcome.records:
            report.records_read += 1
            if record.record_id in records:
                first = records[record.record_id][0].source.path
                report.problems.append(Problem(
                    Severity.ERROR, record.source.path,
                    f"record id {record.record_id!r} is already used by {first}; record not published",
                    record=record.record_id, field="record_id"))
                report.duplicates.append(record.source.path)
                continue
            records[record.record_id] = (record, resolved, contributions, by_key[key])

    errors_by_record = {p.record for p in report.problems
                        if p.severity is Severity.ERROR and p.record and p.field != "record_id"}
    candidates = {rid for rid, (_r, _res, _c, src) in records.items() if src.key in changed_names}
    registry = EntityRegistry()
    for rid, (_record, _resolved, contributions, _src) in records.items():
        registry.replay(rid, contributions)

    ontology = declarative_graph("ontology", settings)
    scheme_concepts = {q.subject.value[len(settings.base_iri):] for q in ontology
                       if q.subject.value.startswith(settings.base_iri + "def/atlas/")}
    entity_quads = document_quads(
        entities_document(registry.restricted_to(set(records)), settings, scheme_concepts), settings)
    documents: dict[str, dict] = {}
    owners: dict[str, str] = {}
    for rid in progress(sorted(candidates), "map", len(candidates)):
        if rid in errors_by_record:
            report.refused.append(rid)
            continue
        record, resolved, _contributions, source = records[rid]
        provenance = Provenance(source.display, source.checksum, ingested_at)
        documents[rid] = record_document(record, resolved, provenance, settings)
        for subject in document_subjects(documents[rid]):
            owners[settings.base_iri + subject] = rid
    started = _stage(report, "map", started)

    entities_graph = settings.base_iri + iri("entities_graph")
    ontology_graph = settings.base_iri + iri("ontology_graph")
    scratch = scratch_store(documents=[(document_bytes(records_document(list(documents.values()), settings)),
                                        "jsonld")], base_iri=settings.base_iri)
    scratch.replace_graph(entities_graph, entity_quads)
    scratch.replace_graph(ontology_graph, ontology)
    results = run_checks_on(scratch, settings.base_iri)
    record_graph = {rid: settings.base_iri + iri("record_graph", record=rid) for rid in records}
    for rid, own in _attribute(results, owners, registry, settings.base_iri).items():
        report.shacl[rid] = own
        violations = [r for r in own if r.severity == SH_VIOLATION]
        if violations and rid in documents:
            del documents[rid]
            scratch.remove_graph(record_graph[rid])
            report.refused.append(rid)
        if rid in candidates:
            for r in own:
                severity = Severity.ERROR if r.severity == SH_VIOLATION else Severity.WARNING
                report.problems.append(Problem(severity, records[rid][0].source.path, _describe(r),
                                               record=rid, field=r.path))
    started = _stage(report, "validate", started)

    try:
        release = open_store_target(settings, store_dir).begin_release()
    except StoreUnavailable as exc:
        raise BuildFailed(f"{exc}; nothing was published") from exc
    switching = False
    try:
        previous_graphs = set(release.graph_iris())
        # Published: the valid changed records, and every unchanged or refused record already in the store.
        published = set(documents) | {rid for rid in records
                                      if rid not in documents and record_graph[rid] in previous_graphs}
        if published != set(records):
            for rid in sorted(set(report.refused) - set(documents)):
                if rid in records and record_graph[rid] in previous_graphs and rid in candidates:
                    _keep_previous_contributions(registry, rid, cache, records[rid][3])
            registry = _rebuild_registry(records, published, registry)
            entity_quads = document_quads(
                entities_document(registry.restricted_to(published), settings, scheme_concepts), settings)
            scratch.replace_graph(entities_graph, entity_quads)
        current = set(record_graph.values())
        for graph in previous_graphs:
            if graph.startswith(settings.base_iri + "graph/record/") and graph not in current:
                release.remove_graph(graph)
        for graph in (entities_graph, ontology_graph):
            if graph in previous_graphs and _triple_set(release.quads(graph)) != _triple_set(scratch.quads(graph)):
                release.remove_graph(graph)
            elif graph in previous_graphs:
                scratch.remove_graph(graph)
        if scratch.has_graph(ontology_graph):
            # Written as quads, not through N-Quads text, whose parsing would give its blank nodes new labels.
            release.add_quads(list(scratch.quads(ontology_graph)))
            scratch.remove_graph(ontology_graph)
        for rid in progress(sorted(documents), "store", len(documents)):
            graph = record_graph[rid]
            if graph in previous_graphs:
                if _triple_set(release.quads(graph)) == _triple_set(scratch.quads(graph)):
                    scratch.remove_graph(graph)
                    continue
                release.remove_graph(graph)
            report.republished.append(rid)
        release.load(scratch.dump("nquads"), "nquads")
        report.published = sorted(published)
        report.triples = release.count()
        _stage(report, "store", started)
        switching = True
        report.release = release.commit(optimize=len(report.republished) > 1000 or not previous_graphs)
    except StoreUnavailable as exc:
        release.abort()
        # A store lost during the switch itself says what it may have done; before it, nothing was published.
        raise BuildFailed(str(exc) if switching else f"{exc}; nothing was published") from exc
    except BaseException:
        release.abort()
        raise
    started = time.perf_counter()
    publish_release_files(store_dir, settings)
    _stage(report, "dumps", started)
    next_outcomes = {}
    for key, outcome in outcomes.items():
        if key in changed_names and _refused_everything(outcome, set(report.refused)):
            if key in cache.outcomes:
                next_outcomes[key] = cache.outcomes[key]
        else:
            next_outcomes[key] = outcome
    cache.outcomes = {key: _slim(outcome) for key, outcome in next_outcomes.items()}
    cache.stats = {s.key: (s.size, s.mtime_ns, s.checksum) for s in sources if s.key in cache.outcomes}
    cache.save(store_dir)
    report.refused = sorted(set(report.refused))
    write_report(report, store_dir)
    return report


def _slim(outcome: SourceOutcome) -> SourceOutcome:
    """What the cache keeps of a source: free texts are only needed to map a record again, which a change of
    the source (or of the pipeline, which empties the cache) always comes with."""
    texts = {"context": None, "history": None, "objective": None, "description": None, "beneficiaries": None}
    return SourceOutcome(outcome.checksum, [(dataclasses.replace(r, **texts), res, c) for r, res, c in outcome.records],
                         outcome.problems)


def _refused_everything(outcome: SourceOutcome, refused: set[str]) -> bool:
    """A source none of whose records was published is not cached: the next build tries it again."""
    return bool(outcome.records) and all(r.record_id in refused for r, _res, _c in outcome.records)


def _keep_previous_contributions(registry: EntityRegistry, rid: str, cache: BuildCache, source: Source) -> None:
    """A refused record whose previous version stays published keeps that version's entities."""
    previous = cache.outcomes.get(source.key)
    if previous is None:
        return
    for record, _resolved, contributions in previous.records:
        if record.record_id == rid:
            registry.contributions[rid] = []
            registry.replay(rid, contributions)


def _rebuild_registry(records: dict[str, tuple[PartnershipRecord, ResolvedRecord, list[Contribution], Source]],
                      published: set[str], registry: EntityRegistry) -> EntityRegistry:
    """The registry of the published records only: refused ones contribute their previous version, if any."""
    rebuilt = EntityRegistry()
    for rid in sorted(published):
        contributions = registry.contributions.get(rid) or records[rid][2]
        rebuilt.replay(rid, contributions)
    return rebuilt


def _describe(result: CheckResult) -> str:
    path = f" path <{result.path}>" if result.path else ""
    value = f" value {result.value}" if result.value else ""
    level = result.severity.rsplit("#", 1)[-1]
    return f"{level}: <{result.focus}>{path}{value}: {result.message}"


def write_report(report: BuildReport, store_dir: Path) -> Path:
    """The build report as JSON and as text, and the SHACL results as Turtle, in ``store_dir/reports``."""
    folder = store_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "latest.json").write_text(json.dumps(report.as_json(), ensure_ascii=False, indent=2),
                                        encoding="utf-8")
    lines = [report.summary(), ""]
    lines += [str(p) for p in report.problems]
    for record, results in sorted(report.shacl.items()):
        lines.append(f"SHACL, record {record}:")
        lines += [f"  {_describe(r)}" for r in results]
    (folder / "latest.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shacl_report(report).serialize(folder / "latest-shacl.ttl", format="turtle")
    return folder


def shacl_report(report: BuildReport) -> Graph:
    """The SHACL results of a build as a validation report graph (https://www.w3.org/TR/shacl/#validation-report)."""
    from rdflib import BNode, Literal, URIRef
    from rdflib.namespace import RDF, SH

    graph = Graph()
    graph.bind("sh", SH)
    node = BNode()
    graph.add((node, RDF.type, SH.ValidationReport))
    everything = {r for results in report.shacl.values() for r in results}
    graph.add((node, SH.conforms, Literal(not any(r.severity == SH_VIOLATION for r in everything))))
    for result in sorted(everything, key=lambda r: (r.focus, r.path or "", r.component)):
        item = BNode()
        graph.add((node, SH.result, item))
        graph.add((item, RDF.type, SH.ValidationResult))
        graph.add((item, SH.focusNode, URIRef(result.focus)))
        if result.path and result.path != "complex path":
            graph.add((item, SH.resultPath, URIRef(result.path)))
        graph.add((item, SH.sourceConstraintComponent, URIRef(result.component)))
        graph.add((item, SH.resultSeverity, URIRef(result.severity)))
        graph.add((item, SH.resultMessage, Literal(result.message, lang="en")))
    return graph


__all__ = ["BuildFailed", "BuildReport", "build", "collect_sources"]
