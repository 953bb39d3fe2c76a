"""The one entry point: ``python -m foodcrowd +experiment=food`` (a Hydra app; ``-m`` sweeps).

``main`` validates the composed config, calls the importable :func:`foodcrowd.engine.run`, and returns
the objective a sweeper maximises. A bad config exits with code 2 and one screen listing every problem.
"""
from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

__all__ = ["main", "entry"]


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> float:
    from foodcrowd.engine import run
    from foodcrowd.validate import ConfigError, validate

    try:
        validate(cfg)
    except ConfigError as err:
        print(err.render(), file=sys.stderr)
        sys.exit(2)
    return run(cfg).objective


def entry() -> None:
    """Console-script entry (``foodcrowd +experiment=food``)."""
    main()


if __name__ == "__main__":
    main()
