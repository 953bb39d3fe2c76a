"""``dataset.source: digits``: real handwritten digit scans bundled with scikit-learn (no download).

``sklearn.datasets.load_digits`` holds 1,797 8x8 scans (UCI "Optical Recognition of Handwritten Digits",
CC BY 4.0). Each is rendered to a ``dataset.image_size`` PNG (dark ink on white paper, bicubic upscaling)
and cached under ``<cache_dir>/<key>/``. The truth of ``dataset.question`` is the digit ("0".."9").
Difficulty is measured, not invented: 1 - the probability a cross-validated logistic regression gives the
true digit; items below ``dataset.ambiguous_below`` of that probability are ambiguous (badly written
digits that people also disagree on). ``dataset.size`` takes a class-balanced subset (null = all).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from foodcrowd.sources import SourceError

__all__ = ["load", "METADATA"]

_VERSION = 1
METADATA = {"synthetic": False,
            "description": "handwritten digit scans from scikit-learn's load_digits (UCI Optical Recognition of "
                           "Handwritten Digits), rendered to PNG",
            "licence": "CC BY 4.0 (UCI Machine Learning Repository), bundled with scikit-learn (BSD-3-Clause)"}


def _difficulty(X, y, seed: int):
    """1 - cross-validated P(true digit) from a logistic regression on the raw pixels."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    model = LogisticRegression(max_iter=2000, C=0.5)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    proba = cross_val_predict(model, X / 16.0, y, cv=folds, method="predict_proba")
    return 1.0 - proba[np.arange(len(y)), y]


def _subset(y, size, seed: int):
    """Indices of a class-balanced subset of ``size`` items (round-robin over a seeded order per digit)."""
    import numpy as np

    if size is None or size >= len(y):
        return np.arange(len(y))
    rng = np.random.default_rng([seed, _VERSION])
    per_class = [list(rng.permutation(np.flatnonzero(y == d))) for d in range(10)]
    picks = []
    while len(picks) < size:
        for pool in per_class:
            if pool and len(picks) < size:
                picks.append(pool.pop(0))
    return np.array(sorted(picks))


def _render(root: Path, images, image_size: int, indices) -> None:
    import numpy as np
    from PIL import Image

    for i in indices:
        ink = np.clip(images[i] / 16.0, 0, 1)
        paper = (255 * (1 - ink)).astype(np.uint8)
        Image.fromarray(paper, "L").resize((image_size, image_size), Image.BICUBIC).save(root / f"images/digit-{i:04d}.png")


def load(ds: dict, plain: dict, cache_dir: Path):
    import numpy as np
    import pandas as pd
    from sklearn.datasets import load_digits

    question = ds.get("question") or "digit"
    if question not in (plain.get("questions") or {}):
        raise SourceError("dataset.question", f"is {question!r}, not a question",
                          "one of: " + ", ".join(plain.get("questions") or {}))
    seed, size = int(ds.get("seed", plain.get("seed", 0))), ds.get("size")
    image_size, below = int(ds.get("image_size", 32)), float(ds.get("ambiguous_below", 0.5))
    spec = {"v": _VERSION, "seed": seed, "size": size, "image_size": image_size}
    root = Path(cache_dir) / hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    if not (root / "items.parquet").exists():
        digits = load_digits()
        y = digits.target
        cached = Path(cache_dir) / f"difficulty-v{_VERSION}-seed{seed}.npy"   # shared by every size
        if cached.exists():
            difficulty = np.load(cached)
        else:
            difficulty = _difficulty(digits.data, y, seed)
            np.save(cached, difficulty)
        keep = _subset(y, size, seed)
        tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        (tmp / "images").mkdir(parents=True)
        _render(tmp, digits.images, image_size, keep)
        pd.DataFrame({"item_id": [f"digit-{i:04d}" for i in keep], "relpath": [f"images/digit-{i:04d}.png" for i in keep],
                      "digit": [str(int(y[i])) for i in keep], "difficulty": [round(float(difficulty[i]), 4) for i in keep]}
                     ).to_parquet(tmp / "items.parquet", index=False)
        try:
            tmp.replace(root)
        except OSError:  # another process finished first
            shutil.rmtree(tmp, ignore_errors=True)
    df = pd.read_parquet(root / "items.parquet")
    df[f"truth_{question}"] = df["digit"]
    df["ambiguous"] = (1.0 - df["difficulty"]) < below
    df["path"] = [str(root / rel) for rel in df["relpath"]]
    return df
