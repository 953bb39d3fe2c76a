"""Wait for the main pool with a progress bar, then download assignments, bans and skills as tables.

Tables (docs/CONTRACTS.md): ``answers`` (one row per answer per question, real and control tasks),
``exam_answers``, ``assignments``, ``bans`` (user restrictions of this run's project and pools) and
``skills`` (user skills of this run's skills). Times are seconds since the pool opened, read from the
platform's timestamps (simulated on the emulator).
"""
from __future__ import annotations

from foodcrowd.failpoints import failpoint

import datetime
import logging
import time

from foodcrowd.errors import UserError

__all__ = ["CrowdTimeoutError", "CrowdPoolError", "wait_for_pool", "download", "spent", "COLUMNS"]

log = logging.getLogger(__name__)
_PAID = ("SUBMITTED", "ACCEPTED")
#: the columns of every crowd table, whichever backend filled it (Label Studio's too: foodcrowd.review.crowd)
COLUMNS = {
    "answers": ["task", "worker", "question", "label", "kind", "assignment_id", "pool_id", "submitted_at", "seconds",
                "status"],
    "exam_answers": ["task", "worker", "label", "correct", "edge_case", "assignment_id", "pool_id"],
    "assignments": ["assignment_id", "container", "pool_id", "worker", "status", "reward", "n_tasks", "created_at",
                    "submitted_at", "seconds"],
    "bans": ["restriction_id", "worker", "scope", "project_id", "pool_id", "private_comment", "created", "will_expire"],
    "skills": ["worker", "skill", "skill_id", "value"],
}


class CrowdTimeoutError(UserError):
    """The pool did not finish within ``crowd.max_wait_seconds``; a re-run resumes waiting."""


class CrowdPoolError(UserError):
    """The platform closed the pool before it was complete (balance, expiry, a manual stop)."""


def _value(x) -> str:
    return str(getattr(x, "value", x))


def _completion(client, pool_id: str) -> float | None:
    """Percent complete from pool analytics; None when the platform cannot say."""
    from toloka.client.analytics_request import CompletionPercentagePoolAnalytics
    from toloka.client.exceptions import ApiError

    try:
        op = client.wait_operation(client.get_analytics([CompletionPercentagePoolAnalytics(subject_id=pool_id)]))
        return float(op.details["value"][0]["result"]["value"])
    except (ApiError, KeyError, IndexError, TypeError, ValueError):
        return None


def spent(client, pool_ids) -> float:
    """What the requester has paid in ``pool_ids`` so far (the platform's spent_budget analytics)."""
    from toloka.client.analytics_request import SpentBudgetPoolAnalytics

    requests = [SpentBudgetPoolAnalytics(subject_id=pid) for pid in pool_ids]
    if not requests:
        return 0.0
    op = client.wait_operation(client.get_analytics(requests))
    return float(sum(float(v["result"]["value"] or 0.0) for v in op.details["value"]))


def wait_for_pool(client, pool_id: str, poll_seconds: float, max_wait_seconds: float, stop_when=None,
                  stall_seconds: float | None = None) -> bool | dict:
    """Poll until the pool closes as COMPLETED; a progress bar shows percent done. ``stop_when()`` is asked
    at every poll: when it says so, stop waiting and return False (the caller closes the pools).

    With ``stall_seconds``: a pool whose completion has not moved for that long (the crowd ran out) is
    closed and ``{"stalled": True, "percent": ...}`` returned, so what was bought is kept and aggregated."""
    from tqdm.auto import tqdm

    deadline = time.monotonic() + max_wait_seconds
    last_pct, last_move = None, time.monotonic()
    with tqdm(total=100.0, desc=f"pool {pool_id}", unit="%", bar_format="{l_bar}{bar}| {n:.0f}% [{elapsed}]") as bar:
        while True:
            pool = client.get_pool(pool_id)
            if _value(pool.status) != "OPEN":
                reason = _value(pool.last_close_reason)
                if reason == "COMPLETED":
                    bar.update(100.0 - bar.n)
                    return True
                raise CrowdPoolError(f"pool {pool_id} was closed by the platform ({reason}) before it was complete",
                                     where="toloka/state.json",
                                     fix="fix the cause (balance, expiry) and run again with the same run dir to resume")
            failpoint("crowd.pool.running")
            if stop_when is not None and stop_when():
                return False
            pct = _completion(client, pool_id)
            if pct is not None and pct > bar.n:
                bar.update(pct - bar.n)
            if pct != last_pct:
                last_pct, last_move = pct, time.monotonic()
            elif stall_seconds is not None and time.monotonic() - last_move > stall_seconds:
                client.close_pool(pool_id)
                return {"stalled": True, "percent": pct}
            if time.monotonic() > deadline:
                raise CrowdTimeoutError(f"pool {pool_id} is still open after {max_wait_seconds:g} s", where="crowd.max_wait_seconds",
                                        fix="run again with the same run dir to resume waiting (nothing is created "
                                            "or paid twice), or raise crowd.max_wait_seconds")
            time.sleep(poll_seconds)


