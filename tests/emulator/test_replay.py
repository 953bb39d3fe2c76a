"""A replayed crowd: every recorded answer served exactly once, unanswered items reported, not invented."""
from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from foodcrowd.emulator import PopulationError
from foodcrowd.emulator.population import build_population
from tests.emulator.conftest import answers_of, crowd, emulator, make_pool, make_project, run_until_closed, tasks_for


def _record(tmp_path):
    rows = []
    for i in range(40):                      # items 40..44 have no recorded answer
        for k in range(1 + i % 4):           # 1 to 4 answers per item
            rows.append({"task": f"food-{i:06d}", "worker": f"w{(i * 3 + k) % 11}", "label": ["solid", "liquid", "other"][(i + k) % 3],
                         "time": 2.5 + k})
    path = tmp_path / "answers.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path, Counter((r["task"], r["worker"], r["label"]) for r in rows)


def test_replay_serves_every_recorded_answer_once_and_reports_the_rest(tmp_path):
    path, recorded = _record(tmp_path)
    world = pd.DataFrame({"item_id": [f"food-{i:06d}" for i in range(45)]})
    pop = {"kind": "replay", "answers": str(path), "question": "food_type", "arrival_rate_per_minute": 5}
    with emulator(crowd(pop), world, tmp_path / "state") as (handle, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=10, real=3, golden=0, languages=())
        world["truth_food_type"] = "solid"
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        assert run_until_closed(client, pool.id).last_close_reason.value == "COMPLETED"
        served = Counter()
        for a in answers_of(client, pool.id):
            for task, solution in zip(a.tasks, a.solutions):
                assert set(solution.output_values) == {"food_type"}, "nothing but the recorded question is answered"
                served[(task.input_values["item_id"], a.user_id, solution.output_values["food_type"])] += 1
        assert served == recorded
        unanswered = handle.snapshot()["replay"]["unanswered_items"][pool.id]
        assert unanswered == [f"food-{i:06d}" for i in range(40, 45)]


def test_replay_without_an_answers_file_names_the_key(tmp_path):
    with pytest.raises(PopulationError, match="crowd.population.answers"):
        build_population({"kind": "replay", "answers": None}, 0)
    with pytest.raises(PopulationError, match="no such file"):
        build_population({"kind": "replay", "answers": str(tmp_path / "missing.csv")}, 0)


def test_a_simulated_population_is_the_same_for_a_seed_and_differs_across_seeds():
    import yaml
    from pathlib import Path

    pop = yaml.safe_load((Path(__file__).resolve().parents[2] / "conf/crowd/population/food.yaml").read_text())
    first, again, other = build_population(pop, 3), build_population(pop, 3), build_population(pop, 4)
    assert [(w.id, w.kind, w.language, w.arrival, w.params) for w in first] == \
        [(w.id, w.kind, w.language, w.arrival, w.params) for w in again]
    assert [w.kind for w in first] != [w.kind for w in other]
    shares = Counter(w.kind for w in first)
    assert 0.25 < shares["diligent"] / len(first) < 0.45 and shares["bot"] > 0
