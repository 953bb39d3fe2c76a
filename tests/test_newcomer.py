"""A newcomer's first commands: the installed ``foodcrowd`` script from any directory, its short help,
paths typed on the command line, and a run on a folder of their own (unlabeled) photos."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from foodcrowd.__main__ import expand_path_overrides

SCRIPT = shutil.which("foodcrowd", path=str(Path(sys.executable).parent)) or shutil.which("foodcrowd")


def _script(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    assert SCRIPT, "the console script `foodcrowd` is not installed (pip install -e .)"
    return subprocess.run([SCRIPT, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "200"})


def test_help_is_one_short_screen_from_any_directory(tmp_path):
    done = _script("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "powered by Hydra" not in out and "Traceback" not in done.stderr
    assert len(out.splitlines()) <= 40
    for name in ("food", "food_dynamic", "digits", "replay"):
        assert f"\n  {name} " in out
    assert "+experiment=food action=plan" in out and "dataset=image_folder" in out
    assert "--hydra-help" in out and "README" in out


def test_hydra_help_still_reachable(tmp_path):
    done = _script("--hydra-help", cwd=tmp_path)
    assert done.returncode == 0 and "Hydra (" in done.stdout


def test_plan_from_a_temporary_directory(tmp_path):
    """Configs are found as package resources: no conf/ in the working directory needed."""
    done = _script("+experiment=food", "action=plan", "dataset.size=60", "hydra.run.dir=run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "planned"


def test_paths_on_the_command_line_are_expanded_against_the_users_directory(tmp_path):
    home = os.path.expanduser("~")
    got = expand_path_overrides(["dataset.path=~/photos", "dataset.path=photos", "+dataset.truth=t.csv",
                                 "hydra.run.dir=runs/a", "crowd.overlap=3", "experiment_name=~x",
                                 "dataset.path=${oc.env:X}", "dataset.path=s3://b/p", "~dataset.path",
                                 "dataset.path=null"], cwd=str(tmp_path))
    assert got == [f"dataset.path={home}/photos", f"dataset.path={tmp_path}/photos", f"+dataset.truth={tmp_path}/t.csv",
                   f"hydra.run.dir={tmp_path}/runs/a", "crowd.overlap=3", "experiment_name=~x",
                   "dataset.path=${oc.env:X}", "dataset.path=s3://b/p", "~dataset.path", "dataset.path=null"]


def _photos(folder: Path, n: int = 24) -> Path:
    from PIL import Image

    folder.mkdir(parents=True)
    for i in range(n):
        Image.new("RGB", (48, 40), (i * 10 % 255, 120, 200 - i * 5)).save(folder / f"p{i:02d}.jpg")
    return folder


@pytest.mark.slow
def test_own_unlabeled_photos_in_one_command_from_a_temporary_directory(tmp_path):
    """The README's own-data command verbatim, with a relative path, through the installed script."""
    _photos(tmp_path / "photos")
    done = _script("+experiment=food", "dataset=image_folder", "dataset.path=photos", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "unlabeled images" in done.stdout + done.stderr
    [summary_file] = (tmp_path / "outputs").glob("*/*/summary.json")
    summary = json.loads(summary_file.read_text())
    assert summary["status"] == "ok" and summary["items"] == 24
    # no truth, so no accuracy anywhere it could be read as one
    for q in ("food_type", "appetizing"):
        assert summary["labels"]["accuracy"].get(q) is None
    assert summary["model"].get("accuracy", {}).get("food_type") is None


@pytest.mark.slow
def test_a_repeat_run_prints_the_summary_opens_no_new_task_and_never_cuts_the_report_path(tmp_path):
    run_dir = tmp_path / ("a-rather-long-folder-name-so-the-report-path-is-wider-than-eighty-columns" * 2) / "run"
    args = ("+experiment=food", "dataset.size=60", "trainer.epochs=1", "hydra.run.dir=" + str(run_dir))
    first = _script(*args, cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    again = _script(*args, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    report = run_dir / "report" / "index.html"
    for done in (first, again):
        assert f"report: {report}\n" in done.stdout  # whole, on a line of its own
        assert "foodcrowd: food (ok)" in done.stdout
    sessions = sorted(p.name for p in (run_dir / "clearml" / "offline").iterdir() if p.is_dir())
    assert len(sessions) == 1  # the repeat had nothing to do: no second (empty) ClearML task
    assert f"clearml: {run_dir / 'clearml' / 'offline' / sessions[0]}.zip" in again.stdout
