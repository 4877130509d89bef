"""Where an approved release's blog post draft goes as a file: the `release.blog` section of the
repository's `.github/devrel.yml`, e.g.

    release:
      blog:
        path: blog/_drafts/{version}.md   # {version}: the tag without a leading "v"; {tag}: the tag
        pull_request: true                # false: commit to `branch` itself
        branch: devrel/blog-{version}     # the branch the file is committed to
        base: main                        # the pull request's base (default: the default branch)

No `path`, no file (the draft is still posted in the approval thread). The path comes only from this
file and the tag, never from the notes: an approved text cannot choose where it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from devrel.release.changes import ReleaseError

_PLACEHOLDERS = re.compile(r"\{(\w*)\}")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# A git ref name's plain shape: no "..", no leading "-" or "/", none of git's special characters.
_BRANCH = re.compile(r"(?!.*\.\.)(?!.*//)[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}")


class BlogSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(default="", max_length=300)
    pull_request: bool = True
    branch: str = Field(default="devrel/blog-{version}", max_length=200)
    base: str | None = Field(default=None, max_length=200)

    @field_validator("path", "branch")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        unknown = {name for name in _PLACEHOLDERS.findall(value) if name not in ("version", "tag")}
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}} (use {{version}} or {{tag}})")
        return value


@dataclass(frozen=True)
class BlogFile:
    """One blog post draft to write: `path` relative to the repository's root."""

    path: str
    content: str
    message: str
    branch: str
    base: str | None
    pull_request: bool
    title: str


def blog_settings(release_section: Any) -> BlogSettings:
    """The `blog:` settings of a `release:` section; ReleaseError saying what to fix when invalid."""
    section = release_section.get("blog") if isinstance(release_section, dict) else None
    if section is None:
        return BlogSettings()
    if not isinstance(section, dict):
        raise ReleaseError("release.blog in .github/devrel.yml must be a mapping")
    try:
        return BlogSettings.model_validate(section)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ReleaseError(f"release.blog.{where} in .github/devrel.yml: {first['msg']}") from error


def _render(template: str, tag: str) -> str:
    # The tag is a name from GitHub or a command; in a path it is one plain segment.
    safe_tag = _UNSAFE.sub("-", tag).strip("-.") or "release"
    version = safe_tag[1:] if re.match(r"v\d", safe_tag) else safe_tag
    return template.replace("{version}", version).replace("{tag}", safe_tag)


def blog_file(settings: BlogSettings, repository: str, tag: str, content: str) -> BlogFile | None:
    """The file to write for this release, or None when no path is configured."""
    if not settings.path:
        return None
    path = PurePosixPath(_render(settings.path, tag))
    if path.is_absolute() or not path.parts or any(part in ("..", ".", "") for part in path.parts) \
            or path.parts[0] == ".git":
        raise ReleaseError(f"release.blog.path {settings.path!r} must stay inside the repository")
    branch = _render(settings.branch, tag)
    if not _BRANCH.fullmatch(branch) or branch.endswith((".", "/", ".lock")):
        raise ReleaseError(f"release.blog.branch {settings.branch!r} is not a usable branch name")
    if settings.base is not None and not _BRANCH.fullmatch(settings.base):
        raise ReleaseError(f"release.blog.base {settings.base!r} is not a usable branch name")
    return BlogFile(path=str(path), content=content, message=f"Blog post draft for {repository} {tag}",
                    branch=branch, base=settings.base, pull_request=settings.pull_request,
                    title=f"Blog post draft: {repository} {tag}")