def _utc(ts) -> datetime.datetime | None:
    if ts is None:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=datetime.timezone.utc)


def _since(ts, start) -> float | None:
    ts, start = _utc(ts), _utc(start)
    return None if ts is None or start is None else (ts - start).total_seconds()


def _assignment_rows(client, key: str, pool_id: str):
    pool = client.get_pool(pool_id) if key.startswith("pool:") else client.get_training(pool_id)
    opened = pool.last_started or pool.created
    for a in client.get_assignments(pool_id=pool_id):
        yield a, opened


def download(client, plan, ids: dict[str, str], plain: dict, exam_df, run_key: str = "") -> dict:
    """All tables of the run as DataFrames (keys: answers, exam_answers, assignments, bans, skills)."""
    import pandas as pd
    from foodcrowd.label_types import get_label_type

    questions, exam_cfg = plain["questions"], plain["exam"]
    edge = dict(zip(exam_df["item_id"].astype(str), exam_df["edge_case"].astype(bool))) if len(exam_df) else {}
    answers, exam_rows, assignments = [], [], []
    for key in plan.tasks:
        for a, opened in _assignment_rows(client, key, ids[key]):
            submitted = _since(a.submitted, opened)
            n = max(len(a.tasks or []), 1)
            seconds = _since(a.submitted, a.created)
            assignments.append({"assignment_id": a.id, "container": key, "pool_id": a.pool_id, "worker": a.user_id,
                                "status": _value(a.status), "reward": float(a.reward or 0), "n_tasks": len(a.tasks or []),
                                "created_at": _since(a.created, opened), "submitted_at": submitted, "seconds": seconds})
            for task, sol in zip(a.tasks or [], a.solutions or []):
                item = str(task.input_values.get("item_id"))
                out = sol.output_values or {}
                if key != "pool:main":
                    q = exam_cfg["question"]
                    truth = (task.known_solutions or [None])[0]
                    right = str(truth.output_values.get(q)) if truth else None
                    exam_rows.append({"task": item, "worker": a.user_id, "label": str(out.get(q)),
                                      "correct": str(out.get(q)) == right, "edge_case": edge.get(item, False),
                                      "assignment_id": a.id, "pool_id": a.pool_id})
                    continue
                for q, spec in questions.items():
                    if q not in out:
                        continue
                    try:
                        label = get_label_type(spec["type"]).normalise(out[q], spec)
                    except ValueError:
                        label = str(out[q])
                    answers.append({"task": item, "worker": a.user_id, "question": q, "label": label,
                                    "kind": "control" if task.known_solutions else "task", "assignment_id": a.id,
                                    "pool_id": a.pool_id, "submitted_at": submitted,
                                    "seconds": None if seconds is None else seconds / n, "status": _value(a.status)})
    tables = {
        "answers": pd.DataFrame(answers, columns=COLUMNS["answers"]),
        "exam_answers": pd.DataFrame(exam_rows, columns=COLUMNS["exam_answers"]),
        "assignments": pd.DataFrame(assignments, columns=COLUMNS["assignments"]),
        "bans": _bans(client, ids, run_key),
        "skills": _skills(client, plan, ids),
    }
    return tables


def _bans(client, ids: dict[str, str], run_key: str):
    import pandas as pd

    pools = {v for k, v in ids.items() if k.startswith(("pool:", "training:"))}
    rows = []
    for r in client.get_user_restrictions():
        mine = getattr(r, "project_id", None) == ids.get("project") or getattr(r, "pool_id", None) in pools
        if mine or (_value(r.scope) == "ALL_PROJECTS" and f"[run {run_key}]" in str(r.private_comment or "")):
            rows.append({"restriction_id": r.id, "worker": r.user_id, "scope": _value(r.scope),
                         "project_id": getattr(r, "project_id", None), "pool_id": getattr(r, "pool_id", None),
                         "private_comment": r.private_comment, "created": _utc(r.created),
                         "will_expire": _utc(r.will_expire)})
    return pd.DataFrame(rows, columns=COLUMNS["bans"])


def _skills(client, plan, ids: dict[str, str]):
    import pandas as pd

    rows = []
    for key, (kind, obj) in plan.objects.items():
        if kind != "skill":
            continue
        for us in client.get_user_skills(skill_id=ids[key]):
            rows.append({"worker": us.user_id, "skill": obj["name"], "skill_id": us.skill_id,
                         "value": float(us.exact_value if us.exact_value is not None else us.value)})
    return pd.DataFrame(rows, columns=COLUMNS["skills"])
