"""Where the train stage's rows come from: the annotated dataset version in the registry, through the
configured DataView (``conf/dataview/``: which versions, a ``where`` filter, per-class weights), or, when no
version was registered (a stage run on its own), the run dir's ``data/items.parquet`` joined with
``labels/labels.parquet`` (the same content).

Either way the result is one row per item: ``item_id``, ``path`` (a local file), ``label_<q>``,
``confidence_<q>``, ``weight`` (the DataView's sampling weight, 1.0 without one), ``in_view`` (whether the
DataView's ``where`` keeps the row: only those train; validation is drawn from every row, so a DataView
never changes what the model is scored on) and ``truth_<q>`` where the items table carries ground truth.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from foodcrowd.act.training.data import TrainingDataError, labeled_table

__all__ = ["read_rows"]


def _from_registry(plain: dict, annotated: str, raw: str | None) -> tuple[Any, dict]:
    from foodcrowd.datasets import Registry
    from foodcrowd.datasets.dataview import resolve

    registry = Registry(plain["dataset"]["registry"])
    dataview = plain.get("dataview") or {}
    frame = resolve(dataview, registry, annotated=annotated, raw=raw, plain=plain)
    if str(dataview.get("where") or "").strip() and not frame.empty:
        # the view picks what the model trains on, never what it is scored on: validation is the same
        # items whatever the DataView, so scores stay comparable across views (rows outside it: in_view False)
        full = resolve({**dataview, "where": None, "weights": None}, registry, annotated=annotated, raw=raw, plain=plain)
        weights = dict(zip(frame["item_id"], frame["weight"]))
        full["in_view"] = full["item_id"].isin(weights.keys())
        full["weight"] = full["item_id"].map(weights).fillna(0.0)
        frame = full
    versions = sorted(set(map(str, frame["version_id"]))) if "version_id" in frame else [annotated]
    # the image cache key: the files' content hashes, so every version with the same images (each sweep
    # job registers its own annotated version of the same raw images) shares one cache
    manifest = {v: registry.version(v).files() for v in versions}
    content = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:20]
    return frame, {"source": "dataview", "versions": versions, "where": dataview.get("where"), "content": content}


def _from_run_dir(run_dir: Path, questions: list[str]) -> tuple[Any, dict]:
    import pandas as pd

    items_path, labels_path = run_dir / "data" / "items.parquet", run_dir / "labels" / "labels.parquet"
    for p in (items_path, labels_path):
        if not p.is_file():
            raise TrainingDataError(f"{p} is missing and no annotated dataset version was registered: "
                                    "run the data, crowd, aggregate and register stages first")
    table = labeled_table(pd.read_parquet(items_path), pd.read_parquet(labels_path), questions)
    return table.assign(weight=1.0), {"source": "run_dir"}


def read_rows(ctx, questions: list[str]) -> tuple[Any, str | None, dict]:
    """(rows, annotated version id or None, where they came from)."""
    register = ctx.results.get("register") or {}
    annotated = register.get("annotated_dataset_id")
    if not annotated:
        table, info = _from_run_dir(ctx.run_dir, questions)
        return table, None, info
    table, info = _from_registry(ctx.plain, annotated, register.get("raw_dataset_id"))
    if table.empty:
        raise TrainingDataError(f"the DataView selects no rows of version {annotated} "
                                f"(dataview.where={info.get('where')!r}): loosen dataview.where")
    for q in questions:
        if f"label_{q}" not in table:
            table[f"label_{q}"] = None
        if f"confidence_{q}" not in table:
            table[f"confidence_{q}"] = 1.0
    if "weight" not in table:
        table["weight"] = 1.0
    return table, annotated, info
