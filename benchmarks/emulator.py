"""Emulator throughput: assignments per second through toloka-kit's real client, against the same
population simulated without HTTP in the same run.

A pool of 10,000 tasks at overlap 3, pages of 9 real + 1 control task (the food layout), the food
population (size raised so the crowd does not run out), fast-response and control-task bans.
HTTP path: open the pool, poll ``get_pool`` until it is closed, then download every assignment, two ways
(each timed from the same open, over a fresh emulator state so the simulation is paid each time):
  * ``paginated``: ``client.get_assignments(pool_id=...)``, toloka-kit structures each Assignment;
  * ``tsv``: ``client.get_assignments_df(pool_id, GetAssignmentsTsvParameters(...))``, Toloka's TSV export
    (one row per task of each assignment) read by pandas: how requesters download big pools.
Direct path: the same simulation called in-process (no HTTP). Task upload is setup, not timed.

Replay at real size (``--replay``): a synthetic record of 50,000 tasks x 3 answers by 747 workers is
replayed by the whole engine (``python -m foodcrowd +experiment=replay``, a subprocess); the figure is the
crowd stage's seconds from its summary.json (upload, simulation, wait, download through toloka-kit) and the
process's peak memory, against the same run's simulation repeated in-process on its emulator state.

    python benchmarks/emulator.py [--quick] [--tasks 10000]
    python benchmarks/emulator.py --replay [--replay-tasks 50000]     # target: crowd stage <= 60 s, < 2 GB
"""
from __future__ import annotations

import argparse
import datetime
import gc
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, report  # noqa: E402

TARGET = "ratio (direct/HTTP) <= 3 and >= 2000 assignments/s"
_ALL_STATUSES = ["ACTIVE", "SUBMITTED", "APPROVED", "REJECTED", "SKIPPED", "EXPIRED"]
_TSV_FIELDS = ["ASSIGNMENT:assignment_id", "ASSIGNMENT:task_id", "ASSIGNMENT:worker_id", "ASSIGNMENT:status",
               "ASSIGNMENT:started", "ASSIGNMENT:submitted", "ASSIGNMENT:reward"]


def _world(n: int):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    amb = rng.random(n) < 0.06
    return pd.DataFrame({"item_id": [f"food-{i:06d}" for i in range(n)],
                         "truth_food_type": np.where(amb, "other", rng.choice(["solid", "liquid"], n)),
                         "difficulty": rng.beta(1.2, 6, n), "ambiguous": amb, "appeal": rng.random(n)})


def crowd_config(tasks: int) -> dict:
    import yaml

    pop = yaml.safe_load((ROOT / "conf/crowd/population/food.yaml").read_text())
    pop.update(size=max(1000, tasks), arrival_rate_per_minute=60)
    return {"seed": 0, "time_scale": 1e7, "platform_fee": 0.3, "min_fee_per_page": 0.001, "faults": {}, "population": pop}


