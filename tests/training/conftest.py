"""A tiny annotated dataset built in the test: coloured squares whose colour is the food type and whose
brightness is the appeal, with a few wrong crowd labels, in the run-dir layout the train stage reads."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from foodcrowd.engine import StageContext
from foodcrowd.validate import validate
from tests.conftest import compose_cfg

COLOURS = {"solid": (200, 60, 40), "liquid": (40, 80, 210), "other": (60, 190, 70)}
FAST = ["trainer.image_size=16", "trainer.epochs=8", "trainer.batch_size=16", "trainer.lr=0.02"]


def make_run_dir(run_dir: Path, n: int = 90, truth: bool = True, wrong_share: float = 0.1, seed: int = 0) -> Path:
    """Write ``data/items.parquet`` (+ images), ``labels/labels.parquet`` and ``data/control.parquet``."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    img_dir = run_dir / "data" / "images"
    img_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "labels").mkdir(parents=True, exist_ok=True)
    items, labels = [], []
    for i in range(n):
        cls = list(COLOURS)[i % 3]
        appetizing = "yes" if rng.random() < 0.5 else "no"
        scale = 1.0 if appetizing == "yes" else 0.45
        arr = np.full((20, 20, 3), 128, dtype=np.uint8)
        arr[4:16, 4:16] = np.clip(np.array(COLOURS[cls]) * scale + rng.normal(0, 8, (12, 12, 3)), 0, 255)
        path = img_dir / f"item-{i:04d}.png"
        Image.fromarray(arr).save(path)
        item_id = f"item-{i:04d}"
        items.append({"item_id": item_id, "path": str(path), "relpath": f"images/{path.name}",
                      "truth_food_type": cls if truth else None, "truth_appetizing": appetizing if truth else None})
        label = cls if rng.random() >= wrong_share else list(COLOURS)[(i + 1) % 3]
        labels.append({"item_id": item_id, "question": "food_type", "label": label,
                       "confidence": float(rng.uniform(0.6, 1.0)), "n_answers": 3, "method": "mv"})
        labels.append({"item_id": item_id, "question": "appetizing", "label": appetizing,
                       "confidence": float(rng.uniform(0.6, 1.0)), "n_answers": 3, "method": "mv"})
    pd.DataFrame(items).to_parquet(run_dir / "data" / "items.parquet")
    pd.DataFrame(labels).to_parquet(run_dir / "labels" / "labels.parquet")
    control = [{"item_id": r["item_id"], "url": "", "question": "food_type", "answer": list(COLOURS)[i % 3],
                "hint": "", "edge_case": False} for i, r in enumerate(items) if i % 2 == 0]
    pd.DataFrame(control).to_parquet(run_dir / "data" / "control.parquet")
    return run_dir


def stage_context(run_dir: Path, overrides: list[str] | None = None) -> StageContext:
    cfg = compose_cfg([*FAST, *(overrides or [])])
    plain = validate(cfg)
    out = run_dir / "model"
    out.mkdir(parents=True, exist_ok=True)
    return StageContext(cfg=cfg, plain=plain, run_dir=run_dir, out_dir=out)


@pytest.fixture
def tiny_run(tmp_path) -> Path:
    return make_run_dir(tmp_path / "run")
