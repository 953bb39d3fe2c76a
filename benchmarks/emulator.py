"""Emulator throughput: assignments per second through toloka-kit's real client, against the same
population simulated without HTTP in the same run.

A pool of 10,000 tasks at overlap 3, pages of 9 real + 1 control task (the food layout), the food
population (size raised so the crowd does not run out), fast-response and control-task bans.
HTTP path: open the pool, poll until it is closed, fetch every assignment with ``get_assignments``
(toloka-kit parses each one). Direct path: the same simulation called in-process. Task upload is setup.

    python benchmarks/emulator.py [--tasks 10000]
"""
from __future__ import annotations

import argparse
import datetime
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, report  # noqa: E402


def _world(n: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    amb = rng.random(n) < 0.06
    return pd.DataFrame({"item_id": [f"food-{i:06d}" for i in range(n)],
                         "truth_food_type": np.where(amb, "other", rng.choice(["solid", "liquid"], n)),
                         "difficulty": rng.beta(1.2, 6, n), "ambiguous": amb, "appeal": rng.random(n)})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=10_000)
    args = parser.parse_args()
    import toloka.client as tc
    import yaml
    from toloka.client import actions as A, collectors as C, conditions as K, filter as F

    from foodcrowd.emulator import start

    pop = yaml.safe_load((ROOT / "conf/crowd/population/food.yaml").read_text())
    pop.update(size=max(1000, args.tasks), arrival_rate_per_minute=60)
    questions = yaml.safe_load((ROOT / "conf/questions/food.yaml").read_text())
    world = _world(args.tasks + 100)
    crowd = {"seed": 0, "time_scale": 1e9, "platform_fee": 0.3, "min_fee_per_page": 0.001, "faults": {}, "population": pop}
    with tempfile.TemporaryDirectory() as tmp, start(crowd, questions, world, Path(tmp)) as handle:
        client = tc.TolokaClient("bench", url=handle.url, retries=3, timeout=120)
        P = tc.project
        project = client.create_project(tc.Project(public_name="bench", public_description="bench", task_spec=P.task_spec.TaskSpec(
            input_spec={"image": P.field_spec.UrlSpec(), "item_id": P.field_spec.StringSpec()},
            output_spec={"food_type": P.field_spec.StringSpec(allowed_values=["solid", "liquid", "other"]),
                         "appetizing": P.field_spec.StringSpec(allowed_values=["yes", "no"])},
            view_spec=P.view_spec.ClassicViewSpec(markup="<p/>"))))
        pool = tc.Pool(project_id=project.id, private_name="bench", may_contain_adult_content=False, reward_per_assignment=0.015,
                       assignment_max_duration_seconds=600, will_expire=datetime.datetime(2035, 1, 1), auto_accept_solutions=True,
                       defaults=tc.Pool.Defaults(default_overlap_for_new_tasks=3), filter=F.Languages.in_("EN"))
        pool.set_mixer_config(real_tasks_count=9, golden_tasks_count=1, training_tasks_count=0)
        pool.quality_control.add_action(collector=C.AssignmentSubmitTime(history_size=5, fast_submit_threshold_seconds=15),
                                        conditions=[K.FastSubmittedCount >= 1], action=A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS"))
        pool.quality_control.add_action(collector=C.GoldenSet(history_size=5), conditions=[K.GoldenSetCorrectAnswersRate < 100, K.GoldenSetAnswersCount >= 1],
                                        action=A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS"))
        pool = client.create_pool(pool)
        real = [tc.Task(pool_id=pool.id, input_values={"image": "file:///x", "item_id": i}) for i in world.item_id[:args.tasks]]
        control = [tc.Task(pool_id=pool.id, input_values={"image": "file:///x", "item_id": r.item_id}, infinite_overlap=True,
                           known_solutions=[tc.Task.KnownSolution(output_values={"food_type": r.truth_food_type})])
                   for r in world.iloc[args.tasks:].itertuples()]
        t0 = time.perf_counter()
        for k in range(0, len(real) + len(control), 5000):
            client.create_tasks((real + control)[k:k + 5000], allow_defaults=True)
        upload = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.open_pool(pool.id)
        t_open = time.perf_counter() - t0
        while not client.get_pool(pool.id).is_closed():
            time.sleep(0.01)
        t_closed = time.perf_counter() - t0
        assignments = list(client.get_assignments(pool_id=pool.id, batch_size=10_000))
        http = time.perf_counter() - t0
        print(f"HTTP path: opened {t_open:.2f} s, closed {t_closed:.2f} s, fetched {http:.2f} s")
        state = handle.state
        run = state.runs()[-1]
        t0 = time.perf_counter()
        direct_result = state._simulate(run)
        direct = time.perf_counter() - t0
        n = len(assignments)
        assert n == len(direct_result.by_pool[pool.id]), "the HTTP path and the direct path disagree"
    print(f"{args.tasks} tasks at overlap 3: {n} assignments; task upload {upload:.1f} s (setup, not timed)")
    http_rate, direct_rate = n / http, n / direct
    report("emulator_direct_assignments_per_s", direct_rate, "assignments/s", target="reference")
    report("emulator_http_assignments_per_s", http_rate, "assignments/s", baseline=direct_rate,
           baseline_name="same simulation without HTTP", ratio=direct_rate / http_rate,
           target="ratio (direct/HTTP) <= 3 and >= 2000 assignments/s")


if __name__ == "__main__":
    main()
