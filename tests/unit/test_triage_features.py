"""Building blocks of triage: sparse products, TF-IDF, the logistic model, threshold calibration."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from devrel.triage.calibration import stratified_folds, threshold_for_precision
from devrel.triage.linear import Features, LinearClassifier, minimize_lbfgs
from devrel.triage.sparse import CsrMatrix, hstack
from devrel.triage.text import Issue, analyze, char_ngrams, words
from devrel.triage.vectorize import BlockSpec, TfidfVectorizer


def random_sparse(rng: np.random.Generator, rows: int, cols: int, density: float = 0.2) -> tuple[CsrMatrix, np.ndarray]:
    dense = rng.normal(size=(rows, cols)) * (rng.random((rows, cols)) < density)
    dense[1] = 0.0  # an empty row
    sparse = CsrMatrix.from_rows([{j: dense[i, j] for j in np.flatnonzero(dense[i])} for i in range(rows)], cols)
    return sparse, dense.astype(np.float32)


def test_sparse_products_match_dense_algebra() -> None:
    rng = np.random.default_rng(1)
    sparse, dense = random_sparse(rng, 7, 11)
    right = rng.normal(size=(11, 3))
    left = rng.normal(size=(7, 4))
    np.testing.assert_allclose(sparse.dot(right), dense @ right, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sparse.transpose_dot(left), dense.T @ left, rtol=1e-5, atol=1e-6)


def test_sparse_row_selection_stacking_and_normalisation() -> None:
    rng = np.random.default_rng(2)
    a, dense_a = random_sparse(rng, 6, 5)
    b, dense_b = random_sparse(rng, 6, 4)
    stacked = hstack([a, b])
    identity = np.eye(9)
    np.testing.assert_allclose(stacked.dot(identity), np.hstack([dense_a, dense_b]), atol=1e-6)
    np.testing.assert_allclose(a.take_rows([4, 0, 4]).dot(np.eye(5)), dense_a[[4, 0, 4]], atol=1e-6)
    norms = a.normalized().row_norms()
    assert norms[1] == 0.0  # the empty row stays empty
    np.testing.assert_allclose(norms[[0, 2, 3, 4, 5]][norms[[0, 2, 3, 4, 5]] > 0], 1.0, rtol=1e-5)


def test_words_split_identifiers_and_char_ngrams_are_padded() -> None:
    assert words("DevToolsBug in parseJSON") == ["dev", "tools", "bug", "in", "parse", "json"]
    grams = char_ngrams("ab", sizes=(3,))
    assert grams == Counter({" ab": 1, "ab ": 1})


def test_analyze_masks_links_and_numbers_and_marks_structure() -> None:
    issue = Issue("Crash in v2.3.1?", "See https://example.com/x\n```\nTraceback (most recent call last):\n```")
    blocks = analyze(issue)
    assert "example" not in blocks["words"] and "urltoken" in blocks["words"]
    assert "numtoken" in blocks["title"]
    assert {"has_code", "has_trace", "title_question"} <= set(blocks["shape"])


def test_tfidf_weights_rare_terms_higher_and_round_trips() -> None:
    docs = [{"w": Counter({"common": 1, "rare": 1})}, {"w": Counter({"common": 1})}, {"w": Counter({"common": 2})}]
    vectorizer = TfidfVectorizer({"w": BlockSpec(min_df=1)}).fit(docs)
    row = vectorizer.transform(docs[:1]).dot(np.eye(vectorizer.n_features))[0]
    column = vectorizer.vocabulary["w"]
    assert row[column["rare"]] > row[column["common"]] > 0
    assert np.isclose(np.linalg.norm(row), 1.0)
    meta, arrays = vectorizer.state()
    again = TfidfVectorizer.from_state(meta, arrays)
    np.testing.assert_allclose(again.transform(docs).dot(np.eye(2)), vectorizer.transform(docs).dot(np.eye(2)))


def test_tfidf_drops_terms_below_min_df() -> None:
    docs = [{"w": Counter({"once": 1, "twice": 1})}, {"w": Counter({"twice": 1})}]
    vectorizer = TfidfVectorizer({"w": BlockSpec(min_df=2)}).fit(docs)
    assert list(vectorizer.vocabulary["w"]) == ["twice"]


def test_lbfgs_finds_the_minimum_of_a_quadratic() -> None:
    matrix = np.array([[3.0, 0.5], [0.5, 1.0]])
    target = np.array([1.0, -2.0])

    def loss(x: np.ndarray) -> tuple[float, np.ndarray]:
        diff = x - target
        return float(diff @ matrix @ diff), 2 * matrix @ diff

    np.testing.assert_allclose(minimize_lbfgs(loss, np.zeros(2), 100, tolerance=1e-12), target, atol=1e-5)


@pytest.mark.parametrize("multi_label", [False, True])
def test_logistic_model_separates_a_separable_set(multi_label: bool) -> None:
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 3, size=60)
    # Sparse part: one indicator column per class; dense part: noise.
    sparse = CsrMatrix.from_rows([{int(label): 1.0} for label in labels], 3)
    features = Features(sparse, rng.normal(size=(60, 2)).astype(np.float32) * 0.1)
    targets = np.eye(3)[labels]
    model = LinearClassifier(l2=1e-3, multi_label=multi_label).fit(features, targets)
    probabilities = model.predict_proba(features)
    assert (probabilities.argmax(axis=1) == labels).all()
    if not multi_label:
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def test_threshold_is_the_lowest_score_meeting_the_target_precision() -> None:
    scores = [0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5]
    correct = [True, True, True, True, False, True, False]
    # Precision at each cut: 1, 1, 1, 1, .8, .83, .71
    assert threshold_for_precision(scores, correct, 1.0) == 0.8
    assert threshold_for_precision(scores, correct, 0.8) == 0.6
    assert threshold_for_precision(scores, correct, 0.5) == 0.5


def test_threshold_is_none_when_the_target_is_out_of_reach() -> None:
    assert threshold_for_precision([0.9, 0.8, 0.7], [False, True, False], 0.9) is None
    # Two right answers are not enough evidence when three are required.
    assert threshold_for_precision([0.9, 0.8, 0.1], [True, True, False], 0.9, min_support=3) is None
    assert threshold_for_precision([], [], 0.9) is None


def test_threshold_never_splits_tied_scores() -> None:
    # The two items at 0.8 stand or fall together: cutting between them is impossible.
    assert threshold_for_precision([0.9, 0.9, 0.9, 0.8, 0.8], [True, True, True, True, False], 0.9) == 0.9


def test_stratified_folds_partition_rows_and_balance_labels() -> None:
    labels = ["a"] * 10 + ["b"] * 5
    folds = stratified_folds(labels, 5, seed=7)
    assert sorted(np.concatenate(folds).tolist()) == list(range(15))
    for fold in folds:
        assert [labels[i] for i in fold].count("a") == 2
        assert [labels[i] for i in fold].count("b") == 1
