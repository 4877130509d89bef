"""The duplicate index kept current by changes agrees with one fitted afresh on the same issues."""

from __future__ import annotations

import random
import zlib
from typing import Any

import numpy as np

from devrel.triage.duplicates import DuplicateIndex, LiveIndex
from devrel.triage.text import Issue

WORDS = [
    "export", "import", "csv", "parquet", "unicode", "crash", "timeout", "proxy", "login", "token", "cache",
    "disk", "memory", "leak", "upload", "download", "retry", "socket", "ssl", "certificate", "config",
    "yaml", "schema", "migration", "index", "query",
]


class CountingEmbedder:
    """Hashed word counts, unit length, counting the texts it embeds."""

    dimension = 128

    def __init__(self) -> None:
        self.texts = 0

    def embed(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                rows[row, zlib.crc32(word.encode()) % self.dimension] += 1.0
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)


def generated(count: int, seed: int = 7) -> dict[str, Issue]:
    rng = random.Random(seed)
    issues = {}
    for number in range(1, count + 1):
        title = " ".join(rng.sample(WORDS, 4))
        issues[str(number)] = Issue(title, " ".join(rng.sample(WORDS, 10)), issue_id=str(number))
    return issues


def fresh_top(issues: dict[str, Issue], probe: Issue, k: int = 3) -> list[tuple[str, float]]:
    match = DuplicateIndex(list(issues.values())).find(probe, k=k)
    return [(c.issue_id, c.score) for c in match.candidates]


def test_changes_are_searchable_without_a_refit_and_score_like_a_fresh_index() -> None:
    issues = generated(400)
    live = LiveIndex(list(issues.values()))
    changed = dict(issues)
    changed["5"] = Issue("Parquet export crashes on unicode column names", "UnicodeEncodeError in the writer",
                         issue_id="5")
    changed["401"] = Issue("SSL certificate rejected behind the corporate proxy", "CERTIFICATE_VERIFY_FAILED",
                           issue_id="401")
    del changed["7"]
    assert live.update(changed) == 3
    assert live.fits == 1  # 3 changes in 400: no refit

    probe = Issue("certificate verify failed behind a proxy", "CERTIFICATE_VERIFY_FAILED with ssl", issue_id="q")
    top = live.find(probe, k=3)
    assert top[0].issue_id == "401"
    expected = fresh_top(changed, probe)
    assert [c.issue_id for c in top] == [issue_id for issue_id, _ in expected]
    # Frozen document frequencies: close to a fresh fit (a new error string weighs as a rare word).
    assert all(abs(c.score - score) < 0.01 for c, (_, score) in zip(top, expected, strict=True))

    old_five = Issue(issues["5"].title, issues["5"].body, issue_id="probe-5")
    assert all(c.issue_id != "7" for c in live.find(Issue(issues["7"].title, issues["7"].body, issue_id="x"), k=400))
    assert live.find(Issue("Parquet export unicode column names crash", issue_id="y"), k=1)[0].issue_id == "5"
    assert all(c.issue_id != "5" or c.score < 0.9 for c in live.find(old_five, k=3))  # the old text is gone


def test_with_embeddings_changed_issues_keep_their_vectors_and_score_like_a_fresh_index() -> None:
    embedder = CountingEmbedder()
    issues = generated(200)
    live = LiveIndex(list(issues.values()), embedder)
    fitted = embedder.texts
    changed = {**issues, "201": Issue("Upload retries forever on a socket timeout", "ssl socket retry", issue_id="201")}
    live.update(changed)
    changed["202"] = Issue("Login token expires in the cache", issue_id="202")
    live.update(changed)
    assert embedder.texts == fitted + 2  # each new issue embedded once, the history not again
    probe = Issue("socket timeout makes the upload retry forever", issue_id="q")
    fresh = DuplicateIndex(list(changed.values()), CountingEmbedder()).find(probe, k=3).candidates
    top = live.find(probe, k=3)
    assert [c.issue_id for c in top] == [c.issue_id for c in fresh] and top[0].issue_id == "201"
    assert all(abs(a.score - b.score) < 0.01 for a, b in zip(top, fresh, strict=True))


def test_an_issue_never_matches_itself_and_many_changes_refit() -> None:
    issues = generated(100)
    live = LiveIndex(list(issues.values()))
    assert all(c.issue_id != "3" for c in live.find(issues["3"], k=5))
    changed = {**issues, **{str(n): Issue(f"new report {n} disk leak", issue_id=str(n)) for n in range(101, 113)}}
    live.update(changed)
    assert live.fits == 2  # 12 changes in 100 are past a tenth: fitted again on the current issues
    assert len(live) == 112
    assert live.update(changed) == 0
