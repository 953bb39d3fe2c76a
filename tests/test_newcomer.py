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
from tests.conftest import ROOT

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
    args = ("+experiment=food", "dataset.size=60", "trainer.epochs=3", "hydra.run.dir=" + str(run_dir))
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


def _wheel_venv(tmp: Path) -> Path:
    """Build the wheel from a copy of the project (the tree stays clean) and install it, alone, into a fresh
    venv whose dependencies are this venv's (a ``.pth`` line naming our site-packages: plain path entries,
    so our editable install's finder is never run). Seconds, not a full install. Returns the venv."""
    import sysconfig

    src = tmp / "src"
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for name in ("foodcrowd", "conf", "schemas"):
        shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=skip)
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                            "-w", str(tmp / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    [wheel] = (tmp / "dist").glob("foodcrowd-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
                           "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (Path(site) / "_foodcrowd_test_deps.pth").write_text("".join(f"{p}\n" for p in ours))
    return venv


@pytest.mark.slow
def test_the_wheel_installs_and_runs_from_outside_the_repository(tmp_path):
    """The built wheel, installed into a fresh venv, runs ``foodcrowd --help`` and a small food run from a
    temporary directory, importing its own copy (package, configs, schemas), never the source tree."""
    venv = _wheel_venv(tmp_path / "build")
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(FOODCROWD_HOME=str(tmp_path / "home"), COLUMNS="200", PATH=f"{venv / 'bin'}:{env.get('PATH', '')}")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=work, env=env, capture_output=True, text=True, timeout=600)

    where = run(str(venv / "bin" / "python"), "-c", "import foodcrowd, foodcrowd.record.report as r; "
                "print(foodcrowd.__file__); print(r.__file__); print(foodcrowd.CONF_DIR)")
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(venv.resolve()), line   # the wheel's copy, not ROOT
    assert shutil.which("foodcrowd", path=env["PATH"]) == str(venv / "bin" / "foodcrowd")

    helped = run("foodcrowd", "--help")
    assert helped.returncode == 0 and "+experiment=food" in helped.stdout, helped.stderr[-2000:]
    done = run("foodcrowd", "+experiment=food", "dataset.size=60", "model=none")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    assert "foodcrowd: food (ok)" in done.stdout and "label accuracy food_type (mv)" in done.stdout
    [summary_file] = work.glob("outputs/*/*/summary.json")
    summary = json.loads(summary_file.read_text())
    assert summary["status"] == "ok" and summary["items"] == 60
    assert f"report: {summary_file.parent / 'report' / 'index.html'}" in done.stdout
    hydra = (summary_file.parent / ".hydra" / "hydra.yaml").read_text()
    assert f"path: {venv}" in hydra and f"path: {ROOT}" not in hydra  # configs read from the installed package
