"""One clock: timestamps, time filters, pool status and analytics agree with the emulator's own now."""
from __future__ import annotations

import datetime
import math

from toloka.client.analytics_request import ActiveWorkersByFilterCountPoolAnalytics, EstimatedAssignmentsCountPoolAnalytics

from foodcrowd.emulator.population import build_population
from tests.emulator.conftest import answers_of, crowd, emulator, make_pool, make_project, population, run_until_closed, tasks_for


def test_time_filters_split_the_work_exactly_and_a_cursor_sees_each_event_once_in_order(tmp_path, world):
    with emulator(crowd(population({"avg": {"share": 1.0}})), world, tmp_path) as (_, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=2, real=4, golden=0)
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        closed = run_until_closed(client, pool.id)
        every = answers_of(client, pool.id)
        accepted = sorted(a.accepted for a in every if a.accepted)
        middle = accepted[len(accepted) // 2]
        early = {a.id for a in client.get_assignments(pool_id=pool.id, accepted_lte=middle)}
        late = {a.id for a in client.get_assignments(pool_id=pool.id, accepted_gt=middle)}
        seen, cursor = [], None
        while True:    # a polling loop on submitted_gt, one page of 7 at a time
            page = client.find_assignments(pool_id=pool.id, submitted_gt=cursor, sort="submitted", limit=7) if cursor \
                else client.find_assignments(pool_id=pool.id, sort="submitted", limit=7)
            if not page.items:
                break
            seen += page.items
            cursor = page.items[-1].submitted
    assert early and late and not early & late and early | late == {a.id for a in every}
    assert all(a.accepted <= middle for a in every if a.id in early)
    stamps = [a.submitted for a in seen]
    assert stamps == sorted(stamps) and len({a.id for a in seen}) == len(seen)
    assert closed.last_stopped >= max(a.submitted for a in every) >= min(a.created for a in every) >= closed.last_started


def test_analytics_count_the_workers_a_filter_lets_in_and_the_pages_a_pool_needs(tmp_path, world):
    pop = population({"avg": {"share": 1.0}}, languages={"EN": 0.5, "FR": 0.5}, size=200)
    english = sum(w.language == "EN" for w in build_population(pop, 0))
    with emulator(crowd(pop), world, tmp_path) as (_, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=3, real=9, golden=0, languages=("EN",))
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        op = client.wait_operation(client.get_analytics([ActiveWorkersByFilterCountPoolAnalytics(subject_id=pool.id, interval_hours=3),
                                                         EstimatedAssignmentsCountPoolAnalytics(subject_id=pool.id)]))
    values = [v["result"]["value"] for v in op.details["value"]]
    assert values == [english, math.ceil(len(world) * 3 / 9)]
    assert 0 < english < 200


def test_at_time_scale_one_nothing_is_in_the_future(tmp_path, world):
    pop = population({"quick": {"share": 1.0, "seconds_per_task": 0.01, "time_sigma": 0.0}}, arrival_rate_per_minute=6000)
    with emulator(crowd(pop, time_scale=1.0), world.iloc[:20], tmp_path) as (_, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=1, real=5, golden=0)
        client.create_tasks(tasks_for(pool.id, world.iloc[:20]), allow_defaults=True)
        closed = run_until_closed(client, pool.id)
        now = datetime.datetime.now(datetime.timezone.utc)
        rows = answers_of(client, pool.id)
    stamps = [closed.created, closed.last_started, closed.last_stopped] + [t for a in rows for t in (a.created, a.submitted, a.accepted)]
    assert len(rows) == 4 and all(t is not None and t.replace(tzinfo=datetime.timezone.utc) <= now for t in stamps)
