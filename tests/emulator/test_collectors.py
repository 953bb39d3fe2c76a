"""Every quality-control collector toloka-kit offers acts as Toloka documents it, or the pool is refused
with ``not emulated: <collector>``; through toloka-kit's real client against the emulator."""
from __future__ import annotations

import datetime
from collections import Counter

import pytest
import toloka.client as tc
from toloka.client import actions as A
from toloka.client import collectors as C
from toloka.client import conditions as K

from tests.emulator.conftest import (answers_of, crowd, emulator, make_pool, make_project, make_world, population,
                                     run_until_closed, tasks_for)

PERMANENT = {"scope": "PROJECT", "duration_unit": "PERMANENT"}
_IDENTITY = {"assessment_event": "REJECT", "pool_access_revoked_reason": "RESTRICTION", "skill_id": "1"}


def _pool_dict(project_id: str, collector: str, condition: str) -> dict:
    action = ({"type": "CHANGE_OVERLAP", "parameters": {"delta": 1, "open_pool": True}}
              if collector in ("ASSIGNMENTS_ASSESSMENT", "USERS_ASSESSMENT")
              else {"type": "RESTRICTION_V2", "parameters": PERMANENT})
    value = _IDENTITY.get(condition, 1)
    return {"project_id": project_id, "private_name": collector, "may_contain_adult_content": False,
            "reward_per_assignment": 0.015, "assignment_max_duration_seconds": 600, "auto_accept_solutions": True,
            "will_expire": "2035-01-01T00:00:00", "defaults": {"default_overlap_for_new_tasks": 1, "default_overlap_for_new_task_suites": 1},
            "mixer_config": {"real_tasks_count": 1, "golden_tasks_count": 0, "training_tasks_count": 0},
            "quality_control": {"configs": [{"collector_config": {"type": collector},
                                             "rules": [{"conditions": [{"key": condition, "operator": "EQ" if condition in _IDENTITY else "GTE",
                                                                        "value": value}],
                                                        "action": action}]}]}}


def test_every_collector_of_toloka_kit_is_served_or_refused_by_name(tmp_path, world):
    served, refused = [], []
    with emulator(crowd(population({"avg": {"share": 1.0}})), world, tmp_path) as (_, client):
        project = make_project(client)
        for kind in C.CollectorConfig.Type:
            collector_cls = C.CollectorConfig._variant_registry.registered_classes[kind]
            keys = sorted(k.value for k in getattr(collector_cls, "_compatible_conditions", ())) or ["total_answers_count"]
            for key in keys:
                pool = tc.structure(_pool_dict(project.id, kind.value, key), tc.Pool)
                try:
                    client.create_pool(pool)
                    served.append((kind.value, key))
                except tc.exceptions.ValidationApiError as err:
                    assert err.message == f"not emulated: {kind.value}", err.message
                    refused.append(kind.value)
    assert set(refused) == {"TRAINING"}, refused
    assert {k for k, _ in served} == {t.value for t in C.CollectorConfig.Type} - {"TRAINING"}


def test_income_caps_each_worker_at_the_pages_that_reach_the_limit(tmp_path, world):
    pop = population({"avg": {"share": 1.0}}, size=200, arrival_rate_per_minute=60, session_pages={"mean": 30, "max": 60})
    rule = (C.Income(), [K.IncomeSumForLast24Hours > 0.04], A.RestrictionV2(**PERMANENT, private_comment="income"))
    with emulator(crowd(pop), world, tmp_path) as (_, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=3, real=2, golden=0, rules=[rule])
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        run_until_closed(client, pool.id)
        pages = Counter(a.user_id for a in answers_of(client, pool.id) if a.status.value == "ACCEPTED")
        banned = {r.user_id for r in client.get_user_restrictions(project_id=project.id)}
    assert max(pages.values()) == 3, "0.015 a page: the third page passes $0.04 and nothing follows it"
    assert banned == {w for w, n in pages.items() if n == 3}


