"""Files derived from a release, rewritten after each build: dumps and the publication manifest.

Layout, next to the store's releases::

    STORE_DIR/release-files/<release id>/dumps/atlas.nt.gz ...
    STORE_DIR/release-files/<release id>/manifest.json

The folder is written under a temporary name and renamed into place when complete: a build
killed half-way leaves no folder, and the server then serves no dump rather than a partial one.

The manifest gives each published resource a *fingerprint* of the data its documents and page
show (its own arcs, those of the nodes it owns, the resources it links to, the links to it and
the labels of what links to those) and the time that fingerprint last changed. The time is
carried from the previous release's manifest while the fingerprint stays the same, so a
resource's ``Last-Modified`` moves when a build changes its data, and only then.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from publisher.dumps import graph_lines, write_dumps
from publisher.settings import Settings
from publisher.store import Store, open_store_target

FILES_FOLDER = "release-files"
MANIFEST = "manifest.json"
LABEL_PREDICATES = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
}
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def files_root(store_dir: Path) -> Path:
    return Path(store_dir) / FILES_FOLDER


def release_files_dir(store_dir: Path, release_id: str) -> Path:
    return files_root(store_dir) / release_id


def release_time(release_id: str) -> datetime:
    """When a release was started, read from its id (``YYYYMMDDTHHMMSS.nanos``)."""
    try:
        return datetime.strptime(release_id.split(".")[0], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return datetime.now(UTC).replace(microsecond=0)


def _node_key(term: object) -> str:
    return str(term)


def resource_fingerprints(store: Store, base_iri: str,
                          graphs: list[tuple[str, list[bytes]]] | None = None) -> dict[str, str]:
    """A fingerprint per resource named under ``base_iri``, from one pass over the store's quads."""
    own: dict[str, set[str]] = defaultdict(set)
    incoming: dict[str, set[tuple[str, str]]] = defaultdict(set)
    labels: dict[str, set[str]] = defaultdict(set)
    for _graph, lines in graphs if graphs is not None else graph_lines(store):
        for raw in lines:
            # An N-Triples line: subject, predicate, object (the object may hold spaces), " .".
            line = raw.decode("utf-8")
            subject_text, predicate_text, rest = line.split(" ", 2)
            o = rest[:-2] if rest.endswith(" .") else rest
            s = subject_text[1:-1] if subject_text.startswith("<") else subject_text
            p = predicate_text[1:-1]
            own[s].add(f"{p} {o}")
            if p in LABEL_PREDICATES or p == RDF_TYPE:
                labels[s].add(f"{p} {o}")
            if (o.startswith("<") or o.startswith("_:")) and p != RDF_TYPE:
                # (a class's members are not listed on its documents: they are not links to it here)
                incoming[o[1:-1] if o.startswith("<") else o].add((s, p))

    def owned(iri: str) -> list[str]:
        """``iri`` and the nodes under it that it links to (a partnership's funding lines, ...)."""
        found, todo = [iri], [iri]
        while todo:
            node = todo.pop()
            for arc in own.get(node, ()):
                target = arc.split(" ", 1)[1]
                if target.startswith(f"<{iri}/") and target.endswith(">"):
                    child = target[1:-1]
                    if child not in found:
                        found.append(child)
                        todo.append(child)
        return found

    fingerprints = {}
    for iri in own.keys() | incoming.keys():
        if not iri.startswith(base_iri):
            continue
        digest = hashlib.blake2b(digest_size=16)
        for node in owned(iri):
            for arc in sorted(own.get(node, ())):
                digest.update(f"{node} {arc}\n".encode())
                target = arc.split(" ", 1)[1]
                if target.startswith("<") or target.startswith("_:"):
                    linked = target[1:-1] if target.startswith("<") else target
                    for fact in sorted(own.get(linked, ()) if linked.startswith(base_iri + "graph/")
                                       else labels.get(linked, ())):
                        digest.update(f"  {linked} {fact}\n".encode())
        for source, predicate in sorted(incoming.get(iri, ())):
            digest.update(f"< {source} {predicate}\n".encode())
            for fact in sorted(labels.get(source, ())):
                digest.update(f"  {source} {fact}\n".encode())
            for far_subject, far_predicate in sorted(incoming.get(source, ())):
                digest.update(f"<< {far_subject} {far_predicate} {source}\n".encode())
                for fact in sorted(labels.get(far_subject, ())):
                    digest.update(f"  {far_subject} {fact}\n".encode())
        fingerprints[iri] = digest.hexdigest()
    return fingerprints


