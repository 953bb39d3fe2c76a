"""Follow what the running pools commit to spend, so ``budget_usd`` holds while they run.

The plan admits items on the estimate's upper bound (:mod:`foodcrowd.plan.budget`); this is the net under
it for what the estimate cannot foresee (a declared ``exam.expected_takers`` the crowd exceeds, a platform
that serves more than the plan). At every poll :class:`SpendGuard` asks the platform for the committed
spend of the paid pools: what it has paid (``spent_budget``) plus every page in progress or awaiting
acceptance (a worker who took a page is paid for it even if the pool closes meanwhile). It adds, per pool,
what may come in before the pools could be closed after the next look: the spend's pace (the busiest of
the last three intervals between looks) times that time (the last interval plus one look), at least one
page, plus one page for the chance in who takes a page when, and never more than the plan still allows a
pool whose bound the platform keeps (so a plan that fits the budget is never cut short). When that would
cross the budget the crowd stage closes every pool (the fastest spender first) and :func:`settle` waits
for the pages in progress, so the download holds everything that will be paid.

The guard can only be as quick as its polls: a platform that pays faster than ``crowd.poll_interval_seconds``
can see (the emulator at its default ``time_scale`` of 3600 runs a small pool in under a second) may spend
past the budget before the first look; the run then says so (``budget.exceeded`` in ``summary.json``).
"""
from __future__ import annotations

import logging
import time

from foodcrowd.plan.budget import would_cross

__all__ = ["SpendGuard", "guard_for", "in_flight", "settle", "close_all", "closed_mid_run"]

log = logging.getLogger(__name__)
_OPEN = ("ACTIVE", "SUBMITTED")     # taken or submitted, not yet paid: paid when submitted / accepted


def in_flight(client, pool_ids, statuses=_OPEN) -> int:
    """Pages of ``pool_ids`` in progress (ACTIVE) or awaiting acceptance (SUBMITTED) on the platform."""
    return sum(1 for pid in pool_ids for _ in client.get_assignments(pool_id=pid, status=list(statuses)))


class SpendGuard:
    """``guard()`` -> True when the committed spend plus what may come in before the next poll would cross
    ``budget``. ``pools``: pool id -> the most it may cost by the plan (USD), or None where nothing on the
    platform holds it to the plan (a declared exam bound). ``committed``/``margin``: the last look's figures."""

    def __init__(self, client, pools: dict[str, float | None], per_page: float, budget: float, poll_seconds: float,
                 clock=time.monotonic) -> None:
        self.client, self.pools, self.per_page, self.budget = client, dict(pools), per_page, float(budget)
        self.pool_ids = list(self.pools)
        self.poll_seconds, self.clock = float(poll_seconds), clock
        self.committed, self.margin = 0.0, per_page
        self._seen = dict.fromkeys(self.pools, 0.0)
        self._pace: dict[str, float] = {}
        self._paces: dict[str, list[float]] = {}
        self._last = clock()     # made just before the pools open: nothing was committed before

    def _committed(self) -> dict[str, float]:
        from toloka.client.analytics_request import SpentBudgetPoolAnalytics

        op = self.client.wait_operation(self.client.get_analytics(
            [SpentBudgetPoolAnalytics(subject_id=pid) for pid in self.pool_ids]))
        paid = {str((v.get("request") or {}).get("subject_id", pid)): float(v["result"]["value"] or 0.0)
                for pid, v in zip(self.pool_ids, op.details["value"])}        # each answer names its pool
        return {pid: paid.get(pid, 0.0) + self.per_page * in_flight(self.client, [pid]) for pid in self.pool_ids}

    def fastest(self) -> list[str]:
        """The pool ids, the fastest spender at the last look first (the order to close them in)."""
        return sorted(self.pool_ids, key=lambda pid: -self._pace.get(pid, 0.0))

    def __call__(self) -> bool:
        if not self.pool_ids:
            return False
        started = self.clock()
        now_committed = self._committed()
        now = self.clock()
        # if the pools are left open now, the next look has its figures about as long from now as this one took
        # from the last (a loaded machine or a slow platform stretches both), and closing them then takes
        # about as long as a look: what comes in until then must still fit the budget
        look = now - started
        horizon = max(now - self._last, self.poll_seconds + look) + look
        margin = 0.0
        for pid, usd in now_committed.items():
            paces = self._paces.setdefault(pid, [])
            paces[:] = paces[-2:] + [max(usd - self._seen[pid], 0.0) / max(now - self._last, 1e-3)]   # USD/s lately
            self._pace[pid] = pace = max(paces)            # the busiest of the last three intervals
            left = self.pools[pid]
            room = float("inf") if left is None else max(left - usd, 0.0)        # what the plan still allows
            # plus one page: who takes a page when is random (3 pages came in where 2 were due, in tests)
            margin += min(max(pace * horizon, self.per_page) + self.per_page, room)
        self.committed, self.margin = sum(now_committed.values()), margin
        self._seen, self._last = now_committed, now
        return self.margin > 0 and would_cross(self.committed, self.margin, self.budget)


