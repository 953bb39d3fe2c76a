"""budget_usd is a hard cap: an upper bound above it refuses before anything is created (exit 2 naming
budget_usd); budget_policy=stop_at_cap buys what fits, aggregates it and ends stopped_at_budget; a sweep
trial over budget is not launched."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

FAST = ["model=none", "tracking=none", "crowd.poll_interval_seconds=0.05"]


def test_an_upper_bound_over_budget_refuses_before_anything_is_created(tmp_path):
    proc = run_cli("+experiment=food", "dataset.size=300", "budget_usd=1", *FAST, f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "budget_usd: the crowd may cost up to $2.42 (expected $1.95" in proc.stderr and "more than budget_usd $1.00" in proc.stderr
    assert "budget_policy=stop_at_cap" in proc.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "over_budget" and summary["cost_usd"] == 0.0
    assert not (tmp_path / "emulator").exists() and not (tmp_path / "toloka" / "state.json").exists()


def test_stop_at_cap_buys_what_fits_and_says_so(tmp_path):
    proc = run_cli("+experiment=food", "dataset.size=300", "budget_usd=1", "budget_policy=stop_at_cap", *FAST,
                   f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    budget = summary["budget"]
    assert summary["status"] == "stopped_at_budget" and budget["stopped"]
    assert 0 < budget["items_bought"] < budget["items_planned"] == 300
    assert summary["cost_usd"] <= 1.0 and budget["upper_bound_usd"] <= 1.0 and budget["spent_usd"] == summary["cost_usd"]
    assert summary["cost_usd"] > 0.5   # what fits under the upper bound (expected + short last pages), not a token
    assert summary["items"] == budget["items_bought"] and summary["labels"]["accuracy"]["food_type"] > 0.9
    assert f"stopped at budget: bought {budget['items_bought']} of 300 items" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_sweep_never_launches_a_trial_over_budget(tmp_path):
    proc = run_cli("-m", "+experiment=food", "dataset.size=150", "budget_usd=1", "crowd.overlap=1,5", *FAST,
                   f"hydra.sweep.dir={tmp_path}", "hydra.sweep.subdir=${hydra.job.num}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "the dearest corner (crowd.overlap=5; 150 items) may cost up to $2.42: does NOT fit budget_usd $1.00" in proc.stderr
    cheap, dear = (json.loads((tmp_path / str(n) / "summary.json").read_text()) for n in (0, 1))
    assert cheap["status"] == "ok" and 0 < cheap["cost_usd"] <= 1.0
    assert dear["status"] == "over_budget" and dear["cost_usd"] == 0.0
    assert not (tmp_path / "1" / "emulator").exists()
