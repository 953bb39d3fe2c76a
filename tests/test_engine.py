"""The engine runs stages in order, records them, and skips unchanged stages on a repeat run."""
from __future__ import annotations

import json

from foodcrowd.engine import Stage, run_stages
from foodcrowd.validate import validate
from tests.conftest import compose_cfg

CALLS: list[str] = []


def stage_one(ctx):
    CALLS.append("one")
    (ctx.out_dir / "one.txt").write_text(str(ctx.plain["crowd"]["overlap"]))
    return {"value": ctx.plain["crowd"]["overlap"], "summary": {"items": 7}}


def stage_two(ctx):
    CALLS.append("two")
    return {"summary": {"answers": ctx.result("one")["value"] * 7, "labels": {"accuracy": {"mean": 0.5}}}}


TOY = (Stage("one", "tests.test_engine:stage_one", ("crowd.overlap",), "one", ("run", "plan")),
       Stage("two", "tests.test_engine:stage_two", ("aggregation",), "two"))


def _run(tmp_path, overrides=()):
    cfg = compose_cfg(list(overrides))
    return run_stages(cfg, validate(cfg), tmp_path, TOY)


def test_stages_run_in_order_and_fill_the_summary(tmp_path):
    CALLS.clear()
    summary = _run(tmp_path)
    assert CALLS == ["one", "two"]
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["items"] == 7 and data["answers"] == 21 and data["status"] == "ok"
    assert set(data["stages"]) == {"one", "two"}
    assert summary.objective(validate(compose_cfg())) == 0.5


def test_repeat_run_skips_unchanged_stages_and_reruns_changed_ones(tmp_path):
    CALLS.clear()
    _run(tmp_path)
    _run(tmp_path)
    assert CALLS == ["one", "two"]
    _run(tmp_path, ["aggregation=ds"])
    assert CALLS == ["one", "two", "two"]
    _run(tmp_path, ["crowd.overlap=5"])  # upstream change re-runs everything after it
    assert CALLS == ["one", "two", "two", "one", "two"]
    data = json.loads((tmp_path / "summary.json").read_text())
    assert data["answers"] == 35


def test_plan_action_stops_after_planning_stages(tmp_path):
    CALLS.clear()
    data = _run(tmp_path, ["action=plan"]).data
    assert CALLS == ["one"] and data["status"] == "planned"


def test_budget_turns_the_objective_to_minus_infinity(tmp_path):
    summary = _run(tmp_path)
    summary.data["cost_usd"] = 10.0
    assert summary.objective({"objective": "labels.accuracy.mean", "budget_usd": 5}) == float("-inf")


def test_keys_ignore_what_a_stage_does_not_read_and_see_file_contents(tmp_path):
    from foodcrowd.engine import STAGES, stage_key

    data, plan, register = (next(s for s in STAGES if s.name == n) for n in ("data", "plan", "register"))
    raw, none = validate(compose_cfg()), validate(compose_cfg(["lineage=none"]))
    assert stage_key(data, raw, []) == stage_key(data, none, [])          # the parent matters to register only
    assert stage_key(register, raw, []) != stage_key(register, none, [])

    text = tmp_path / "instructions.md"
    text.write_text("# Label the food\n")
    cfg = validate(compose_cfg([f"interface.instructions={text}"]))
    before = stage_key(plan, cfg, [])
    text.write_text("# Label the food\n\nEdge cases: a soup with bread is *other*.\n")
    assert stage_key(plan, cfg, []) != before                              # same path, new text: plan again
