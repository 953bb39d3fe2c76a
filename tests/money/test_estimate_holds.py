"""For every experiment in conf/experiment/, run on the emulator: the actual cost of every pool lies within
the estimate's bounds, and the whole run's cost within 10% of the expected figure."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import EXPERIMENTS, run_cli

BIRDS = Path(__file__).resolve().parent.parent / "aggregation" / "data" / "bluebirds"
# small sizes where the experiment allows (the estimate scales with items; see test_plan for the formulas)
EXTRA = {"food": ["dataset.size=300"], "food_dynamic": ["dataset.size=300"], "food_optuna": ["dataset.size=300"],
         "digits": ["dataset.size=300"],
         "replay": [f"dataset.answers={BIRDS / 'answer.csv'}", f"dataset.truth={BIRDS / 'truth.csv'}"]}
FAST = ["model=none", "tracking=none", "crowd.poll_interval_seconds=0.05"]



@pytest.mark.slow
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_actual_cost_is_within_the_estimate(experiment, tmp_path):
    proc = run_cli(f"+experiment={experiment}", *EXTRA.get(experiment, []), *FAST, f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "What the crowd will cost, per pool" in proc.stderr + proc.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    est = summary["estimate"]
    assert est["cost_min_usd"] <= summary["cost_usd"] <= est["cost_max_usd"], (summary["cost_usd"], est)
    for key, pool in summary["pools"].items():
        assert pool["within_bounds"], (key, pool)
    assert sum(p["cost_usd"] for p in summary["pools"].values()) == pytest.approx(summary["cost_usd"])
    assert summary["cost_usd"] == pytest.approx(est["cost_usd"], rel=0.10)
