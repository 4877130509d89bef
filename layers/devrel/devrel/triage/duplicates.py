"""Finding likely duplicates of a new issue among past ones.

The score is a weighted sum of two cosines, both in [0, 1] for these features: TF-IDF (shared
rare words, error strings, class names) and sentence embeddings (the same problem in other
words), less a penalty for distance in time when both issues say when they were opened:
duplicates are mostly filed within weeks of their original (GitBugs Hadoop: median 48 days apart,
against 500 for two random reports). A fixed-scale score, unlike rank fusion, can be given a
threshold: the one calibrated on labelled pairs to a target precision decides which candidates
are called likely duplicates. The penalty only lowers scores, so a threshold never passes more.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from devrel.ports import Embedder
from devrel.triage.calibration import threshold_for_precision
from devrel.triage.sparse import CsrMatrix
from devrel.triage.text import Issue
from devrel.triage.vectorize import Analyzed, BlockSpec, TfidfVectorizer

# Whole tokens, not split identifiers: class and config names ("FSImage", "dfs.replication") are
# the strongest evidence that two reports are about the same thing. Versions stay whole: "upgrade
# X to 3.5.1" and "upgrade X to 3.6.0" are different requests.
_TOKEN = re.compile(r"\d+(?:\.\d+)+|\b\w\w+\b")
# The textbook baseline's tokens: words of two or more characters.
_PLAIN_TOKEN = re.compile(r"\b\w\w+\b")
_UNLIMITED = 10**7
# Sublinear TF over title and body, plus the title again: its words say what the report is about.
LEXICAL_BLOCKS: dict[str, BlockSpec] = {
    "words": BlockSpec(weight=1.0, min_df=1, max_features=_UNLIMITED),
    "title": BlockSpec(weight=0.5, min_df=1, max_features=_UNLIMITED),
}
PLAIN_BLOCKS: dict[str, BlockSpec] = {"plain": BlockSpec(min_df=1, max_features=_UNLIMITED, sublinear=False)}
# Chosen by 5-fold cross-validation over GitBugs Hadoop's labelled pairs (folds kept whole per pair
# of reports): lexical 0.7 of the text score; at most 0.1 off for time, half of it at ~62 days apart.
DEFAULT_LEXICAL_WEIGHT = 0.7
DEFAULT_RECENCY_WEIGHT = 0.1
DEFAULT_RECENCY_DAYS = 90.0
_DAY = 86_400.0
# Queries scored per batch: bounds the dense (features x batch) temporary.
_QUERY_BATCH = 128


@dataclass(frozen=True)
class Candidate:
    issue_id: str
    title: str
    score: float  # fused
    lexical: float
    semantic: float


@dataclass(frozen=True)
class DuplicateMatch:
    candidates: list[Candidate]  # top k, best first
    likely: list[Candidate]  # those at or above the calibrated threshold (empty without one)
    threshold: float | None


def lexical_terms(issue: Issue) -> Analyzed:
    return {
        "words": Counter(_TOKEN.findall(f"{issue.title} {issue.body}".lower())),
        "title": Counter(_TOKEN.findall(issue.title.lower())),
    }


def recency_penalty(query_times: np.ndarray, corpus_times: np.ndarray, weight: float, days: float) -> np.ndarray:
    """(queries x corpus) penalty `weight * (1 - exp(-|days apart| / days))`; 0 where a time is unknown (NaN)."""
    apart = np.abs(query_times[:, None] - corpus_times[None, :]) / _DAY
    penalty = weight * -np.expm1(-apart / days)
    return np.nan_to_num(penalty, nan=0.0)


def created_times(issues: Sequence[Issue]) -> np.ndarray:
    return np.array([np.nan if issue.created is None else issue.created for issue in issues], dtype=np.float64)


def cosine_rows(queries: CsrMatrix, corpus: CsrMatrix) -> np.ndarray:
    """(queries x corpus) dot products of rows (cosines when rows are unit length)."""
    out = np.zeros((queries.n_rows, corpus.n_rows))
    for start in range(0, queries.n_rows, _QUERY_BATCH):
        batch = queries.take_rows(np.arange(start, min(start + _QUERY_BATCH, queries.n_rows)))
        dense = np.zeros((corpus.n_cols, batch.n_rows))
        dense[batch.indices, batch.row_ids()] = batch.data
        out[start:start + batch.n_rows] = corpus.dot(dense).T
    return out


class DuplicateIndex:
    """Past issues, searchable for duplicates of new ones. Without an embedder, lexical only."""

    def __init__(self, issues: Sequence[Issue], embedder: Embedder | None = None,
                 lexical_weight: float = DEFAULT_LEXICAL_WEIGHT, threshold: float | None = None,
                 analyzer: Callable[[Issue], Analyzed] | None = None,
                 blocks: dict[str, BlockSpec] | None = None, recency_weight: float = DEFAULT_RECENCY_WEIGHT,
                 recency_days: float = DEFAULT_RECENCY_DAYS) -> None:
        self.issues = list(issues)
        self.embedder = embedder
        self.lexical_weight = lexical_weight if embedder is not None else 1.0
        self.recency_weight = recency_weight
        self.recency_days = recency_days
        self.times = created_times(self.issues)
        self.threshold = threshold
        self.analyzer = analyzer or lexical_terms
        self.vectorizer = TfidfVectorizer(blocks or LEXICAL_BLOCKS).fit([self.analyzer(i) for i in self.issues])
        self.lexical_rows = self._lexical(self.issues)
        self.vectors = self._semantic(self.issues)
        self._position = {issue.issue_id: row for row, issue in enumerate(self.issues)}

    def _lexical(self, issues: Sequence[Issue]) -> CsrMatrix:
        # Block weights shape the mix inside the lexical score; the cosine needs unit rows.
        return self.vectorizer.transform([self.analyzer(issue) for issue in issues]).normalized()

    def _semantic(self, issues: Sequence[Issue]) -> np.ndarray | None:
        if self.embedder is None:
            return None
        return np.asarray(self.embedder.embed([issue.text for issue in issues]), dtype=np.float32)

    def score_matrix(self, queries: Sequence[Issue]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Similarities of each query to every indexed issue: (fused, lexical, semantic)."""
        lexical = cosine_rows(self._lexical(queries), self.lexical_rows)
        if self.vectors is None:
            semantic = np.zeros_like(lexical)
            fused = lexical
        else:
            semantic = np.clip(self._semantic(queries) @ self.vectors.T, 0.0, 1.0)
            fused = self.lexical_weight * lexical + (1.0 - self.lexical_weight) * semantic
        if self.recency_weight:
            fused = fused - recency_penalty(created_times(queries), self.times, self.recency_weight, self.recency_days)
        return fused, lexical, semantic

    def find(self, issue: Issue, k: int = 5, exclude: Iterable[str] = ()) -> DuplicateMatch:
        """Top-k past issues most like `issue` (itself and `exclude` left out)."""
        fused, lexical, semantic = (scores[0] for scores in self.score_matrix([issue]))
        skip = {self._position[i] for i in {issue.issue_id, *exclude} if i in self._position}
        order = [row for row in np.argsort(-fused, kind="stable") if row not in skip][:k]
        candidates = [Candidate(self.issues[row].issue_id, self.issues[row].title, float(fused[row]),
                                float(lexical[row]), float(semantic[row])) for row in order]
        likely = [c for c in candidates if self.threshold is not None and c.score >= self.threshold]
        return DuplicateMatch(candidates, likely, self.threshold)

    def rank_of(self, fused_row: np.ndarray, query_id: str, target_id: str) -> int | None:
        """1-based rank of `target_id` among all indexed issues but the query itself.

        Ties keep index order, as `find` lists them (verbatim clones score the same).
        """
        target = self._position.get(target_id)
        if target is None:
            return None
        ahead = fused_row > fused_row[target]
        ahead[:target] |= fused_row[:target] == fused_row[target]
        own = self._position.get(query_id)
        if own is not None:
            ahead[own] = False
        return int(ahead.sum()) + 1

    def top_match(self, fused_row: np.ndarray, excluded: Iterable[str]) -> tuple[str, float]:
        """The best issue for one row of `score_matrix`, leaving out `excluded` ids, and its score."""
        row = fused_row.copy()
        for issue_id in excluded:
            position = self._position.get(issue_id)
            if position is not None:
                row[position] = -np.inf
        best = int(np.argmax(row))
        return self.issues[best].issue_id, float(row[best])


