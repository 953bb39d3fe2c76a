"""Run both layers of validation: the cached JSON Schema validator, then the semantic checks."""
from __future__ import annotations

import copy
import re
from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from foodcrowd.validate.errors import ConfigError, Problem
from foodcrowd.validate.schema import schema_problems

__all__ = ["to_plain", "validate"]


def to_plain(cfg: DictConfig | dict) -> dict[str, Any]:
    """The config as plain containers (what jsonschema needs).

    Missing values and broken interpolations are all collected (each offending node is blanked and the
    conversion retried) and raised as one ConfigError naming the keys.
    """
    if isinstance(cfg, dict):
        return cfg
    cfg = OmegaConf.masked_copy(cfg, [k for k in cfg.keys() if k != "hydra"]) if "hydra" in cfg else cfg
    problems: list[Problem] = []
    for _ in range(50):
        try:
            plain = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
        except OmegaConfBaseException as err:
            key = getattr(err, "full_key", None) or "<config>"
            problems.append(_problem(key, err))
            if key == "<config>":
                break
            if len(problems) == 1:
                cfg = copy.deepcopy(cfg)  # never change the caller's config
            try:
                OmegaConf.update(cfg, key, None, force_add=True)
            except OmegaConfBaseException:
                break
            continue
        if problems:
            raise ConfigError(problems)
        return plain  # type: ignore[return-value]
    raise ConfigError(problems)


def _problem(key: str, err: Exception) -> Problem:
    msg = str(err).splitlines()[0]
    if "Missing mandatory value" in msg:
        return Problem(key, "has no value", "set it on the command line or in conf/")
    ref = re.search(r"Interpolation key '([^']+)' not found", msg)
    if ref:
        return Problem(ref.group(1), f"is missing (referenced by {key})", "add it back, or set " + key + " directly")
    return Problem(key, msg, "fix the value or the interpolation it uses")


def validate(cfg: DictConfig | dict) -> dict[str, Any]:
    """Validate a composed config; return it as plain containers, or raise ConfigError listing everything."""
    from foodcrowd.validate import trainer_checks  # noqa: F401  (registers its check)
    from foodcrowd.validate.checks import run_checks

    plain = to_plain(cfg)
    problems = schema_problems(plain)
    problems += run_checks(plain, schema_ok=not problems)
    if problems:
        raise ConfigError(problems)
    return plain
