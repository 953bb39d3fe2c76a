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


def _accuracy(labels, items, questions: dict) -> tuple[dict, dict, int]:
    """Per-question accuracy against truth, confusion matrices, and the number of correct labels."""
    import pandas as pd

    from foodcrowd.label_types import get_label_type

    accuracy, confusion, correct = {}, {}, 0
    for name, spec in questions.items():
        column = f"truth_{name}"
        if items is None or column not in items.columns:
            accuracy[name] = None
            continue
        truth = items.set_index(items["item_id"].astype(str))[column]
        truth = truth[truth.notna()].astype(str)
        mine = labels[labels["question"] == name].set_index("item_id")["label"]
        both = truth.index.intersection(mine.index)
        if not len(both):
            accuracy[name] = None
            continue
        label_type = get_label_type(spec["type"])
        scores = label_type.scores(truth.loc[both], mine.loc[both])
        accuracy[name] = _round(scores.mean())
        correct += int((scores == 1.0).sum())
        if label_type.confusable:
            classes = [str(c) for c in spec.get("classes") or []]
            seen = sorted((set(truth.loc[both]) | set(mine.loc[both])) - set(classes))
            order = classes + [c for c in seen if c not in classes]
            table = pd.crosstab(truth.loc[both], mine.loc[both]).reindex(index=order, columns=order, fill_value=0)
            confusion[name] = {"classes": order, "matrix": table.to_numpy().astype(int).tolist()}
    known = [v for v in accuracy.values() if v is not None]
    accuracy["mean"] = _round(sum(known) / len(known)) if known else None
    return accuracy, confusion, correct


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


def label_quality(labels, control_answers, questions: dict, info: dict, *, items=None, control=None, exam=None,
                  cost_usd: float | None = None, threshold: float = 0.7) -> dict[str, Any]:
    """Every number of the label-quality report (JSON-serialisable)."""
    accuracy, confusion, correct = _accuracy(labels, items, questions)
    uncertain, unlabelled = {}, {}
    for name in questions:
        mine = labels[labels["question"] == name]
        uncertain[name] = _round((mine["confidence"] < threshold).mean()) if len(mine) else None
        if items is not None:
            unlabelled[name] = int(len(set(items["item_id"].astype(str)) - set(mine["item_id"].astype(str))))
    has_truth = any(accuracy.get(q) is not None for q in questions)
    cost_per_correct = _round(cost_usd / correct, 6) if cost_usd is not None and has_truth and correct else None
    return {
        "method": {q: info[q]["method"] for q in questions},
        "answers": {q: info[q]["answers"] for q in questions},
        "accuracy": accuracy,
        "control_accuracy": _control_accuracy(control_answers, control),
        "uncertain_share": uncertain,
        "confidence_threshold": threshold,
        "consistency": {q: _round(info[q].get("consistency")) for q in questions},
        "uncertainty": {q: _round(info[q].get("uncertainty")) for q in questions},
        "cost_usd": cost_usd,
        "correct_labels": correct if has_truth else None,
        "cost_per_correct_label": cost_per_correct,
        "confusion": confusion,
        "unlabelled": unlabelled,
        "exam_per_task": _exam_per_task(exam),
        "n_labels": {q: int((labels["question"] == q).sum()) for q in questions},
        "mean_confidence": {q: _round(labels.loc[labels["question"] == q, "confidence"].mean()) for q in questions},
    }
