"""Run the food experiment in-process (data -> plan -> crowd on the emulator -> aggregate) and read back
what a user would look at: summary.json and the crowd stage's tables."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from tests.conftest import compose_cfg

STAGE_NAMES = ("data", "plan", "crowd", "aggregate")


def run_food(run_dir: Path, *overrides: str, experiment: str = "food", size: int | None = 300) -> dict:
    """summary.json plus the tables (answers, assignments, bans) of one run in ``run_dir``."""
    from foodcrowd.engine import STAGES, run
    from foodcrowd.validate import validate

    run_dir.mkdir(parents=True, exist_ok=True)
    over = ([f"dataset.size={size}"] if size else []) + ["model=none", "tracking=none", "lineage=none", *overrides]
    cfg = compose_cfg(over, experiment=experiment)
    plain = validate(cfg)
    here = os.getcwd()
    os.chdir(run_dir)                       # outside Hydra the engine writes to the working directory
    try:
        run(cfg, tuple(s for s in STAGES if s.name in STAGE_NAMES), plain=plain)
    finally:
        os.chdir(here)
    out = json.loads((run_dir / "summary.json").read_text())
    if (run_dir / "toloka" / "stalled.json").exists():
        out["stalled"] = json.loads((run_dir / "toloka" / "stalled.json").read_text())
    for name in ("answers", "assignments", "bans", "exam_answers"):
        out[name] = pd.read_parquet(run_dir / "toloka" / f"{name}.parquet")
    out["plain"] = plain
    control = pd.read_parquet(run_dir / "data" / "control.parquet")
    out["control_truth"] = control.set_index("item_id")["answer"] if len(control) else pd.Series(dtype=str)
    return out
