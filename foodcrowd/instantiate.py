"""The only place configs become objects: ``_target_`` is checked against an allow-list, and logged."""
from __future__ import annotations

import logging
from typing import Any

__all__ = ["ALLOWED_PREFIXES", "instantiate"]

log = logging.getLogger(__name__)
# Public dotpaths only: foodcrowd's own classes, plugins named foodcrowd_<name>, and torch.nn modules.
ALLOWED_PREFIXES: tuple[str, ...] = ("foodcrowd.", "foodcrowd_", "torch.nn.")


def instantiate(node: Any, **kwargs: Any) -> Any:
    """``hydra.utils.instantiate`` behind the allow-list."""
    from hydra.utils import instantiate as _instantiate
    from omegaconf import OmegaConf

    target = OmegaConf.select(node, "_target_") if not isinstance(node, dict) else node.get("_target_")
    if not isinstance(target, str) or not target.startswith(ALLOWED_PREFIXES):
        raise ValueError(f"_target_ {target!r} is not under an allowed prefix {ALLOWED_PREFIXES}")
    log.info("instantiate %s", target)
    return _instantiate(node, **kwargs)
