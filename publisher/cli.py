"""The ``atlas-ld`` command: build, serve, export, generate, settings."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from publisher.settings import load_settings, settings_markdown


def _progress(items: Iterable, label: str, total: int) -> Iterator:
    """A progress bar on stderr for long stages (only when stderr is a terminal or the stage is long)."""
    show = sys.stderr.isatty() or total >= 500
    step = max(1, total // 50)
    for index, item in enumerate(items, start=1):
        yield item
        if show and (index % step == 0 or index == total):
            filled = int(30 * index / max(total, 1))
            sys.stderr.write(f"\r{label:>10} [{'#' * filled}{'.' * (30 - filled)}] {index}/{total}")
            if index == total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _cmd_build(args: argparse.Namespace) -> int:
    from publisher.build import BuildFailed, build

    settings = load_settings(base_iri=args.base_iri)
    try:
        report = build([Path(p) for p in args.paths], Path(args.store), settings, progress=_progress)
    except BuildFailed as exc:
        print(f"atlas-ld build: {exc}", file=sys.stderr)
        return 2
    for problem in report.problems:
        print(problem, file=sys.stderr)
    print(report.summary())
    print(f"report: {Path(args.store) / 'reports' / 'latest.txt'}")
    if report.refused or report.unreadable or report.duplicates:
        return 1
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from publisher.web import create_app
    from publisher.web.serving import serve_development, serve_production

    settings = load_settings(base_iri=args.base_iri)
    store = Path(args.store)
    print(f"serving {args.store} at http://{args.host}:{args.port}/ (data IRIs under {settings.base_iri})",
          flush=True)
    if args.workers:
        serve_production(lambda: create_app(store, settings), args.host, args.port,
                         args.workers, args.threads, settings.query_timeout_s)
    else:
        serve_development(create_app(store, settings), args.host, args.port)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from publisher.export import ExportFailed, export_site

    settings = load_settings(base_iri=args.base_iri)
    try:
        written = export_site(Path(args.store), Path(args.out), settings,
                              progress=lambda text: print(text, file=sys.stderr))
    except ExportFailed as exc:
        print(f"atlas-ld export: {exc}", file=sys.stderr)
        return 2
    print(f"{written} files written to {args.out} (serve them with {Path(args.out) / 'nginx.conf'})")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    import time

    from publisher.generate import NATIONAL, generate_corpus, write_corpus

    started = time.perf_counter()
    corpus = generate_corpus(NATIONAL.projects if args.projects is None else args.projects, args.seed)
    written = write_corpus(corpus, Path(args.out))
    print(f"{written['pages']} synthetic partnerships (seed {args.seed}) written to {args.out} "
          f"in {time.perf_counter() - started:.1f}s: pages/, export/atlas-export.csv and .jsonl, "
          f"answer-key.jsonl ({written['answer_key']} mentions), README.md")
    return 0


def _cmd_settings(_args: argparse.Namespace) -> int:
    sys.stdout.write(settings_markdown())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="atlas-ld", description="Linked-data publisher of the Atlas français "
                                     "de la coopération décentralisée.")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build sources (Atlas pages, files or folders) into a store")
    build.add_argument("paths", nargs="+", metavar="PATH")
    build.add_argument("--store", required=True, metavar="DIR", help="store folder (created if absent)")
    build.add_argument("--base-iri", help="override the base_iri setting")
    build.set_defaults(handler=_cmd_build)

    serve = commands.add_parser("serve", help="serve a store over HTTP (built by atlas-ld build, "
                                "or any pyoxigraph store)")
    serve.add_argument("--store", required=True, metavar="DIR")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--base-iri", help="override the base_iri setting")
    serve.add_argument("--workers", type=int, default=0, metavar="N",
                       help="production mode: N gunicorn worker processes (default: one process, "
                            "werkzeug's threaded server)")
    serve.add_argument("--threads", type=int, default=16, metavar="T",
                       help="threads per gunicorn worker process (with --workers)")
    serve.set_defaults(handler=_cmd_serve)

    export = commands.add_parser("export", help="write the whole site as static files, with a sample "
                                 "web-server configuration keeping content negotiation")
    export.add_argument("--store", required=True, metavar="DIR")
    export.add_argument("--out", required=True, metavar="DIR", help="folder to write the site into")
    export.add_argument("--base-iri", help="override the base_iri setting")
    export.set_defaults(handler=_cmd_export)

    generate = commands.add_parser("generate", help="write a synthetic corpus (Atlas pages, tabular export, "
                                   "answer key) with the real Atlas's proportions")
    generate.add_argument("--out", required=True, metavar="DIR", help="folder to write the corpus into")
    generate.add_argument("--projects", type=int, metavar="N", help="number of partnerships (default: 12129, "
                          "the national Atlas; smaller corpora keep its proportions)")
    generate.add_argument("--seed", type=int, default=0, metavar="S",
                          help="random seed (default 0); the same seed gives the same bytes")
    generate.set_defaults(handler=_cmd_generate)

    settings = commands.add_parser("settings", help="print the settings reference (Markdown)")
    settings.set_defaults(handler=_cmd_settings)

    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except ValueError as exc:
        print(f"atlas-ld: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
