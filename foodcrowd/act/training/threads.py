"""How many torch threads a training job should run: the cores the job was given, not the machine's.

``trainer.num_threads: auto`` (the default) asks :func:`job_threads`, which takes the smallest of what
the job can see about its share of the machine:

- the CPUs this process may run on (``os.sched_getaffinity``; cgroup/taskset limits show up here);
- ``SLURM_CPUS_PER_TASK`` (a SLURM job, through submitit or sbatch);
- the CPUs Ray assigned to this task (``ray.get_runtime_context().get_assigned_resources()``);
- the launcher in the job's Hydra config: joblib ``n_jobs`` processes share the cores (no more than the
  sweeper's ``n_jobs`` trials at a time run, for Optuna), submitit
  ``cpus_per_task``, Ray ``remote.num_cpus`` (Ray's default is 1 CPU per task);
- ``OMP_NUM_THREADS`` when it is set (joblib and Ray set it in their workers; a user may set it too).

Two joblib jobs on a 2-core machine each running 2 threads made every epoch ~15x slower than one job
alone (oversubscribed OpenMP); one thread each keeps a parallel sweep as fast per job as a serial one.
An integer ``trainer.num_threads`` is used as given.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Mapping

__all__ = ["job_threads", "threads_for"]


def _affinity() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _int(value: Any) -> int | None:
    try:
        n = int(float(value))
    except (TypeError, ValueError):
        return None
    return n if n >= 1 else None


def _launcher_share(launcher: Mapping[str, Any] | None, cores: int) -> tuple[int | None, str]:
    """Cores one job of this Hydra launcher gets, from the launcher's own settings."""
    if not launcher:
        return None, ""
    target = str(launcher.get("_target_", ""))
    if "joblib" in target:
        n_jobs = _int(launcher.get("n_jobs")) if launcher.get("n_jobs") not in (None, -1) else cores
        if n_jobs is None:  # joblib's negative n_jobs: cores + 1 + n_jobs processes
            n_jobs = max(1, cores + 1 + int(launcher.get("n_jobs", -1)))
        why = f"joblib n_jobs={launcher.get('n_jobs')}"
        if _int(launcher.get("_batch")) and _int(launcher["_batch"]) < n_jobs:  # a sweeper asking fewer at once
            n_jobs, why = _int(launcher["_batch"]), f"{why}, sweeper n_jobs={launcher['_batch']}"
        return max(1, cores // n_jobs), why
    if "submitit" in target:
        n = _int(launcher.get("cpus_per_task"))
        return n, "submitit cpus_per_task" if n else ""
    if "ray" in target:
        remote = (launcher.get("ray") or {}).get("remote") or {}
        return _int(remote.get("num_cpus")) or 1, "ray remote.num_cpus"
    return None, ""


def threads_for(*, affinity: int, env: Mapping[str, str], launcher: Mapping[str, Any] | None = None,
                ray_cpus: float | None = None) -> tuple[int, str]:
    """Pure: the thread count and the reason, from what the job sees. The smallest share wins."""
    found: list[tuple[int, str]] = [(affinity, "sched_getaffinity")]
    if _int(env.get("SLURM_CPUS_PER_TASK")):
        found.append((_int(env["SLURM_CPUS_PER_TASK"]), "SLURM_CPUS_PER_TASK"))
    if ray_cpus:
        found.append((max(1, int(ray_cpus)), "ray assigned CPU"))
    share, why = _launcher_share(launcher, affinity)
    if share:
        found.append((share, why))
    if _int(env.get("OMP_NUM_THREADS")):
        found.append((_int(env["OMP_NUM_THREADS"]), "OMP_NUM_THREADS"))
    return min(found, key=lambda f: f[0])


def _ray_cpus() -> float | None:
    if "ray" not in sys.modules:  # never import Ray just to ask
        return None
    try:
        import ray

        if not ray.is_initialized():
            return None
        return ray.get_runtime_context().get_assigned_resources().get("CPU")
    except Exception:  # the driver, or an old Ray: no assignment to read
        return None


def _hydra_launcher() -> dict | None:
    try:
        from hydra.core.hydra_config import HydraConfig
        from omegaconf import OmegaConf

        if not HydraConfig.initialized():
            return None
        hc = HydraConfig.get()
        if str(hc.mode) != "RunMode.MULTIRUN":  # a single run is alone on its machine
            return None
        launcher = OmegaConf.to_container(hc.launcher, resolve=True)
        batch = hc.sweeper.get("n_jobs")  # Optuna asks this many trials at a time
        return {**launcher, "_batch": batch} if batch else launcher
    except Exception:
        return None


def job_threads(setting: Any = "auto") -> tuple[int, str]:
    """``(threads, reason)`` for ``trainer.num_threads``: an integer as given, ``auto`` sized to the job."""
    if setting not in (None, "auto"):
        return int(setting), "trainer.num_threads"
    return threads_for(affinity=_affinity(), env=os.environ, launcher=_hydra_launcher(), ray_cpus=_ray_cpus())
