"""Faults change nothing, a restart on the same state_dir continues, unknown endpoints answer like Toloka."""
from __future__ import annotations

import httpx
import pytest
from toloka.client import actions as A
from toloka.client import collectors as C
from toloka.client import conditions as K
from toloka.client.exceptions import ApiError

from foodcrowd.emulator import start
from tests.emulator.conftest import (QUESTIONS, answers_of, crowd, emulator, make_pool, make_project, make_training,
                                     make_world, population, run_until_closed, tasks_for)

POP = population({"good": {"share": 0.6, "accuracy": 0.97, "edge_accuracy": 0.7},
                  "fast": {"share": 0.2, "seconds_per_task": 0.8}, "bad": {"share": 0.2, "accuracy": 0.4}})
RULES = [(C.AssignmentSubmitTime(history_size=5, fast_submit_threshold_seconds=15), [K.FastSubmittedCount >= 1],
          A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS")),
         (C.GoldenSet(history_size=5), [K.GoldenSetCorrectAnswersRate < 100, K.GoldenSetAnswersCount >= 1],
          A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS"))]


def _food_run(client, world):
    """The food case in miniature: exam, control tasks, two bans; returns what a run would record."""
    project = make_project(client)
    training = make_training(client, project.id, size=5)
    client.create_tasks(tasks_for(training.id, world.iloc[[1, 2, 3, 4, 6]], golden=True), allow_defaults=True)
    pool = make_pool(client, project.id, overlap=3, training_id=training.id, rules=RULES)
    tasks = tasks_for(pool.id, world.iloc[:100]) + tasks_for(pool.id, world.iloc[100:], golden=True, infinite=True)
    for start_at in range(0, len(tasks), 5):           # small batches: many requests for the faults to hit
        client.create_tasks(tasks[start_at:start_at + 5], allow_defaults=True)
    client.open_training(training.id)
    opened = run_until_closed(client, pool.id).last_started
    pages = [(a.id, a.user_id, a.status.value, [t.input_values["item_id"] for t in a.tasks],
              [s.output_values for s in a.solutions or []], a.created - opened, a.submitted - opened)
             for a in client.get_assignments(pool_id=pool.id, batch_size=2)]
    bans = sorted(r.user_id for r in client.get_user_restrictions(project_id=project.id))
    return pages, bans


def test_faults_at_ten_percent_change_no_answer_cost_or_object(tmp_path):
    world = make_world(120)
    with emulator(crowd(POP), world, tmp_path / "clean") as (clean_handle, client):
        clean = _food_run(client, world)
        clean_state = clean_handle.snapshot()
    faults = {"rate_429": 0.025, "rate_500": 0.025, "rate_503": 0.025, "rate_drop": 0.025, "latency_ms": 1}
    with emulator(crowd(POP, faults=faults), world, tmp_path / "faulty") as (handle, client):
        faulty = _food_run(client, world)
        state = handle.snapshot()
    assert sum(state["faults"].values()) >= 5 and len(state["faults"]) >= 2, state["faults"]
    assert faulty == clean
    assert state["spend"] == clean_state["spend"] and state["tasks"] == clean_state["tasks"]
    assert [p["id"] for p in state["pools"]] == [p["id"] for p in clean_state["pools"]]
    assert len(state["projects"]) == 1


def test_restart_on_the_same_state_dir_continues_without_duplicates(tmp_path):
    import toloka.client as tc

    world = make_world(120)
    with emulator(crowd(POP), world, tmp_path / "straight") as (_, client):
        expected = _food_run(client, world)
    slow = crowd(POP, time_scale=1.0)          # the pool barely moves before the "crash"
    handle = start(slow, QUESTIONS, world, tmp_path / "crashed")
    client = tc.TolokaClient(handle.token, url=handle.url, retries=3)
    project = make_project(client)
    training = make_training(client, project.id, size=5)
    exam_tasks = tasks_for(training.id, world.iloc[[1, 2, 3, 4, 6]], golden=True)
    client.create_tasks(exam_tasks, allow_defaults=True, operation_id="8e1f2cde-1111-4222-8333-444455556666")
    pool = make_pool(client, project.id, overlap=3, training_id=training.id, rules=RULES)
    client.create_tasks(tasks_for(pool.id, world.iloc[:100]) + tasks_for(pool.id, world.iloc[100:], golden=True, infinite=True),
                        allow_defaults=True)
    client.open_training(training.id)
    client.open_pool(pool.id)
    handle.stop()                               # killed mid-run
    with emulator(crowd(POP), world, tmp_path / "crashed") as (handle, client):
        # the same upload retried after the restart creates nothing new
        client.create_tasks(exam_tasks, allow_defaults=True, operation_id="8e1f2cde-1111-4222-8333-444455556666")
        assert len(list(client.get_tasks(pool_id=training.id))) == 5
        assert client.get_pool(pool.id).is_closed()           # simulated time went on while it was down
        pages = [(a.id, a.user_id, a.status.value, [t.input_values["item_id"] for t in a.tasks],
                  [s.output_values for s in a.solutions or []]) for a in answers_of(client, pool.id)]
        assert client.get_pool(pool.id).last_close_reason.value == "COMPLETED"
        assert pages == [p[:5] for p in expected[0]]
        assert handle.snapshot()["tasks"] == 125


def test_unknown_endpoints_answer_with_a_toloka_error(tmp_path, world):
    with emulator(crowd(POP), world, tmp_path) as (handle, client):
        auth = {"Authorization": f"OAuth {handle.token}"}
        response = httpx.get(handle.url + "/api/v1/no-such-things", headers=auth)
        assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"   # never DOES_NOT_EXIST
        assert "no-such-things" in response.json()["message"]
        assert httpx.get(handle.url + "/api/v1/webhook-subscriptions", headers=auth).status_code == 200
        assert httpx.get(handle.url + "/api/v1/webhook-subscriptions").json()["code"] == "AUTHENTICATION_ERROR"
        with pytest.raises(ApiError) as err:
            client.get_pool("424242")
        assert err.value.code == "DOES_NOT_EXIST" and err.value.status_code == 404
