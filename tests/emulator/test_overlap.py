"""Static overlap is exact; dynamic overlap stops early on agreement and goes to its maximum on disputes."""
from __future__ import annotations

from collections import Counter

from toloka.client.pool.dynamic_overlap_config import DynamicOverlapConfig

from tests.emulator.conftest import (answers_of, crowd, emulator, make_pool, make_project, make_world, population,
                                     run_until_closed, tasks_for)


def _answer_counts(pages) -> Counter:
    counts: Counter = Counter()
    for a in pages:
        if a.status.value in ("SUBMITTED", "ACCEPTED"):
            counts.update(t.input_values["item_id"] for t in a.tasks if not t.known_solutions)
    return counts


def test_static_overlap_is_exact_and_the_pool_completes(tmp_path, world):
    pop = population({"average": {"share": 1.0, "skip_rate": 0.1}})
    with emulator(crowd(pop), world, tmp_path) as (handle, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=3, golden=0)
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        closed = run_until_closed(client, pool.id)
        assert closed.last_close_reason.value == "COMPLETED"
        assert closed.last_stopped > closed.last_started
        counts = _answer_counts(answers_of(client, pool.id))
        assert set(counts.values()) == {3} and len(counts) == len(world)
        assert any(a.status.value == "SKIPPED" for a in answers_of(client, pool.id))


def test_dynamic_overlap_stops_early_on_agreement_and_reaches_max_on_disputes(tmp_path):
    world = make_world(90, ambiguous_every=3)
    pop = population({"average": {"share": 1.0, "accuracy": 1.0, "edge_accuracy": 0.34}})
    dynamic = DynamicOverlapConfig(type="BASIC", max_overlap=5, min_confidence=0.85,
                                   fields=[DynamicOverlapConfig.Field(name="food_type")])
    with emulator(crowd(pop), world, tmp_path) as (_, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=1, golden=0, dynamic=dynamic)
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        assert run_until_closed(client, pool.id).last_close_reason.value == "COMPLETED"
        counts = _answer_counts(answers_of(client, pool.id))
        clear = [counts[i] for i in world.loc[~world.ambiguous, "item_id"]]
        disputed = [counts[i] for i in world.loc[world.ambiguous, "item_id"]]
        assert set(clear) == {2}, "two agreeing answers reach 0.85 confidence"
        # random answers on a disputed item agree by chance at 2 answers one time in three, else go on
        assert max(disputed) == 5 and min(disputed) >= 2
        assert sum(c >= 3 for c in disputed) >= 0.5 * len(disputed) and sum(c == 5 for c in disputed) >= 0.3 * len(disputed)
