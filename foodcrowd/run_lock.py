"""One process at a time in a run directory: ``<run_dir>/.lock`` holds the working process's PID.

The lock is an exclusive ``flock`` on that file, so the kernel releases it when its holder dies, however it
dies: a lock left by a dead process is taken over (and the takeover is logged with the dead PID). A second
live process refuses at once with :class:`RunDirBusyError`, naming the holder's PID, before it creates
anything on the crowd platform or in the registry.
"""
from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Iterator

from foodcrowd.errors import UserError

__all__ = ["RunDirBusyError", "run_dir_lock", "pid_alive", "LOCK_NAME"]

log = logging.getLogger(__name__)
LOCK_NAME = ".lock"
_held: dict[str, bool] = {}   # lock paths this process holds (the lock is re-entrant within a process)


class RunDirBusyError(UserError):
    """Another live process works in the same run directory."""


def _holder(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def pid_alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists on this machine (one we may not signal counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def run_dir_lock(run_dir: Path) -> Iterator[Path]:
    """Hold the run dir's lock for the duration of the block (re-entrant within one process)."""
    import fcntl

    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_NAME
    if _held.get(str(path.resolve())):
        yield path
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(path)
            raise RunDirBusyError(
                f"{run_dir} is in use by another foodcrowd process (PID {pid if pid else 'unknown'})",
                "hydra.run.dir",
                f"wait for PID {pid} to finish (or stop it), or choose another hydra.run.dir; "
                "two processes in one run dir would create and pay for the same work twice") from None
        previous = _holder(path)
        if previous and previous != os.getpid() and not pid_alive(previous):
            log.warning("run dir %s: taking over the lock left by PID %s (no longer running)", run_dir, previous)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        os.fsync(fd)
        _held[str(path.resolve())] = True
        try:
            yield path
        finally:
            _held.pop(str(path.resolve()), None)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

