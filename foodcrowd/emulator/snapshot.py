"""What exists in the emulator right now (``handle.snapshot()`` and ``GET /api/v1/_emulator/state``)."""
from __future__ import annotations

from collections import Counter

from foodcrowd.emulator.state import EmulatorState, iso

__all__ = ["snapshot"]


def _exam(state: EmulatorState, exam_id: str, rows: list, pass_mark: float | None) -> dict:
    firsts: dict = {}
    for _, a, _ in rows:
        firsts.setdefault(a["user_id"], a)
    takers = len(firsts)
    edge_wrong = passed = 0
    for a in firsts.values():
        score = a.get("score", 100.0 * sum(bool(c) for c in a["correct"]) / max(len(a["correct"]), 1))
        passed += pass_mark is not None and score >= pass_mark
        items = [str(state.docs["task"][t]["input_values"].get("item_id")) for t in a["task_ids"]]
        edge_wrong += any(bool((state.world.get(i) or {}).get("ambiguous")) and not c for i, c in zip(items, a["correct"]))
    out = {"id": exam_id, "takers": takers, "failed_edge_case": edge_wrong,
           "failed_edge_case_share": round(edge_wrong / takers, 4) if takers else None}
    if pass_mark is not None:
        out.update(passed=passed, pass_rate=round(passed / takers, 4) if takers else None)
    return out


def snapshot(state: EmulatorState) -> dict:
    """Counts, spend (assignments and bonuses), annotators, bans, exams and runs, as plain JSON."""
    from foodcrowd.emulator.people import bonus_charge

    by_pool: dict = {}
    for run, a, status in state.visible_assignments():
        by_pool.setdefault(a["pool_id"], []).append((run, a, status))
    pass_marks = {}
    for p in state.docs["pool"].values():
        req = (p.get("quality_control") or {}).get("training_requirement")
        if req:
            pass_marks[str(req.get("training_pool_id"))] = float(req.get("training_passing_skill_value", 0))
    pools = []
    for p in state.docs["pool"].values():
        rows = by_pool.get(p["id"], [])
        status, reason, stopped = state.status("pool", p)
        run = state.run_of(p)
        tasks = state.tasks_by_pool.get(p["id"], [])
        control = sum(1 for t in tasks if state.docs["task"][t].get("known_solutions"))
        paid = [a for _, a, s in rows if s == "ACCEPTED"]
        entry = {"id": p["id"], "private_name": p.get("private_name"), "status": status, "last_close_reason": reason,
                 "tasks": len(tasks), "real_tasks": len(tasks) - control, "control_tasks": control,
                 "assignments": dict(Counter(s for _, _, s in rows)),
                 "spent": round(sum(state.page_cost(a["reward"]) for a in paid), 6),
                 "annotators": len({a["user_id"] for _, a, s in rows if s in ("SUBMITTED", "ACCEPTED", "REJECTED")}),
                 "started": iso(run["base"]) if run else None, "stopped": iso(stopped) if stopped else None,
                 "duration_seconds": (stopped - run["base"]) if (run and stopped) else None}
        if int((p.get("mixer_config") or {}).get("real_tasks_count") or 0) == 0 and rows:
            entry["exam"] = _exam(state, p["id"], rows, None)
        pools.append(entry)
    trainings = []
    for t in state.docs["training"].values():
        entry = {"id": t["id"], "private_name": t.get("private_name"), "status": state.status("training", t)[0],
                 "tasks": len(state.tasks_by_pool.get(t["id"], []))}
        entry["exam"] = _exam(state, t["id"], by_pool.get(t["id"], []), pass_marks.get(t["id"]))
        trainings.append(entry)
    runs, unanswered, unsupported = [], {}, {}
    bans = []
    for run in state.runs():
        res, now = state.result(run), state.sim_now(run)
        runs.append({"id": run["id"], "members": run["members"], "simulated_now": now, "simulated_end": res.end,
                     "pool_done": res.pool_done})
        unanswered.update(res.unanswered)
        unsupported.update(res.unsupported_rules)
        bans += [r for r in res.restrictions if r["_from"] <= now]
    regular = [r for p in state.docs["pool"] for r in by_pool.get(p, [])]
    main_statuses = ("SUBMITTED", "ACCEPTED", "REJECTED")
    return {
        "seed": state.seed, "time_scale": state.time_scale,
        "population": state.population.get("kind", "simulated"),
        "projects": [{"id": p["id"], "public_name": p.get("public_name"), "status": p.get("status")} for p in state.docs["project"].values()],
        "skills": [{"id": s["id"], "name": s.get("name")} for s in state.docs["skill"].values()],
        "pools": pools, "trainings": trainings,
        "tasks": len(state.docs["task"]),
        "assignments": dict(Counter(s for _, _, s in regular)),
        "spend": round(state.spent() + bonus_charge(state), 6),
        "bonuses": {"count": len(state.docs["bonus"]), "charged": round(bonus_charge(state), 6)},
        "distinct_annotators": len({a["user_id"] for _, a, s in regular if s in main_statuses}),
        "banned_annotators": len({r["user_id"] for r in bans}),
        "restrictions": len(bans) + sum(1 for r in state.docs["restriction"].values() if not r.get("_deleted")),
        "runs": runs,
        "replay": {"unanswered_items": unanswered} if state.population.get("kind") == "replay" else None,
        "unsupported_rules": unsupported,
        "faults": dict(getattr(state, "fault_counts", {})),
    }
