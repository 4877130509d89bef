"""The re-ranker: its features, its ordering, where it stands aside, and that fitting learns."""

from __future__ import annotations

import numpy as np

from devrel.knowledge.documents import Chunk
from devrel.knowledge.index import Hit
from devrel.knowledge.rerank import DEPTH, FEATURES, Reranker, asks_how_to, features, fit_reranker


def hit(path: str, text: str, score: float = 1.0, kind: str = "code") -> Hit:
    return Hit(Chunk(source="s", path=path, start_line=1, end_line=text.count("\n") + 1, text=text,
                     kind=kind), score)  # type: ignore[arg-type]


HITS = [
    hit("tests/test_hooks.py", "def test_verify(): assert verify(sig)"),
    hit("src/app/hooks.py", "def dispatch(event): route the event"),
    hit("src/app/signatures.py", "def verify(secret, body, header): compare digests"),
    hit("src/app/hooks.py", "def register(name): keep a hook"),
]
QUESTION = "Where are webhook signatures verified?"


def column(name: str, rows: np.ndarray) -> list[float]:
    return [round(float(value), 3) for value in rows[:, FEATURES.index(name)]]


def test_features_describe_each_hit_in_its_list() -> None:
    rows = features(QUESTION, HITS, lexical=[HITS[2], HITS[0]], vector=[HITS[1], HITS[2]])
    assert rows.shape == (4, len(FEATURES))
    assert column("fused_position", rows) == [1.0, 0.5, 0.333, 0.25]
    assert column("lexical_position", rows) == [0.5, 0.0, 1.0, 0.0]
    assert column("vector_position", rows) == [0.0, 1.0, 0.5, 0.0]
    assert column("test_or_fixture", rows) == [1.0, 0.0, 0.0, 0.0]
    assert column("file_share", rows) == [0.25, 0.5, 0.25, 0.5]
    assert column("file_first", rows) == [1.0, 1.0, 1.0, 0.0]
    in_path = column("question_words_in_path", rows)
    assert in_path[2] > 0 and in_path[1] == 0  # "signatures" names the file; "hooks.py" is not "webhook"


def test_rerank_orders_by_the_weights_and_keeps_ties_and_the_tail() -> None:
    by_path = Reranker(tuple(1.0 if name == "question_words_in_path" else 0.0 for name in FEATURES))
    reranked = by_path.rerank(QUESTION, HITS, [], [])
    assert reranked[0].chunk.path == "src/app/signatures.py"
    neutral = Reranker(tuple(0.0 for _ in FEATURES))
    assert [h.chunk for h in neutral.rerank(QUESTION, HITS, [], [])] == [h.chunk for h in HITS]
    many = [hit(f"src/m{n}.py", f"def f{n}(): pass") for n in range(DEPTH + 5)]
    assert [h.chunk for h in by_path.rerank(QUESTION, many, [], [])[DEPTH:]] == [h.chunk for h in many[DEPTH:]]


def test_usage_questions_keep_the_fused_order() -> None:
    assert asks_how_to("How do I change the labels the bot applies?") and asks_how_to("how to install it")
    assert not asks_how_to("How does the retry loop work?") and not asks_how_to(QUESTION)
    by_path = Reranker(tuple(1.0 if name == "question_words_in_path" else 0.0 for name in FEATURES))
    question = "How do I get webhook signatures verified?"
    assert [h.chunk for h in by_path.rerank(question, HITS, [], [])] == [h.chunk for h in HITS]


def test_fitting_learns_which_feature_marks_the_right_file() -> None:
    rng = np.random.default_rng(7)
    rows = [rng.random((20, len(FEATURES))) for _ in range(30)]
    marker = FEATURES.index("question_words_in_path")
    labels = [(block[:, marker] > 0.7).astype(np.float64) for block in rows]
    model = fit_reranker(rows, labels)
    assert model.weights[marker] > 3 * max(abs(w) for i, w in enumerate(model.weights) if i != marker)
