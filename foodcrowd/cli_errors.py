"""One screen, no traceback, for what goes wrong around a run rather than in its config values.

- :func:`compose_error`: the config cannot be composed (a YAML syntax error in a config file, a missing
  option or group, an override Hydra cannot parse): names the file and line, or the key; exit code 2.
- :func:`environment_error`: the machine refuses (disk full, read-only or unwritable folder, a regular file
  where a folder must be): names the file, the config key that chose its place, and what to do; exit code
  :data:`foodcrowd.errors.EnvironmentProblem.exit_code` (3).
"""
from __future__ import annotations

import errno
import os
from pathlib import Path

from foodcrowd.errors import EnvironmentProblem, UserError

__all__ = ["compose_error", "environment_error", "disk_full", "check_places", "quiet_thread_errors", "ENV_ERRNOS"]

#: below this many free bytes a folder counts as full when a run fails there for any reason
FULL_BELOW = 1 << 20

ENV_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
              errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
              errno.EPERM: "permission denied", errno.ENOTDIR: "a regular file is in the way of a folder",
              errno.EEXIST: "a regular file is in the way of a folder", errno.EFBIG: "the file is too large"}


def _yaml_error(err: BaseException):
    import yaml

    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        if isinstance(err, yaml.YAMLError):
            return err
        err = err.__cause__ or err.__context__
    return None


def compose_error(err: BaseException, args: list[str] | tuple[str, ...] = ()) -> str:
    """The one-screen message for an error raised while Hydra composes the config (``args``: the
    command-line overrides, named when Hydra's message names no file)."""
    yerr = _yaml_error(err)
    if yerr is not None:
        mark = getattr(yerr, "problem_mark", None) or getattr(yerr, "context_mark", None)
        where = f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}" if mark else "a config file"
        what = " ".join(str(x) for x in (getattr(yerr, "context", None), getattr(yerr, "problem", None)) if x)
        return (f"foodcrowd: {where}: YAML syntax error: {what or yerr}\n"
                "  what to do: fix that line of the file (quote values holding ':', '[', '{' or '#'; indent "
                "with spaces), then run again. Each YAML file must load on its own: python -c \"import yaml; "
                "yaml.safe_load(open('FILE'))\"")
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(err, (HydraException, OmegaConfBaseException)):
        lines = [ln for ln in str(err).strip().splitlines() if ln.strip()][:12]
        cause = err.__cause__
        if isinstance(cause, OmegaConfBaseException):
            lines += [ln for ln in str(cause).strip().splitlines() if ln.strip()][:4]
        chosen = [a for a in args if "=" in a and not a.startswith("hydra.")]
        if chosen and not any(ln.startswith("In '") for ln in lines):
            lines.append("in the config files chosen by: " + " ".join(chosen))
        return ("foodcrowd: the config could not be composed: " + "\n  ".join(lines) +
                "\n  what to do: fix the override or config file named above; foodcrowd --help lists the "
                "experiments, foodcrowd +experiment=food --cfg job every key")
    chosen = [a for a in args if "=" in a and not a.startswith("hydra.")] or ["the defaults"]
    first = (str(err).strip().splitlines() or [""])[0][:200]
    return (f"foodcrowd: the config could not be composed: {type(err).__name__}: {first}\n"
            f"  in one of the config files chosen by: {' '.join(chosen)}\n"
            "  what to do: check those files (their first lines: '# @package _global_' headers, then YAML), "
            "then run again")


def environment_error(err: OSError, places: dict[str, Path]) -> UserError | None:
    """``err`` as an :class:`EnvironmentProblem` naming the file and the config key that put it there
    (``places``: key -> folder, e.g. ``{"hydra.run.dir": run_dir, "home": home}``), or None. A regular
    file where a folder must be is the user's to fix: a plain :class:`UserError` (exit 2)."""
    why = ENV_ERRNOS.get(err.errno or -1)
    if why is None:
        return None
    name = err.filename or ""
    key = ""
    for k, folder in places.items():
        try:
            if name and Path(os.path.abspath(name)).is_relative_to(os.path.abspath(folder)):
                key = k
                break
        except (TypeError, ValueError):
            continue
    fixes = {errno.ENOSPC: "free space there (or point {key} at a disk with room) and run again: finished "
                           "stages are kept, the rest resumes",
             errno.EDQUOT: "free space there (or point {key} elsewhere) and run again",
             errno.EROFS: "point {key} at a writable folder",
             errno.EACCES: "point {key} at a folder you can write to, or fix its permissions",
             errno.EPERM: "point {key} at a folder you can write to, or fix its permissions",
             errno.ENOTDIR: "point {key} at a folder (or remove the file)",
             errno.EEXIST: "point {key} at a folder (or remove the file)",
             errno.EFBIG: "raise the file-size limit (ulimit -f) or point {key} elsewhere"}
    fix = fixes[err.errno].format(key=key or "the folder")
    kind = UserError if err.errno in (errno.ENOTDIR, errno.EEXIST) else EnvironmentProblem
    return kind(f"{why}: {name or err.strerror}", where=key, fix=fix)


def check_places(places: dict[str, Path]) -> None:
    """Before anything is created: each folder in ``places`` is a folder, or can become one (no regular
    file on its path). Raises :class:`UserError` naming the key (exit 2)."""
    for key, folder in places.items():
        path = Path(folder)
        for p in (path, *path.parents):
            if p.exists() or p.is_symlink():
                if not p.is_dir():
                    raise UserError(f"{p} is a regular file, not a folder" +
                                    (f" (on the way to {path})" if p != path else ""),
                                    where=key, fix=f"point {key} at a folder, or move the file away")
                if not os.access(p, os.W_OK | os.X_OK):
                    raise EnvironmentProblem(f"{p} is not writable", where=key,
                                             fix=f"point {key} at a folder you can write to")
                break


def disk_full(places: dict[str, Path]) -> EnvironmentProblem | None:
    """After a run failed for any reason: a place with (almost) no free space is the likely cause (a full
    disk surfaces as torn files, HTTP 500s from the emulator, truncated JSON ...)."""
    import shutil

    for key, folder in places.items():
        probe = Path(folder)
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            continue
        if free < FULL_BELOW:
            return EnvironmentProblem(f"the disk is full ({free // 1024} KiB free at {probe})", where=key,
                                      fix=f"free space there (or point {key} at a disk with room) and run again: "
                                          "finished stages are kept, the rest resumes")
    return None


def quiet_thread_errors(log_name: str = "foodcrowd") -> None:
    """Exceptions in background threads (ClearML's uploader, the emulator) go to the log file, not the
    terminal: the run's own failure is reported once, on one screen."""
    import logging
    import threading

    logger = logging.getLogger(log_name)

    def hook(args) -> None:
        logger.debug("background thread %s: %s: %s", getattr(args.thread, "name", "?"),
                     args.exc_type.__name__, args.exc_value)

    threading.excepthook = hook
    logging.raiseExceptions = False  # a log file on a full disk must not print tracebacks of its own
