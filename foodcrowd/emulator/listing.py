"""``GET /v1/assignments``: Toloka's assignment search over the revealed simulation, cut before views are built.

Filters as the API documents them: ``status`` (comma list), ``pool_id``, ``user_id``, ``task_suite_id``,
``task_id``, and ``<field>_gt/_gte/_lt/_lte`` on ``id``, ``created``, ``submitted``, ``accepted``,
``rejected``, ``skipped``, ``expired``; ``sort`` (one or more fields, ``-`` for descending) and ``limit``
(default 50, at most 100,000) with ``has_more``. Every timestamp is the emulator's clock (``state.now()``),
so an event is listed from the moment it happened and a cursor on ``submitted_gte`` or ``accepted_gte``
sees each one once, in order.

Only the records in the requested window become JSON: a paginated download of a pool costs one pass of
cheap comparisons per page (from the page's first id when sorted by id) instead of a view of every record.
"""
from __future__ import annotations

import bisect

from foodcrowd.emulator.state import EmulatorState, id_key
from foodcrowd.emulator.views import assignment_stamps, assignment_view

__all__ = ["STAMP_FIELDS", "assignment_listing"]

STAMP_FIELDS = ("created", "submitted", "accepted", "rejected", "skipped", "expired")
_OPS = {"lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}
_MAX_LIMIT = 100_000


def _parse(params: dict):
    exact = {}
    for name in ("status", "pool_id", "user_id", "task_suite_id", "task_id"):
        if params.get(name) is not None:
            exact[name] = set(params[name].split(",")) if name == "status" else params[name]
    ranges = []
    for key, value in params.items():
        field, _, op = key.rpartition("_")
        if op in _OPS and (field == "id" or field in STAMP_FIELDS):
            if field in STAMP_FIELDS:
                value = _normal_time(value)
            ranges.append((field, _OPS[op], value))
    return exact, ranges


def _normal_time(value: str) -> str:
    """A client's ISO time as the emulator writes its own (naive UTC, milliseconds) for string comparison."""
    import datetime as dt

    try:
        when = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when.isoformat(timespec="milliseconds")


def _records(state: EmulatorState, pool_id: str | None, id_from: str | None):
    """(run, record, status) revealed by now; from the first id after ``id_from`` when one pool is asked for."""
    if pool_id is None or id_from is None:
        yield from state.visible_assignments(pool_id)
        return
    for run in state.runs():
        res, now = state.result(run), state.sim_now(run)
        records = res.by_pool.get(pool_id, [])
        keys = getattr(res, "_id_keys", None)
        if keys is None:
            keys = res._id_keys = {}
        ids = keys.get(pool_id)
        if ids is None or len(ids) != len(records):
            ids = keys[pool_id] = [id_key(a["id"]) for a in records]
        start = bisect.bisect_left(ids, id_key(id_from))   # a pool's records are in id order
        for a in records[start:]:
            if a["created"] > now:
                break
            status = "ACTIVE" if a["submitted"] > now else a["status"]
            patch = state.docs["patch"].get(a["id"])
            if patch and status != "ACTIVE":
                status = patch["status"]
            yield run, a, status


def assignment_listing(state: EmulatorState, params: dict) -> dict:
    """Toloka's ``{"items": [...], "has_more": bool}`` for one ``GET /v1/assignments``."""
    exact, ranges = _parse(params)
    sort = [p for p in (params.get("sort") or "id").split(",") if p]
    limit = min(int(params.get("limit") or 50), _MAX_LIMIT)
    id_from = next((v for f, op, v in ranges if f == "id" and op in (_OPS["gt"], _OPS["gte"])), None)
    by_id = sort == ["id"]
    chosen = []
    for run, a, status in _records(state, exact.get("pool_id"), id_from if by_id else None):
        if ("status" in exact and status not in exact["status"]) or ("pool_id" in exact and a["pool_id"] != exact["pool_id"]) \
                or ("user_id" in exact and a["user_id"] != exact["user_id"]) \
                or ("task_suite_id" in exact and a["id"] + "s" != exact["task_suite_id"]) \
                or ("task_id" in exact and exact["task_id"] not in a["task_ids"]):
            continue
        stamps = assignment_stamps(state, run, a, status) if (ranges or not by_id) else None
        ok = True
        for field, op, value in ranges:
            left = id_key(a["id"]) if field == "id" else stamps.get(field)
            if left is None or not op(left, id_key(value) if field == "id" else value):
                ok = False
                break
        if ok:
            chosen.append((run, a, status, stamps))
            if by_id and len(chosen) > limit and exact.get("pool_id") is not None and id_from is not None:
                break
    if by_id:
        chosen.sort(key=lambda c: id_key(c[1]["id"]))
    else:
        for part in reversed(sort):
            name = part.lstrip("-")
            key = (lambda c: id_key(c[1]["id"])) if name == "id" else (lambda c, n=name: c[3].get(n) or "")
            chosen.sort(key=key, reverse=part.startswith("-"))
    page = chosen[:limit]
    return {"items": [assignment_view(state, run, a, status) for run, a, status, _ in page], "has_more": len(chosen) > limit}