def test_captcha_bans_the_bots_and_keeps_the_people(tmp_path):
    world = make_world(120)
    pop = population({"person": {"share": 0.7, "accuracy": 0.95}, "bot": {"share": 0.3, "random": True}},
                     size=20, arrival_rate_per_minute=60, session_pages={"mean": 40, "max": 60})
    rule = (C.Captcha(history_size=5), [K.SuccessRate < 60, K.StoredResultsCount >= 1],
            A.RestrictionV2(**PERMANENT, private_comment="captcha"))
    from foodcrowd.emulator.population import build_population

    kinds = {w.id: w.kind for w in build_population(pop, 0)}
    with emulator(crowd(pop), world, tmp_path) as (_, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=3, real=1, golden=0, rules=[rule])
        pool.set_captcha_frequency("MEDIUM")
        client.update_pool(pool.id, pool)
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        run_until_closed(client, pool.id)
        pages = Counter(a.user_id for a in answers_of(client, pool.id))
        banned = {r.user_id for r in client.get_user_restrictions(project_id=project.id)}
    bots = {w for w in pages if kinds[w] == "bot" and pages[w] >= 10}
    assert bots and bots <= banned, "every bot that met a captcha (10 pages) failed it"
    assert not {w for w in banned if kinds[w] == "person"}
    assert all(pages[w] % 10 == 0 for w in banned), "banned on a page that showed a captcha, never between"


def test_a_rejected_page_is_reassigned_and_its_worker_restricted(tmp_path, world):
    pop = population({"avg": {"share": 1.0}}, size=60, arrival_rate_per_minute=30)
    reassign = (C.AssignmentsAssessment(), [K.AssessmentEvent == K.AssessmentEvent.REJECT], A.ChangeOverlap(delta=1, open_pool=True))
    acceptance = (C.AcceptanceRate(), [K.TotalAssignmentsCount >= 1, K.RejectedAssignmentsRate > 0],
                  A.RestrictionV2(scope="POOL", duration_unit="PERMANENT", private_comment="rejected"))
    with emulator(crowd(pop), world, tmp_path) as (_, client):
        project = make_project(client)
        pool = tc.Pool(project_id=project.id, private_name="review", may_contain_adult_content=False, reward_per_assignment=0.02,
                       assignment_max_duration_seconds=600, will_expire=datetime.datetime(2035, 1, 1), auto_accept_solutions=False,
                       defaults=tc.Pool.Defaults(default_overlap_for_new_tasks=1, default_overlap_for_new_task_suites=1))
        pool.set_mixer_config(real_tasks_count=2, golden_tasks_count=0, training_tasks_count=0)
        for collector, conditions, action in (reassign, acceptance):
            pool.quality_control.add_action(collector=collector, conditions=conditions, action=action)
        pool = client.create_pool(pool)
        client.create_tasks(tasks_for(pool.id, world.iloc[:20]), allow_defaults=True)
        assert run_until_closed(client, pool.id).last_close_reason.value == "COMPLETED"
        first = answers_of(client, pool.id)
        assert len(first) == 10 and {a.status.value for a in first} == {"SUBMITTED"}
        rejected = first[:2]
        for a in rejected:
            client.reject_assignment(a.id, "boxes missing")
        for a in first[2:]:
            client.accept_assignment(a.id, "ok")
        assert _wait_closed(client, pool.id).last_close_reason.value == "COMPLETED"
        after = answers_of(client, pool.id)
        banned = {r.user_id for r in client.get_user_restrictions(pool_id=pool.id)}
    assert banned == {a.user_id for a in rejected}
    redone = {t.id: a for a in after if a.id not in {b.id for b in first} for t in a.tasks}
    for a in rejected:
        for task in a.tasks:
            assert task.id in redone, "each task of a rejected page gets one more answer"
            assert redone[task.id].user_id != a.user_id and redone[task.id].created > a.submitted
    new = [a for a in after if a.id not in {b.id for b in first}]
    assert sum(len(a.tasks) for a in new) == sum(len(a.tasks) for a in rejected), "no more answers than the rule asked for"


def _wait_closed(client, pool_id: str, timeout: float = 30.0):
    import time

    deadline = time.monotonic() + timeout
    while True:
        pool = client.get_pool(pool_id)
        if pool.is_closed():
            return pool
        assert time.monotonic() < deadline, f"pool {pool_id} still {pool.status}"
        time.sleep(0.05)


def test_a_pool_using_the_training_collector_is_refused(tmp_path, world):
    with emulator(crowd(population({"avg": {"share": 1.0}})), world, tmp_path) as (_, client):
        project = make_project(client)
        with pytest.raises(tc.exceptions.ValidationApiError, match="not emulated: TRAINING"):
            client.create_pool(tc.structure(_pool_dict(project.id, "TRAINING", "correct_answers_rate"), tc.Pool))
