"""The plan: the food experiment becomes the Toloka objects of the case study, round-trips through toloka-kit."""
from __future__ import annotations

import json

import pytest

from foodcrowd import CONF_DIR
from foodcrowd.plan.build import build_plan
from foodcrowd.plan.normalise import KINDS, normalise, to_object, wire
from foodcrowd.validate import ConfigError, validate
from tests.conftest import compose_cfg, run_cli
from tests.toloka.data import write_data


def _find(node, pred):
    """Every dict inside ``node`` for which ``pred`` holds."""
    if isinstance(node, dict):
        if pred(node):
            yield node
        for v in node.values():
            yield from _find(v, pred)
    elif isinstance(node, list):
        for v in node:
            yield from _find(v, pred)


def _plan(tmp_path, overrides=(), **data):
    tables = write_data(tmp_path, **data)
    plain = validate(compose_cfg(list(overrides)))
    return build_plan(plain, tables["items"], tables["exam"], tables["control"], CONF_DIR), tables


def _rule(pool: dict, collector: str) -> dict:
    return next(c for c in pool["quality_control"]["configs"] if c["collector_config"]["type"] == collector)


def _assert_case_study(doc: dict, n_items: int) -> None:
    main = doc["pools"]["main"]
    langs = list(_find(main["filter"], lambda d: d.get("key") == "languages"))
    assert [(d["operator"], d["value"]) for d in langs] == [("IN", "EN")]
    assert doc["trainings"]["exam"]["training_tasks_in_task_suite_count"] == 10
    assert doc["task_counts"]["training:exam"]["exam"] == 10
    assert main["quality_control"]["training_requirement"]["training_passing_skill_value"] == 100
    assert (main["mixer_config"]["real_tasks_count"], main["mixer_config"]["golden_tasks_count"]) == (9, 1)
    assert main["defaults"]["default_overlap_for_new_tasks"] == 3
    fast = _rule(main, "ASSIGNMENT_SUBMIT_TIME")
    assert fast["collector_config"]["parameters"]["fast_submit_threshold_seconds"] == 15
    assert fast["rules"][0]["action"]["type"] == "RESTRICTION_V2"
    control = _rule(main, "GOLDEN_SET")
    assert {"key": "golden_set_correct_answers_rate", "operator": "LT", "value": 100} in control["rules"][0]["conditions"]
    assert control["rules"][0]["action"]["type"] == "RESTRICTION_V2"
    assert doc["task_counts"]["pool:main"]["real"] == n_items


