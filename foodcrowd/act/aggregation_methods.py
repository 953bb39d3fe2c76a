"""crowd-kit's categorical aggregators behind one call: answers in, labels + confidence + skills out.

``fit_method(method, params, answers)`` takes crowd-kit's long table ``task, worker, label`` (strings)
and returns an :class:`Aggregated`: one row per task (``label``, ``confidence``, ``n_answers``) and one
skill per worker. Confidence is the posterior of the chosen label for methods that model it (DS,
one-coin DS, GLAD, MACE) and the plain vote share of the chosen label otherwise (MV, Wawa, ZBS, KOS,
MMSR). Skills are each method's own worker estimate; KOS has none, so its skill is the worker's
agreement with the aggregate.

Speed: ids and labels are passed to crowd-kit as integer codes, so its group-bys run on integers
instead of Python strings. Codes follow the sorted order of the strings, so crowd-kit gives exactly
its results on the strings (ties go to the first sorted label; MACE aligns sorted group-bys with
factorised names, so even worker order matters).
"""
from __future__ import annotations

from dataclasses import dataclass
import numpy as np
import pandas as pd

from foodcrowd.errors import UserError

__all__ = ["AggregationError", "Aggregated", "METHODS", "POSTERIOR_METHODS", "fit_method", "crowdkit_model"]

#: method name -> crowd-kit class name (crowdkit.aggregation)
METHODS = {
    "mv": "MajorityVote",
    "wawa": "Wawa",
    "zbs": "ZeroBasedSkill",
    "ds": "DawidSkene",
    "one_coin_ds": "OneCoinDawidSkene",
    "glad": "GLAD",
    "mace": "MACE",
    "kos": "KOS",
    "mmsr": "MMSR",
}
#: methods whose ``probas_`` is a posterior (the rest report the vote share)
POSTERIOR_METHODS = frozenset({"ds", "one_coin_ds", "glad", "mace"})


class AggregationError(UserError, ValueError):
    """Answers a method cannot aggregate; ``where`` names the config key, ``fix`` what to do."""

    def __init__(self, message: str, fix: str = "", where: str = "aggregation.method") -> None:
        super().__init__(message, where, fix)


@dataclass
class Aggregated:
    """What one question's aggregation produced (fitted attributes end in ``_`` as in crowd-kit)."""

    labels_: pd.DataFrame   # index task; columns label (str), confidence (float), n_answers (int)
    skills_: pd.Series      # index worker; the method's skill estimate
    agreement_: dict        # consistency and uncertainty (means over tasks), see :func:`agreement`


def crowdkit_model(method: str, params: dict | None = None):
    """A fresh crowd-kit aggregator for ``method`` with ``params`` (unknown names raise AggregationError)."""
    import crowdkit.aggregation as ck

    if method not in METHODS:
        raise AggregationError(f"unknown aggregation method {method!r}", "one of: " + ", ".join(METHODS))
    try:
        return getattr(ck, METHODS[method])(**dict(params or {}))
    except TypeError as err:
        raise AggregationError(f"{err}", f"see conf/aggregation/{method}.yaml for {method}'s parameters",
                               where="aggregation.params") from None


