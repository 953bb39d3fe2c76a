"""Apply against the local emulator through toloka-kit's real client: idempotent, resumable, refuses drift."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from foodcrowd.engine import StageContext
from foodcrowd.validate import ConfigError, validate
from tests.conftest import compose_cfg
from tests.toloka.data import write_data

from foodcrowd import emulator

N_ITEMS, N_CONTROL = 45, 10
SMALL = ["crowd.population.size=80", "crowd.upload_batch_size=20"]


def _stage(run_dir, overrides=()):
    from foodcrowd.act.crowd import crowd_stage

    plain = validate(compose_cfg(SMALL + list(overrides)))
    out = run_dir / "toloka"
    out.mkdir(exist_ok=True)
    return crowd_stage(StageContext(cfg=None, plain=plain, run_dir=run_dir, out_dir=out))


def _snapshot(run_dir, items):
    plain = validate(compose_cfg(SMALL))
    handle = emulator.start(crowd=plain["crowd"], questions=plain["questions"], world=items,
                            state_dir=run_dir / "emulator")
    try:
        return handle.snapshot()
    finally:
        handle.stop()


def _count(snapshot, what):
    value = snapshot[what]
    return value if isinstance(value, int) else len(value)


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("run")
    tables = write_data(run_dir, n_items=N_ITEMS, n_control=N_CONTROL)
    home = str(tmp_path_factory.mktemp("home"))   # the module's own: no answers bought by another test to reuse
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FOODCROWD_HOME", home)
        first = _stage(run_dir)
    return run_dir, tables, first, home


@pytest.mark.slow
def test_apply_collects_the_work_into_the_contract_tables(applied):
    run_dir, tables, first, _ = applied
    answers = pd.read_parquet(run_dir / "toloka" / "answers.parquet")
    assert list(answers.columns) == ["task", "worker", "question", "label", "kind", "assignment_id", "pool_id",
                                     "submitted_at", "seconds", "status"]
    real = answers[answers["kind"] == "task"]
    assert set(real["task"]) == set(tables["items"]["item_id"])
    assert (real.groupby(["task", "question"]).size() == 3).all()  # overlap 3
    assert set(real["label"][real["question"] == "food_type"]) <= {"solid", "liquid", "other"}
    for name in ("exam_answers", "assignments", "bans", "skills"):
        assert (run_dir / "toloka" / f"{name}.parquet").exists()
    s = first["summary"]
    assert s["answers"] == len(answers) and s["cost_usd"] > 0 and s["duration_kind"] == "simulated"
    assert s["exam"]["takers"] >= s["exam"]["passed"] > 0 and s["annotators"] > 0
    state = json.loads((run_dir / "toloka" / "state.json").read_text())
    assert "token" not in json.dumps(state).lower()


@pytest.mark.slow
def test_applying_twice_creates_everything_exactly_once(applied, monkeypatch):
    run_dir, tables, first, home = applied
    monkeypatch.setenv("FOODCROWD_HOME", home)
    answers_before = pd.read_parquet(run_dir / "toloka" / "answers.parquet")
    second = _stage(run_dir)
    (run_dir / "toloka" / "state.json").unlink()  # a crash before the state was saved: found again by run key
    third = _stage(run_dir)
    snap = _snapshot(run_dir, tables["items"])
    assert _count(snap, "projects") == 1 and _count(snap, "trainings") == 1 and _count(snap, "pools") == 1
    assert _count(snap, "tasks") == N_ITEMS + N_CONTROL + 10
    (main,) = snap["pools"]
    assert (main["real_tasks"], main["control_tasks"], snap["trainings"][0]["tasks"]) == (N_ITEMS, N_CONTROL, 10)
    assert first["ids"] == second["ids"] == third["ids"]
    assert second["summary"]["cost_usd"] == first["summary"]["cost_usd"] > 0
    # with its state lost, the run finds the answers it bought in the registry (same crowd key): $0 now
    assert third["summary"]["cost_usd"] == 0.0
    assert third["summary"]["reused_answers"]["bought_for_usd"] == pytest.approx(first["summary"]["cost_usd"])
    pd.testing.assert_frame_equal(pd.read_parquet(run_dir / "toloka" / "answers.parquet"), answers_before)


@pytest.mark.slow
def test_a_changed_reward_is_refused_with_the_key_named(applied):
    run_dir, _, _, _ = applied
    with pytest.raises(ConfigError) as err:
        _stage(run_dir, ["crowd.reward_per_page=0.02"])
    text = err.value.render()
    assert "crowd.reward_per_page" in text and "0.015" in text and "0.02" in text and "new run directory" in text


@pytest.mark.slow
def test_account_wide_bans_are_counted_for_this_run_only(tmp_path):
    """ALL_PROJECTS bans carry the run key in their comment: another run's bans on the account are not ours."""
    all_projects = ["quality.fast_responses.ban_scope=ALL_PROJECTS", "quality.control_tasks.ban_scope=ALL_PROJECTS"]
    write_data(tmp_path, n_items=N_ITEMS, n_control=N_CONTROL)
    result = _stage(tmp_path, all_projects)
    bans = pd.read_parquet(tmp_path / "toloka" / "bans.parquet")
    run_key = json.loads((tmp_path / "toloka" / "state.json").read_text())["run_key"]
    assert len(bans) > 0 and (bans["scope"] == "ALL_PROJECTS").all()
    assert bans["private_comment"].str.contains(f"[run {run_key}]", regex=False).all()
    assert result["summary"]["banned"] == bans["worker"].nunique()
