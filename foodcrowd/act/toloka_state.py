"""``toloka/state.json``: what a run created on the crowd platform, saved atomically after every step.

It holds the run key (tagged on every created object, so objects created just before a crash are found
again), each object's id and the hash of its normalised JSON, each task batch's operation id, which
containers were opened and completed, and which tables were downloaded. Never the token.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["CrowdState", "run_key_for", "operation_id"]

_NAMESPACE = uuid.UUID("6f1d3c1e-52a4-4c55-9a86-0d7f3f7c2b11")


def run_key_for(run_dir: Path, experiment_name: str) -> str:
    """A stable key of a run directory (the same directory gives the same key, even without a state file)."""
    return uuid.uuid5(_NAMESPACE, f"{Path(run_dir).resolve()}|{experiment_name}").hex[:16]


def operation_id(run_key: str, container: str, batch: int) -> str:
    """The fixed operation id of one task batch: a retried or resumed upload reuses it, never duplicates."""
    return str(uuid.uuid5(_NAMESPACE, f"{run_key}/{container}/tasks/{batch}"))


@dataclass
class CrowdState:
    path: Path
    run_key: str
    backend: str
    started_at: float = field(default_factory=time.time)
    objects: dict[str, dict] = field(default_factory=dict)      # key -> {kind, id, hash}
    batches: dict[str, dict] = field(default_factory=dict)      # container -> {batch index: {operation_id, count}}
    opened: dict[str, float] = field(default_factory=dict)      # container -> time opened (epoch seconds)
    completed: dict[str, bool] = field(default_factory=dict)
    downloaded: dict[str, bool] = field(default_factory=dict)
    stopped_at_budget: bool = False                              # pools closed before the spend crossed budget_usd
    budget_close: dict = field(default_factory=dict)            # the guard's figures when it closed them (USD)

    @classmethod
    def load(cls, path: Path, run_key: str, backend: str) -> "CrowdState":
        if path.exists():
            data = json.loads(path.read_text())
            data.pop("path", None)
            return cls(path=path, **data)
        return cls(path=path, run_key=run_key, backend=backend)

    def ids(self) -> dict[str, str]:
        return {key: rec["id"] for key, rec in self.objects.items()}

    def save(self) -> None:
        data = asdict(self)
        data.pop("path")
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        tmp.replace(self.path)
