"""trainer.num_threads=auto: a job runs as many torch threads as the cores it was given."""
from __future__ import annotations

import pytest

from foodcrowd.act.training.threads import job_threads, threads_for

JOBLIB = "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
RAY = "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"
SUBMITIT = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.LocalLauncher"


@pytest.mark.parametrize("launcher, env, ray_cpus, expected", [
    (None, {}, None, (2, "sched_getaffinity")),
    ({"_target_": JOBLIB, "n_jobs": 2}, {}, None, (1, "joblib n_jobs=2")),
    ({"_target_": JOBLIB, "n_jobs": -1}, {}, None, (1, "joblib n_jobs=-1")),
    ({"_target_": JOBLIB, "n_jobs": 1}, {}, None, (2, "sched_getaffinity")),
    ({"_target_": JOBLIB, "n_jobs": -1, "_batch": 2}, {}, None, (1, "joblib n_jobs=-1")),
    ({"_target_": RAY, "ray": {"remote": {}}}, {}, None, (1, "ray remote.num_cpus")),
    ({"_target_": RAY, "ray": {"remote": {"num_cpus": 2}}}, {}, 2.0, (2, "sched_getaffinity")),
    ({"_target_": SUBMITIT, "cpus_per_task": 1}, {}, None, (1, "submitit cpus_per_task")),
    (None, {"SLURM_CPUS_PER_TASK": "1"}, None, (1, "SLURM_CPUS_PER_TASK")),
    (None, {"OMP_NUM_THREADS": "1"}, None, (1, "OMP_NUM_THREADS")),
    (None, {}, 1.0, (1, "ray assigned CPU")),
], ids=["alone", "joblib-2", "joblib-all", "joblib-1", "joblib-optuna", "ray-default", "ray-2", "submitit", "slurm", "omp", "ray-task"])
def test_threads_follow_the_cores_the_job_was_given(launcher, env, ray_cpus, expected):
    assert threads_for(affinity=2, env=env, launcher=launcher, ray_cpus=ray_cpus) == expected


def test_an_integer_is_used_as_given_and_auto_never_exceeds_the_cpus_of_this_process():
    import os

    assert job_threads(3) == (3, "trainer.num_threads")
    n, _ = job_threads("auto")
    assert 1 <= n <= len(os.sched_getaffinity(0))


def test_the_schema_takes_auto_or_a_positive_integer():
    from foodcrowd.validate import ConfigError, validate
    from tests.conftest import compose_cfg

    for ok in ("auto", "1", "4"):
        validate(compose_cfg([f"trainer.num_threads={ok}"]))
    with pytest.raises(ConfigError, match="num_threads"):
        validate(compose_cfg(["trainer.num_threads=many"]))
