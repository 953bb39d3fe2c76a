"""Fixtures for the registry tests: a small run dir with real images, labels and answers."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from foodcrowd.engine import StageContext
from foodcrowd.validate import validate
from tests.conftest import compose_cfg

CLASSES = ["solid", "liquid", "other"]


def make_images(folder: Path, n: int, size: int = 32) -> dict[str, Path]:
    """``n`` distinct small PNGs; returns relpath -> path."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for i in range(n):
        p = folder / f"food_{i:04d}.png"
        Image.new("RGB", (size, size), ((i * 37) % 256, (i * 91) % 256, (i * 53) % 256)).save(p)
        out[f"images/food_{i:04d}.png"] = p
    return out


def make_run(run_dir: Path, images: dict[str, Path], seed: int = 0) -> None:
    """``data/items.parquet``, ``labels/labels.parquet`` and ``toloka/answers.parquet`` for ``images``."""
    import numpy as np

    rng = np.random.default_rng(seed)
    rels = sorted(images)
    items = pd.DataFrame({"item_id": [f"food-{i:06d}" for i in range(len(rels))], "path": [str(images[r]) for r in rels],
                          "url": [images[r].as_uri() for r in rels], "relpath": rels,
                          "truth_food_type": [CLASSES[i % 3] for i in range(len(rels))],
                          "difficulty": rng.random(len(rels))})
    rows, answers = [], []
    for i, item in enumerate(items["item_id"]):
        for q, label, conf in (("food_type", CLASSES[(i + seed) % 3], 0.5 + 0.5 * rng.random()),
                               ("appetizing", "yes" if i % 2 else "no", rng.random())):
            rows.append({"item_id": item, "question": q, "label": label, "confidence": conf, "n_answers": 3,
                         "method": "mv"})
            answers += [{"task": item, "worker": f"w{k}", "question": q, "label": label, "kind": "task"} for k in range(3)]
    for sub, name, df in (("data", "items", items), ("labels", "labels", pd.DataFrame(rows)),
                          ("toloka", "answers", pd.DataFrame(answers))):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
        df.to_parquet(run_dir / sub / f"{name}.parquet")


def make_ctx(run_dir: Path, overrides: list[str], results: dict) -> StageContext:
    cfg = compose_cfg(overrides)
    out = run_dir / "datasets"
    out.mkdir(parents=True, exist_ok=True)
    return StageContext(cfg=cfg, plain=validate(cfg), run_dir=run_dir, out_dir=out, results=results)


@pytest.fixture
def registry_root(tmp_path) -> Path:
    return tmp_path / "registry"


@pytest.fixture(autouse=True)
def _no_clearml_server(tmp_path, monkeypatch):
    """No test talks to a real ClearML server: no host in the environment, an empty clearml.conf."""
    from foodcrowd.datasets import clearml_sync

    for var in ("CLEARML_API_HOST", "TRAINS_API_HOST", "CLEARML_OFFLINE_MODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CLEARML_CONFIG_FILE", str(tmp_path / "no-clearml.conf"))
    monkeypatch.setattr(clearml_sync, "_checked", {})
