"""Embedded VectorIndex for edge mode: one SQLite file with FTS5 for BM25 and the vectors as blobs.

Vector search is exact: the vectors are loaded once into a numpy matrix (reloaded after writes) and
scored with one matrix-vector product, a few milliseconds at 100k chunks of 384 dimensions, with no
approximate-recall trade-off and no native extension to load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from devrel.adapters.sqlite_db import SqliteDb
from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit, identifier_words, search_terms

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    path TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    url TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_path ON chunks (source, path);
-- Words only (identifiers split); the porter stemmer lets "serialization" match "serialize".
-- The collection is repeated here so a filtered BM25 query never reads the chunks table.
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_words USING fts5(
    title, path, body, source UNINDEXED, tokenize = 'porter unicode61'
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# BM25 weights of the FTS columns (title, path, body): names of things are strong evidence.
_COLUMN_WEIGHTS = (3.0, 2.0, 1.0)
_CHUNK_COLUMNS = "chunk_id, source, path, start_line, end_line, kind, title, url, file_hash, text"
# Bumped when the file layout changes; an older file must be re-ingested.
_SCHEMA_VERSION = "2"


def _chunk(row: Sequence[Any]) -> Chunk:
    _chunk_id, source, path, start_line, end_line, kind, title, url, file_hash, text = row
    return Chunk(
        source=source,
        path=path,
        start_line=start_line,
        end_line=end_line,
        text=text,
        kind=kind,
        title=title,
        url=url,
        file_hash=file_hash,
    )


class EdgeIndex:
    def __init__(self, path: str | Path, dimension: int) -> None:
        self._db = SqliteDb(path)
        self._dimension = dimension
        with self._db.transaction() as conn:
            for statement in filter(str.strip, _SCHEMA.split(";\n")):
                conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
            has_chunks = conn.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is not None
            version = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if version is None and not has_chunks:
                conn.execute("INSERT INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))
            elif version is None or version[0] != _SCHEMA_VERSION:
                raise ValueError(f"index at {path} has an older layout: delete it and run `devrel ingest` again")
            stored = conn.execute("SELECT value FROM meta WHERE key = 'dimension'").fetchone()
            if stored is None:
                conn.execute("INSERT INTO meta VALUES ('dimension', ?)", (str(dimension),))
            elif int(stored[0]) != dimension:
                raise ValueError(
                    f"index at {path} holds {stored[0]}-d vectors, not {dimension}-d: "
                    "re-ingest into a new data directory after changing the embedder"
                )
        self._matrix_lock = threading.Lock()
        # rowids, sources, vectors as of `_generation`; another process's writes bump the counter.
        self._matrix: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._generation = -1

    @property
    def dimension(self) -> int:
        return self._dimension

    def close(self) -> None:
        self._db.close()

    # --- writes ---------------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk], vectors: Any) -> None:
        matrix = np.asarray(vectors, dtype=np.float32)
        if matrix.shape != (len(chunks), self._dimension):
            raise ValueError(f"expected vectors of shape {(len(chunks), self._dimension)}, got {matrix.shape}")
        with self._db.transaction() as conn:
            for chunk, vector in zip(chunks, matrix, strict=True):
                self._delete_where(conn, "chunk_id = ?", (chunk.chunk_id,))
                cursor = conn.execute(
                    f"INSERT INTO chunks ({_CHUNK_COLUMNS}, vector) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        chunk.chunk_id,
                        chunk.source,
                        chunk.path,
                        chunk.start_line,
                        chunk.end_line,
                        chunk.kind,
                        chunk.title,
                        chunk.url,
                        chunk.file_hash,
                        chunk.text,
                        vector.tobytes(),
                    ),
                )
                conn.execute(
                    "INSERT INTO chunk_words (rowid, title, path, body, source) VALUES (?, ?, ?, ?, ?)",
                    (
                        cursor.lastrowid,
                        identifier_words(chunk.title),
                        identifier_words(chunk.path),
                        identifier_words(chunk.text),
                        chunk.source,
                    ),
                )
            self._bump(conn)

    def delete_paths(self, source: str, paths: Iterable[str]) -> None:
        with self._db.transaction() as conn:
            for path in paths:
                self._delete_where(conn, "source = ? AND path = ?", (source, path))
            self._bump(conn)

    @staticmethod
    def _delete_where(conn: Any, where: str, params: tuple[Any, ...]) -> None:
        rowids = [r[0] for r in conn.execute(f"SELECT rowid FROM chunks WHERE {where}", params)]
        for rowid in rowids:
            conn.execute("DELETE FROM chunk_words WHERE rowid = ?", (rowid,))
            conn.execute("DELETE FROM chunks WHERE rowid = ?", (rowid,))

    @staticmethod
    def _bump(conn: Any) -> None:
        conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")

    # --- reads ----------------------------------------------------------------------------------

    def file_hashes(self, source: str) -> dict[str, str]:
        with self._db.connection() as conn:
            rows = conn.execute("SELECT DISTINCT path, file_hash FROM chunks WHERE source = ?", (source,))
            return {path: file_hash for path, file_hash in rows}

    def count(self, source: str | None = None) -> int:
        with self._db.connection() as conn:
            if source is None:
                return int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
            return int(conn.execute("SELECT COUNT(*) FROM chunks WHERE source = ?", (source,)).fetchone()[0])

    def lexical(self, query: str, k: int, source: str | None = None) -> list[Hit]:
        terms = search_terms(query)
        if not terms or k <= 0:
            return []
        # Any term may match (OR); BM25 ranks chunks that match more and rarer terms first.
        match = " OR ".join(f'"{term}"' for term in terms)
        weights = ", ".join(str(w) for w in _COLUMN_WEIGHTS)
        # Rank inside FTS5 alone, then read only the k winners' rows: reading every matching
        # chunk row (text, vector) while ranking would cost several times more.
        sql = f"SELECT rowid, bm25(chunk_words, {weights}) AS rank FROM chunk_words WHERE chunk_words MATCH ?"
        params: list[Any] = [match]
        if source is not None:
            sql += " AND source = ?"
            params.append(source)
        sql += " ORDER BY rank LIMIT ?"
        params.append(k)
        with self._db.connection() as conn:
            ranked = conn.execute(sql, params).fetchall()
        chunks = self._chunks_by_rowid([rowid for rowid, _ in ranked])
        # SQLite's bm25() is lower-is-better; flip it so every Hit score is higher-is-better.
        return [Hit(chunks[rowid], -float(rank)) for rowid, rank in ranked]

    def nearest(self, vector: Any, k: int, source: str | None = None) -> list[Hit]:
        rowids, sources, matrix = self._vectors()
        if k <= 0 or len(rowids) == 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        scores = matrix @ query
        if source is not None:
            scores = np.where(sources == source, scores, -np.inf)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        top = top[np.isfinite(scores[top])]
        chunks = self._chunks_by_rowid([int(rowids[i]) for i in top])
        return [Hit(chunks[int(rowids[i])], float(scores[i])) for i in top]

    def _chunks_by_rowid(self, rowids: list[int]) -> dict[int, Chunk]:
        if not rowids:
            return {}
        marks = ",".join("?" * len(rowids))
        with self._db.connection() as conn:
            rows = conn.execute(f"SELECT rowid, {_CHUNK_COLUMNS} FROM chunks WHERE rowid IN ({marks})", rowids)
            return {row[0]: _chunk(row[1:]) for row in rows}

    def _vectors(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        with self._matrix_lock:
            with self._db.connection() as conn:
                generation = int(conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])
                if self._matrix is None or generation != self._generation:
                    rows = conn.execute("SELECT rowid, source, vector FROM chunks ORDER BY rowid").fetchall()
                    self._matrix = self._stack(rows)
                    self._generation = generation
            return self._matrix

    def _stack(self, rows: list[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        sources = np.array([r[1] for r in rows], dtype=str)
        if not rows:
            return rowids, sources, np.zeros((0, self._dimension), dtype=np.float32)
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32).reshape(len(rows), self._dimension)
        return rowids, sources, matrix
