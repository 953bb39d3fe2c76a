"""Fit a simulated population from recorded answers: worker types, their shares and confusion matrices;
time per task and session lengths when times are given; the arrival rate when timestamps are given.

1. Each worker's confusion matrix P(answer | true class) is counted against the truth, or, without truth,
   against Dawid-Skene's posterior over each task's class (crowd-kit), with a Dirichlet(0.5) prior per row.
2. The matrices (flattened) are clustered with k-means into ``n_types`` types; a type's confusion is the
   mean of its members', its share their share of workers.
3. Quality: the log-likelihood of the answers under the fitted mixture (each worker's answers come from
   one type, unknown), and a held-out check: every worker's answers are split 80/20 by task, the types are
   fitted on the 80%, each worker is assigned its most likely type from its 80%, and the type's most likely
   answer is compared with the 20% it never saw (``held_out_agreement``, against always answering the most
   common label, ``held_out_baseline``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["FitError", "PopulationFit", "fit_population", "worker_confusions"]

_ALPHA = 0.5


class FitError(ValueError):
    """Answers or times the fit cannot use; the message names the file or column and the fix."""


@dataclass
class PopulationFit:
    population_: dict
    classes_: list[str]
    labels_of_: pd.Series                    # worker -> type name
    quality_: dict = field(default_factory=dict)


def _posteriors(answers: pd.DataFrame, truth: pd.Series | None, classes: list[str]) -> pd.DataFrame:
    """task x class: 1/0 from the truth, or Dawid-Skene's posterior."""
    if truth is not None:
        known = truth[truth.index.isin(answers["task"])]
        if known.empty:
            raise FitError("--truth: no task of the answers file has a true label (check the task ids)")
        post = pd.DataFrame(0.0, index=known.index, columns=classes)
        for c in classes:
            post.loc[known == c, c] = 1.0
        return post
    from crowdkit.aggregation import DawidSkene

    ds = DawidSkene(n_iter=100).fit(answers[["task", "worker", "label"]])
    return ds.probas_.reindex(columns=classes, fill_value=0.0)


def worker_confusions(answers: pd.DataFrame, post: pd.DataFrame, classes: list[str]) -> dict[str, np.ndarray]:
    """worker -> K x K matrix, rows true class, columns answer, each row a distribution."""
    k, idx = len(classes), {c: i for i, c in enumerate(classes)}
    rows = answers[answers["task"].isin(post.index)]
    p = post.loc[rows["task"]].to_numpy()
    out = {}
    for worker, positions in rows.groupby("worker", sort=False).indices.items():
        counts = np.full((k, k), _ALPHA)
        labels = rows["label"].to_numpy()[positions]
        for pos, lab in zip(positions, labels):
            counts[:, idx[lab]] += p[pos]
        out[str(worker)] = counts / counts.sum(axis=1, keepdims=True)
    return out


def _cluster(conf: dict[str, np.ndarray], n_types: int, seed: int) -> tuple[np.ndarray, list[str]]:
    from sklearn.cluster import KMeans

    workers = list(conf)
    x = np.stack([conf[w].ravel() for w in workers])
    n = max(1, min(n_types, len(workers), len({tuple(np.round(r, 6)) for r in x})))
    if n == 1:
        return np.zeros(len(workers), dtype=int), workers
    return KMeans(n_clusters=n, n_init=10, random_state=seed).fit(x).labels_, workers


def _types(conf: dict, groups: np.ndarray, workers: list[str], priors: np.ndarray, classes: list[str]):
    order = sorted(set(groups.tolist()), key=lambda g: -float(np.mean([np.trace(conf[w] * priors[:, None])
                                                                          for w, gg in zip(workers, groups) if gg == g])))
    types, names = {}, {}
    for rank, g in enumerate(order):
        members = [w for w, gg in zip(workers, groups) if gg == g]
        mean = np.mean([conf[w] for w in members], axis=0)
        name = f"type{rank + 1}"
        acc = float((np.diag(mean) * priors).sum())
        types[name] = {"share": round(len(members) / len(workers), 4), "accuracy": round(acc, 4),
                       "edge_accuracy": round(acc, 4), "accuracy_sd": 0.0,
                       "confusion": {t: {a: round(float(mean[i, j]), 4) for j, a in enumerate(classes)}
                                     for i, t in enumerate(classes)}}
        names.update({w: name for w in members})
    return types, names


