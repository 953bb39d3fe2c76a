"""Real multiruns in a subprocess: the sweep report lists every job, and the Optuna sweep runs its trials."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import run_cli

SMALL = ["dataset.size=150", "trainer.epochs=3", "trainer.image_size=32"]


@pytest.mark.slow
def test_overlap_by_aggregation_multirun_writes_the_sweep_report(tmp_path):
    sweep = tmp_path / "sweep"
    proc = run_cli("-m", "+experiment=food", "crowd.overlap=1,3", "aggregation=mv,ds", *SMALL,
                   f"hydra.sweep.dir={sweep}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = pd.read_csv(sweep / "sweep_report.csv")
    assert sorted(zip(table["overlap"], table["aggregation"])) == [(1, "ds"), (1, "mv"), (3, "ds"), (3, "mv")]
    assert (table["status"] == "ok").all()
    for col in ("cost_usd", "label_accuracy", "model_accuracy", "model_accuracy_food_type",
                "tracked_val_accuracy_food_type"):
        assert table[col].notna().all() and table[col].between(0, 1e6).all(), col
    # overlap 3 buys three times the answers of overlap 1
    cost = table.groupby("overlap")["cost_usd"].mean()
    assert cost[3] > 2.5 * cost[1]
    # the value read back from each job's offline ClearML session is the one in its summary.json
    assert (table["tracked_val_accuracy_food_type"] - table["model_accuracy_food_type"]).abs().max() < 1e-9
    assert (sweep / "sweep_report.png").stat().st_size > 5000
    html = (sweep / "sweep_report.html").read_text()
    assert "sweep_report.png" in html and html.count("<tr") == 5  # header + one row per job


@pytest.mark.slow
def test_optuna_sweep_runs_six_trials_and_respects_the_budget(tmp_path):
    from omegaconf import OmegaConf

    sweep = tmp_path / "optuna"
    proc = run_cli("-m", "+experiment=food_optuna", "dataset.size=150", "budget_usd=0.8",
                   "hydra.sweeper.n_trials=6", f"hydra.sweep.dir={sweep}",
                   env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = pd.read_csv(sweep / "sweep_report.csv")
    assert len(table) == 6 and table["status"].isin(["ok", "over_budget"]).all()
    refused = table[table["status"] == "over_budget"]   # upper bound over budget_usd: never launched, $0
    assert (refused["cost_usd"] == 0).all() and (refused["objective"] == float("-inf")).all()
    assert table["overlap"].between(1, 5).all() and table["reward_per_page"].between(0.005, 0.03).all()
    best = OmegaConf.load(sweep / "optimization_results.yaml")
    assert set(best.best_params) == {"crowd.reward_per_page", "crowd.overlap", "crowd.dynamic_overlap.enabled",
                                     "aggregation"}   # reward x overlap x policy (issue 15)
    frontier = pd.read_csv(sweep / "frontier.csv")
    assert len(frontier) == 6 and frontier["on_frontier"].any() and frontier["duration_minutes"].gt(0).all()
    assert (sweep / "frontier.png").stat().st_size > 5000
    within = table[(table["cost_usd"] <= 0.8) & (table["status"] == "ok")]
    over = table[table["cost_usd"] > 0.8]
    assert (over["objective"] == float("-inf")).all()  # over budget never wins
    if len(within):
        assert best.best_value == pytest.approx(within["label_accuracy"].max())


def test_food_end_to_end_records_the_model_in_summary_and_clearml_session(tmp_path):
    import json

    from foodcrowd.record.tracking import find_sessions, read_scalars, read_task

    run = tmp_path / "run"
    proc = run_cli("+experiment=food", "dataset.size=200", "trainer.epochs=4", f"hydra.run.dir={run}",
                   env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((run / "summary.json").read_text())
    model = summary["model"]
    assert set(model["metrics"]) == {"food_type", "appetizing"} and model["epochs"] == 4
    assert model["datasets_used"] == [summary["datasets"]["annotated"]]  # read through the registry
    [session] = find_sessions(run)
    assert model["tracker_task"] == session.name
    [(_, acc)] = read_scalars(session)["val_accuracy"]["food_type"]
    assert acc == pytest.approx(model["metrics"]["food_type"]["accuracy"])
    task = read_task(session)
    assert {"checkpoint", "summary"} <= {a["key"] for a in task["execution"]["artifacts"]}
    assert task["hyperparams"]["datasets"]["annotated"]["value"] == summary["datasets"]["annotated"]
    assert task["hyperparams"]["datasets"]["raw"]["value"] == summary["datasets"]["raw"]
