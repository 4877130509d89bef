"""`devrel ingest PATH_OR_REPO`: index a checkout's docs, code and conversations (incremental)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from devrel.commands.common import add_index_arguments, command_settings, knowledge_dir
from devrel.knowledge.build_status import IndexBuilds
from devrel.knowledge.github_threads import export_issues
from devrel.knowledge.ingest import (
    ProgressBar,
    ingest,
)
from devrel.knowledge.reindex import first_build, resolve_target
from devrel.ports import PortError
from devrel.runtime import build_embedder, build_store, github_threads, open_index
from devrel.settings import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("ingest", help="index a project's docs, code, issues and FAQ", description=__doc__)
    parser.add_argument("target", help="a local folder, or OWNER/NAME[@COMMIT] / a github.com URL")
    parser.add_argument("--source", help="collection name (default: OWNER/NAME or the folder name)")
    parser.add_argument("--repo", help="OWNER/NAME for permalinks when the checkout has no GitHub remote")
    parser.add_argument("--commit", help="commit SHA for permalinks (default: the checkout's HEAD)")
    parser.add_argument(
        "--threads",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="issues/discussions/answered threads export (.jsonl) or FAQ file; repeatable",
    )
    parser.add_argument(
        "--issues",
        type=int,
        default=0,
        metavar="N",
        help="also fetch the N most recent closed GitHub issues with their comments (needs the network)",
    )
    parser.add_argument("--batch-size", type=int, default=256, help="chunks per embedder call")
    parser.add_argument("--all-files", action="store_true",
                        help="also vendored, generated, fixture, lock and minified files (DEVREL_INGEST_ALL_FILES)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    add_index_arguments(parser)
    parser.set_defaults(func=run)


def _export_issues(settings: Settings, repo: str, limit: int) -> Path:
    client = github_threads(settings)
    path = knowledge_dir(settings) / "threads" / f"{repo.replace('/', '+')}.threads.jsonl"
    count = export_issues(client, repo, limit, path)
    print(f"fetched {count} issues of {repo}", file=sys.stderr)
    return path


def run(args: argparse.Namespace) -> int:
    settings = command_settings(args.data_dir)
    try:
        root, origin = resolve_target(
            args.target, knowledge_dir(settings) / "checkouts", args.source, args.repo, args.commit
        )
    except (FileNotFoundError, PortError) as exc:
        raise SystemExit(str(exc)) from exc
    extra_files: list[Path] = list(args.threads)
    if args.issues:
        if not origin.repo:
            raise SystemExit("--issues needs a GitHub repository: pass --repo OWNER/NAME")
        extra_files.append(_export_issues(settings, origin.repo, args.issues))
    embedder = build_embedder(settings, cache_dir=knowledge_dir(settings))
    index = open_index(settings, embedder.dimension, args.opensearch, args.index_name)
    # At the edge this is how the first index gets built (`bash .ci/edge` runs it beside `devrel serve`):
    # answers and /api/health must know it is partial. (The cloud's scheduled re-index reports its own.)
    builds = IndexBuilds(build_store(settings)) if settings.mode == "edge" else None
    with first_build(builds, index, origin.source) as track:
        report = ingest(
            root,
            origin,
            index,
            embedder,
            extra_files=extra_files,
            batch_size=args.batch_size,
            progress=ProgressBar(f"ingest {origin.source}"),
            include_skipped=args.all_files or settings.ingest_all_files,
            files_progress=track,
        )
    summary = {
        "source": report.source,
        "files": report.files_seen,
        "changed": report.files_changed,
        "removed": report.files_removed,
        "chunks_embedded": report.chunks,
        "chunks_total": index.count(origin.source),
        "seconds": round(report.seconds, 2),
        "chunks_per_s": round(report.chunks_per_second, 1),
        "skipped": len(report.skipped),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        links = f"{origin.repo}@{origin.commit}" if origin.repo and origin.commit else "path:line"
        print(
            f"{summary['source']}: {summary['files']} files ({summary['changed']} changed, "
            f"{summary['removed']} removed), {summary['chunks_embedded']} chunks embedded in "
            f"{summary['seconds']} s ({summary['chunks_per_s']}/s), {summary['chunks_total']} indexed; "
            f"citations link to {links}",
            file=sys.stdout,
        )
    return 0
