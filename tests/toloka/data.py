"""Small data-stage tables (items, exam, control) written into a run dir, as the data stage would."""
from __future__ import annotations

from pathlib import Path

__all__ = ["write_data"]

_CLASSES = ("solid", "liquid", "other")


def write_data(run_dir: Path, n_items: int = 60, n_control: int = 10, exam_size: int = 10) -> dict:
    """Write ``data/items.parquet``, ``exam.parquet``, ``control.parquet`` (docs/CONTRACTS.md columns)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    ids = [f"food-{i:06d}" for i in range(n_items)]
    truth = [_CLASSES[i % 2] if i % 10 else "other" for i in range(n_items)]
    items = pd.DataFrame({
        "item_id": ids, "path": [f"/data/{i}.jpg" for i in ids], "url": [f"file:///data/{i}.jpg" for i in ids],
        "relpath": [f"{i}.jpg" for i in ids], "truth_food_type": truth, "truth_appetizing": [None] * n_items,
        "difficulty": rng.uniform(0, 0.5, n_items), "ambiguous": [t == "other" for t in truth],
        "appeal": rng.uniform(0, 1, n_items)})

    def known(rows):
        return pd.DataFrame({"item_id": [ids[i] for i in rows], "url": [items.url[i] for i in rows],
                             "question": "food_type", "answer": [truth[i] for i in rows],
                             "hint": [f"This is {truth[i]}." for i in rows], "edge_case": [truth[i] == "other" for i in rows]})

    solid = [i for i, t in enumerate(truth) if t == "solid"]
    liquid = [i for i, t in enumerate(truth) if t == "liquid"]
    other = [i for i, t in enumerate(truth) if t == "other"]
    exam = known(solid[:5] + liquid[:4] + other[:1])[:exam_size]
    control = known(solid[5:5 + n_control // 2] + liquid[4:4 + n_control - n_control // 2])
    data = run_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    for name, df in {"items": items, "exam": exam, "control": control}.items():
        df.to_parquet(data / f"{name}.parquet", index=False)
    return {"items": items, "exam": exam, "control": control}