def calibrate_threshold(index: DuplicateIndex, duplicates: Sequence[tuple[Issue, set[str]]],
                        target_precision: float, non_duplicates: Sequence[Issue] = (),
                        min_support: int = 3) -> float | None:
    """Threshold on the best candidate's score so that flagging meets `target_precision`.

    See `top_scores` for what counts as a right and a wrong flag.
    """
    scores, correct = top_scores(index, duplicates, non_duplicates)
    return threshold_for_precision(scores, correct, target_precision, min_support)


def top_scores(index: DuplicateIndex, duplicates: Sequence[tuple[Issue, set[str]]],
               non_duplicates: Sequence[Issue] = ()) -> tuple[np.ndarray, np.ndarray]:
    """Best-candidate scores of labelled issues, and whether flagging each would be right.

    Each known duplicate counts twice: once against the full index (right when its best candidate
    is one of its originals) and once with its originals left out, which makes it a new issue with
    no original in the index but with close relatives (flagging it is wrong). `non_duplicates` are
    issues known to have no original in the index. Unlabelled reports are not used as negatives:
    trackers hold clones and backports that nobody marked as duplicates.
    """
    queries = [issue for issue, _ in duplicates] + list(non_duplicates)
    fused, _, _ = index.score_matrix(queries)
    scores, correct = [], []
    for row, (issue, originals) in enumerate(duplicates):
        best_id, best_score = index.top_match(fused[row], [issue.issue_id])
        scores.append(best_score)
        correct.append(best_id in originals)
        scores.append(index.top_match(fused[row], [issue.issue_id, *originals])[1])
        correct.append(False)
    for row, issue in enumerate(non_duplicates, start=len(duplicates)):
        scores.append(index.top_match(fused[row], [issue.issue_id])[1])
        correct.append(False)
    return np.array(scores), np.array(correct, dtype=bool)


