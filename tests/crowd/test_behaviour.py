"""Behaviour over time on the default (food) population: workers who pass the exam honestly and then turn
to fast or random answers are what the quality rules catch, so turning the rules off costs accuracy, and
every ban's reason is something the banned worker actually did."""
from __future__ import annotations

import pandas as pd
import pytest

from foodcrowd.crowd import behaviour
from foodcrowd.emulator.population import build_population
from tests.crowd.conftest import QUALITY_OFF

SEEDS = (0, 1, 2)


def test_quality_rules_off_costs_food_type_accuracy(food_runs):
    on = [food_runs(s)["labels"]["accuracy"]["food_type"] for s in SEEDS]
    off = [food_runs(s, *QUALITY_OFF)["labels"]["accuracy"]["food_type"] for s in SEEDS]
    assert sum(on) / 3 - sum(off) / 3 > 0.01, (on, off)   # one run's standard error at 300 items: ~1 point


def _pages(run: dict) -> pd.DataFrame:
    a = run["assignments"]
    main = a[a["container"] == "pool:main"].sort_values("created_at").copy()
    main["k"] = main.groupby("worker").cumcount()          # pages done before this one
    return main


def test_every_ban_matches_what_the_worker_did(food_runs):
    kinds = {"fast": 0, "control": 0}
    for seed in SEEDS:
        _check_bans(food_runs(seed), seed, kinds)
    assert kinds["fast"] and kinds["control"], kinds      # both rules had work to do


def _check_bans(run: dict, seed: int, kinds: dict) -> None:
    crowd, fast = run["plain"]["crowd"], run["plain"]["quality"]["fast_responses"]
    workers = {w.id: w for w in build_population(crowd["population"], seed)}
    pool = {"mixer_config": {"real_tasks_count": crowd["real_tasks_per_page"],
                             "golden_tasks_count": crowd["control_tasks_per_page"]}}
    pages = _pages(run)
    answers = run["answers"]
    control_truth = run["control_truth"]
    bans = run["bans"]
    assert len(bans), "the default run bans somebody"
    for ban in bans.itertuples():
        w = workers[ban.worker]
        mine = pages[pages["worker"] == ban.worker]
        if "fast responses" in ban.private_comment:
            kinds["fast"] += 1
            scaled = [behaviour.rule_seconds(p.seconds, p.n_tasks, pool) for p in mine.itertuples()]
            fast_pages = [p for p, sec in zip(mine.itertuples(), scaled) if sec < fast["fast_submit_threshold_seconds"]]
            assert fast_pages, f"{ban.worker} banned for fast responses without a fast page"
            # the fast page was the worker's own doing: a random clicker, or a worker who had turned
            assert all(w.params.get("random") or behaviour.turned(w, p.k) for p in fast_pages), (w.kind, w.turn_after)
        elif "wrong control answers" in ban.private_comment:
            kinds["control"] += 1
            mine_ctl = answers[(answers["worker"] == ban.worker) & (answers["kind"] == "control")
                               & (answers["question"] == "food_type")]
            wrong = mine_ctl["label"] != mine_ctl["task"].map(control_truth)
            assert wrong.any(), f"{ban.worker} banned for control answers it got right"


def test_a_short_last_page_does_not_count_as_fast():
    pool = {"mixer_config": {"real_tasks_count": 9, "golden_tasks_count": 1}}
    # an honest 3.5 s/task worker on a 2-task tail page: 7 s, which is 35 s per full page of 10
    assert behaviour.rule_seconds(7.0, 2, pool) == pytest.approx(35.0)
    assert behaviour.rule_seconds(7.0, 10, pool) == pytest.approx(7.0)
