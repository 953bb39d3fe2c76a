"""Each quality rule acting, through toloka-kit's real client against the emulator."""
from __future__ import annotations

from toloka.client import actions as A
from toloka.client import collectors as C
from toloka.client import conditions as K
from toloka.client import filter as F

from foodcrowd.emulator.population import build_population
from tests.emulator.conftest import (answers_of, crowd, emulator, make_pool, make_project, make_training, make_world,
                                     population, run_until_closed, tasks_for)

FAST_BAN = (C.AssignmentSubmitTime(history_size=5, fast_submit_threshold_seconds=15), [K.FastSubmittedCount >= 1],
            A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS", private_comment="fast"))
CONTROL_BAN = (C.GoldenSet(history_size=5), [K.GoldenSetCorrectAnswersRate < 100, K.GoldenSetAnswersCount >= 1],
               A.RestrictionV2(scope="PROJECT", duration=1, duration_unit="DAYS", private_comment="control"))


def _banned(client, project_id: str) -> set:
    return {r.user_id for r in client.get_user_restrictions(project_id=project_id)}


def test_fast_clickers_are_banned_after_their_first_fast_page(tmp_path, world):
    pop = population({"clicker": {"share": 1.0, "seconds_per_task": 0.5}})
    with emulator(crowd(pop), world, tmp_path) as (handle, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=1, golden=0, rules=[FAST_BAN])
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        run_until_closed(client, pool.id)
        pages = answers_of(client, pool.id)
        workers = [a.user_id for a in pages if a.status.value == "ACCEPTED"]
        assert len(workers) == len(set(workers)), "a fast clicker got a second page after the ban"
        assert set(workers) == _banned(client, project.id)
        assert handle.snapshot()["banned_annotators"] == len(set(workers))


def test_a_missed_control_task_bans_the_worker(tmp_path, world):
    pop = population({"good": {"share": 0.5, "accuracy": 1.0}, "bad": {"share": 0.5, "accuracy": 0.0}})
    kinds = {w.id: w.kind for w in build_population(pop, 0)}
    with emulator(crowd(pop), world, tmp_path) as (handle, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=1, rules=[CONTROL_BAN])
        client.create_tasks(tasks_for(pool.id, world.iloc[:100]) + tasks_for(pool.id, world.iloc[100:], golden=True, infinite=True),
                            allow_defaults=True)
        run_until_closed(client, pool.id)
        banned = _banned(client, project.id)
        bad_workers = {a.user_id for a in answers_of(client, pool.id) if kinds[a.user_id] == "bad"}
        assert bad_workers and banned == bad_workers
        pages = [a.user_id for a in answers_of(client, pool.id) if kinds[a.user_id] == "bad"]
        assert len(pages) == len(bad_workers), "a worker kept working after missing a control task"


def test_exam_failers_never_see_a_real_task(tmp_path):
    world = make_world(120, ambiguous_every=12)
    pop = population({"sharp": {"share": 0.5, "edge_accuracy": 1.0, "accuracy": 1.0},
                      "blunt": {"share": 0.5, "edge_accuracy": 0.0, "accuracy": 1.0}})
    with emulator(crowd(pop), world, tmp_path) as (handle, client):
        project = make_project(client)
        training = make_training(client, project.id, size=10)
        exam_items = world.iloc[[1, 2, 3, 4, 5, 7, 8, 9, 10, 12]]   # row 12 is ambiguous: the edge case
        client.create_tasks(tasks_for(training.id, exam_items, golden=True), allow_defaults=True)
        pool = make_pool(client, project.id, golden=0, training_id=training.id, pass_mark=100)
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        client.open_training(training.id)
        run_until_closed(client, pool.id)
        exam = answers_of(client, training.id)
        passed = {a.user_id for a in exam if all(s.output_values["food_type"] == t.known_solutions[0].output_values["food_type"]
                                                   for s, t in zip(a.solutions, a.tasks))}
        failed = {a.user_id for a in exam} - passed
        workers = {a.user_id for a in answers_of(client, pool.id)}
        assert failed and workers and workers <= passed
        assert handle.snapshot()["trainings"][0]["exam"]["failed_edge_case"] == len(failed)


def test_non_english_workers_never_see_the_pool(tmp_path, world):
    pop = population({"average": {"share": 1.0}}, languages={"EN": 0.5, "RU": 0.5})
    language = {w.id: w.language for w in build_population(pop, 0)}
    with emulator(crowd(pop), world, tmp_path) as (_, client):
        project = make_project(client)
        pool = make_pool(client, project.id, golden=0, languages=("EN",))
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        run_until_closed(client, pool.id)
        seen = {language[a.user_id] for a in answers_of(client, pool.id)}
        assert seen == {"EN"} and "RU" in language.values()


def test_exam_pool_sets_a_skill_that_the_main_pool_filters_on(tmp_path):
    import toloka.client as tc

    world = make_world(120, ambiguous_every=12)
    pop = population({"sharp": {"share": 0.5, "edge_accuracy": 1.0, "accuracy": 1.0},
                      "blunt": {"share": 0.5, "edge_accuracy": 0.0, "accuracy": 1.0}})
    with emulator(crowd(pop), world, tmp_path) as (_, client):
        project = make_project(client)
        skill = client.create_skill(tc.Skill(name="food-exam", private_comment="exam"))
        set_skill = (C.GoldenSet(history_size=10), [K.GoldenSetAnswersCount >= 10],
                     A.SetSkillFromOutputField(skill_id=skill.id, from_field="correct_answers_rate"))
        exam_pool = make_pool(client, project.id, real=0, golden=10, rules=[set_skill], name="exam")
        client.create_tasks(tasks_for(exam_pool.id, world.iloc[[1, 2, 3, 4, 5, 7, 8, 9, 10, 12]], golden=True, infinite=True),
                            allow_defaults=True)
        pool = make_pool(client, project.id, golden=0, flt=F.Skill(skill.id) >= 100)
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        client.open_pool(exam_pool.id)
        run_until_closed(client, pool.id)
        skills = {s.user_id: float(s.exact_value) for s in client.get_user_skills(skill_id=skill.id)}
        workers = {a.user_id for a in answers_of(client, pool.id)}
        assert workers and all(skills[w] >= 100 for w in workers)
        assert any(v < 100 for v in skills.values())