def _previous_manifest(store_dir: Path, release_id: str) -> dict[str, Any] | None:
    root = files_root(store_dir)
    if not root.is_dir():
        return None
    candidates = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                        and p.name != release_id and (p / MANIFEST).is_file())
    for folder in reversed(candidates):
        try:
            return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except (OSError, ValueError):
            continue
    return None


def build_manifest(store: Store, settings: Settings, release_id: str,
                   previous: dict[str, Any] | None,
                   graphs: list[tuple[str, list[bytes]]] | None = None) -> dict[str, Any]:
    """The manifest of ``release_id``: fingerprints and modification times of every resource."""
    now = release_time(release_id).strftime("%Y-%m-%dT%H:%M:%SZ")
    before = (previous or {}).get("resources", {})
    resources = {}
    for iri, fingerprint in resource_fingerprints(store, settings.base_iri, graphs).items():
        earlier = before.get(iri)
        modified = earlier[1] if earlier and earlier[0] == fingerprint else now
        resources[iri] = [fingerprint, modified]
    data_modified = max((m for _f, m in resources.values()), default=now)
    return {
        "release": release_id,
        "base_iri": settings.base_iri,
        "published_at": now,
        "data_modified": data_modified,
        "resources": resources,
    }


def publish_release_files(store_dir: Path, settings: Settings) -> None:
    """(Re)write the dumps and manifest of the store's current release; remove those of gone releases.

    Call after a build has committed its release. Safe to call again: the folder of the current
    release is replaced whole, by a rename.
    """
    store_dir = Path(store_dir)
    directory = open_store_target(settings, store_dir)
    store = directory.reader()
    release_id = store.version
    root = files_root(store_dir)
    root.mkdir(parents=True, exist_ok=True)
    work = root / f".partial-{release_id}-{secrets.token_hex(4)}"
    work.mkdir()
    try:
        graphs = list(graph_lines(store))  # read once, for the dumps and the fingerprints
        dumps = write_dumps(store, work / "dumps", settings.base_iri, graphs)
        manifest = build_manifest(store, settings, release_id, _previous_manifest(store_dir, release_id), graphs)
        manifest["dumps"] = [
            {"file": d.file_name, "media_type": d.media_type, "title": d.title, "byte_size": d.byte_size,
             "sha256": d.sha256}
            for d in dumps
        ]
        manifest["triples"] = store.count()  # type: ignore[attr-defined]
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, sort_keys=True), encoding="utf-8")
        target = release_files_dir(store_dir, release_id)
        if target.exists():
            stale = root / f".stale-{release_id}-{secrets.token_hex(4)}"
            os.rename(target, stale)
            os.rename(work, target)
            shutil.rmtree(stale, ignore_errors=True)
        else:
            os.rename(work, target)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    releases = directory.kept_releases() | {release_id}
    for folder in root.iterdir():
        if folder.name.startswith(".partial-") and time.time() - folder.stat().st_mtime < 3600:
            continue  # perhaps another build's, still being written
        if folder.name.startswith(".") or folder.name not in releases:
            shutil.rmtree(folder, ignore_errors=True)


def load_manifest(store_dir: Path, release_id: str) -> dict[str, Any] | None:
    """The manifest of a release, or ``None`` when its files are not (yet) published."""
    path = release_files_dir(store_dir, release_id) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None
