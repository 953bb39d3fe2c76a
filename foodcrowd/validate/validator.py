"""Run both layers of validation: the cached JSON Schema validator, then the semantic checks."""
from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from foodcrowd.validate.errors import ConfigError, Problem
from foodcrowd.validate.schema import schema_problems

__all__ = ["to_plain", "validate"]


def to_plain(cfg: DictConfig | dict) -> dict[str, Any]:
    """The config as plain containers (what jsonschema needs); missing and broken values raise ConfigError."""
    if isinstance(cfg, dict):
        return cfg
    cfg = OmegaConf.masked_copy(cfg, [k for k in cfg.keys() if k != "hydra"]) if "hydra" in cfg else cfg
    try:
        return OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)  # type: ignore[return-value]
    except OmegaConfBaseException as err:
        key = getattr(err, "full_key", None) or "<config>"
        msg = str(err).splitlines()[0]
        if "Missing mandatory value" in msg:
            raise ConfigError([Problem(key, "has no value", "set it on the command line or in conf/")]) from None
        raise ConfigError([Problem(key, msg, "fix the value or the interpolation it uses")]) from None


def validate(cfg: DictConfig | dict) -> dict[str, Any]:
    """Validate a composed config; return it as plain containers, or raise ConfigError listing everything."""
    from foodcrowd.validate.checks import run_checks

    plain = to_plain(cfg)
    problems = schema_problems(plain)
    problems += run_checks(plain, schema_ok=not problems)
    if problems:
        raise ConfigError(problems)
    return plain
