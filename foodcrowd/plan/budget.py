"""``budget_usd`` is a hard cap, checked on the plan's upper bound before anything is created.

``budget_policy: refuse`` (the default): an upper bound above the budget stops the run with exit code 2
and one screen naming ``budget_usd`` and the figures per pool (a sweep records the trial as
``over_budget``, objective -inf, $0 spent). ``budget_policy: stop_at_cap``: buy what fits instead: the
main pool gets the first N items, N the most whose upper bound (with every other paid pool's upper bound)
stays within the budget; the run then aggregates what was bought and ends ``stopped_at_budget``. While
the pools run, the crowd stage also follows the actual spend and closes them before the pages that could
come in would cross the budget (:func:`would_cross`, :mod:`foodcrowd.act.toloka_spend`).
"""
from __future__ import annotations

import math

from foodcrowd.errors import UserError

__all__ = ["BudgetError", "check_budget", "affordable_items", "would_cross", "POLICIES"]

POLICIES = ("refuse", "stop_at_cap")


class BudgetError(UserError):
    """The plan's upper bound exceeds ``budget_usd`` (nothing was created or paid)."""

    def __init__(self, message: str, where: str = "budget_usd", fix: str = "", figures: dict | None = None) -> None:
        super().__init__(message, where, fix)
        self.figures = figures or {}


def _figures(est: dict) -> str:
    return "; ".join(f"{key} ${p['cost_min_usd']:.2f}-${p['cost_max_usd']:.2f} (expected ${p['cost_usd']:.2f})"
                     for key, p in (est.get("pools") or {}).items() if p["cost_max_usd"] > 0)


def check_budget(plain: dict, est: dict) -> None:
    """Raise :class:`BudgetError` when the estimate's upper bound exceeds ``budget_usd`` (policy refuse)."""
    budget = plain.get("budget_usd")
    if budget is None or est["cost_max_usd"] <= float(budget) + 1e-9:
        return
    raise BudgetError(
        f"the crowd may cost up to ${est['cost_max_usd']:.2f} (expected ${est['cost_usd']:.2f}, at least "
        f"${est['cost_min_usd']:.2f}), more than budget_usd ${float(budget):.2f}: {_figures(est)}. Nothing was created",
        "budget_usd",
        "raise budget_usd, make the run cheaper (dataset.size, crowd.overlap, crowd.reward_per_page), or set "
        "budget_policy=stop_at_cap to buy what fits and stop there",
        figures={"budget_usd": float(budget), "upper_bound_usd": est["cost_max_usd"], "expected_usd": est["cost_usd"]})


def affordable_items(plain: dict, n_items: int, estimate_for) -> int:
    """The most items (<= ``n_items``) whose upper bound fits ``budget_usd``; ``estimate_for(n)`` -> estimate."""
    budget = float(plain["budget_usd"])
    fits = lambda n: estimate_for(n)["cost_max_usd"] <= budget + 1e-9  # noqa: E731  (grows with n)
    if fits(n_items):
        return n_items
    lo, hi = 0, n_items - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo if lo and fits(lo) else 0


def would_cross(spent: float, page_cost: float, budget: float | None) -> bool:
    """True when one more page would take the spend past the budget."""
    return budget is not None and spent + page_cost > float(budget) + 1e-9