def setup(client, world, tasks: int) -> str:
    """Project, pool with bans, ``tasks`` real tasks + 100 control tasks uploaded; returns the pool id."""
    import toloka.client as tc
    from toloka.client import actions as A, collectors as C, conditions as K, filter as F

    P = tc.project
    project = client.create_project(tc.Project(public_name="bench", public_description="bench", task_spec=P.task_spec.TaskSpec(
        input_spec={"image": P.field_spec.UrlSpec(), "item_id": P.field_spec.StringSpec()},
        output_spec={"food_type": P.field_spec.StringSpec(allowed_values=["solid", "liquid", "other"]),
                     "appetizing": P.field_spec.StringSpec(allowed_values=["yes", "no"])},
        view_spec=P.view_spec.ClassicViewSpec(markup="<p/>"))))
    pool = tc.Pool(project_id=project.id, private_name="bench", may_contain_adult_content=False, reward_per_assignment=0.015,
                   assignment_max_duration_seconds=600, will_expire=datetime.datetime(2035, 1, 1), auto_accept_solutions=True,
                   defaults=tc.Pool.Defaults(default_overlap_for_new_tasks=3, default_overlap_for_new_task_suites=3), filter=F.Languages.in_("EN"))
    pool.set_mixer_config(real_tasks_count=9, golden_tasks_count=1, training_tasks_count=0)
    pool.quality_control.add_action(collector=C.AssignmentSubmitTime(history_size=5, fast_submit_threshold_seconds=15),
                                    conditions=[K.FastSubmittedCount >= 1], action=A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS"))
    pool.quality_control.add_action(collector=C.GoldenSet(history_size=5), conditions=[K.GoldenSetCorrectAnswersRate < 100, K.GoldenSetAnswersCount >= 1],
                                    action=A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS"))
    pool = client.create_pool(pool)
    real = [tc.Task(pool_id=pool.id, input_values={"image": "file:///x", "item_id": i}) for i in world.item_id[:tasks]]
    control = [tc.Task(pool_id=pool.id, input_values={"image": "file:///x", "item_id": r.item_id}, infinite_overlap=True,
                       known_solutions=[tc.Task.KnownSolution(output_values={"food_type": r.truth_food_type})])
               for r in world.iloc[tasks:].itertuples()]
    every = real + control
    for k in range(0, len(every), 5000):
        client.create_tasks(every[k:k + 5000], allow_defaults=True)
    return pool.id


def download(client, pool_id: str, how: str):
    """Every assignment of the pool: a list of Assignments (``paginated``) or the TSV DataFrame (``tsv``)."""
    import toloka.client as tc

    if how == "paginated":
        return list(client.get_assignments(pool_id=pool_id, batch_size=10_000))
    params = tc.assignment.GetAssignmentsTsvParameters(status=_ALL_STATUSES, field=_TSV_FIELDS)
    return client.get_assignments_df(pool_id, params)


def http_run(client, pool_id: str, how: str):
    """(seconds from open to every assignment downloaded, what was downloaded)."""
    t0 = time.perf_counter()
    client.open_pool(pool_id)
    while not client.get_pool(pool_id).is_closed():
        time.sleep(0.01)
    got = download(client, pool_id, how)
    return time.perf_counter() - t0, got


REPLAY_TARGET = "crowd stage <= 60 s and peak memory < 2 GB (50,000 tasks x 3)"


def _replay_record(folder: Path, tasks: int, workers: int = 747, overlap: int = 3) -> tuple[Path, Path]:
    """A synthetic crowd record (task,worker,label) and its truth (task,true_label), seeded."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    truth = rng.choice(["a", "b", "c"], tasks)
    skill = rng.uniform(0.6, 0.95, workers)
    who = np.concatenate([rng.choice(workers, overlap, replace=False) for _ in range(tasks)])
    item = np.repeat(np.arange(tasks), overlap)
    label = np.where(rng.random(len(item)) < skill[who], truth[item], rng.choice(["a", "b", "c"], len(item)))
    names = np.array([f"t{i:06d}" for i in range(tasks)])
    answers, gold = folder / "answers.csv", folder / "truth.csv"
    pd.DataFrame({"task": names[item], "worker": [f"w{w:04d}" for w in who], "label": label}).to_csv(answers, index=False)
    pd.DataFrame({"task": names, "true_label": truth}).to_csv(gold, index=False)
    return answers, gold


def replay_main(tasks: int) -> None:
    """The replay crowd stage at real size, against its own simulation run in-process."""
    import json
    import os
    import resource
    import subprocess

    from foodcrowd.emulator.state import EmulatorState

    with tempfile.TemporaryDirectory(prefix="foodcrowd-replay-") as tmp:
        folder = Path(tmp)
        answers, gold = _replay_record(folder, tasks)
        run_dir = folder / "run"
        cmd = [sys.executable, "-m", "foodcrowd", "+experiment=replay", f"dataset.answers={answers}",
               f"dataset.truth={gold}", "aggregation=mv", f"hydra.run.dir={run_dir}"]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "FOODCROWD_HOME": str(folder / "home")})
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"replay run failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        summary = json.loads((run_dir / "summary.json").read_text())
        crowd_s = float(summary["stages"]["crowd"]["seconds"])
        crowd = {"seed": 0, "time_scale": 3600, "population": {"kind": "replay", "answers": str(answers), "question": "answer"}}
        state = EmulatorState(crowd, {"answer": {"type": "categorical", "classes": ["a", "b", "c"]}}, None, run_dir / "emulator")
        gc.collect()
        t0 = time.perf_counter()
        state.workers()
        result = state._simulate(state.runs()[-1])
        direct = time.perf_counter() - t0
        state.store.close()
        served = sum(len(a["task_ids"]) for a in result.assignments)
    print(f"replay of {tasks} tasks x 3: {summary['answers']} answers downloaded, {served} task answers simulated; "
          f"whole run {wall:.1f} s, crowd stage {crowd_s:.1f} s, peak memory {peak_mb:.0f} MB; direct simulation "
          f"(population + run, in-process) {direct:.1f} s")
    report("emulator_replay_crowd_stage_s", crowd_s, "s", baseline=direct, baseline_name="the same simulation in-process",
           target=REPLAY_TARGET)
    report("emulator_replay_peak_memory_mb", peak_mb, "MB", target="< 2048 MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=None, help="real tasks in the pool (default 10000; --quick 2000)")
    parser.add_argument("--quick", action="store_true", help="a 2,000-task pool (under a minute)")
    parser.add_argument("--replay", action="store_true", help="the replay crowd stage at real size instead")
    parser.add_argument("--replay-tasks", type=int, default=50_000, help="tasks of the replayed record (default 50000)")
    args = parser.parse_args()
    if args.replay:
        replay_main(args.replay_tasks)
        return
    tasks = args.tasks or (2000 if args.quick else 10_000)
    import logging

    import toloka.client as tc
    import yaml

    from foodcrowd.emulator import start
    from foodcrowd.emulator.state import EmulatorState

    logging.getLogger("toloka").setLevel(logging.ERROR)   # get_assignments_df logs "Experimental method"
    questions = yaml.safe_load((ROOT / "conf/questions/food.yaml").read_text())
    world, crowd = _world(tasks + 100), crowd_config(tasks)
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        with start(crowd, questions, world, Path(tmp) / "setup") as handle:
            client = tc.TolokaClient(handle.token, url=handle.url, retries=3, timeout=120)
            t0 = time.perf_counter()
            pool_id = setup(client, world, tasks)
            upload = time.perf_counter() - t0
        got = {}
        for how in ("paginated", "tsv"):
            # a copy of the state before the pool opened: each path pays the whole simulation
            target = Path(tmp) / how
            target.mkdir()
            (target / "emulator.sqlite").write_bytes((Path(tmp) / "setup" / "emulator.sqlite").read_bytes())
            with start(crowd, questions, world, target) as handle:
                client = tc.TolokaClient(handle.token, url=handle.url, retries=3, timeout=120)
                gc.collect()
                times[how], got[how] = http_run(client, pool_id, how)
                gc.collect()
                t0 = time.perf_counter()   # again, the simulation already paid: the download alone
                download(client, pool_id, how)
                times[f"{how} download"] = time.perf_counter() - t0
                state: EmulatorState = handle.state
                run = state.runs()[-1]
                n = len(state.result(run).by_pool[pool_id])
                gc.collect()
                t0 = time.perf_counter()
                direct_result = state._simulate(run)
                times.setdefault("direct", []).append(time.perf_counter() - t0)
                assert len(direct_result.by_pool[pool_id]) == n, "the HTTP path and the direct path disagree"
        assert len(got["paginated"]) == n, "the paginated download misses assignments"
        assert got["tsv"]["ASSIGNMENT:assignment_id"].nunique() == n, "the TSV download misses assignments"
    direct = min(times["direct"])
    print(f"{tasks} tasks at overlap 3: {n} assignments ({len(got['tsv'])} TSV rows); task upload {upload:.1f} s "
          f"(setup, not timed); direct simulation {direct:.2f} s, HTTP paginated {times['paginated']:.2f} s, "
          f"HTTP TSV {times['tsv']:.2f} s (each from open to all assignments downloaded); the download alone, "
          f"repeated: paginated {times['paginated download']:.2f} s, TSV {times['tsv download']:.2f} s")
    direct_rate = n / direct
    report("emulator_direct_assignments_per_s", direct_rate, "assignments/s", target="reference")
    for how, label in (("paginated", "get_assignments (paginated JSON)"), ("tsv", "get_assignments_df (TSV export)")):
        rate = n / times[how]
        print(f"HTTP path via {label}:")
        report(f"emulator_http_{how}_assignments_per_s", rate, "assignments/s", baseline=direct_rate,
               baseline_name="same simulation without HTTP", ratio=direct_rate / rate, target=TARGET)
    report("emulator_download_only_paginated_s", times["paginated download"], "s", baseline=times["tsv download"],
           baseline_name="the TSV export of the same pool", target="reference (the engine keeps the paginated API)")


if __name__ == "__main__":
    main()
