"""The cost frontier marks the jobs no other job beats on cost, label accuracy and duration at once."""
from __future__ import annotations

from foodcrowd.record.frontier import frontier_rows


def _row(job, cost, acc, minutes):
    return {"job": job, "cost_usd": cost, "label_accuracy": acc, "duration_minutes": minutes}


def test_dominated_jobs_are_off_the_frontier():
    rows = frontier_rows([_row("cheap", 1.0, 0.80, 30), _row("better", 2.0, 0.90, 30), _row("worse", 2.5, 0.85, 40),
                          _row("faster", 3.0, 0.85, 10), _row("missing", None, 0.9, 5)])
    on = {r["job"]: r["on_frontier"] for r in rows}
    assert on == {"cheap": True, "better": True, "worse": False, "faster": True}   # faster: beaten on cost only
    assert [r["job"] for r in rows] == ["cheap", "better", "worse", "faster"]
