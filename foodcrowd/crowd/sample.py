"""Answers of a simulated population on given tasks at a fixed overlap, without a platform: each task gets
``overlap`` distinct workers drawn at random from the population (``foodcrowd.emulator.population``), who
answer through the question's label type (``LabelType.simulate_many``, the emulator's answer model)."""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["simulate_answers"]


def simulate_answers(pop: dict, tasks: pd.DataFrame, question: dict, overlap: int, seed: int = 0) -> pd.DataFrame:
    """``task, worker, label`` for ``tasks`` (columns ``task``, ``truth``; optional ``difficulty``,
    ``ambiguous``, ``appeal``)."""
    from foodcrowd.emulator.population import build_population
    from foodcrowd.label_types import get_label_type

    workers = build_population(pop, seed)
    if overlap > len(workers):
        raise ValueError(f"overlap {overlap} is more than the population's {len(workers)} workers")
    rng = np.random.default_rng([int(seed), 11])
    label_type = get_label_type(question.get("type", "categorical"))
    weight = float(pop.get("difficulty_weight", 0.0))
    by_worker: dict[int, list[dict]] = {}
    for row in tasks.to_dict("records"):
        item = {"task": row["task"], "truth": None if pd.isna(row.get("truth")) else str(row["truth"]),
                "difficulty": min(float(row.get("difficulty") or 0.0) * weight, 1.0),
                "ambiguous": bool(row.get("ambiguous") or False), "appeal": row.get("appeal")}
        for w in rng.choice(len(workers), size=overlap, replace=False):
            by_worker.setdefault(int(w), []).append(item)
    rows = []
    for w, items in by_worker.items():
        labels = label_type.simulate_many(np.random.default_rng([int(seed), 12, w]), question, items, workers[w].params)
        rows.extend((item["task"], workers[w].id, str(label)) for item, label in zip(items, labels))
    return pd.DataFrame(rows, columns=["task", "worker", "label"])
