"""Kill the process for real (SIGKILL) at several points of a run, re-run in the same run dir, and get
exactly what an uninterrupted run gets: the same summary, answers and dataset versions, with no object
created twice and nothing paid twice on the emulator."""
from __future__ import annotations

import signal

import pytest

from tests.reliability.conftest import answers, comparable, count, dataset_content, emulator_snapshot, food_run

pytestmark = pytest.mark.slow
EPOCHS: list[str] = []

KILL_POINTS = [
    ("crowd.upload.batch:2", "during task upload"),
    ("crowd.pool.running:1", "while the pool is running"),
    ("crowd.download:2", "while answers are being saved"),
    ("register.staged:2", "during the annotated dataset's registration"),
    ("train.epoch:1", "during training"),
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    run_dir, home = tmp_path_factory.mktemp("reference") / "run", tmp_path_factory.mktemp("home-ref")
    proc = food_run(run_dir, home, *EPOCHS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return run_dir, home


@pytest.mark.parametrize("point,when", KILL_POINTS, ids=[p for p, _ in KILL_POINTS])
def test_killed_run_resumes_to_the_same_result(point, when, reference, tmp_path):
    reference, ref_home = reference
    run_dir, home = tmp_path / "run", tmp_path / "home"
    killed = food_run(run_dir, home, *EPOCHS, failpoints=point)
    assert killed.returncode == -signal.SIGKILL, f"not killed {when}: rc={killed.returncode}\n{killed.stderr[-2000:]}"
    summary = run_dir / "summary.json"
    assert not summary.exists() or '"status": "running"' in summary.read_text()  # it really stopped part-way

    resumed = food_run(run_dir, home, *EPOCHS)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert comparable(run_dir) == comparable(reference)
    assert answers(run_dir).equals(answers(reference))
    assert dataset_content(run_dir, home) == dataset_content(reference, ref_home)

    snap, ref = emulator_snapshot(run_dir), emulator_snapshot(reference)
    for what in ("projects", "trainings", "pools", "tasks", "restrictions"):
        assert count(snap, what) == count(ref, what), what
    assert snap["spend"] == pytest.approx(ref["spend"])


def test_a_finished_crowd_stage_is_never_fetched_or_paid_again(reference, tmp_path):
    import shutil

    reference, ref_home = reference
    run_dir = tmp_path / "run"
    shutil.copytree(reference, run_dir)
    spend = emulator_snapshot(run_dir)["spend"]
    # killed after the answers were saved but before the crowd stage's stamp: the crowd stage runs again,
    # finds its answers downloaded, re-checks the objects against the plan, and fetches and pays nothing
    # (how the platform is reached, e.g. crowd.max_wait_seconds, is not part of the stage key)
    (run_dir / ".stages" / "crowd.json").unlink()
    again = food_run(run_dir, ref_home, *EPOCHS, "aggregation=ds", "crowd.max_wait_seconds=3601")
    assert again.returncode == 0, again.stderr[-3000:]
    import json

    stages = json.loads((run_dir / "summary.json").read_text())["stages"]
    assert not stages["crowd"]["skipped"] and not stages["aggregate"]["skipped"]
    assert emulator_snapshot(run_dir)["spend"] == pytest.approx(spend)
    assert answers(run_dir).equals(answers(reference))
