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

from devrel.knowledge.documents import content_hash
from devrel.ports import Embedder
from devrel.triage.calibration import stratified_folds, threshold_for_precision
from devrel.triage.classifier import EmbeddingSpec, IssueClassifier, Prediction, TrainingConfig, embedder_name, prepare
from devrel.triage.duplicates import (
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_RECENCY_DAYS,
    DEFAULT_RECENCY_WEIGHT,
    DuplicateIndex,
    created_times,
    plain_tfidf_index,
    recency_penalty,
    top_scores,
)
from devrel.triage.metrics import accuracy, class_scores, macro_f1, mean_reciprocal_rank, recall_at
from devrel.triage.text import Issue

CUTOFFS = (1, 5, 10)


# --- classification ------------------------------------------------------------------------------


def evaluate_triage_folds(issues: Sequence[Issue], embedder: Embedder | None, n_folds: int = 5,
                          config: TrainingConfig | None = None, seed: int = 0,
                          per_repo: bool = False) -> dict[str, Any]:
    """k-fold cross-validation: each issue is predicted by a model trained without it.

    With `per_repo`, each repository (the `repo` column) gets its own models, trained only on
    its own issues, as the bot does in production.
    """
    config = replace(config or TrainingConfig(), seed=seed)
    started = time.perf_counter()
    prepared = prepare(issues, embedder)
    embedded = time.perf_counter()
    spec = _spec(embedder)
    if per_repo:
        partitions = [np.array(rows) for rows in _groups(issues).values()]
        if not partitions:
            raise ValueError("per-repository evaluation needs a repo column naming two or more repositories")
    else:
        partitions = [np.arange(len(issues))]
    predictions: dict[int, Prediction] = {}
    thresholds = []
    for rows in partitions:
        for fold in stratified_folds([issues[row].labels[0] for row in rows], n_folds, seed):
            test_rows = rows[fold]
            model = IssueClassifier.train_prepared(prepared.take(np.setdiff1d(rows, test_rows)), config, spec)
            thresholds.append(model.thresholds)
            for row, scores in zip(test_rows, model.scores_prepared(prepared.take(test_rows)), strict=True):
                predictions[int(row)] = model.decide(scores)
    report = triage_report(issues, [predictions[row] for row in range(len(issues))], config)
    report.update(mode="cross-validation" + (" per repository" if per_repo else ""), folds=n_folds,
                  issues=len(issues), embedder=spec.name if spec else None, thresholds=thresholds,
                  seconds=round(time.perf_counter() - started, 1), features_seconds=round(embedded - started, 1))
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
        by_repo = {group: macro_f1(class_scores([truth[i] for i in rows], [best[i] for i in rows], labels))
                   for group, rows in groups.items()}
        report["macro_f1_by_repo"] = {group: round(score, 4) for group, score in by_repo.items()}
        # NLBSE's ranking metric: the mean of the per-repository macro F1 scores.
        report["mean_repo_macro_f1"] = round(sum(by_repo.values()) / len(by_repo), 4)
    return report