@pytest.mark.slow
def test_cli_plan_writes_the_case_study_and_stops(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli("+experiment=food", "action=plan", f"hydra.run.dir={run_dir}")
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((run_dir / "toloka" / "plan.json").read_text())
    import pandas as pd

    _assert_case_study(doc, len(pd.read_parquet(run_dir / "data" / "items.parquet")))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "planned" and summary["pages"] == doc["estimate"]["pages"]
    assert "expected cost" in proc.stderr + proc.stdout
    assert not (run_dir / "toloka" / "state.json").exists()  # nothing applied


def test_plan_has_the_case_study_objects(tmp_path):
    plan, tables = _plan(tmp_path, n_items=60)
    _assert_case_study(plan.to_json(), len(tables["items"]))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_planned_object_round_trips_through_toloka_kit(tmp_path, kind):
    from toloka.client import structure, unstructure

    plan, _ = _plan(tmp_path, ["exam=food_exam_pool"] if kind == "skill" else [])
    objs = [o for k, o in plan.objects.values() if k == kind] or [t for ts in plan.tasks.values() for t in ts[:3]]
    assert objs
    for obj in objs:
        sent = wire(kind, obj)
        assert unstructure(structure(sent, to_object(kind, obj).__class__)) == sent
        assert normalise(kind, sent) == normalise(kind, obj)


def test_plan_json_is_what_toloka_kit_sends(tmp_path):
    plan, _ = _plan(tmp_path)
    doc = json.loads(json.dumps(plan.to_json()))
    from toloka.client import Pool, Project, Training, structure, unstructure

    assert unstructure(structure(doc["project"], Project)) == doc["project"]
    assert unstructure(structure(doc["pools"]["main"], Pool)) == doc["pools"]["main"]
    assert unstructure(structure(doc["trainings"]["exam"], Training)) == doc["trainings"]["exam"]


def test_interface_offers_exactly_the_output_values_with_hotkeys(tmp_path):
    doc = _plan(tmp_path)[0].to_json()
    spec = doc["project"]["task_spec"]
    assert set(spec["input_spec"]) == {"item_id", "image"} and spec["input_spec"]["image"]["type"] == "url"
    widgets = {w["data"]["path"]: w for w in _find(doc["interface"], lambda d: d.get("type") == "field.radio-group")}
    for question, field in spec["output_spec"].items():
        assert [o["value"] for o in widgets[question]["options"]] == field["allowed_values"]
        assert widgets[question]["validation"]["type"] == "condition.required"
    hotkeys = next(_find(doc["interface"], lambda d: d.get("type") == "plugin.hotkeys"))
    assert [hotkeys[k]["payload"] for k in "12345"] == ["solid", "liquid", "other", "yes", "no"]
    assert "<table>" in doc["project"]["public_instructions"] and "Edge cases" in doc["project"]["public_instructions"]


def test_exam_pool_form_sets_a_skill_that_gates_the_main_pool(tmp_path):
    doc = _plan(tmp_path, ["exam=food_exam_pool"])[0].to_json()
    assert doc["trainings"] == {} and doc["skills"]["exam"]["name"] == "food-exam"
    exam = doc["pools"]["exam"]
    assert exam["mixer_config"] == {"real_tasks_count": 0, "golden_tasks_count": 10, "training_tasks_count": 0}
    assert _rule(exam, "GOLDEN_SET")["rules"][0]["action"]["type"] == "SET_SKILL_FROM_OUTPUT_FIELD"
    gate = list(_find(doc["pools"]["main"]["filter"], lambda d: d.get("category") == "skill"))
    assert gate == [{"key": "@{skill:exam}", "operator": "GTE", "value": 100, "category": "skill"}]
    assert "training_requirement" not in doc["pools"]["main"]["quality_control"]


def test_no_exam_and_dynamic_overlap(tmp_path):
    doc = _plan(tmp_path, ["exam.form=none", "crowd.dynamic_overlap.enabled=true"])[0].to_json()
    main = doc["pools"]["main"]
    assert doc["trainings"] == {} and "training_requirement" not in main["quality_control"]
    assert main["dynamic_overlap_config"]["max_overlap"] == 5
    assert main["dynamic_overlap_config"]["fields"] == [{"name": "food_type"}]
    assert main["defaults"]["default_overlap_for_new_tasks"] == 1


def test_rule_thresholds_and_bans_come_from_the_config(tmp_path):
    doc = _plan(tmp_path, ["quality.fast_responses.fast_submit_threshold_seconds=20",
                           "quality.control_tasks.ban_duration_unit=PERMANENT", "quality.majority_vote.enabled=true",
                           "quality.skipped_in_row.enabled=false", "crowd.reward_per_page=0.02"])[0].to_json()
    main = doc["pools"]["main"]
    assert _rule(main, "ASSIGNMENT_SUBMIT_TIME")["collector_config"]["parameters"]["fast_submit_threshold_seconds"] == 20
    ban = _rule(main, "GOLDEN_SET")["rules"][0]["action"]["parameters"]
    assert ban["duration_unit"] == "PERMANENT" and "duration" not in ban
    assert _rule(main, "MAJORITY_VOTE")["collector_config"]["parameters"]["answer_threshold"] == 2
    assert not any(c["collector_config"]["type"] == "SKIPPED_IN_ROW_ASSIGNMENTS" for c in main["quality_control"]["configs"])
    assert main["reward_per_assignment"] == 0.02


def test_estimate_counts_pages_fee_and_random_clicker(tmp_path):
    est = _plan(tmp_path, n_items=100)[0].estimate
    assert est["pages"] == 34  # ceil(100 * 3 / 9)
    assert est["cost_usd"] == pytest.approx(34 * (0.015 + 0.015 * 0.3))
    assert est["price_per_hour_usd"] == pytest.approx(0.015 * 3600 / (10 * 4))
    assert est["random_clicker_survives_control"] == pytest.approx((1 / 3) ** 5, abs=1e-6)
    assert est["random_clicker_passes_exam"] == pytest.approx((1 / 3) ** 10, rel=1e-3)


def test_minimum_fee_applies_to_cheap_pages(tmp_path):
    est = _plan(tmp_path, ["crowd.reward_per_page=0.005", "crowd.min_fee_per_page=0.002"], n_items=90)[0].estimate
    assert est["fee_per_page"] == pytest.approx(0.002) and est["cost_usd"] == pytest.approx(30 * 0.007)


def test_bad_data_is_a_clear_plan_error(tmp_path):
    from foodcrowd.engine import StageContext
    from foodcrowd.plan.stage import plan_stage

    write_data(tmp_path, exam_size=7)
    plain = validate(compose_cfg())
    ctx = StageContext(cfg=None, plain=plain, run_dir=tmp_path, out_dir=tmp_path / "toloka")
    (tmp_path / "toloka").mkdir()
    with pytest.raises(ConfigError) as err:
        plan_stage(ctx)
    assert "data/exam.parquet" in err.value.render() and "exam.size is 10" in err.value.render()


def test_normalised_json_sees_through_toloka_kit_rewrites_but_not_a_changed_reward(tmp_path):
    from decimal import Decimal

    from foodcrowd.plan.normalise import differences

    plan, _ = _plan(tmp_path)
    pool = plan.objects["pool:main"][1]
    deployed = wire("pool", pool)
    deployed.update(id="7", status="OPEN", created="2024-01-01T00:00:00", type="REGULAR",
                    reward_per_assignment=Decimal("0.0150"))
    deployed["filter"] = deployed["filter"]["and"][0]["or"][0]  # the same single condition, unwrapped
    assert list(differences(normalise("pool", pool), normalise("pool", deployed))) == []
    deployed["reward_per_assignment"] = Decimal("0.02")
    assert list(differences(normalise("pool", pool), normalise("pool", deployed))) == [
        ("reward_per_assignment", 0.015, 0.02)]