def settle(client, pool_ids, max_wait_seconds: float, poll_seconds: float) -> int:
    """After a close: wait until no page of ``pool_ids`` is still in progress (its worker submits it, or it
    expires), so what is downloaded is what is paid. Returns the pages still in progress at the deadline."""
    deadline = time.monotonic() + max_wait_seconds
    left = in_flight(client, pool_ids, ("ACTIVE",))
    if left:
        log.info("crowd: waiting for %d page(s) in progress when the pools closed", left)
    while left and time.monotonic() < deadline:
        time.sleep(poll_seconds)
        left = in_flight(client, pool_ids, ("ACTIVE",))
    return left


def guard_for(client, plain: dict, plan, ids: dict):
    """The crowd stage's :class:`SpendGuard` for the plan's paid pools (None without ``budget_usd``); a pool
    whose bound is only declared gets no cap on what may come in."""
    from foodcrowd.plan.estimate import page_cost

    budget = plain.get("budget_usd")
    if budget is None:
        return None
    paid = {ids[k]: None if p.get("bound") == "declared" else float(p["cost_max_usd"])
            for k, p in (plan.estimate.get("pools") or {}).items() if k.startswith("pool:") and p["cost_max_usd"] > 0}
    return SpendGuard(client, paid, page_cost(plain["crowd"]), float(budget),
                      float(plain["crowd"].get("poll_interval_seconds", 0.5)))


def closed_mid_run(tables: dict, plain: dict, estimate: dict, close: dict) -> dict:
    """``summary.json`` ``budget`` after the pools were closed while running: what was bought of the plan."""
    answers, assignments = tables["answers"], tables["assignments"]
    paid = assignments[assignments["status"].isin(["SUBMITTED", "ACCEPTED"])]
    main = paid[paid["container"] == "pool:main"]
    answered = int(answers.loc[answers["kind"] == "task", "task"].nunique()) if len(answers) else 0
    out = {"stopped": True, "closed_while_running": True, "items_bought": answered,
           "pages_bought": int(len(main)), "pages_planned": int(estimate["pages"]), **close}
    log.warning("crowd: closed every pool while running: $%.2f paid or in progress, plus $%.2f that could come in "
                "before the next poll, would cross budget_usd $%.2f; bought %d of %d planned main-pool pages "
                "(%d of %d items answered)", close.get("committed_usd", float("nan")), close.get("margin_usd", float("nan")),
                float(plain["budget_usd"]), len(main), estimate["pages"], answered, estimate["items"])
    return out


def close_all(client, plan, ids: dict, first=()) -> None:
    """Close every open pool and training of the plan; the pools ``first`` names (ids) before the others."""
    rank = {pid: i for i, pid in enumerate(first)}
    for key in sorted(plan.tasks, key=lambda k: rank.get(ids[k], len(rank))):
        kind = key.partition(":")[0]
        obj = client.get_training(ids[key]) if kind == "training" else client.get_pool(ids[key])
        if str(getattr(obj.status, "value", obj.status)) == "OPEN":
            (client.close_training if kind == "training" else client.close_pool)(ids[key])
            log.warning("toloka: %s closed: the pages that could come in would cross budget_usd", key)
