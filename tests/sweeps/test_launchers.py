"""Sweeps through other launchers: a local Ray on loopback and submitit's local processes run the same jobs
as the basic launcher, each job with its own emulator, the jobs of a sweep registering into one shared
dataset registry at the same time. Each sweep has its own FOODCROWD_HOME: answers bought once are reused
for $0 from a shared home, which would make the costs differ from the basic launcher's."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import run_cli

JOBS = ["-m", "+experiment=food", "model=none", "tracking=none", "dataset.size=60", "crowd.overlap=1,2,3"]
# what a job's result is; the run dir, times and dataset ids (which name the run dir) differ by design
SAME = ("items", "pages", "answers", "cost_usd", "annotators", "banned", "exam", "labels", "estimate", "status")


def _summaries(sweep: Path) -> dict[int, dict]:
    out = {}
    for path in sweep.glob("*/summary.json"):
        s = json.loads(path.read_text())
        out[s["config"]["overlap"]] = s
    return out


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """The basic launcher's run of the same jobs (in its own home)."""
    root = tmp_path_factory.mktemp("launchers")
    proc = run_cli(*JOBS, f"hydra.sweep.dir={root / 'basic'}", env={"FOODCROWD_HOME": str(root / "home_basic")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, _summaries(root / "basic")


def _check_same_jobs(sweep: Path, local: dict[int, dict], home: Path) -> None:
    from foodcrowd.datasets.registry import Registry

    remote = _summaries(sweep)
    assert sorted(remote) == [1, 2, 3]
    for overlap, s in remote.items():
        for key in SAME:
            assert s[key] == local[overlap][key], (overlap, key)
    # the sweep's jobs registered into one registry at the same time from several processes and left it
    # consistent: one raw version for all three, every annotated version complete and verified
    registry = Registry(home / "datasets")
    versions = registry.versions()
    raw = {s["datasets"]["raw"] for s in remote.values()}
    annotated = {s["datasets"]["annotated"] for s in remote.values()}
    assert len(raw) == 1 and len(annotated) == 3
    assert {v.id for v in versions} >= raw | annotated
    for vid in raw | annotated:
        assert registry.verify(vid) == [], vid
    assert not list((home / "datasets" / "staging").glob("*")) if (home / "datasets" / "staging").is_dir() else True


@pytest.mark.slow
def test_a_ray_sweep_on_a_local_loopback_cluster_runs_the_same_jobs(shared):
    root, local = shared
    sweep, env = root / "ray", {"FOODCROWD_HOME": str(root / "home_ray")}
    proc = run_cli(*JOBS, "hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2",
                   f"hydra.sweep.dir={sweep}", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Started a local Ray instance" in proc.stderr + proc.stdout
    pids = set()
    for job in sweep.glob("*/.hydra/hydra.yaml"):  # jobs ran as Ray tasks, in Ray worker processes
        from omegaconf import OmegaConf

        assert OmegaConf.load(job).hydra.job.id.startswith("job_id_for_")
    for line in (proc.stdout + proc.stderr).splitlines():
        if "(_run_job pid=" in line:
            pids.add(line.split("(_run_job pid=", 1)[1].split(")", 1)[0])
    assert pids and str(os.getpid()) not in pids
    _check_same_jobs(sweep, local, Path(env["FOODCROWD_HOME"]))
    assert (sweep / "sweep_report.csv").read_text().count("\n") == 4


@pytest.mark.slow
def test_a_submitit_local_sweep_runs_the_same_jobs(shared):
    root, local = shared
    sweep, env = root / "submitit", {"FOODCROWD_HOME": str(root / "home_submitit")}
    proc = run_cli(*JOBS, "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10",
                   "hydra.launcher.cpus_per_task=1", f"hydra.sweep.dir={sweep}", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert list(sweep.glob(".submitit/*/*_submitted.pkl"))  # submitted through submitit, as separate jobs
    _check_same_jobs(sweep, local, Path(env["FOODCROWD_HOME"]))


def test_the_slurm_launcher_config_composes():
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from foodcrowd import CONF_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        cfg = compose(config_name="config", return_hydra_config=True,
                      overrides=["+experiment=food_optuna", "hydra/launcher=slurm", "hydra.launcher.partition=cpu"])
    launcher = cfg.hydra.launcher
    assert launcher._target_ == "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
    assert (launcher.cpus_per_task, launcher.mem_gb, launcher.partition) == (2, 8, "cpu")
    assert launcher.submitit_folder.startswith(cfg.hydra.sweep.dir)
    # ... and a SLURM job sizes its torch threads from it
    from foodcrowd.act.training.threads import threads_for

    plain = {"_target_": launcher._target_, "cpus_per_task": launcher.cpus_per_task}
    assert threads_for(affinity=64, env={"SLURM_CPUS_PER_TASK": "2"}, launcher=plain) == (2, "SLURM_CPUS_PER_TASK")


def test_the_ray_local_config_stays_on_loopback():
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from foodcrowd import CONF_DIR

    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        cfg = compose(config_name="config", return_hydra_config=True,
                      overrides=["+experiment=food", "hydra/launcher=ray_local"])
    ray = cfg.hydra.launcher.ray
    assert ray.init._node_ip_address == "127.0.0.1" and ray.init.include_dashboard is False
    assert ray.init.address is None and ray.remote.num_cpus == 1
