"""Offline evaluation of triage: issue-type classification and duplicate retrieval.

Classification is measured twice: on the model's top label for every issue (abstention off), and
on what the bot would actually apply (abstention on: an abstained issue gets no label, which costs
recall but never precision). Duplicate retrieval ranks every other report for each issue of a
known duplicate pair; a plain TF-IDF cosine baseline is computed in the same run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from devrel.ports import Embedder
from devrel.triage.calibration import stratified_folds, threshold_for_precision
from devrel.triage.classifier import EmbeddingSpec, IssueClassifier, Prediction, TrainingConfig, embedder_name, prepare
from devrel.triage.duplicates import DuplicateIndex, plain_tfidf_index, top_scores
from devrel.triage.metrics import accuracy, class_scores, macro_f1, mean_reciprocal_rank, recall_at
from devrel.triage.text import Issue

CUTOFFS = (1, 5, 10)


# --- classification ------------------------------------------------------------------------------


def evaluate_triage_folds(issues: Sequence[Issue], embedder: Embedder | None, n_folds: int = 5,
                          config: TrainingConfig | None = None, seed: int = 0) -> dict[str, Any]:
    """k-fold cross-validation: each issue is predicted by a model trained without it."""
    config = config or TrainingConfig()
    started = time.perf_counter()
    prepared = prepare(issues, embedder)
    embedded = time.perf_counter()
    spec = _spec(embedder)
    predictions: list[Prediction | None] = [None] * len(issues)
    thresholds = []
    for fold in stratified_folds([issue.labels[0] for issue in issues], n_folds, seed):
        train_rows = np.setdiff1d(np.arange(len(issues)), fold)
        model = IssueClassifier.train_prepared(prepared.take(train_rows), replace(config, seed=seed), spec)
        thresholds.append(model.thresholds)
        for row, scores in zip(fold, model.scores_prepared(prepared.take(fold)), strict=True):
            predictions[row] = model.decide(scores)
    done = [prediction for prediction in predictions if prediction is not None]
    report = triage_report(issues, done, config)
    report.update(mode="cross-validation", folds=n_folds, issues=len(issues), embedder=spec.name if spec else None,
                  thresholds=thresholds, seconds=round(time.perf_counter() - started, 1),
                  features_seconds=round(embedded - started, 1))
    return report


def evaluate_triage_split(train: Sequence[Issue], test: Sequence[Issue], embedder: Embedder | None,
                          config: TrainingConfig | None = None) -> dict[str, Any]:
    config = config or TrainingConfig()
    started = time.perf_counter()
    model = IssueClassifier.train(train, embedder, config)
    unknown = sorted({label for issue in test for label in issue.labels} - set(model.labels))
    predictions = model.predict(test, embedder)
    report = triage_report(test, predictions, config)
    report.update(mode="train/test", train_issues=len(train), issues=len(test),
                  embedder=model.embedding.name if model.embedding else None, thresholds=model.thresholds,
                  labels_not_in_training=unknown, seconds=round(time.perf_counter() - started, 1))
    return report


def triage_report(issues: Sequence[Issue], predictions: Sequence[Prediction], config: TrainingConfig) -> dict[str, Any]:
    truth = [issue.labels[0] for issue in issues]
    labels = sorted(set(truth))
    best = [prediction.best for prediction in predictions]
    applied = [prediction.label for prediction in predictions]
    plain, cautious = class_scores(truth, best, labels), class_scores(truth, applied, labels)
    per_class = {
        label: {
            "precision": round(plain[label].precision, 4), "recall": round(plain[label].recall, 4),
            "f1": round(plain[label].f1, 4), "support": plain[label].support,
            "precision_abstain": round(cautious[label].precision, 4),
            "recall_abstain": round(cautious[label].recall, 4), "f1_abstain": round(cautious[label].f1, 4),
        }
        for label in labels
    }
    report: dict[str, Any] = {
        "labels": labels,
        "per_class": per_class,
        "macro_f1": round(macro_f1(plain), 4),
        "accuracy": round(accuracy(truth, best), 4),
        "target_precision": config.target_precision,
        "abstention_rate": round(sum(label is None for label in applied) / len(applied), 4) if applied else 0.0,
        "macro_f1_abstain": round(macro_f1(cautious), 4),
        "accuracy_answered": round(accuracy(truth, applied), 4),
    }
    groups = _groups(issues)
    if groups:
        report["macro_f1_by_repo"] = {
            group: round(macro_f1(class_scores([truth[i] for i in rows], [best[i] for i in rows], labels)), 4)
            for group, rows in groups.items()
        }
    return report


def _groups(issues: Sequence[Issue]) -> dict[str, list[int]]:
    """Rows per repository when the data says which repository each issue is from."""
    groups: dict[str, list[int]] = {}
    for row, issue in enumerate(issues):
        repo = issue.extra.get("repo")
        if repo is None:
            return {}
        groups.setdefault(repo, []).append(row)
    return groups if len(groups) > 1 else {}


def _spec(embedder: Embedder | None) -> EmbeddingSpec | None:
    return EmbeddingSpec(embedder_name(embedder), embedder.dimension) if embedder is not None else None


# --- duplicates ----------------------------------------------------------------------------------


def evaluate_duplicates(corpus: Sequence[Issue], pairs: Sequence[tuple[str, str]], embedder: Embedder | None,
                        lexical_weight: float = 0.5, target_precision: float = 0.9, seed: int = 0) -> dict[str, Any]:
    """Rank of the known original among all other reports, per pair; plus a held-out threshold check."""
    started = time.perf_counter()
    by_id = {issue.issue_id: issue for issue in corpus}
    usable = [(query, original) for query, original in pairs if query in by_id and original in by_id]
    queries = list(dict.fromkeys(query for query, _ in usable))
    query_issues = [by_id[query] for query in queries]
    query_row = {query: row for row, query in enumerate(queries)}

    hybrid = DuplicateIndex(corpus, embedder, lexical_weight=lexical_weight)
    fused, lexical, semantic = hybrid.score_matrix(query_issues)
    baseline, _, _ = plain_tfidf_index(corpus).score_matrix(query_issues)
    methods: dict[str, np.ndarray] = {"tfidf_baseline": baseline, "lexical": lexical}
    if embedder is not None:
        methods.update(semantic=semantic, hybrid=fused)

    results: dict[str, Any] = {}
    for name, matrix in methods.items():
        ranks = [hybrid.rank_of(matrix[query_row[query]], query, original) for query, original in usable]
        results[name] = {f"recall@{k}": round(recall_at(ranks, k), 4) for k in CUTOFFS}
        results[name]["mrr"] = round(mean_reciprocal_rank(ranks), 4)

    originals_of: dict[str, set[str]] = {}
    for query, original in usable:
        originals_of.setdefault(query, set()).add(original)
    report: dict[str, Any] = {
        "corpus": len(corpus),
        "pairs": len(usable),
        "pairs_skipped": len(pairs) - len(usable),
        "embedder": embedder_name(embedder) if embedder is not None else None,
        "lexical_weight": hybrid.lexical_weight,
        "methods": results,
        "threshold": held_out_threshold(hybrid, corpus, originals_of, target_precision, seed),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report


def held_out_threshold(index: DuplicateIndex, corpus: Sequence[Issue], originals_of: dict[str, set[str]],
                       target_precision: float, seed: int = 0) -> dict[str, Any]:
    """Calibrate the flagging threshold on half the labelled issues, measure it on the other half.

    Positives are the issues of the pairs; negatives are reports in no pair (reports marked as
    duplicates in a `Resolution` column are left out: their original may be outside the corpus).
    Both halves are swapped and the counts pooled.
    """
    in_pairs = set(originals_of) | {original for ids in originals_of.values() for original in ids}
    duplicates = [(issue, originals_of[issue.issue_id]) for issue in corpus if issue.issue_id in originals_of]
    negatives = [issue for issue in corpus if issue.issue_id not in in_pairs
                 and issue.extra.get("Resolution", "").strip().lower() != "duplicate"]
    scores, correct = top_scores(index, duplicates, negatives)
    is_duplicate = np.arange(len(scores)) < len(duplicates)
    halves = np.random.default_rng(seed).permutation(len(scores)) % 2
    flagged_right = flagged = thresholds_found = 0
    thresholds = []
    for half in (0, 1):
        calibrate, measure = halves != half, halves == half
        threshold = threshold_for_precision(scores[calibrate], correct[calibrate], target_precision)
        thresholds.append(threshold)
        if threshold is None:
            continue
        thresholds_found += 1
        hits = measure & (scores >= threshold)
        flagged += int(hits.sum())
        flagged_right += int((hits & correct).sum())
    full = threshold_for_precision(scores, correct, target_precision)
    non_duplicates = ~is_duplicate
    flag_rate = (float((non_duplicates & (scores >= full)).sum() / max(1, non_duplicates.sum()))
                 if full is not None else None)
    return {
        "target_precision": target_precision,
        "threshold": full,
        "held_out_thresholds": thresholds,
        "held_out_precision": round(flagged_right / flagged, 4) if flagged else None,
        "held_out_recall": round(flagged_right / int(is_duplicate.sum()), 4) if is_duplicate.any() else None,
        "flag_rate_non_duplicates": round(flag_rate, 4) if flag_rate is not None else None,
        "positives": int(is_duplicate.sum()),
        "negatives": int((~is_duplicate).sum()),
        "halves_with_threshold": thresholds_found,
    }


# --- tables --------------------------------------------------------------------------------------


def triage_table(report: dict[str, Any]) -> str:
    lines = [f"{'label':<12}{'P':>7}{'R':>7}{'F1':>7}{'P@abst':>9}{'R@abst':>9}{'F1@abst':>9}{'n':>6}"]
    for label, row in report["per_class"].items():
        lines.append(f"{label:<12}{row['precision']:>7.3f}{row['recall']:>7.3f}{row['f1']:>7.3f}"
                     f"{row['precision_abstain']:>9.3f}{row['recall_abstain']:>9.3f}{row['f1_abstain']:>9.3f}"
                     f"{row['support']:>6}")
    lines.append(f"macro_f1 {report['macro_f1']:.4f}   accuracy {report['accuracy']:.4f}")
    lines.append(f"with abstention (target precision {report['target_precision']:.0%}): "
                 f"macro_f1 {report['macro_f1_abstain']:.4f}, abstention_rate {report['abstention_rate']:.4f}, "
                 f"accuracy on answered {report['accuracy_answered']:.4f}")
    for repo, score in report.get("macro_f1_by_repo", {}).items():
        lines.append(f"  {repo:<28} macro_f1 {score:.4f}")
    lines.append(f"{report['mode']}, {report['issues']} issues, embedder {report['embedder'] or 'none'}, "
                 f"{report['seconds']} s")
    return "\n".join(lines)


def duplicates_table(report: dict[str, Any]) -> str:
    header = f"{'method':<16}" + "".join(f"{'R@' + str(k):>8}" for k in CUTOFFS) + f"{'MRR':>8}"
    lines = [header]
    for name, row in report["methods"].items():
        lines.append(f"{name:<16}" + "".join(f"{row[f'recall@{k}']:>8.3f}" for k in CUTOFFS) + f"{row['mrr']:>8.3f}")
    threshold = report["threshold"]
    value = "none reaches the target" if threshold["threshold"] is None else f"{threshold['threshold']:.3f}"
    lines.append(f"threshold for {threshold['target_precision']:.0%} precision: {value}; held out: precision "
                 f"{threshold['held_out_precision']}, recall {threshold['held_out_recall']} "
                 f"({threshold['positives']} duplicates, {threshold['negatives']} non-duplicates)")
    lines.append(f"{report['pairs']} pairs over {report['corpus']} reports, embedder {report['embedder'] or 'none'}, "
                 f"{report['seconds']} s")
    return "\n".join(lines)
