"""At the start of a sweep (``-m``): can the corners of the search space fit ``budget_usd``?

A Hydra callback (``hydra.callbacks.budget_corner`` in ``conf/config.yaml``). Best effort: it reads the
swept values of the keys that drive cost (``crowd.reward_per_page``, ``crowd.overlap``,
``crowd.dynamic_overlap.max_overlap``, ``dataset.size``, ``crowd.real_tasks_per_page``) from the
command-line sweep or the sweeper's ``params`` (Optuna), builds the dearest and the cheapest corner,
and prints their upper-bound cost (:func:`foodcrowd.plan.estimate.estimate`, with the configured
``dataset.size`` as the item count) beside the budget. Trials over budget are still refused one by one
before anything is created (objective -inf, $0): this only says so up front.
"""
from __future__ import annotations

import logging
import sys
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

__all__ = ["SweepBudgetCheck", "corner_bounds"]

log = logging.getLogger(__name__)
# key -> True when a larger value costs more
_COST_KEYS = {"crowd.reward_per_page": True, "crowd.overlap": True, "crowd.dynamic_overlap.max_overlap": True,
              "dataset.size": True, "crowd.real_tasks_per_page": False}


def _values(sweep: Any) -> list[float]:
    from hydra.core.override_parser.types import ChoiceSweep, IntervalSweep, RangeSweep

    if isinstance(sweep, ChoiceSweep):
        return [float(v) for v in sweep.list if isinstance(v, (int, float))]
    if isinstance(sweep, RangeSweep):
        vals = list(sweep.range()) if hasattr(sweep, "range") else []
        return [float(v) for v in vals] or [float(sweep.start), float(sweep.stop) - float(sweep.step or 1)]
    if isinstance(sweep, IntervalSweep):
        return [float(sweep.start), float(sweep.end)]
    return [float(sweep)] if isinstance(sweep, (int, float)) else []


def _swept(config: DictConfig) -> dict[str, list[float]]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    lines = list(OmegaConf.select(config, "hydra.overrides.task") or [])
    params = OmegaConf.select(config, "hydra.sweeper.params") or {}
    lines += [f"{k}={v}" for k, v in params.items()]
    parser, out = OverridesParser.create(), {}
    for line in lines:
        try:
            override = parser.parse_override(line)
        except Exception:  # noqa: BLE001 - best effort: a line we cannot read is left out
            continue
        key = override.key_or_group
        if key in _COST_KEYS and override.is_sweep_override():
            vals = _values(override.value())
            if vals:
                out[key] = vals
    return out


def corner_bounds(config: DictConfig) -> dict | None:
    """{"dearest": (settings, upper bound), "cheapest": (...), "budget": b} or None without budget/sweep."""
    from foodcrowd.plan.estimate import estimate

    budget = OmegaConf.select(config, "budget_usd")
    swept = _swept(config)
    if budget is None or not swept:
        return None
    base = OmegaConf.to_container(config, resolve=False)
    base.pop("hydra", None)
    out = {"budget": float(budget)}
    for name, dear in (("dearest", True), ("cheapest", False)):
        settings = {k: (max(v) if _COST_KEYS[k] == dear else min(v)) for k, v in swept.items()}
        cfg = OmegaConf.create(base)
        for k, v in settings.items():
            OmegaConf.update(cfg, k, int(v) if float(v).is_integer() and k != "crowd.reward_per_page" else v)
        plain = OmegaConf.to_container(cfg, resolve=True)
        n = int((plain.get("dataset") or {}).get("size") or 0)
        out[name] = (settings, estimate(plain, n)["cost_max_usd"], n)
    return out


class SweepBudgetCheck(Callback):
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        try:
            found = corner_bounds(config)
        except Exception as err:  # noqa: BLE001 - best effort: never stop a sweep over the report
            log.info("sweep budget check skipped (%s)", err)
            return
        if not found:
            return
        budget = found["budget"]
        for name in ("dearest", "cheapest"):
            settings, upper, n = found[name]
            what = ", ".join(f"{k}={v:g}" for k, v in settings.items())
            fits = "fits" if upper <= budget + 1e-9 else "does NOT fit"
            print(f"foodcrowd sweep: the {name} corner ({what}; {n:,} items) may cost up to ${upper:.2f}: "
                  f"{fits} budget_usd ${budget:.2f}", file=sys.stderr)
        if found["cheapest"][1] > budget + 1e-9:
            print("foodcrowd sweep: no trial can fit budget_usd: every one will be refused (objective -inf, $0)",
                  file=sys.stderr)
        elif found["dearest"][1] > budget + 1e-9:
            print("foodcrowd sweep: trials whose upper bound exceeds budget_usd are not launched "
                  "(objective -inf, $0 spent)", file=sys.stderr)
