"""``crowd=label_studio`` without a server: Label Studio's export (captured from a real 1.23.2 server, see
``tests/fixtures/label_studio/crowd_export.json``) -> the crowd tables, the plan's one line on the quality
control that does not apply, the $0 / hourly estimate, and the config checks."""
from __future__ import annotations

import copy
import json

import pytest

from foodcrowd.act.toloka_collect import COLUMNS
from foodcrowd.review.crowd import answers_tables, complete, not_applied
from tests.conftest import ROOT, compose_cfg, run_cli

FIXTURE = json.loads((ROOT / "tests" / "fixtures" / "label_studio" / "crowd_export.json").read_text())
EMAILS = {u["id"]: u["email"] for u in FIXTURE["users"]}


def _plain(*overrides):
    from foodcrowd.validate import to_plain

    return to_plain(compose_cfg(["crowd=label_studio", *overrides]))


QUESTIONS = _plain()["questions"]   # the food experiment's: food_type (categorical), appetizing (binary)


def test_export_becomes_the_answers_tables_of_the_toloka_path():
    tables = answers_tables(FIXTURE["export"], QUESTIONS, FIXTURE["project"], EMAILS)
    assert {k: list(v.columns) for k, v in tables.items()} == COLUMNS
    answers, assignments = tables["answers"], tables["assignments"]
    annotations = [a for t in FIXTURE["export"] for a in t["annotations"]]
    assert len(assignments) == len(annotations) == 6 and len(answers) == 12
    assert set(answers["worker"]) == {"expert@foodcrowd.local", "annotator5@example.com"}   # emails, not ids
    assert set(answers["pool_id"]) == {str(FIXTURE["project"]["id"])} and set(answers["kind"]) == {"task"}
    first = FIXTURE["export"][0]
    for a in first["annotations"]:
        row = answers[(answers["assignment_id"] == f"ls:{a['id']}") & (answers["question"] == "food_type")]
        assert list(row["label"]) == a["result"][0]["value"]["choices"] and list(row["seconds"]) == [a["lead_time"]]
        assert list(row["task"]) == [first["data"]["item_id"]] and list(row["worker"]) == [EMAILS[a["completed_by"]]]
    assert (assignments["submitted_at"] > 0).all() and (assignments["reward"] == 0).all()
    assert all(tables[k].empty for k in ("exam_answers", "bans", "skills"))


def test_hourly_cost_pays_the_time_annotators_spent():
    tables = answers_tables(FIXTURE["export"], QUESTIONS, FIXTURE["project"], EMAILS, hourly_cost_usd=36.0)
    lead = sum(a["lead_time"] for t in FIXTURE["export"] for a in t["annotations"])
    assert tables["assignments"]["reward"].sum() == pytest.approx(36.0 * lead / 3600, abs=1e-5)


def test_one_annotation_per_annotator_and_task_counts_the_latest():
    export = copy.deepcopy(FIXTURE["export"])
    again = copy.deepcopy(export[0]["annotations"][0])      # the same user submits the task again, later
    again.update(id=99, updated_at="2099-01-01T00:00:00Z", result=[{**again["result"][0], "value": {"choices": ["other"]}}])
    export[0]["annotations"].append(again)
    export[1]["annotations"][0]["was_cancelled"] = True      # a skipped task counts for nothing
    answers = answers_tables(export, QUESTIONS, FIXTURE["project"], EMAILS)["answers"]
    mine = answers[(answers["task"] == export[0]["data"]["item_id"]) & (answers["worker"] == EMAILS[again["completed_by"]])]
    assert list(mine["label"]) == ["other"] and list(mine["assignment_id"]) == ["ls:99"]
    assert (answers["task"] == export[1]["data"]["item_id"]).sum() == 2
    done = complete(2)(export, QUESTIONS)
    assert export[1]["data"]["item_id"] not in done and len(done) == 2
    assert complete(2)(FIXTURE["export"], QUESTIONS).keys() == {t["data"]["item_id"] for t in FIXTURE["export"]}
    assert complete(3)(FIXTURE["export"], QUESTIONS) == {}


def test_the_plan_names_what_does_not_apply_in_one_line():
    line = not_applied(_plain())
    assert line.count("\n") == 0 and "exam (exam.form=training)" in line and "control tasks" in line
    assert "quality.fast_responses" in line
    assert not_applied(_plain("exam.form=none", "quality=none")) is None


def test_estimate_is_zero_or_the_hourly_cost():
    from foodcrowd.plan.estimate import estimate

    est = estimate(_plain("crowd.overlap=2"), 100)
    assert est["cost_usd"] == 0 and est["cost_max_usd"] == 0 and list(est["pools"]) == ["pool:main"]
    assert est["answers"] == 200 and "random_clicker_passes_exam" not in est
    est = estimate(_plain("crowd.overlap=2", "crowd.hourly_cost_usd=36", "crowd.seconds_per_task=10"), 100)
    assert est["cost_usd"] == pytest.approx(200 * 36 * 10 / 3600) and est["fee_per_page"] == 0


def test_plan_shows_zero_cost_and_creates_nothing(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli("+experiment=food", "crowd=label_studio", "crowd.overlap=2", "dataset.size=60", "action=plan",
                   "model=none", "tracking=none", f"hydra.run.dir={run_dir}",
                   env={"FOODCROWD_HOME": str(tmp_path / "home"), "TOLOKA_API_TOKEN": ""})
    assert proc.returncode == 0, proc.stderr[-2000:]
    said = [line for line in proc.stdout.splitlines() if line.startswith("crowd=label_studio:")]
    assert len(said) == 1 and "the exam (exam.form=training), the control tasks" in said[0]
    assert "in-house (label_studio)" in proc.stderr and "$0.00" in proc.stderr
    estimate = json.loads((run_dir / "toloka" / "estimate.json").read_text())
    assert estimate["cost_usd"] == 0 and estimate["in_house"]["backend"] == "label_studio"
    assert not (run_dir / "emulator").exists() and not (run_dir / "toloka" / "state.json").exists()


def test_dynamic_overlap_is_refused_naming_the_key(tmp_path):
    proc = run_cli("+experiment=food", "crowd=label_studio", "crowd.dynamic_overlap.enabled=true", "action=plan",
                   f"hydra.run.dir={tmp_path / 'run'}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 2 and "crowd.dynamic_overlap.enabled" in proc.stderr and "Traceback" not in proc.stderr
