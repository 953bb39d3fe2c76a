"""``<run_dir>/summary.json``: the stable, machine-readable record of a run (``schemas/summary.schema.json``).

Each stage's result may carry a ``summary`` mapping; it is deep-merged into the record. Stage timings go
under ``stages``. The file is rewritten atomically after every stage, so it is readable at any time.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Summary", "SCHEMA_VERSION", "merge"]

SCHEMA_VERSION = 1
_FAILED_KEYS = ("schema_version", "experiment_name", "action", "status", "run_dir", "started_at", "finished_at",
                "error", "stages")


def merge(into: dict, new: dict) -> dict:
    """Deep-merge ``new`` into ``into`` (mappings merge, everything else replaces)."""
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            merge(into[k], v)
        else:
            into[k] = v
    return into


def _paid(plain: dict) -> dict:
    from foodcrowd.plan.estimate import priced

    return priced(plain)["crowd"] if plain.get("crowd") else {}


@dataclass
class Summary:
    path: Path
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, run_dir: Path, plain: dict) -> "Summary":
        crowd = plain.get("crowd", {})
        data = {
            "schema_version": SCHEMA_VERSION,
            "experiment_name": plain.get("experiment_name"),
            "action": plain.get("action", "run"),
            "status": "running",
            "run_dir": str(run_dir),
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "config": {
                "backend": crowd.get("backend"),
                "overlap": crowd.get("overlap"),
                "dynamic_overlap": bool((crowd.get("dynamic_overlap") or {}).get("enabled")),
                "reward_per_page": _paid(plain).get("reward_per_page"),   # what is paid (in-house: 0 or hourly)
                "aggregation": (plain.get("aggregation") or {}).get("method"),
                "dataset_source": (plain.get("dataset") or {}).get("source"),
                "seed": plain.get("seed"),
            },
            "items": None, "pages": None, "answers": None, "cost_usd": None,
            "duration_seconds": None, "duration_kind": None,
            "annotators": None, "banned": None,
            "exam": {}, "estimate": {}, "labels": {}, "datasets": {}, "model": {}, "data_issues": {},
            "stages": {},
        }
        return cls(run_dir / "summary.json", data)

    def stage_done(self, name: str, result: dict, seconds: float, skipped: bool) -> None:
        merge(self.data, result.get("summary") or {})
        self.data["stages"][name] = {"seconds": round(seconds, 3), "skipped": skipped}
        self.write()

    def finish(self, status: str) -> None:
        self.data["status"] = status
        self.data["finished_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.write()

    def write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.data, indent=2, default=str) + "\n"
        try:
            tmp = self.path.with_suffix(".json.tmp")
            try:
                tmp.write_text(text)
                tmp.replace(self.path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError:
            if self.data.get("status") != "failed" or not self.path.is_file():
                raise
            # a full disk: the record still says "failed", rewritten in place in the blocks the running
            # record already holds (compact JSON, without the bulky parts if need be)
            for data in (self.data, {k: v for k, v in self.data.items() if k in _FAILED_KEYS}):
                try:
                    with open(self.path, "r+b") as fh:
                        fh.write(json.dumps(data, default=str).encode() + b"\n")
                        fh.truncate()
                    return
                except OSError:
                    continue
            raise

    def objective(self, plain: dict) -> float:
        """The value a sweeper maximises: ``plain['objective']`` read from the record; -inf over budget."""
        budget = plain.get("budget_usd")
        cost = self.data.get("cost_usd")
        if budget is not None and cost is not None and cost > budget:
            return float("-inf")
        node: Any = self.data
        for part in str(plain.get("objective", "labels.accuracy.mean")).split("."):
            node = node.get(part) if isinstance(node, dict) else None
        return float(node) if isinstance(node, (int, float)) and not math.isnan(node) else float("nan")
