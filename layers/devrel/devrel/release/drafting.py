"""Drafting release notes: history -> changes -> kinds -> checked phrasing -> Markdown."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field, replace

from devrel.ports import LLM, PortError
from devrel.release.api import api_breaks, is_public_module, module_name
from devrel.release.changes import (
    USER_FACING,
    ApiBreak,
    Change,
    HistorySource,
    PullRequests,
    ReleaseRange,
    SourceFiles,
)
from devrel.release.classify import KeywordKinds, KindModel, classify
from devrel.release.extract import changes_in
from devrel.release.notes import Audience, RenderOptions, render
from devrel.release.phrasing import rephrase

log = logging.getLogger(__name__)
# Past this many changed Python modules the API comparison keeps to the first ones (a huge
# refactoring release): reading two versions of each costs a git call apiece.
MAX_API_MODULES = 400


@dataclass
class Draft:
    release: ReleaseRange
    changes: list[Change]
    external: str
    internal: str
    phrased: int = 0  # bullets the model rephrased (and the check kept)
    timings: dict[str, float] = field(default_factory=dict)

    def notes(self, audience: Audience) -> str:
        return self.external if audience == "external" else self.internal


def find_api_breaks(release: ReleaseRange, files: SourceFiles, from_ref: str,
                    to_ref: str) -> dict[str, tuple[ApiBreak, ...]]:
    """Public API breaks between the two refs, each attributed to the commits of the range that made it."""
    modules = [path for path in files.changed_files(from_ref, to_ref) if is_public_module(path)][:MAX_API_MODULES]
    found: dict[str, list[ApiBreak]] = {}
    for path in modules:
        old = files.file_at(from_ref, path)
        overall = api_breaks(path, old, files.file_at(to_ref, path))
        if not overall:
            continue
        module = module_name(path, lambda init: files.file_at(from_ref, init) is not None)
        overall = [replace(b, name=module + b.name.removeprefix(module_name(path))) for b in overall]
        names = {b.name for b in overall}
        touching = sorted((c for c in release.commits if path in c.files and c.parents <= 1), key=lambda c: c.at)
        attributed = False
        for commit in touching:
            parent = files.parent_of(commit.sha)
            before = files.file_at(parent, path) if parent else None
            for broken in api_breaks(path, before, files.file_at(commit.sha, path), module):
                if broken.name in names:
                    found.setdefault(commit.sha, []).append(broken)
                    attributed = True
        if not attributed and touching:
            # Broken only in combination (e.g. moved then changed): the last commit that touched it.
            found.setdefault(touching[-1].sha, []).extend(overall)
    return {sha: tuple(dict.fromkeys(breaks)) for sha, breaks in found.items()}


def classified_changes(release: ReleaseRange, model: KindModel | None = None) -> list[Change]:
    kinds = model or KeywordKinds()
    changes = changes_in(release)
    with_breaks = [c.with_(api_breaks=tuple(b for sha in c.commits for b in release.api_breaks.get(sha, ())))
                   for c in changes]
    return [classify(c, kinds) for c in with_breaks]


def draft_notes(source: HistorySource, from_ref: str | None, to_ref: str, *, model: KindModel | None = None,
                llm: LLM | None = None, pulls: PullRequests | None = None, files: SourceFiles | None = None,
                title: str | None = None) -> Draft:
    """Notes for both audiences. Raises ReleaseError (bad refs, empty range) before anything is written."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    release = source.release_range(from_ref, to_ref)
    timings["history"] = time.perf_counter() - started
    if pulls is not None:
        step = time.perf_counter()
        try:
            release.pulls = {**release.pulls, **pulls.pulls_for(release.repository, release.commits)}
        except PortError as error:
            log.warning("release notes: pull requests not read (%s); commits only", error)
        timings["pull_requests"] = time.perf_counter() - step
    if files is not None:
        step = time.perf_counter()
        release.api_breaks = find_api_breaks(release, files, release.from_ref, to_ref)
        timings["api"] = time.perf_counter() - step
    step = time.perf_counter()
    changes = classified_changes(release, model)
    timings["classify"] = time.perf_counter() - step
    step = time.perf_counter()
    user_facing = [i for i, c in enumerate(changes) if c.kind in USER_FACING and not c.routine]
    phrased = rephrase(changes, user_facing, llm)
    timings["phrase"] = time.perf_counter() - step
    options = RenderOptions(title=title or f"{release.repository} {release.to_ref}", web_url=release.web_url)
    external = render(changes, "external", options, phrased)
    internal = render(changes, "internal", replace(options, title=f"{options.title} (internal)"), phrased)
    timings["total"] = time.perf_counter() - started
    return Draft(release, changes, external, internal, len(phrased), timings)
