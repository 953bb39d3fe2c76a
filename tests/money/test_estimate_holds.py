"""For every experiment in conf/experiment/, run on the emulator: the actual cost of every pool lies within
the estimate's bounds, and the whole run's cost within 10% of the expected figure. Also the food case study
with its exam as a paid exam pool, whose expected takers come from the crowd model's forecast."""
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
# besides every experiment as it is: (experiment, overrides); the exam pool at the experiment's own 1,000 items
# (~10 s; the exam pool's cost is two thirds of the run and its takers vary most from run to run on small pools)
VARIANTS = {"food-exam_pool": ("food", ["exam=food_exam_pool"])}
CASES = [pytest.param(e, EXTRA.get(e, []), id=e) for e in EXPERIMENTS] + \
    [pytest.param(e, overrides, id=name) for name, (e, overrides) in VARIANTS.items()]


@pytest.mark.slow
@pytest.mark.parametrize(("experiment", "overrides"), CASES)
def test_actual_cost_is_within_the_estimate(experiment, overrides, tmp_path):
    proc = run_cli(f"+experiment={experiment}", *overrides, *FAST, f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "What the crowd will cost, per pool" in proc.stderr + proc.stdout
    summary = json.loads((tmp_path / "summary.json").read_text())
    est = summary["estimate"]
    assert est["cost_min_usd"] <= summary["cost_usd"] <= est["cost_max_usd"], (summary["cost_usd"], est)
    for key, pool in summary["pools"].items():
        assert pool["within_bounds"], (key, pool)
    assert sum(p["cost_usd"] for p in summary["pools"].values()) == pytest.approx(summary["cost_usd"])
    assert summary["cost_usd"] == pytest.approx(est["cost_usd"], rel=0.10)
    exam = est["pools"].get("pool:exam")
    if exam is not None:     # the takers are the crowd model's forecast, not a declaration or the worst case
        assert exam["takers_source"] == "crowd model" and 0 < exam["takers"] < exam["takers_max"], exam
        assert exam["takers"] == summary["prediction"]["exam_takers"]