def _loglik(answers: pd.DataFrame, post: pd.DataFrame, types: dict, classes: list[str]) -> float:
    """log P(answers) under the mixture: per worker, log sum_type share * prod P(answer | class)."""
    idx = {c: i for i, c in enumerate(classes)}
    rows = answers[answers["task"].isin(post.index)]
    p = post.loc[rows["task"]].to_numpy()
    mats = [(t["share"], np.array([[t["confusion"][a][b] for b in classes] for a in classes])) for t in types.values()]
    total = 0.0
    for _, positions in rows.groupby("worker", sort=False).indices.items():
        cols = [idx[lab] for lab in rows["label"].to_numpy()[positions]]
        per_type = [np.log(max(share, 1e-12)) + float(np.log((p[positions] * m[:, cols].T).sum(axis=1) + 1e-12).sum())
                    for share, m in mats]
        top = max(per_type)
        total += top + float(np.log(np.sum(np.exp(np.array(per_type) - top))))
    return float(total)


def _held_out(answers: pd.DataFrame, post: pd.DataFrame, classes: list[str], n_types: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    rows = answers[answers["task"].isin(post.index)].reset_index(drop=True)
    test = rng.random(len(rows)) < 0.2
    train, held = rows[~test], rows[test]
    conf = worker_confusions(train, post, classes)
    groups, workers = _cluster(conf, n_types, seed)
    priors = post.mean().reindex(classes).to_numpy()
    types, _ = _types(conf, groups, workers, priors, classes)
    mats = {n: np.array([[t["confusion"][a][b] for b in classes] for a in classes]) for n, t in types.items()}
    idx = {c: i for i, c in enumerate(classes)}
    right = n = 0
    for worker, part in held.groupby("worker"):
        mine = train[train["worker"] == worker]
        if mine.empty:
            continue
        pm = post.loc[mine["task"]].to_numpy()
        cols = [idx[lab] for lab in mine["label"]]
        best = max(mats, key=lambda name: float(np.log((pm * mats[name][:, cols].T).sum(axis=1) + 1e-12).sum())
                   + float(np.log(max(types[name]["share"], 1e-12))))
        expected = post.loc[part["task"]].to_numpy() @ mats[best]      # P(answer) per held-out task
        right += int((np.array(classes)[expected.argmax(axis=1)] == part["label"].to_numpy()).sum())
        n += len(part)
    common = rows["label"].value_counts().idxmax()
    return {"held_out_answers": n, "held_out_agreement": round(right / n, 4) if n else None,
            "held_out_baseline": round(float((held["label"] == common).mean()), 4) if len(held) else None}


def fit_population(answers: pd.DataFrame, truth: pd.Series | None = None, times: pd.DataFrame | None = None,
                   n_types: int = 3, seed: int = 0) -> PopulationFit:
    """Fit a ``crowd.population`` (kind simulated) from ``answers`` (``task, worker, label``)."""
    from foodcrowd.crowd.fit_times import normalise_times, time_model

    answers = answers.drop_duplicates(["task", "worker"]).reset_index(drop=True)
    classes = sorted(set(answers["label"]) | (set(truth.astype(str)) if truth is not None else set()))
    if len(classes) < 2:
        raise FitError("the answers hold fewer than two distinct labels: nothing to fit")
    post = _posteriors(answers, truth, classes)
    conf = worker_confusions(answers, post, classes)
    groups, workers = _cluster(conf, n_types, seed)
    priors = post.mean().reindex(classes).to_numpy()
    types, names = _types(conf, groups, workers, priors, classes)
    if times is None and "seconds" in answers.columns:
        times = answers
    timing = time_model(normalise_times(times) if times is not None else answers[["worker"]], pd.Series(names))
    for name, t in types.items():
        t.update(timing["types"].get(name, {}))
    quality = {"log_likelihood": round(float(_loglik(answers, post, types, classes)), 3),
               "answers": int(len(answers)), "workers": len(workers), "tasks": int(answers["task"].nunique()),
               "truth": "given" if truth is not None else "Dawid-Skene posterior"}
    quality["log_likelihood_per_answer"] = round(quality["log_likelihood"] / max(len(answers), 1), 4)
    quality.update(_held_out(answers, post, classes, n_types, seed))
    pop = {"kind": "simulated", "size": max(10 * len(workers), 200),
           "arrival_rate_per_minute": timing.get("arrival_rate_per_minute", 10.0),
           "languages": {"EN": 1.0}, "session_pages": timing.get("session_pages", {"mean": 4.0, "max": 25}),
           "types": types, "difficulty_weight": 0.0, "fitted": {**quality, "classes": classes,
                                                               "class_priors": {c: round(float(p), 4) for c, p in zip(classes, priors)},
                                                               "timing": timing["what"]}}
    return PopulationFit(population_=pop, classes_=classes, labels_of_=pd.Series(names, name="type"), quality_=quality)
