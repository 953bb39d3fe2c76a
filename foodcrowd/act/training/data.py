"""Images and labels as tensors: a deterministic split, a per-version image cache, label encoding.

The table the train stage works on has one row per item: ``item_id``, ``path`` (a local image file),
``label_<q>`` / ``confidence_<q>`` (the aggregated label and its confidence, or missing) and, where the
generator knows it, ``truth_<q>``. Images are decoded with PIL, resized to ``image_size`` once and kept as a
``uint8`` tensor file under the cache dir, keyed by the dataset version (or by the file list when there is
no version id), so later runs and sweep jobs on the same version skip decoding.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from foodcrowd.errors import UserError

__all__ = ["TrainingDataError", "labeled_table", "split_is_val", "encode", "load_images"]

log = logging.getLogger(__name__)


class TrainingDataError(UserError, ValueError):
    """The annotated data cannot be trained on (no labels, missing image files, ...)."""


def labeled_table(items: pd.DataFrame, labels: pd.DataFrame, questions: Sequence[str]) -> pd.DataFrame:
    """Items joined with their labels in wide form (``label_<q>``, ``confidence_<q>`` per question)."""
    missing = {"item_id", "path"} - set(items.columns)
    if missing:
        raise TrainingDataError(f"the items table has no column(s) {sorted(missing)}")
    table = items.drop(columns=[c for c in items.columns if c.startswith(("label_", "confidence_"))])
    for q in questions:
        part = labels[labels["question"] == q]
        if "confidence" not in part:
            part = part.assign(confidence=1.0)
        part = part[["item_id", "label", "confidence"]].drop_duplicates("item_id")
        part = part.rename(columns={"label": f"label_{q}", "confidence": f"confidence_{q}"})
        table = table.merge(part, on="item_id", how="left")
    return table.reset_index(drop=True)


def split_is_val(item_ids: Sequence[str], val_fraction: float) -> np.ndarray:
    """True for validation items: the first 8 bytes of sha256(item_id), as a fraction, below ``val_fraction``.

    Independent of the seed and of the other items, so every run on the same items (every sweep job)
    validates on the same items and an item never changes side when the dataset grows.
    """
    def unit(item_id: str) -> float:
        return int.from_bytes(hashlib.sha256(str(item_id).encode()).digest()[:8], "big") / 2.0 ** 64

    return np.fromiter((unit(i) < val_fraction for i in item_ids), dtype=bool, count=len(item_ids))


def encode(values: pd.Series, classes: Sequence[str]) -> np.ndarray:
    """Class indices (int64); -1 where the value is missing or not one of ``classes``."""
    index = {str(c): i for i, c in enumerate(classes)}
    return np.fromiter((index.get(str(v), -1) if v is not None and v == v else -1 for v in values),
                       dtype=np.int64, count=len(values))


def _cache_key(item_ids: Sequence[str], paths: Sequence[str], size: int, version: str | None) -> str:
    if version:
        ident: Any = ["version", version]
    else:  # no registry id: the file list (path, size, mtime) stands for the version
        ident = ["files", [(p, *(lambda s: (s.st_size, s.st_mtime_ns))(os.stat(p))) for p in paths]]
    payload = json.dumps([ident, size, list(map(str, item_ids))], sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:20]


def _decode(path: str, size: int) -> np.ndarray:
    from PIL import Image

    from foodcrowd.images import open_reduced

    with open_reduced(path, max_side=size) as img:
        img = img.convert("RGB")
        if img.size != (size, size):
            img = img.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=2.0)
        return np.asarray(img, dtype=np.uint8).transpose(2, 0, 1)


def load_images(item_ids: Sequence[str], paths: Sequence[str], size: int, cache_dir: Path,
                version: str | None = None):
    """``uint8`` tensor ``N x 3 x size x size`` in the order of ``item_ids``; cached under ``cache_dir``.

    Returns ``(tensor, cache_hit)``.
    """
    import torch
    from tqdm.auto import tqdm

    bad = [p for p in paths if not Path(p).is_file()]
    if bad:
        raise TrainingDataError(f"{len(bad)} image file(s) are missing, e.g. {bad[0]}: re-run the data stage "
                                "(or register the dataset version again)")
    cache_dir = Path(cache_dir)
    cache = cache_dir / f"images-{size}px-{_cache_key(item_ids, paths, size, version)}.pt"
    if cache.exists():
        try:
            saved = torch.load(cache, weights_only=True)
            if saved["item_ids"] == [str(i) for i in item_ids]:
                return saved["images"], True
        except Exception as err:  # a torn or foreign file: rebuild it
            log.warning("image cache %s unreadable (%s); rebuilding", cache, err)
    out = np.empty((len(paths), 3, size, size), dtype=np.uint8)
    for i, p in enumerate(tqdm(paths, desc=f"images -> {size}px", unit="img", leave=False,
                               disable=len(paths) < 200)):
        try:
            out[i] = _decode(p, size)
        except (OSError, ValueError) as err:  # ValueError: ImageTooLarge (files changed since the data stage)
            raise TrainingDataError(f"cannot read image {p}: {err}") from None
    images = torch.from_numpy(out)
    from foodcrowd.atomic import save_torch

    try:  # atomic: parallel sweep jobs may build the same cache
        cache_dir.mkdir(parents=True, exist_ok=True)
        save_torch({"item_ids": [str(i) for i in item_ids], "images": images}, cache)
    except OSError as err:  # a cache is optional: a full disk costs the next run a rebuild, not this one
        log.warning("image cache not written (%s: %s); training goes on without it", err.filename, err.strerror)
    return images, False
