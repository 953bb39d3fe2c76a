"""The one entry point: ``foodcrowd +experiment=food`` or ``python -m foodcrowd ...`` (a Hydra app; ``-m``
sweeps). Works from any directory: the configs are the package resource :data:`foodcrowd.CONF_DIR`.
``--help`` prints a short screen (:mod:`foodcrowd.cli_help`) before Hydra is imported; ``--hydra-help`` and
``--cfg job`` are Hydra's. Paths on the command line (``dataset.path=~/photos``, ``dataset.path=photos``)
are expanded and made absolute against the directory the command was typed in.

``main`` validates the composed config, calls the importable :func:`foodcrowd.engine.run`, and returns
the objective a sweeper maximises. A bad config (a wrong value, an unknown key or option, an override
Hydra cannot parse) exits with code 2 and one screen naming every problem; never a traceback.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from foodcrowd import CONF_DIR

if TYPE_CHECKING:
    from omegaconf import DictConfig

__all__ = ["main", "hydra_app", "entry", "expand_path_overrides"]

# overrides whose value is a path on the user's machine (relative ones are relative to their cwd)
PATH_KEYS = ("dataset.path", "dataset.answers", "dataset.truth", "dataset.base_dir", "dataset.labels_file",
             "home", "hydra.run.dir", "hydra.sweep.dir")

_entered = False  # set once Hydra has composed the config and called main
# Hydra prints a traceback for a config file it cannot parse; with HYDRA_FULL_ERROR it raises instead and
# entry() prints one screen. The user's own HYDRA_FULL_ERROR=1 keeps every traceback.
_USER_FULL_ERROR = os.environ.get("HYDRA_FULL_ERROR") == "1"
# hydra/launcher=ray*: a Ray started by a sweep sends no usage report (set it to 1 to opt in)
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


def hydra_app():
    """The Hydra app around :func:`main` (built on demand: ``--help`` never imports Hydra)."""
    import hydra

    return hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")(main)


def main(cfg: "DictConfig") -> float:
    """The job: validate, check folders, run the engine, print the closing summary; the sweep objective."""
    global _entered
    _entered = True
    if not _USER_FULL_ERROR:  # errors inside the job get Hydra's usual handling again
        os.environ.pop("HYDRA_FULL_ERROR", None)
    import warnings

    # toloka-kit 1.2.3 (its last release) imports pkg_resources; the warning is noise for our users
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from foodcrowd.cli_errors import quiet_thread_errors
    from foodcrowd.validate.unlabeled import apply_unlabeled_defaults

    apply_unlabeled_defaults(cfg, _task_overrides())
    quiet_thread_errors()
    from foodcrowd.console import guard_terminal

    with guard_terminal():  # a library's timestamped line about a full disk goes to the log file
        return _job(cfg)


def _job(cfg: "DictConfig") -> float:
    from foodcrowd.cli_errors import check_places, disk_full, environment_error
    from foodcrowd.engine import run
    from foodcrowd.errors import UserError, render_user_error
    from foodcrowd.validate import ConfigError, validate

    places = {}
    try:
        plain = validate(cfg)
        places = _places(plain)
        check_places(places)  # a regular file where a folder must be: found before anything is created
        result = run(cfg, plain=plain)
        if result.summary.get("action", "run") == "run":
            from foodcrowd.record.report import print_closing

            print_closing(result.summary, result.run_dir)
        return result.objective
    except ConfigError as err:
        print(err.render(), file=sys.stderr)
        sys.exit(2)
    except UserError as err:
        from foodcrowd.plan.budget import BudgetError

        full = disk_full(places) if places else None  # a full disk surfaces as platform or data errors too
        if full is not None:
            _fail(render_user_error(full), full.exit_code)
        if isinstance(err, BudgetError) and _multirun():
            print(render_user_error(err), file=sys.stderr)
            return float("-inf")   # a sweep trial over budget is not launched: $0 spent, the worst objective
        _fail(render_user_error(err), err.exit_code)
    except Exception as err:
        problem = (environment_error(err, places) if isinstance(err, OSError) else None) or disk_full(places)
        if problem is None:
            raise
        _fail(render_user_error(problem), problem.exit_code)


def _fail(message: str, code: int) -> None:
    """The run failed: its one-screen message is the last thing on the terminal; anything said after it
    (ClearML's exit hooks, library log records) goes to the run's log file. Exits with ``code``."""
    from foodcrowd.console import silence_console

    terminal = silence_console()
    print(message, file=terminal, flush=True)
    sys.exit(code)


def _places(plain: dict) -> dict:
    """Config keys that choose where a run writes -> their folder (named in disk and folder errors)."""
    from pathlib import Path

    from foodcrowd.engine import _run_dir

    home = plain.get("home")
    places = {"hydra.run.dir": _run_dir(None)}
    if home:
        places["home (FOODCROWD_HOME)"] = Path(str(home)).expanduser()
    return places


def _task_overrides() -> list[str]:
    from hydra.core.hydra_config import HydraConfig

    try:
        return list(HydraConfig.get().overrides.task)
    except ValueError:
        return []


def expand_path_overrides(args: list[str], cwd: str | None = None) -> list[str]:
    """``key=~/x`` -> ``key=/home/me/x`` for any key (Hydra's grammar has no ``~`` in values); relative
    values of :data:`PATH_KEYS` -> absolute against ``cwd`` (so runs and stage keys do not depend on where
    Hydra writes). Values with interpolations, quotes, lists or URLs are left alone."""
    cwd = cwd or os.getcwd()
    out = []
    for arg in args:
        key, eq, value = arg.partition("=")
        bare = key.lstrip("+")
        plain = eq and value and not key.startswith("~") and not any(c in value for c in "${}[]'\",") \
            and "://" not in value
        if plain and (value == "~" or value.startswith("~/")):
            value = os.path.expanduser(value)
        if plain and bare in PATH_KEYS and not os.path.isabs(value) and value.lower() != "null":
            value = os.path.normpath(os.path.join(cwd, value))
        out.append(f"{key}={value}" if eq else arg)
    return out


def _multirun() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    try:
        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:
        return False


def entry() -> None:
    """Run the app; a config Hydra cannot compose exits with 2 (Hydra has already named the key)."""
    args = sys.argv[1:]
    if any(a in ("--help", "-h") for a in args):
        from foodcrowd.cli_help import render_help

        print(render_help())
        return
    sys.argv[1:] = expand_path_overrides(args)
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        hydra_app()()
    except SystemExit as stop:
        if stop.code == 1 and not _entered:
            for arg, why in _unparsable(sys.argv[1:]):
                print(f"foodcrowd: {arg.split('=', 1)[0].lstrip('+~')}: the override {arg!r} cannot be parsed ({why})",
                      file=sys.stderr)
            print("foodcrowd: the config could not be composed (see the line above: it names the key or "
                  "option); fix the override or conf/ and run again.", file=sys.stderr)
            sys.exit(2)
        raise
    except Exception as err:  # raised before the job started (HYDRA_FULL_ERROR): one screen, no traceback
        if _USER_FULL_ERROR or _entered:
            raise
        _exit_before_job(err, sys.argv[1:])
    finally:
        if not _USER_FULL_ERROR:
            os.environ.pop("HYDRA_FULL_ERROR", None)


def _exit_before_job(err: Exception, args: list[str]) -> None:
    from pathlib import Path

    from foodcrowd.cli_errors import compose_error, environment_error
    from foodcrowd.errors import render_user_error

    if isinstance(err, OSError):
        run_dir = next((a.split("=", 1)[1] for a in args if a.startswith("hydra.run.dir=")), "outputs")
        problem = environment_error(err, {"hydra.run.dir": Path(run_dir)})
        if problem is not None:
            print(render_user_error(problem), file=sys.stderr)
            sys.exit(problem.exit_code)
    message = compose_error(err, args)
    for arg, why in _unparsable(args):
        print(f"foodcrowd: {arg.split('=', 1)[0].lstrip('+~')}: the override {arg!r} cannot be parsed ({why})",
              file=sys.stderr)
    print(message, file=sys.stderr)
    sys.exit(2)


def _unparsable(args: list[str]) -> list[tuple[str, str]]:
    """Overrides Hydra's grammar rejects, with the reason (to name the key Hydra's message leaves out)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parser, bad = OverridesParser.create(), []
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        try:
            parser.parse_override(arg)
        except Exception as err:  # OverrideParseException and friends
            bad.append((arg, str(err).splitlines()[0]))
    return bad


if __name__ == "__main__":
    entry()
