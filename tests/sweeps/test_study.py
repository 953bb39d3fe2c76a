"""The Optuna study lives in SQLite under the sweep dir: a killed sweep resumes and runs only what is missing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.conftest import ROOT, run_cli

OPTUNA = ["-m", "+experiment=food_optuna", "dataset.size=120", "budget_usd=0.8", "hydra.sweeper.n_trials=6",
          "tracking=none"]


def _study(sweep):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna.load_study(study_name="food_annotation_cost", storage=f"sqlite:///{sweep}/optuna.db")


def _states(sweep) -> dict[str, int]:
    """Trial counts by state, read-only (polling must not race the sweeper creating the schema)."""
    import sqlite3

    if not (sweep / "optuna.db").is_file():
        return {}
    try:
        with sqlite3.connect(f"file:{sweep}/optuna.db?mode=ro", uri=True, timeout=5) as db:
            return dict(db.execute("SELECT state, count(*) FROM trials GROUP BY state").fetchall())
    except sqlite3.Error:  # the schema is not there yet
        return {}


@pytest.mark.slow
def test_a_killed_optuna_sweep_resumes_with_the_remaining_trials_only(tmp_path):
    sweep, home = tmp_path / "optuna", tmp_path / "home"
    env = {**os.environ, "FOODCROWD_HOME": str(home)}
    cmd = [sys.executable, "-m", "foodcrowd", *OPTUNA, f"hydra.sweep.dir={sweep}"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    running = lambda s: s.get("RUNNING", 0) == 2 and all((sweep / j / ".hydra").is_dir() for j in "23")
    try:  # kill the whole sweep (sweeper and joblib workers) once 2 trials are done and the next 2 run
        while (s := _states(sweep)).get("COMPLETE", 0) < 2 or not running(s):
            assert proc.poll() is None, proc.stderr.read()[-3000:]
            assert time.monotonic() < deadline, f"no 2 finished trials in 300 s: {s}"
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _states(sweep) == {"COMPLETE": 2, "RUNNING": 2}
    first = {t.number: t.params for t in _study(sweep).trials}

    again = run_cli(*OPTUNA, f"hydra.sweep.dir={sweep}", env={"FOODCROWD_HOME": str(home)})
    assert again.returncode == 0, again.stderr[-3000:]
    trials = _study(sweep).trials
    assert _states(sweep) == {"COMPLETE": 6, "FAIL": 2}
    # the re-run ran 4 trials: the 2 the kill interrupted (same parameters, queued again) and 2 new ones
    rerun = [t for t in trials if t.number >= 4]
    assert len(rerun) == 4 and all(t.state.name == "COMPLETE" for t in rerun)
    assert [t.params for t in rerun[:2]] == [first[2], first[3]]
    assert all(t.system_attrs.get("foodcrowd_stale") for t in trials if t.state.name == "FAIL")
    # job dirs continue the numbering: the first run's finished jobs are untouched
    assert {t.system_attrs["foodcrowd_job_dir"].rsplit("/", 1)[-1] for t in rerun} == {"4", "5", "6", "7"}
    assert (sweep / "0" / "summary.json").is_file() and (sweep / "1" / "summary.json").is_file()
    # the report lists the study's trials, the interrupted ones as failed
    table = pd.read_csv(sweep / "sweep_report.csv")
    assert sorted(table["trial"]) == list(range(8))
    assert table.loc[table["state"] == "COMPLETE", "status"].isin(["ok", "over_budget"]).all()
    assert (table["state"] == "FAIL").sum() == 2

    # a third run of the same command has nothing left to do, and says so
    third = run_cli(*OPTUNA, f"hydra.sweep.dir={sweep}", env={"FOODCROWD_HOME": str(home)})
    assert third.returncode == 0 and "already has 6 of hydra.sweeper.n_trials=6" in third.stderr
    assert len(_study(sweep).trials) == 8


def test_the_sweeper_composes_with_sqlite_storage_under_the_sweep_dir():
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from foodcrowd import CONF_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        cfg = compose(config_name="config", overrides=["+experiment=food_optuna"], return_hydra_config=True)
    sweeper = cfg.hydra.sweeper
    assert sweeper._target_ == "hydra_plugins.foodcrowd_sweeper.FoodcrowdOptunaSweeper"
    assert sweeper.storage == f"sqlite:///{cfg.hydra.sweep.dir}/optuna.db"
    assert sweeper.study_name == "food_annotation_cost" and sweeper.sampler.seed == 0
    assert "food_annotation_cost" in cfg.hydra.sweep.dir  # fixed, so the same command resumes


def test_a_password_in_the_storage_url_is_never_written(tmp_path, monkeypatch):
    from foodcrowd.sweeps.study import read_pointer, write_pointer

    write_pointer(tmp_path, "s", "postgresql://fc:hunter2@db.internal/optuna", 10)
    assert "hunter2" not in (tmp_path / "optuna_study.yaml").read_text()
    monkeypatch.delenv("FOODCROWD_OPTUNA_STORAGE", raising=False)
    assert read_pointer(tmp_path) is None  # the report cannot reach it without the environment
    monkeypatch.setenv("FOODCROWD_OPTUNA_STORAGE", "postgresql://fc:hunter2@db.internal/optuna")
    assert read_pointer(tmp_path)["storage"].endswith("@db.internal/optuna")


def test_stale_trials_of_a_dead_sweeper_are_failed_and_queued_again(tmp_path):
    import optuna

    from foodcrowd.sweeps.study import OWNER, progress, recover_stale

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="s", storage=f"sqlite:///{tmp_path}/o.db")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    for who in (f"{socket.gethostname()}:{dead.stdout.strip()}", f"{socket.gethostname()}:{os.getppid()}",
                "other-host:1"):
        t = study.ask({"x": optuna.distributions.UniformDistribution(0, 1)})
        t.set_system_attr(OWNER, who)
    assert recover_stale(study) == [0]  # the dead process's trial; a live one and another host's stay
    assert progress(study) == (0, 2)
    assert [t.state.name for t in study.trials] == ["FAIL", "RUNNING", "RUNNING", "WAITING"]
    assert study.trials[3].system_attrs["fixed_params"] == study.trials[0].params
    assert recover_stale(study, stale_after_minutes=0) == [1, 2]  # too old counts as gone, on any host


APP = '''
import hydra

import foodcrowd  # noqa: F401  (puts foodcrowd's Hydra plugins where Hydra's scan finds them)

@hydra.main(version_base="1.3", config_path=".", config_name="config")
def main(cfg):
    return -(cfg.x - 0.3) ** 2

if __name__ == "__main__":
    main()
'''
APP_CONFIG = '''
defaults:
  - override hydra/sweeper: optuna_study
  - _self_
experiment_name: shared
x: 0.0
hydra:
  searchpath: [file://{conf}]
  sweeper:
    direction: maximize
    n_jobs: 1
    params:
      x: interval(0, 1)
'''


def test_two_sweeps_on_two_sweep_dirs_share_one_study_and_its_n_trials(tmp_path):
    """A second launcher pointed at the same storage adds only what the study's n_trials still misses."""
    from foodcrowd import CONF_DIR

    (tmp_path / "app.py").write_text(APP)
    (tmp_path / "config.yaml").write_text(APP_CONFIG.format(conf=CONF_DIR))
    storage = f"sqlite:///{tmp_path}/shared.db"

    def sweep(where: str, n: int) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(tmp_path / "app.py"), "-m", f"hydra.sweeper.n_trials={n}",
                               f"hydra.sweeper.storage={storage}", f"hydra.sweep.dir={tmp_path / where}"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=300)

    first = sweep("machine_a", 2)
    assert first.returncode == 0, first.stderr[-2000:]
    second = sweep("machine_b", 3)
    assert second.returncode == 0, second.stderr[-2000:]
    import optuna

    study = optuna.load_study(study_name="shared", storage=storage)
    assert [t.state.name for t in study.trials] == ["COMPLETE"] * 3
    assert [p.name for p in sorted((tmp_path / "machine_b").iterdir()) if p.name.isdigit()] == ["2"]
    from foodcrowd.record.sweep import collect_rows

    assert sorted(r["trial"] for r in collect_rows(tmp_path / "machine_b")) == [0, 1, 2]  # the whole study