def plain_tfidf_terms(issue: Issue) -> Analyzed:
    """The textbook baseline: lower-cased words of two or more characters, raw counts."""
    return {"plain": Counter(_PLAIN_TOKEN.findall(f"{issue.title} {issue.body}".lower()))}


def plain_tfidf_index(issues: Sequence[Issue]) -> DuplicateIndex:
    return DuplicateIndex(issues, None, analyzer=plain_tfidf_terms, blocks=PLAIN_BLOCKS, recency_weight=0.0)


class LiveIndex:
    """A DuplicateIndex kept current as issues come, change and go, without refitting on each change.

    Fitting costs the whole history (every text tokenized, every text embedded); a change costs only
    the changed issues: they are weighted with the fitted document frequencies (a word the fit never
    saw counts as rare as it is among the changed issues, so a new error string weighs as it would
    after a refit) and the rows they replace are masked. Once the changes reach `refit_fraction` of
    the fitted history the index is fitted again, so the frozen frequencies never drift far.
    """

    def __init__(self, issues: Sequence[Issue], embedder: Embedder | None = None,
                 refit_fraction: float = 0.1) -> None:
        self._embedder = embedder
        self._refit_fraction = refit_fraction
        self.fits = 0
        self._refit({issue.issue_id: issue for issue in issues})

    def _refit(self, current: dict[str, Issue]) -> None:
        self._base = DuplicateIndex(list(current.values()), self._embedder)
        vectorizer = self._base.vectorizer
        self._offsets: dict[str, int] = {}
        offset = 0
        for name in vectorizer.blocks:
            self._offsets[name] = offset
            offset += len(vectorizer.vocabulary[name])
        self._base_columns = offset
        self._current = dict(current)
        self._masked = np.zeros(len(self._base.issues), dtype=bool)
        self._added: dict[str, Issue] = {}
        self._added_vectors: dict[str, np.ndarray] = {}
        self._added_rows: CsrMatrix | None = None
        self._unseen: dict[tuple[str, str], tuple[int, float]] = {}  # (block, term) -> (column, idf)
        self.fits += 1

    def __len__(self) -> int:
        return len(self._current)

    def update(self, current: dict[str, Issue]) -> int:
        """Make the index hold exactly `current` (id -> issue); returns how many issues changed."""
        changed = [issue_id for issue_id, issue in current.items() if self._current.get(issue_id) != issue]
        removed = [issue_id for issue_id in self._current if issue_id not in current]
        if not changed and not removed:
            return 0
        for issue_id in (*changed, *removed):
            position = self._base._position.get(issue_id)
            if position is not None:
                self._masked[position] = True
            self._added.pop(issue_id, None)
            self._added_vectors.pop(issue_id, None)
        self._current = dict(current)
        self._added.update({issue_id: current[issue_id] for issue_id in changed})
        if int(self._masked.sum()) + len(self._added) > self._refit_fraction * max(len(self._base.issues), 1):
            self._refit(self._current)
            return len(changed) + len(removed)
        self._weigh_added()
        fresh = [issue for issue_id, issue in self._added.items() if issue_id not in self._added_vectors]
        if fresh and self._base.embedder is not None:
            # Only the issues new since the last change are embedded: the rest kept their vectors.
            vectors = self._base._semantic(fresh)
            assert vectors is not None
            self._added_vectors.update({issue.issue_id: row for issue, row in zip(fresh, vectors, strict=True)})
        return len(changed) + len(removed)

    def _weigh_added(self) -> None:
        """Columns and weights for the words only the changed issues use, then their rows."""
        vectorizer = self._base.vectorizer
        analyzed = [self._base.analyzer(issue) for issue in self._added.values()]
        df: Counter[tuple[str, str]] = Counter()
        for terms in analyzed:
            df.update((name, term) for name in vectorizer.blocks for term in terms.get(name, {})
                      if term not in vectorizer.vocabulary[name])
        fitted = len(self._base.issues)
        self._unseen = {key: (self._base_columns + column, float(np.log((1.0 + fitted) / (1.0 + count)) + 1.0))
                        for column, (key, count) in enumerate(sorted(df.items()))}
        rows = [self._weights(terms, keep_unseen=True) for terms in analyzed]
        self._added_rows = CsrMatrix.from_rows(rows, self._base_columns + len(self._unseen)) if rows else None

    def _weights(self, terms: Analyzed, keep_unseen: bool) -> dict[int, float]:
        """One text's TF-IDF row over the fitted columns and the changed issues' own words, weighed as
        TfidfVectorizer.transform weighs it (each block unit length, scaled by its weight)."""
        vectorizer = self._base.vectorizer
        row: dict[int, float] = {}
        for name, spec in vectorizer.blocks.items():
            vocabulary, idf = vectorizer.vocabulary[name], vectorizer.idf[name]
            block: dict[int, float] = {}
            for term, count in terms.get(name, {}).items():
                tf = 1.0 + np.log(count) if spec.sublinear else float(count)
                if term in vocabulary:
                    block[self._offsets[name] + vocabulary[term]] = float(tf * idf[vocabulary[term]])
                elif keep_unseen or (name, term) in self._unseen:
                    column, weight = self._unseen.get((name, term), (-1, 0.0))
                    if column >= 0:
                        block[column] = float(tf * weight)
            norm = float(np.sqrt(sum(value * value for value in block.values())))
            if norm > 0:
                row.update({column: spec.weight * value / norm for column, value in block.items()})
        # Then the whole row unit length, as DuplicateIndex._lexical makes it: the cosine needs it.
        total = float(np.sqrt(sum(value * value for value in row.values())))
        return {column: value / total for column, value in row.items()} if total > 0 else row

    def _penalty(self, issue: Issue, times: np.ndarray) -> np.ndarray:
        """The same time penalty as DuplicateIndex.score_matrix, for one query."""
        return recency_penalty(created_times([issue]), times, self._base.recency_weight, self._base.recency_days)[0]

    def find(self, issue: Issue, k: int = 5) -> list[Candidate]:
        """Top-k current issues most like `issue` (itself left out), best first."""
        # The query's words absent from every indexed issue are left out, as a fitted index leaves them.
        query = self._weights(self._base.analyzer(issue), keep_unseen=False)
        base_part = {column: value for column, value in query.items() if column < self._base_columns}
        semantic_query = self._base._semantic([issue]) if self._base.vectors is not None else None
        rows: list[tuple[Issue, float, float, float]] = []
        if self._base.issues:
            lexical = cosine_rows(CsrMatrix.from_rows([base_part], self._base_columns), self._base.lexical_rows)[0]
            semantic = np.zeros_like(lexical)
            if semantic_query is not None and self._base.vectors is not None:
                semantic = np.clip(semantic_query[0] @ self._base.vectors.T, 0.0, 1.0)
            weight = self._base.lexical_weight
            fused = weight * lexical + (1.0 - weight) * semantic - self._penalty(issue, self._base.times)
            live = np.where(self._masked, -np.inf, fused)
            top = np.argsort(-live, kind="stable")[:k + 1]  # one more: the issue itself may be among them
            rows = [(self._base.issues[row], float(fused[row]), float(lexical[row]), float(semantic[row]))
                    for row in top if not self._masked[row]]
        if self._added_rows is not None:
            added = list(self._added.values())
            added_lexical = cosine_rows(CsrMatrix.from_rows([query], self._added_rows.n_cols), self._added_rows)[0]
            added_semantic = np.zeros(len(added))
            if semantic_query is not None and self._added_vectors:
                matrix = np.stack([self._added_vectors[other.issue_id] for other in added])
                added_semantic = np.clip(semantic_query[0] @ matrix.T, 0.0, 1.0)
            weight = self._base.lexical_weight
            penalty = self._penalty(issue, created_times(added))
            rows += [(other, float(weight * lex + (1.0 - weight) * sem - late), float(lex), float(sem))
                     for other, lex, sem, late in zip(added, added_lexical, added_semantic, penalty, strict=True)]
        rows = [row for row in rows if row[0].issue_id != issue.issue_id]
        rows.sort(key=lambda row: -row[1])
        return [Candidate(other.issue_id, other.title, score, lex, sem) for other, score, lex, sem in rows[:k]]
