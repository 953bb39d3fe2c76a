"""Toloka API v1 JSON of the emulator's objects, as toloka-kit 1.2.3 parses it."""
from __future__ import annotations

from foodcrowd.emulator.state import EmulatorState, iso

__all__ = ["analytics_value", "assignment_stamps", "assignment_view", "public", "pool_view", "restriction_views", "task_view",
           "user_skill_views"]


def public(doc: dict) -> dict:
    """A stored document without the emulator's private ``_`` keys."""
    return {k: v for k, v in doc.items() if not k.startswith("_")}


def pool_view(state: EmulatorState, kind: str, doc: dict) -> dict:
    out = public(doc)
    status, reason, stopped = state.status(kind, doc)
    out["status"] = status
    if reason:
        out["last_close_reason"] = reason
    if stopped is not None:
        out["last_stopped"] = iso(stopped)
    run = state.run_of(doc)
    if run is not None:
        out["last_started"] = iso(run["base"] + float(doc.get("_started_sim", 0.0)))
    return out


def task_view(state: EmulatorState, task: dict, answers: int | None = None) -> dict:
    out = public(task)
    if answers is not None and out.get("overlap") is not None:
        out["remaining_overlap"] = max(int(out["overlap"]) - answers, 0)
    return out


_SUITE_KEYS = ("id", "pool_id", "input_values", "known_solutions", "message_on_unknown_solution")


def _suite_task(task: dict) -> dict:
    """A task as an assignment carries it (Toloka sends the inputs, not the pool-side settings)."""
    return {k: task[k] for k in _SUITE_KEYS if k in task}


def assignment_stamps(state: EmulatorState, run: dict, a: dict, status: str) -> dict:
    """The ISO timestamps an assignment's JSON carries for ``status`` (the listing filters on these without
    building the whole view)."""
    out = {"created": iso(run["base"] + a["created"])}
    if status == "ACTIVE":
        return out
    stamp = iso(run["base"] + a["submitted"])
    if status in ("SUBMITTED", "ACCEPTED", "REJECTED"):
        out["submitted"] = stamp
    patch = state.docs["patch"].get(a["id"])
    if status == "ACCEPTED":
        out["accepted"] = iso(patch["_at"]) if patch and patch["status"] == "ACCEPTED" else stamp
    elif status == "REJECTED":
        out["rejected"] = iso(patch["_at"]) if patch else stamp
    elif status in ("SKIPPED", "EXPIRED"):
        out[status.lower()] = stamp
    return out


def assignment_view(state: EmulatorState, run: dict, a: dict, status: str) -> dict:
    tasks = [_suite_task(state.docs["task"][t]) for t in a["task_ids"]]
    out = {"id": a["id"], "task_suite_id": a["id"] + "s", "pool_id": a["pool_id"], "user_id": a["user_id"],
           "status": status, "reward": a["reward"] if status in ("SUBMITTED", "ACCEPTED") else 0.0,
           "tasks": tasks, "mixed": True, "automerged": False, **assignment_stamps(state, run, a, status)}
    if status in ("SUBMITTED", "ACCEPTED", "REJECTED"):
        out["solutions"] = [{"output_values": o} for o in a["outputs"]]
    patch = state.docs["patch"].get(a["id"])
    if patch and patch.get("public_comment"):
        out["public_comment"] = patch["public_comment"]
    return out


def restriction_views(state: EmulatorState) -> list[dict]:
    """Restrictions set by the requester plus those the quality rules have set by now (simulated)."""
    out = [public(r) for r in state.docs["restriction"].values() if not r.get("_deleted")]
    for run in state.runs():
        now = state.sim_now(run)
        for k, r in enumerate(state.result(run).restrictions):
            if r["_from"] <= now:
                view = {key: v for key, v in r.items() if not key.startswith("_")}
                view.update(id=f"{run['id']}r{k + 1:07d}", created=iso(run["base"] + r["_from"]))
                if r["_to"] is not None:
                    view["will_expire"] = iso(run["base"] + r["_to"])
                out.append(view)
    return out


def user_skill_views(state: EmulatorState) -> list[dict]:
    """One current value per (user, skill): the requester's or the latest a rule set by now."""
    latest: dict = {}
    deleted = {}
    for s in state.docs["user_skill"].values():
        if s.get("_deleted"):
            deleted[(s["user_id"], s["skill_id"])] = s.get("_deleted_wall", s["_wall"])
            continue
        latest[(s["user_id"], s["skill_id"])] = (s["_wall"], public(s))
    for run in state.runs():
        now = state.sim_now(run)
        for s in state.result(run).skills:
            at = run["base"] + s["_at"]
            key = (s["user_id"], s["skill_id"])
            if s["_at"] <= now and at > deleted.get(key, -1.0):
                created = latest[key][1]["created"] if key in latest else iso(at)
                value = float(s["value"])
                latest[key] = (at, {"id": f"{s['user_id']}:{s['skill_id']}", "user_id": s["user_id"],
                                    "skill_id": s["skill_id"], "value": int(round(value)), "exact_value": value,
                                    "created": created, "modified": iso(at)})
    return [v for _, v in latest.values()]


def analytics_value(state: EmulatorState, request: dict):
    """The value of one pool analytics request (``name`` as toloka-kit sends it)."""
    name, pool_id = request.get("name"), str(request.get("subject_id"))
    rows = list(state.visible_assignments(pool_id))
    submitted = [(a, s) for _, a, s in rows if s in ("SUBMITTED", "ACCEPTED", "REJECTED")]
    if name == "spent_budget":
        return round(state.spent(pool_id), 6)
    if name in ("unique_workers_count", "unique_submitters_count"):
        return len({a["user_id"] for a, _ in submitted} if name == "unique_submitters_count" else {a["user_id"] for _, a, _ in rows})
    if name == "submitted_assignments_count":
        return len(submitted)
    if name in ("approved_assignments_count", "rejected_assignments_count", "skipped_assignments_count"):
        wanted = {"approved": "ACCEPTED", "rejected": "REJECTED", "skipped": "SKIPPED"}[name.split("_")[0]]
        return sum(1 for _, _, s in rows if s == wanted)
    if name == "avg_submit_assignment_millis":
        spans = [a["submitted"] - a["created"] for a, _ in submitted]
        return int(1000 * sum(spans) / len(spans)) if spans else 0
    real = [t for t in state.tasks_by_pool.get(pool_id, []) if not state.docs["task"][t].get("known_solutions")]
    if name == "real_tasks_count":
        return len(real)
    if name == "completion_percentage":
        pool = state.docs["pool"].get(pool_id)
        if pool is not None and state.status("pool", pool)[1] == "COMPLETED":
            return 100
        counts: dict = {}
        for a, _ in submitted:
            for t, golden in zip(a["task_ids"], a["golden"]):
                if not golden:
                    counts[t] = counts.get(t, 0) + 1
        need = sum(int(state.docs["task"][t].get("overlap") or 1) for t in real)
        have = sum(min(counts.get(t, 0), int(state.docs["task"][t].get("overlap") or 1)) for t in real)
        return int(100 * have / need) if need else 0
    from foodcrowd.emulator.analytics import pool_analytics

    return pool_analytics(state, name, pool_id)
