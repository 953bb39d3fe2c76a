"""The one entry point: ``python -m foodcrowd +experiment=food`` (a Hydra app; ``-m`` sweeps).

``main`` validates the composed config, calls the importable :func:`foodcrowd.engine.run`, and returns
the objective a sweeper maximises. A bad config (a wrong value, an unknown key or option, an override
Hydra cannot parse) exits with code 2 and one screen naming every problem; never a traceback.
"""
from __future__ import annotations

import os
import sys

import hydra
from omegaconf import DictConfig

__all__ = ["main", "entry"]

_entered = False  # set once Hydra has composed the config and called main
# hydra/launcher=ray*: a Ray started by a sweep sends no usage report (set it to 1 to opt in)
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    global _entered
    _entered = True
    import warnings

    # toloka-kit 1.2.3 (its last release) imports pkg_resources; the warning is noise for our users
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    from foodcrowd.engine import run
    from foodcrowd.errors import UserError, render_user_error
    from foodcrowd.validate import ConfigError, validate

    try:
        return run(cfg, plain=validate(cfg)).objective
    except ConfigError as err:
        print(err.render(), file=sys.stderr)
        sys.exit(2)
    except UserError as err:
        from foodcrowd.plan.budget import BudgetError

        print(render_user_error(err), file=sys.stderr)
        if isinstance(err, BudgetError) and _multirun():
            return float("-inf")   # a sweep trial over budget is not launched: $0 spent, the worst objective
        sys.exit(err.exit_code)


def _multirun() -> bool:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    try:
        return HydraConfig.get().mode == RunMode.MULTIRUN
    except ValueError:
        return False


def entry() -> None:
    """Run the app; a config Hydra cannot compose exits with 2 (Hydra has already named the key)."""
    try:
        main()
    except SystemExit as stop:
        if stop.code == 1 and not _entered:
            for arg, why in _unparsable(sys.argv[1:]):
                print(f"foodcrowd: {arg.split('=', 1)[0].lstrip('+~')}: the override {arg!r} cannot be parsed ({why})",
                      file=sys.stderr)
            print("foodcrowd: the config could not be composed (see the line above: it names the key or "
                  "option); fix the override or conf/ and run again.", file=sys.stderr)
            sys.exit(2)
        raise


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
