"""Per-tag binary aggregation of multi-label answers with any of foodcrowd's crowd-kit methods."""
from __future__ import annotations

import numpy as np
import pandas as pd

from foodcrowd.act.aggregation_methods import Aggregated, fit_method

__all__ = ["aggregate_tags", "split_tags"]

SEPARATOR = "|"


def _sorted_categorical(values: pd.Series) -> pd.Categorical:
    if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.is_monotonic_increasing:
        return values.array
    codes, uniques = pd.factorize(values.astype(str), sort=True)
    return pd.Categorical.from_codes(codes, categories=uniques)


def split_tags(answers: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """(the tags seen, a boolean matrix answers x tags: was the tag ticked)."""
    labels = _sorted_categorical(answers["label"])
    sets = [set(filter(None, str(v).split(SEPARATOR))) for v in labels.categories]
    tags = sorted(set().union(*sets)) if sets else []
    per_value = np.array([[t in s for t in tags] for s in sets], dtype=bool).reshape(len(sets), len(tags))
    return tags, per_value[labels.codes] if len(answers) else np.zeros((0, len(tags)), dtype=bool)


def aggregate_tags(answers: pd.DataFrame, method: str, params: dict | None) -> Aggregated:
    """Aggregate ``task, worker, label`` answers (label = tags joined by ``|``) tag by tag."""
    task, worker = _sorted_categorical(answers["task"]), _sorted_categorical(answers["worker"])
    tags, ticked = split_tags(answers)
    n_answers = pd.Series(task.codes).value_counts().sort_index()
    index = pd.Index(task.categories[n_answers.index.to_numpy()], name="task")
    chosen = np.zeros((len(index), len(tags)), dtype=bool)
    confidence = np.ones(len(index))
    skills, agreements = [], []
    for j, tag in enumerate(tags):
        binary = pd.Categorical.from_codes(ticked[:, j].astype(np.int8), categories=["0", "1"])
        frame = pd.DataFrame({"task": task, "worker": worker, "label": binary})
        if len(set(ticked[:, j])) < 2:  # everyone agreed: no model to fit, and KOS would refuse
            chosen[:, j] = bool(ticked[0, j])
            skills.append(pd.Series(1.0, index=pd.Index(worker.categories, name="worker")))
            continue
        result = fit_method(method, params, frame)
        per_task = result.labels_.reindex(index)
        chosen[:, j] = per_task["label"].to_numpy() == "1"
        confidence = np.minimum(confidence, per_task["confidence"].to_numpy(dtype=float))
        skills.append(result.skills_)
        agreements.append(result.agreement_)
    labels = [SEPARATOR.join(t for t, on in zip(tags, row) if on) for row in chosen]
    out = pd.DataFrame({"label": labels, "confidence": confidence, "n_answers": n_answers.to_numpy()}, index=index)
    skill = pd.concat(skills, axis=1).mean(axis=1) if skills else pd.Series(dtype=float)
    agreement = {key: float(np.mean([a[key] for a in agreements if a.get(key) is not None]))
                 if any(a.get(key) is not None for a in agreements) else None
                 for key in ("consistency", "uncertainty")}
    return Aggregated(out, skill, agreement)
