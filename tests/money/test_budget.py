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


# The plan admits 42 items on the upper bound, the exam pool's bound is the declared 5 takers; the emulated
# crowd sends dozens, so the spend crosses budget_usd while the pools run. time_scale 100 (a simulated
# minute in 0.6 s) lets 0.05 s polls follow the spend as they would follow people on Toloka.
DECLARED = ["+experiment=food", "exam=food_exam_pool", "exam.expected_takers=5", "exam.max_takers=5",
            "dataset.size=60", "budget_usd=0.85", "budget_policy=stop_at_cap", "crowd.time_scale=100"]


def test_the_spend_is_followed_and_the_pools_closed_mid_run_before_it_crosses_the_cap(tmp_path):
    import pandas as pd
    import toloka.client as tc

    from foodcrowd.datasets import Registry
    from foodcrowd.emulator import start
    from foodcrowd.validate import validate
    from tests.conftest import compose_cfg

    proc = run_cli(*DECLARED, *FAST, f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout + proc.stderr
    summary = json.loads((tmp_path / "summary.json").read_text())
    budget, est = summary["budget"], summary["estimate"]
    # admitted before anything was created: the upper bound (with the declared exam takers) fits
    assert est["cost_max_usd"] <= 0.85 and est["pools"]["pool:exam"]["takers_source"] == "exam.expected_takers"
    # ... and stopped while running, before the spend crossed the cap
    assert summary["status"] == "stopped_at_budget" and budget["closed_while_running"] and not budget.get("exceeded")
    assert 0 < summary["cost_usd"] <= 0.85 and budget["spent_usd"] == summary["cost_usd"]
    assert summary["pools"]["pool:exam"]["pages"] > 5            # the crowd took more than was declared
    assert budget["pages_bought"] < budget["pages_planned"] == est["pages"]
    assert budget["items_bought"] < est["items"]
    assert "crowd: closed every pool while running" in out and "would cross budget_usd $0.85" in out
    # said at plan time: the exam's bound is only declared, so the cap rests on the guard's polls
    assert "the upper bound of pool:exam is declared" in out and "lower crowd.time_scale" not in out
    assert f"stopped at budget: bought {budget['items_bought']} of 60 items" in out
    # the platform agrees: both pools closed by the requester, and it charged no more than the cap
    plain = validate(compose_cfg(DECLARED[1:] + FAST, experiment="food"))
    items = pd.read_parquet(tmp_path / "data" / "items.parquet")
    handle = start(plain["crowd"], plain["questions"], items, tmp_path / "emulator")
    try:
        client = tc.TolokaClient(handle.token, url=handle.url, retries=0, timeout=30)
        pools = list(client.get_pools())
        assert len(pools) == 2 and {(p.status.value, p.last_close_reason.value) for p in pools} == {("CLOSED", "MANUAL")}
        assert handle.snapshot()["spend"] == pytest.approx(summary["cost_usd"])
    finally:
        handle.stop()
    # what was bought is aggregated and registered
    labels = pd.read_parquet(tmp_path / "labels" / "labels.parquet")
    assert labels["item_id"].nunique() == budget["items_bought"]
    registry = Registry(summary["datasets"]["registry"])
    annotated = registry.version(summary["datasets"]["annotated"])
    assert summary["datasets"]["answers"] in annotated.parents


def test_a_plan_whose_upper_bound_fits_is_followed_but_never_cut_short(tmp_path):
    # the same slow clock, every bound kept by the platform: the guard looks at every poll, and stays quiet
    proc = run_cli("+experiment=food", "dataset.size=60", "budget_usd=0.86", "crowd.time_scale=100", *FAST,
                   f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["estimate"]["cost_max_usd"] <= 0.86 < summary["estimate"]["cost_max_usd"] + 0.02
    assert summary["status"] == "ok" and not summary["budget"]["stopped"], summary["budget"]
    assert summary["pages"] >= summary["estimate"]["pages"] and "closed every pool" not in proc.stdout + proc.stderr
    assert "is declared" not in proc.stdout + proc.stderr          # every bound here is one the platform keeps
    import pandas as pd

    assert pd.read_parquet(tmp_path / "labels" / "labels.parquet")["item_id"].nunique() == 60   # every item bought
