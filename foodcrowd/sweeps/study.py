"""The Optuna study of a sweep, kept in an RDB storage: where it lives, who runs which trial, what is left.

- ``<sweep dir>/optuna_study.yaml`` names the study and its storage (password masked), so the sweep
  report and ``python -m foodcrowd.record.sweep <dir>`` find the trials again;
- every trial the sweeper asks for carries the system attribute ``foodcrowd_owner`` (``host:pid`` of the
  sweeper) and, once its job has run, ``foodcrowd_job_dir``;
- a trial left RUNNING by a sweeper that died (same host, process gone; or older than
  ``stale_after_minutes``) is marked FAIL and its parameters are queued again, so a re-run retries it;
- ``n_trials`` counts the study's COMPLETE and PRUNED trials plus those other live sweepers are running.

A storage URL with a password (PostgreSQL) is never written out; the report then reads the URL from
``FOODCROWD_OPTUNA_STORAGE``.
"""
from __future__ import annotations

import datetime as _dt
import os
import socket
from pathlib import Path
from typing import Any

__all__ = ["POINTER", "prepare_storage", "masked", "owner", "write_pointer", "read_pointer", "recover_stale",
           "progress", "read_trials"]

POINTER = "optuna_study.yaml"
OWNER, JOB_DIR = "foodcrowd_owner", "foodcrowd_job_dir"


def prepare_storage(storage: Any) -> Any:
    """Create the folder of a SQLite file (``sqlite:///multirun/x/optuna.db``); other URLs are as given."""
    if isinstance(storage, str) and storage.startswith("sqlite:///"):
        path = Path(storage[len("sqlite:///"):])
        if str(path) not in ("", ":memory:"):
            path.parent.mkdir(parents=True, exist_ok=True)
    return storage


def masked(storage: Any) -> str | None:
    """The URL with its password replaced by ``***`` (None for an in-memory study)."""
    if storage is None:
        return None
    from sqlalchemy.engine import make_url

    try:
        url = make_url(str(storage))
    except Exception:
        return "<unparsable storage URL>"
    return url.__repr__() if url.password else str(storage)


def owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def write_pointer(sweep_dir: Path, study_name: str, storage: Any, n_trials: int) -> None:
    from omegaconf import OmegaConf

    Path(sweep_dir).mkdir(parents=True, exist_ok=True)
    OmegaConf.save(OmegaConf.create({"study_name": study_name, "storage": masked(storage), "n_trials": n_trials}),
                   Path(sweep_dir) / POINTER)


def read_pointer(sweep_dir: Path) -> dict | None:
    """``{study_name, storage}`` of the study a sweep dir belongs to, with a usable URL; None if none."""
    from omegaconf import OmegaConf

    path = Path(sweep_dir) / POINTER
    if not path.is_file():
        return None
    info = dict(OmegaConf.to_container(OmegaConf.load(path)))
    if info.get("storage") and "***" in str(info["storage"]):
        info["storage"] = os.environ.get("FOODCROWD_OPTUNA_STORAGE")  # the secret stays in the environment
    return info if info.get("storage") else None


def _alive(who: str | None, now: _dt.datetime, started: _dt.datetime | None, stale_after: float | None) -> bool:
    host, _, pid = (who or "").rpartition(":")
    if stale_after is not None and started is not None and (now - started).total_seconds() > 60 * stale_after:
        return False
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return False  # this very process has just started: whatever it left running is gone
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return bool(who)  # another host's live sweeper (unless too old); no owner: a plain Hydra sweeper's leftover


def recover_stale(study, stale_after_minutes: float | None = None) -> list[int]:
    """Mark trials left RUNNING by a dead sweeper FAIL and queue their parameters again; their numbers."""
    from optuna.trial import TrialState

    now, dead = _dt.datetime.now(), []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if _alive(t.system_attrs.get(OWNER), now, t.datetime_start, stale_after_minutes):
            continue
        study._storage.set_trial_system_attr(t._trial_id, "foodcrowd_stale", True)
        study._storage.set_trial_state(t._trial_id, TrialState.FAIL)
        if t.params:
            study.enqueue_trial(dict(t.params))
        dead.append(t.number)
    return dead


def progress(study) -> tuple[int, int]:
    """(trials done: COMPLETE or PRUNED, trials running now)."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    done = sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    return done, sum(t.state == TrialState.RUNNING for t in trials)


def read_trials(sweep_dir: Path, storage: Any = None, study_name: str | None = None) -> list[dict] | None:
    """One dict per trial of the sweep's study (number, state, value, params, job dir); None without a study."""
    info = read_pointer(sweep_dir) or {}
    storage, study_name = storage or info.get("storage"), study_name or info.get("study_name")
    if not storage or not study_name:
        return None
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=str(storage))
    rows = []
    for t in study.get_trials(deepcopy=False):
        rows.append({"trial": t.number, "state": t.state.name, "value": t.value, "params": dict(t.params),
                     "job_dir": t.system_attrs.get(JOB_DIR), "stale": bool(t.system_attrs.get("foodcrowd_stale")),
                     "seconds": (t.datetime_complete - t.datetime_start).total_seconds()
                     if t.datetime_complete and t.datetime_start else None})
    return rows
