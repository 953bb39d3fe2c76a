"""Pool analytics the emulator computes from its population and tasks (the values ``views.analytics_value``
does not read off the revealed work).

* ``active_workers_by_filter_count``: the simulated workers who pass the pool's filter (languages, skills as
  they stand at the emulator's now) and hold no restriction covering the pool. The whole population is the
  emulated crowd's active part, so ``interval_hours`` does not narrow it (a replayed crowd has no filter
  attributes beyond its language).
* ``estimated_assignments_count``: the pages the pool's real tasks need: the sum of their overlaps over the
  real tasks per page, rounded up (infinite-overlap tasks count once).
"""
from __future__ import annotations

import math

from foodcrowd.emulator.filters import passes_filter
from foodcrowd.emulator.state import EmulatorState, iso

__all__ = ["pool_analytics"]


def _active_by_filter(state: EmulatorState, pool: dict) -> int:
    from foodcrowd.emulator.views import restriction_views, user_skill_views

    skills = {(s["user_id"], str(s["skill_id"])): s.get("exact_value", s.get("value")) for s in user_skill_views(state)}
    now = iso(state.clock())
    blocked = set()
    for r in restriction_views(state):
        if r.get("will_expire") and r["will_expire"] <= now:
            continue
        scope = r.get("scope")
        if scope in ("ALL_PROJECTS", "SYSTEM") or (scope == "PROJECT" and r.get("project_id") == pool.get("project_id")) \
                or (scope == "POOL" and r.get("pool_id") == pool["id"]):
            blocked.add(r["user_id"])
    flt = pool.get("filter")
    return sum(1 for w in state.workers() if w.id not in blocked
               and passes_filter(flt, w.language, lambda sid, uid=w.id: skills.get((uid, sid))))


def _estimated_pages(state: EmulatorState, pool: dict) -> int:
    per_page = int((pool.get("mixer_config") or {}).get("real_tasks_count") or 1)
    answers = 0
    for tid in state.tasks_by_pool.get(pool["id"], []):
        task = state.docs["task"][tid]
        if task.get("known_solutions"):
            continue
        answers += 1 if task.get("infinite_overlap") or task.get("overlap") is None else int(task["overlap"])
    return math.ceil(answers / max(per_page, 1))


def pool_analytics(state: EmulatorState, name: str, pool_id: str):
    """The value of ``name`` for ``pool_id``, or None when this module does not compute it."""
    pool = state.docs["pool"].get(pool_id) or state.docs["training"].get(pool_id)
    if pool is None:
        return None
    if name == "active_workers_by_filter_count":
        return _active_by_filter(state, pool)
    if name == "estimated_assignments_count":
        return _estimated_pages(state, pool)
    return None
