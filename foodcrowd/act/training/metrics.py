"""Scores of a classifier per question: accuracy, macro-F1 and the confusion matrix (numpy only)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["confusion", "accuracy", "macro_f1", "scores"]


def confusion(truth: Sequence[int], pred: Sequence[int], n_classes: int) -> np.ndarray:
    """``n x n`` counts; rows are the true class, columns the predicted one."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(truth, dtype=np.int64), np.asarray(pred, dtype=np.int64)), 1)
    return m


def accuracy(m: np.ndarray) -> float:
    total = m.sum()
    return float(np.trace(m) / total) if total else float("nan")


def macro_f1(m: np.ndarray) -> float:
    """Mean F1 over the classes that occur in the truth or in the predictions (sklearn's ``average='macro'``
    restricted to present labels)."""
    tp = np.diag(m).astype(float)
    support, predicted = m.sum(axis=1), m.sum(axis=0)
    present = (support + predicted) > 0
    if not present.any():
        return float("nan")
    denom = support + predicted
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return float(f1[present].mean())


def scores(truth: Sequence[int], pred: Sequence[int], n_classes: int) -> dict:
    """``{"accuracy", "macro_f1", "n", "confusion"}`` for one question."""
    m = confusion(truth, pred, n_classes)
    return {"accuracy": accuracy(m), "macro_f1": macro_f1(m), "n": int(m.sum()), "confusion": m.tolist()}
