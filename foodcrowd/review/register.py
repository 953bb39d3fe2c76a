"""Expert labels as dataset versions: the golden set (child of raw) and the reviewed labels (child of the
annotated version). Both carry only the items the expert saw, their files, and a table of the labels."""
from __future__ import annotations

import logging
from pathlib import Path

__all__ = ["register_golden", "register_reviewed"]

log = logging.getLogger(__name__)


def _files(items, ids) -> dict:
    keep = items[items["item_id"].astype(str).isin(set(map(str, ids)))]
    return {str(r): Path(p) for r, p in zip(keep["relpath"], keep["path"]) if isinstance(p, str) and p}


def register_golden(golden, items, plain: dict, raw_version, result: dict) -> dict:
    """Register ``<name>-golden`` (parent: the raw version); add it to the data stage's ``result``."""
    from foodcrowd.datasets import Registry

    table, info = golden
    ds = plain["dataset"]
    meta = {"kind": "golden", "label_studio": {k: info[k] for k in ("project_id", "candidates", "labelled")},
            "edge_cases": info["edge_cases"], "questions": plain.get("questions"),
            "selection": {k: plain["golden"].get(k) for k in ("size", "strategy", "uncertainty_from")}}
    version = Registry(ds["registry"]).register(ds["project"], f"{ds['name']}-golden", _files(items, table["item_id"]),
                                                parents=[raw_version.id], metadata=meta, tables={"golden": table},
                                                progress=False)
    log.info("golden: %d items labelled by the expert (%d edge cases): dataset %s (%s)", len(table),
             info["edge_cases"], version.ref, version.id)
    out = dict(result)
    out["golden_dataset_id"] = version.id
    out["summary"] = {**result["summary"], "datasets": {**result["summary"]["datasets"], "golden": version.id},
                      "golden": {**info, "dataset": version.id}}
    return out


def register_reviewed(table, items, plain: dict, annotated_id: str, info: dict):
    """Register ``<name>-reviewed`` (parent: the annotated version) holding the review table."""
    from foodcrowd.datasets import Registry

    ds = plain["dataset"]
    meta = {"kind": "reviewed", **info, "questions": plain.get("questions")}
    return Registry(ds["registry"]).register(ds["project"], f"{ds['name']}-reviewed", _files(items, table["item_id"]),
                                             parents=[annotated_id], metadata=meta, tables={"review": table},
                                             progress=False)
