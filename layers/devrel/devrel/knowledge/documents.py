"""The unit of knowledge: a chunk of one source file or conversation, with where it came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import Literal

# About 150-250 tokens of code or prose.
EMBED_CHARS = 700

ChunkKind = Literal["doc", "code", "issue", "thread", "faq", "text"]


def content_hash(text: str) -> str:
    """The key of a text in every cache and index (ingest, embeddings, triage evaluation)."""
    # surrogatepass: scraped issue text can hold lone surrogates; valid text hashes as plain UTF-8.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Origin:
    """Where a collection of files lives, so a chunk can link back to the exact lines.

    `repo` is "owner/name" on GitHub and `commit` the full or abbreviated SHA: together they give
    permalinks. Without them, citations are `path:start-end` relative to `root`.
    """

    source: str
    root: str = ""
    repo: str | None = None
    commit: str | None = None
    web_url: str = "https://github.com"

    def link(self, path: str, start_line: int, end_line: int) -> str:
        if self.repo and self.commit:
            lines = f"#L{start_line}" if start_line == end_line else f"#L{start_line}-L{end_line}"
            return f"{self.web_url}/{self.repo}/blob/{self.commit}/{path}{lines}"
        return f"{path}:{start_line}-{end_line}"


@dataclass(frozen=True)
class Chunk:
    """A passage small enough to embed and quote. Lines are 1-based and inclusive.

    `file_hash` is the hash of the whole file the chunk came from (incremental ingest compares it);
    `text_hash` the hash of the passage itself (embedding cache key).
    """

    source: str
    path: str
    start_line: int
    end_line: int
    text: str
    kind: ChunkKind = "text"
    title: str = ""
    url: str = ""
    file_hash: str = ""

    @property
    def text_hash(self) -> str:
        return content_hash(self.text)

    @property
    def chunk_id(self) -> str:
        key = f"{self.source}\0{self.path}\0{self.start_line}\0{self.end_line}\0{self.text_hash}"
        return hashlib.sha1(key.encode("utf-8")).hexdigest()

    @property
    def location(self) -> str:
        return f"{self.path}:{self.start_line}-{self.end_line}"

    def embedding_text(self, max_chars: int = EMBED_CHARS) -> str:
        """What the embedder sees: the passage headed by its file and title, which carry meaning.

        Only the head is embedded: sentence models read ~256 tokens at most and cost grows with
        length, while a passage's head (signature, docstring, heading) says what it is about.
        """
        heading = f"{self.path} {self.title}".strip()
        return f"{heading}\n{self.text}"[:max_chars]

    def with_origin(self, origin: Origin, file_hash: str) -> Chunk:
        # Conversations carry their own web address; files get a permalink to their lines.
        url = self.url or origin.link(self.path, self.start_line, self.end_line)
        return replace(self, source=origin.source, url=url, file_hash=file_hash)
