"""Where the train stage's rows come from: a registered dataset version (through the DataView when one
is configured), as ``(items, labels, info)`` tables in the shapes of ``data/items.parquet`` and
``labels/labels.parquet``; ``items.path`` points at local files of the version."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from foodcrowd.act.training.data import TrainingDataError

__all__ = ["read_version"]


def _long_labels(wide, questions):
    """``label_<q>``/``confidence_<q>`` columns -> the long ``item_id, question, label, confidence`` table."""
    import pandas as pd

    parts = []
    for q in questions:
        if f"label_{q}" in wide:
            conf = wide[f"confidence_{q}"] if f"confidence_{q}" in wide else 1.0
            parts.append(pd.DataFrame({"item_id": wide["item_id"], "question": q, "label": wide[f"label_{q}"],
                                       "confidence": conf}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["item_id", "question", "label", "confidence"])


def read_version(version_id: str, plain: dict) -> tuple[Any, Any, dict]:
    """Items (with local ``path``) and labels of the annotated version ``version_id``."""
    from foodcrowd.datasets.registry import Registry

    registry = Registry(plain["dataset"]["registry"])
    version = registry.version(version_id)
    dataview = plain.get("dataview") or {}
    try:
        from foodcrowd.datasets import dataview as dv_module
    except ImportError:
        dv_module = None
    if dv_module is not None and hasattr(dv_module, "resolve"):
        frame = dv_module.resolve(dataview, registry=registry, annotated=version_id, plain=plain)
        items = frame
        labels = _long_labels(frame, plain["questions"])
        return items, labels, {"source": "dataview", "where": dataview.get("where")}
    root = Path(registry.get(version_id))
    tables = set(version.tables)
    if "items" not in tables or "labels" not in tables:
        raise TrainingDataError(f"dataset version {version_id} carries tables {sorted(tables)}; the train stage "
                                "needs 'items' and 'labels' (re-run the register stage)")
    items = version.table("items")
    if "relpath" in items:
        items = items.assign(path=[str(root / r) for r in items["relpath"]])
    return items, version.table("labels"), {"source": "registry"}
