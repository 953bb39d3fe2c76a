"""Check what was downloaded against the plan before anything is built on it: never pay (or count) twice.

After every download the crowd stage calls :func:`reconcile`. Two findings stop the run with one screen
naming the figures (:class:`CrowdReconcileError`, exit 2): an assignment id that appears more than once
(the platform served or charged the same page twice), and more paid pages in a container than the plan's
upper bound (``estimate.pools.<container>.pages_max``: tasks x overlap / page plus the short last pages,
or the exam's most takers). The tables are kept on disk for inspection; nothing is aggregated from them.
An exam pool whose most takers is a declaration (``exam.expected_takers``/``max_takers``, or the worst case
on a real platform; ``bound: declared`` in the estimate) is not a bound the platform keeps: more takers
than declared is a wrong guess, not a double charge, and is logged (``budget_usd`` caps what it costs).
"""
from __future__ import annotations

import logging

from foodcrowd.errors import UserError

__all__ = ["CrowdReconcileError", "reconcile"]

_PAID = ("SUBMITTED", "ACCEPTED")
log = logging.getLogger(__name__)


class CrowdReconcileError(UserError):
    """The downloaded work does not match the plan (duplicates or pages beyond it)."""


def reconcile(tables: dict, estimate: dict) -> dict:
    """Paid pages per container; raises :class:`CrowdReconcileError` on duplicates or pages beyond the plan."""
    assignments = tables["assignments"]
    problems = []
    dup = assignments["assignment_id"][assignments["assignment_id"].duplicated(keep=False)]
    if len(dup):
        sample = ", ".join(sorted(map(str, dup.unique()))[:3])
        problems.append(f"{dup.nunique()} assignment ids appear more than once ({len(dup)} rows; e.g. {sample})")
    paid = assignments[assignments["status"].isin(_PAID)].groupby("container").size().to_dict()
    for container, pool in (estimate.get("pools") or {}).items():
        n, most = int(paid.get(container, 0)), pool.get("pages_max")
        if most is not None and pool.get("cost_max_usd", 0) > 0 and n > int(most):
            if pool.get("bound") == "declared":
                log.warning("crowd: %s: %d paid pages, more than the %d declared (%s): the estimate's upper bound "
                            "was too low", container, n, int(most), pool.get("takers_source", "declared"))
                continue
            problems.append(f"{container}: {n} paid pages, the plan allows at most {int(most)} "
                            f"(expected {pool.get('pages')})")
    if problems:
        raise CrowdReconcileError(
            "the downloaded work does not match the plan: " + "; ".join(problems), "toloka/assignments.parquet",
            "do not use these answers: the platform served or charged work twice. Inspect toloka/assignments.parquet "
            "and the platform's pool pages, then run again in a new run dir")
    return {k: int(v) for k, v in paid.items()}
