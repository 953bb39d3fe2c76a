"""Builders for the emulator tests: a small world, a population, and toloka-kit objects driven through
the real ``TolokaClient`` against ``foodcrowd.emulator.start``."""
from __future__ import annotations

import datetime
import time
from contextlib import contextmanager

import numpy as np
import pandas as pd
import pytest

QUESTIONS = {"food_type": {"type": "categorical", "objective": True, "classes": ["solid", "liquid", "other"]},
             "appetizing": {"type": "binary", "objective": False, "classes": ["yes", "no"]}}


def make_world(n: int = 120, ambiguous_every: int = 0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        amb = bool(ambiguous_every) and i % ambiguous_every == 0
        rows.append({"item_id": f"food-{i:06d}", "truth_food_type": "other" if amb else ["solid", "liquid"][i % 2],
                     "difficulty": 0.0, "ambiguous": amb, "appeal": float(rng.random())})
    return pd.DataFrame(rows)


def population(types: dict, **extra) -> dict:
    base = {"kind": "simulated", "size": 300, "arrival_rate_per_minute": 20, "languages": {"EN": 1.0},
            "session_pages": {"mean": 3, "max": 10}, "difficulty_weight": 0.0}
    full = {name: {"accuracy": 0.95, "edge_accuracy": 0.5, "noise": 0.1, "seconds_per_task": 4.0, "time_sigma": 0.2,
                   "accuracy_sd": 0.0, **t} for name, t in types.items()}
    return {**base, "types": full, **extra}


def crowd(pop: dict, seed: int = 0, time_scale: float = 1e7, faults: dict | None = None) -> dict:
    return {"seed": seed, "time_scale": time_scale, "platform_fee": 0.3, "min_fee_per_page": 0.001,
            "population": pop, "faults": faults or {}}


@contextmanager
def emulator(crowd_cfg: dict, world: pd.DataFrame | None, state_dir, retries: int = 5):
    import toloka.client as tc

    from foodcrowd.emulator import start

    handle = start(crowd_cfg, QUESTIONS, world, state_dir)
    try:
        yield handle, tc.TolokaClient(handle.token, url=handle.url, retries=retries, timeout=30)
    finally:
        handle.stop()


def make_project(client):
    import toloka.client as tc

    P = tc.project
    return client.create_project(tc.Project(
        public_name="Food", public_description="food photos",
        task_spec=P.task_spec.TaskSpec(
            input_spec={"image": P.field_spec.UrlSpec(), "item_id": P.field_spec.StringSpec()},
            output_spec={"food_type": P.field_spec.StringSpec(allowed_values=["solid", "liquid", "other"]),
                         "appetizing": P.field_spec.StringSpec(allowed_values=["yes", "no"])},
            view_spec=P.view_spec.ClassicViewSpec(markup="<p>{{img src=image}}</p>"))))


def make_pool(client, project_id: str, overlap: int = 3, real: int = 9, golden: int = 1, languages=("EN",),
              rules=(), training_id: str | None = None, pass_mark: int = 100, flt=None, dynamic=None, name="main"):
    import toloka.client as tc
    from toloka.client import filter as F

    pool = tc.Pool(project_id=project_id, private_name=name, may_contain_adult_content=False, reward_per_assignment=0.015,
                   assignment_max_duration_seconds=600, will_expire=datetime.datetime(2035, 1, 1), auto_accept_solutions=True,
                   defaults=tc.Pool.Defaults(default_overlap_for_new_tasks=overlap, default_overlap_for_new_task_suites=overlap))
    conditions = [F.Languages.in_(list(languages))] if languages else []
    if flt is not None:
        conditions.append(flt)
    if conditions:
        pool.filter = conditions[0] if len(conditions) == 1 else F.FilterAnd(conditions)
    pool.set_mixer_config(real_tasks_count=real, golden_tasks_count=golden, training_tasks_count=0)
    if training_id:
        pool.quality_control.training_requirement = tc.quality_control.QualityControl.TrainingRequirement(
            training_pool_id=training_id, training_passing_skill_value=pass_mark)
    for collector, conditions_, action in rules:
        pool.quality_control.add_action(collector=collector, conditions=conditions_, action=action)
    if dynamic:
        pool.dynamic_overlap_config = dynamic
    return client.create_pool(pool)


def make_training(client, project_id: str, size: int = 10):
    import toloka.client as tc

    return client.create_training(tc.Training(
        project_id=project_id, private_name="exam", may_contain_adult_content=False, assignment_max_duration_seconds=600,
        mix_tasks_in_creation_order=True, shuffle_tasks_in_task_suite=False, training_tasks_in_task_suite_count=size,
        task_suites_required_to_pass=1, retry_training_after_days=1, inherited_instructions=True))


def tasks_for(pool_id: str, world: pd.DataFrame, golden: bool = False, infinite: bool = False):
    import toloka.client as tc

    out = []
    for row in world.itertuples():
        kwargs = {}
        if golden:
            kwargs["known_solutions"] = [tc.Task.KnownSolution(output_values={"food_type": row.truth_food_type})]
            kwargs["message_on_unknown_solution"] = "look again"
        if infinite:
            kwargs["infinite_overlap"] = True
        out.append(tc.Task(pool_id=pool_id, input_values={"image": f"file:///{row.item_id}.png", "item_id": row.item_id}, **kwargs))
    return out


def run_until_closed(client, pool_id: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    client.open_pool(pool_id)
    while True:
        pool = client.get_pool(pool_id)
        if pool.is_closed():
            return pool
        assert time.monotonic() < deadline, f"pool {pool_id} still {pool.status}"
        time.sleep(0.05)


def answers_of(client, pool_id: str) -> list:
    return list(client.get_assignments(pool_id=pool_id, batch_size=1000))


@pytest.fixture
def world():
    return make_world()