def label_precision_folds(issues: Sequence[Issue], embedder: Embedder | None, config: TrainingConfig,
                          n_folds: int = 5, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Per label, how often applying it was right on issues the model never saw (k-fold; each fold's
    model calibrates its own thresholds on inner folds, as `devrel train` does). Multi-label: an issue
    may carry several labels, or none of the learned ones."""
    prepared = prepare(issues, embedder)
    spec = _spec(embedder)
    applied: dict[str, int] = {}
    right: dict[str, int] = {}
    strata = [issue.labels[0] if issue.labels else "" for issue in issues]
    for fold in stratified_folds(strata, n_folds, seed):
        model = IssueClassifier.train_prepared(prepared.take(np.setdiff1d(np.arange(len(issues)), fold)), config, spec)
        for row, scores in zip(fold, model.scores_prepared(prepared.take(fold)), strict=True):
            for label in model.decide(scores).labels:
                applied[label] = applied.get(label, 0) + 1
                right[label] = right.get(label, 0) + int(label in issues[int(row)].labels)
    support: dict[str, int] = {}
    for issue in issues:
        for label in issue.labels:
            support[label] = support.get(label, 0) + 1
    return {label: {"precision": round(right.get(label, 0) / applied[label], 4) if applied.get(label) else None,
                    "recall": round(right.get(label, 0) / count, 4), "applied": applied.get(label, 0),
                    "support": count}
            for label, count in sorted(support.items())}


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
                        lexical_weight: float = DEFAULT_LEXICAL_WEIGHT, target_precision: float = 0.9,
                        seed: int = 0, folds: int = 5, recency_weight: float = DEFAULT_RECENCY_WEIGHT,
                        recency_days: float = DEFAULT_RECENCY_DAYS) -> dict[str, Any]:
    """Rank of the known original among all other reports, per pair; plus a held-out threshold check.

    `hybrid` is the score triage uses; `hybrid_text` is the same without the time penalty (also
    what `hybrid` is when the reports carry no creation time)."""
    started = time.perf_counter()
    by_id = {issue.issue_id: issue for issue in corpus}
    usable = [(query, original) for query, original in pairs if query in by_id and original in by_id]
    queries = list(dict.fromkeys(query for query, _ in usable))
    query_issues = [by_id[query] for query in queries]
    query_row = {query: row for row, query in enumerate(queries)}

    hybrid = DuplicateIndex(corpus, embedder, lexical_weight=lexical_weight, recency_weight=recency_weight,
                            recency_days=recency_days)
    fused, lexical, semantic = hybrid.score_matrix(query_issues)
    penalty = recency_penalty(created_times(query_issues), hybrid.times, recency_weight, recency_days)
    baseline, _, _ = plain_tfidf_index(corpus).score_matrix(query_issues)
    methods: dict[str, np.ndarray] = {"tfidf_baseline": baseline, "lexical": lexical}
    if embedder is not None:
        methods.update(semantic=semantic, hybrid_text=fused + penalty, hybrid=fused)
    elif recency_weight:
        methods.update(lexical_time=fused)

    results: dict[str, Any] = {}
    for name, matrix in methods.items():
        ranks = [hybrid.rank_of(matrix[query_row[query]], query, original) for query, original in usable]
        results[name] = {f"recall@{k}": round(recall_at(ranks, k), 4) for k in CUTOFFS}
        results[name]["mrr"] = round(mean_reciprocal_rank(ranks), 4)

    originals_of: dict[str, set[str]] = {}
    for query, original in usable:
        originals_of.setdefault(query, set()).add(original)
    originals_of = with_copies(corpus, originals_of)
    report: dict[str, Any] = {
        "corpus": len(corpus),
        "pairs": len(usable),
        "pairs_skipped": len(pairs) - len(usable),
        "embedder": embedder_name(embedder) if embedder is not None else None,
        "lexical_weight": hybrid.lexical_weight,
        "recency_weight": recency_weight,
        "recency_days": recency_days,
        "dated": int(np.isfinite(hybrid.times).sum()),
        "methods": results,
        "threshold": held_out_threshold(hybrid, corpus, originals_of, target_precision, seed, folds),
        "seconds": round(time.perf_counter() - started, 1),
    }
    return report


def with_copies(corpus: Sequence[Issue], originals_of: dict[str, set[str]]) -> dict[str, set[str]]:
    """Add reports with the very same title and body as an original or as the issue itself.

    Trackers hold verbatim clones (backports, re-filed reports) that are not in the labelled pairs;
    pointing at one is as right as pointing at the labelled original.
    """
    by_text: dict[str, set[str]] = {}
    for issue in corpus:
        by_text.setdefault(content_hash(f"{issue.title.strip()}\0{issue.body.strip()}"), set()).add(issue.issue_id)
    copies = {issue_id: ids for ids in by_text.values() for issue_id in ids}
    return {query: {copy for issue_id in {query, *originals} for copy in copies.get(issue_id, {issue_id})} - {query}
            for query, originals in originals_of.items()}


def held_out_threshold(index: DuplicateIndex, corpus: Sequence[Issue], originals_of: dict[str, set[str]],
                       target_precision: float, seed: int = 0, folds: int = 5) -> dict[str, Any]:
    """Cross-validate the flagging threshold: calibrate on all folds but one of the labelled duplicates,
    measure on the one left out, pool the counts over the folds.

    Every labelled duplicate gives a positive (its best candidate among all reports) and a negative
    (its best candidate once its originals are left out: a new report with relatives but no
    original), so precision here is for a stream where half the reports have an original. The
    threshold calibrated on all of them is the one to deploy.
    """
    duplicates = [(issue, originals_of[issue.issue_id]) for issue in corpus if issue.issue_id in originals_of]
    scores, correct = top_scores(index, duplicates)
    # Both entries of one labelled issue stay in the same fold.
    fold_of = np.repeat(np.random.default_rng(seed).permutation(len(duplicates)) % folds, 2)
    flagged_right = flagged = 0
    thresholds: list[float | None] = []
    for fold in range(folds):
        calibrate, measure = fold_of != fold, fold_of == fold
        threshold = threshold_for_precision(scores[calibrate], correct[calibrate], target_precision)
        thresholds.append(None if threshold is None else round(threshold, 4))
        if threshold is not None:
            hits = measure & (scores >= threshold)
            flagged += int(hits.sum())
            flagged_right += int((hits & correct).sum())
    return {
        "target_precision": target_precision,
        "threshold": threshold_for_precision(scores, correct, target_precision),
        "folds": folds,
        "held_out_thresholds": thresholds,
        "held_out_precision": round(flagged_right / flagged, 4) if flagged else None,
        "held_out_recall": round(flagged_right / len(duplicates), 4) if duplicates else None,
        "duplicates": len(duplicates),
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
    if "mean_repo_macro_f1" in report:
        lines.append(f"mean of per-repository macro_f1 {report['mean_repo_macro_f1']:.4f}")
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
                 f"({threshold.get('folds', 2)}-fold cross-validation over {threshold['duplicates']} duplicates, "
                 "each also scored with its originals left out)")
    lines.append(f"{report['pairs']} pairs over {report['corpus']} reports ({report.get('dated', 0)} with a creation "
                 f"time), embedder {report['embedder'] or 'none'}, lexical weight {report['lexical_weight']}, time "
                 f"penalty up to {report.get('recency_weight', 0)} (scale {report.get('recency_days')} days), "
                 f"{report['seconds']} s")
    return "\n".join(lines)
