"""How good the aggregated labels are: the numbers behind ``summary.json``'s ``labels`` and ``labels.html``.

Accuracy against ground truth (``truth_<question>`` columns of ``data/items.parquet``, where given, scored
by the question's label type), the crowd's accuracy on control tasks, a truth x label confusion matrix
for single-choice questions, agreement (consistency, uncertainty), the share of labels below the
confidence threshold, the cost per correct label and the exam's per-task correctness.
"""
from __future__ import annotations

import math
from typing import Any

__all__ = ["label_quality"]


def _round(x: float | None, nd: int = 6) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


def _truth_for(mine, items, positions, name: str):
    """The truth of ``mine``'s items aligned by position (None where unknown), or None without truth."""
    import numpy as np

    column = f"truth_{name}"
    if items is None or column not in items.columns:
        return None
    truth = items[column].to_numpy(dtype=object)
    return np.where(positions >= 0, truth[np.maximum(positions, 0)], None)


def _confusion(truth, label, classes: list[str]) -> dict:
    import numpy as np
    import pandas as pd

    seen = sorted((set(pd.unique(truth)) | set(pd.unique(label))) - set(classes))
    order = classes + [c for c in seen if c not in classes]
    index = pd.Index(order)
    t, lab = index.get_indexer(truth), index.get_indexer(label)
    matrix = np.bincount(t * len(order) + lab, minlength=len(order) ** 2).reshape(len(order), len(order))
    return {"classes": order, "matrix": matrix.astype(int).tolist()}


def _accuracy(per_question: dict, items, positions: dict, questions: dict) -> tuple[dict, dict, int, dict]:
    """Per-question accuracy against truth, confusion matrices, the number of correct labels, and how many
    labels were scored per question (only those whose item has a known truth)."""
    import pandas as pd

    from foodcrowd.label_types import get_label_type

    accuracy, confusion, correct, scored = {}, {}, 0, {}
    for name, spec in questions.items():
        mine = per_question[name]
        truth = _truth_for(mine, items, positions.get(name), name)
        known = pd.notna(truth) if truth is not None else None
        scored[name] = 0 if known is None else int(known.sum())
        if known is None or not known.any():
            accuracy[name] = None
            continue
        t = pd.Series(truth[known]).astype(str)
        lab = pd.Series(mine["label"].to_numpy(dtype=object)[known]).astype(str)
        label_type = get_label_type(spec["type"])
        scores = label_type.scores(t, lab)
        accuracy[name] = _round(scores.mean())
        correct += int((scores == 1.0).sum())
        if label_type.confusable:
            confusion[name] = _confusion(t.to_numpy(dtype=object), lab.to_numpy(dtype=object),
                                         [str(c) for c in spec.get("classes") or []])
    known_acc = [v for v in accuracy.values() if v is not None]
    accuracy["mean"] = _round(sum(known_acc) / len(known_acc)) if known_acc else None
    return accuracy, confusion, correct, scored


def _control_accuracy(control_answers, control) -> dict:
    """Share of the crowd's answers to control tasks that match the control answer, per question."""
    if control is None or control_answers is None or control_answers.empty or control.empty:
        return {}
    gold = control.rename(columns={"item_id": "task", "answer": "gold"})[["task", "question", "gold"]]
    gold = gold.astype({"task": str, "gold": str})
    merged = control_answers.astype({"task": str}).merge(gold, on=["task", "question"], how="inner")
    return {q: _round((part["label"].astype(str) == part["gold"]).mean())
            for q, part in merged.groupby("question", observed=True)}


def _exam_per_task(exam) -> list[dict]:
    """Per exam task: takers, share correct, whether it is an edge case (worst first)."""
    if exam is None or exam.empty or "correct" not in exam.columns:
        return []
    cols = {"edge_case": ("edge_case", "max")} if "edge_case" in exam.columns else {}
    per = exam.groupby(exam["task"].astype(str)).agg(takers=("worker", "nunique"), correct=("correct", "mean"), **cols)
    per = per.sort_values("correct")
    return [{"task": task, "takers": int(row.takers), "correct": _round(row.correct, 4),
             "edge_case": bool(getattr(row, "edge_case", False))} for task, row in per.iterrows()]


def label_quality(per_question: dict, control_answers, questions: dict, info: dict, *, items=None, control=None,
                  exam=None, cost_usd: float | None = None, threshold: float = 0.7) -> dict[str, Any]:
    """Every number of the label-quality report (JSON-serialisable).

    ``per_question``: {question: frame with item_id, label, confidence}; ``items``: data/items.parquet.
    """
    import pandas as pd

    index = pd.Index(items["item_id"].astype(str).to_numpy()) if items is not None else None
    positions = {q: index.get_indexer(per_question[q]["item_id"].to_numpy()) for q in questions} if index is not None else {}
    accuracy, confusion, correct, scored = _accuracy(per_question, items, positions, questions)
    uncertain, unlabelled = {}, {}
    for name in questions:
        mine = per_question[name]
        uncertain[name] = _round((mine["confidence"].to_numpy() < threshold).mean()) if len(mine) else None
        if items is not None:
            unlabelled[name] = int(len(items) - (positions[name] >= 0).sum())
    has_truth = any(accuracy.get(q) is not None for q in questions)
    # the cost of every label over the correct ones among the few with a known truth (a golden set) would
    # be no figure at all: only when every label was scored
    every = all(scored[q] == len(per_question[q]) for q in questions)
    cost_per_correct = _round(cost_usd / correct, 6) if cost_usd is not None and has_truth and correct and every \
        else None
    return {
        "method": {q: info[q]["method"] for q in questions},
        "answers": {q: info[q]["answers"] for q in questions},
        "accuracy": accuracy,
        "scored_items": scored,
        "control_accuracy": _control_accuracy(control_answers, control),
        "uncertain_share": uncertain,
        "confidence_threshold": threshold,
        "consistency": {q: _round(info[q].get("consistency")) for q in questions},
        "uncertainty": {q: _round(info[q].get("uncertainty")) for q in questions},
        "cost_usd": cost_usd,
        "correct_labels": correct if has_truth and every else None,
        "cost_per_correct_label": cost_per_correct,
        "confusion": confusion,
        "unlabelled": unlabelled,
        "exam_per_task": _exam_per_task(exam),
        "n_labels": {q: int(len(per_question[q])) for q in questions},
        "mean_confidence": {q: _round(per_question[q]["confidence"].mean()) if len(per_question[q]) else None
                            for q in questions},
    }