def _encode(answers: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Integer codes for task, worker and label, in the sorted order of the strings.

    Categorical columns with sorted categories (as :mod:`foodcrowd.act.aggregation_io` reads them) give
    their codes for free; anything else is factorised.
    """
    cols, uniques = {}, []
    for col in ("task", "worker", "label"):
        values = answers[col]
        if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.is_monotonic_increasing:
            codes = values.cat.codes.to_numpy()
            used = np.bincount(codes, minlength=len(values.cat.categories)) > 0
            if not used.all():
                values = values.cat.remove_unused_categories()
                codes = values.cat.codes.to_numpy()
            cols[col], cats = codes.astype(np.int64), values.cat.categories
        else:
            cols[col], cats = pd.factorize(values.astype(str), sort=True)
        uniques.append(np.asarray(cats, dtype=object))
    return pd.DataFrame(cols), *uniques


def _skills(method: str, model, codes: pd.DataFrame, labels: pd.Series) -> pd.Series:
    """Per-worker skill (index: worker code) from the fitted model."""
    if method == "ds":  # expected accuracy: sum over true classes of prior * P(answer = true class)
        err = model.errors_
        diag = err[[c for c in err.columns]].to_numpy()
        observed = err.index.get_level_values("label").to_numpy()
        on_diag = diag[np.arange(len(err)), np.searchsorted(np.asarray(err.columns), observed)]
        priors = model.priors_.reindex(observed).to_numpy()
        return pd.Series(on_diag * priors, index=err.index.get_level_values("worker")).groupby(level=0).sum()
    if method == "glad":
        return model.alphas_
    if method == "mace":
        workers = pd.unique(codes["worker"])
        return pd.Series(model.spamming_[:, 1], index=workers)
    skills = getattr(model, "skills_", None)
    if skills is not None:
        return skills
    agree = codes["label"].to_numpy() == labels.reindex(codes["task"]).to_numpy()
    return pd.Series(agree, index=codes["worker"]).groupby(level=0).mean()


def agreement(task: np.ndarray, worker: np.ndarray, label: np.ndarray, chosen: np.ndarray, n_classes: int) -> dict:
    """crowd-kit's consistency and uncertainty, vectorised over integer codes.

    consistency: the mean posterior of each task's aggregated label under a one-coin model whose worker
    skill is the worker's agreement with the aggregate (``crowdkit.metrics.data.consistency``).
    uncertainty: the mean entropy of each task's answer distribution (``...uncertainty`` with equal skills).
    ``chosen`` holds the aggregated label code per task code (-1 where a task has no label).
    """
    n_tasks = len(chosen)
    hit = label == chosen[task]
    per_worker = np.bincount(worker)
    skill = np.bincount(worker, weights=hit) / np.maximum(per_worker, 1)
    s = skill[worker]
    k = max(n_classes, 2)
    with np.errstate(divide="ignore"):
        log_hit, log_miss = np.log(s), np.log((1.0 - s) / (k - 1))
    logp = np.empty((n_tasks, n_classes))
    for c in range(n_classes):
        logp[:, c] = np.bincount(task, weights=np.where(label == c, log_hit, log_miss), minlength=n_tasks)
    top = logp.max(axis=1, keepdims=True)
    finite = np.isfinite(top[:, 0])
    p = np.exp(logp - np.where(np.isfinite(top), top, 0.0))
    denom = p.sum(axis=1)
    rows = np.arange(n_tasks)
    ok = finite & (chosen >= 0)
    consistency = np.where(ok, p[rows, np.maximum(chosen, 0)] / np.where(denom > 0, denom, 1.0), 0.0)
    counts = np.bincount(task * n_classes + label, minlength=n_tasks * n_classes).reshape(n_tasks, n_classes)
    share = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.nansum(np.where(share > 0, share * np.log(share), 0.0), axis=1)
    labelled = chosen >= 0
    return {"consistency": float(consistency[labelled].mean()) if labelled.any() else None,
            "uncertainty": float(entropy[labelled].mean()) if labelled.any() else None}


def fit_method(method: str, params: dict | None, answers: pd.DataFrame) -> Aggregated:
    """Aggregate ``answers`` (``task, worker, label``) with crowd-kit's ``method``."""
    if answers.empty:
        empty = pd.DataFrame({"label": pd.Series(dtype=object), "confidence": pd.Series(dtype=float),
                              "n_answers": pd.Series(dtype=int)})
        return Aggregated(empty, pd.Series(dtype=float), {"consistency": None, "uncertainty": None})
    codes, tasks, workers, classes = _encode(answers)
    if method == "kos" and len(classes) != 2:
        raise AggregationError(f"KOS aggregates binary answers only; these have {len(classes)} classes "
                               f"({', '.join(map(str, classes[:6]))})",
                               "choose another aggregation.method (ds, glad, mace, ...) or a per_question override")
    model = crowdkit_model(method, params)
    predicted = model.fit_predict(codes)
    probas = getattr(model, "probas_", None) if method not in ("mmsr", "kos") else None
    n_answers = np.bincount(codes["task"].to_numpy(), minlength=len(tasks))
    if method in POSTERIOR_METHODS or method == "mv":
        probas = probas.reindex(columns=range(len(classes)), fill_value=0.0)
        label_codes = predicted.astype(np.int64)
        confidence = probas.to_numpy()[np.arange(len(probas)), label_codes.reindex(probas.index).to_numpy()]
        confidence = pd.Series(confidence, index=probas.index)
    else:  # vote share of the chosen label
        label_codes = predicted.astype(np.int64)
        chosen = label_codes.reindex(codes["task"]).to_numpy()
        votes = np.bincount(codes["task"].to_numpy(), weights=codes["label"].to_numpy() == chosen, minlength=len(tasks))
        confidence = pd.Series(votes[label_codes.index.to_numpy()] / n_answers[label_codes.index.to_numpy()],
                               index=label_codes.index)
    idx = label_codes.index.to_numpy()
    out = pd.DataFrame({"label": classes[label_codes.to_numpy()],
                        "confidence": confidence.reindex(label_codes.index).to_numpy().clip(0.0, 1.0),
                        "n_answers": n_answers[idx]}, index=pd.Index(tasks[idx], name="task"))
    skills = _skills(method, model, codes, label_codes)
    skills = pd.Series(skills.to_numpy(dtype=float), index=pd.Index(workers[skills.index.to_numpy()], name="worker"))
    chosen = np.full(len(tasks), -1, dtype=np.int64)
    chosen[idx] = label_codes.to_numpy()
    agree = agreement(codes["task"].to_numpy(), codes["worker"].to_numpy(), codes["label"].to_numpy(), chosen, len(classes))
    return Aggregated(out, skills, agree)
