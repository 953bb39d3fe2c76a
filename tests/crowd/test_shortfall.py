"""Running out of crowd: the plan says so before anything is created (expected shortfall), and a pool that
stalls ends the crowd stage after a bounded simulated time, keeping and aggregating what was bought."""
from __future__ import annotations

import time

from tests.crowd.helpers import run_food

SMALL = ("crowd.population.size=120",)


def test_a_crowd_too_small_is_predicted_short_and_the_stalled_pool_is_closed_and_aggregated(tmp_path):
    t0 = time.monotonic()
    run = run_food(tmp_path / "small", "seed=0", *SMALL)
    assert time.monotonic() - t0 < 120                      # never the 3600 s of max_wait_seconds
    pred = run["prediction"]
    assert pred["shortfall_pages"] > 0 and any("cannot finish the pool" in w for w in pred["warnings"])
    stalled = run["stalled"]
    assert stalled["stalled"] and "stalled" in stalled["message"] and stalled["percent"] < 100
    answered = run["answers"][run["answers"]["kind"] == "task"]["task"].nunique()
    assert 0 < answered < run["items"]
    # what was bought is paid for and aggregated
    assert run["cost_usd"] > 0 and run["labels"]["accuracy"]["food_type"] > 0
    predicted_short = pred["shortfall_items"]
    assert abs((run["items"] - answered) - predicted_short) <= 0.5 * run["items"]


def test_a_big_enough_crowd_has_no_shortfall(food_runs):
    run = food_runs(0)
    assert run["prediction"]["shortfall_pages"] == 0 and "stalled" not in run
