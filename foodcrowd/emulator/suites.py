"""Task suites (create, list as created, get, patch) and the clone of pools and trainings.

A suite the requester creates is stored as created (its id, tasks, overlap); its tasks also become the
pool's tasks, so the emulator's mixer issues them. A pool that got only tasks lists the pages the mixer
made (one suite per page), as Toloka lists the suites its smart mixing generated.
"""
from __future__ import annotations

from foodcrowd.emulator import objects
from foodcrowd.emulator.contract import check_body, spec
from foodcrowd.emulator.state import ApiError, EmulatorState, iso
from foodcrowd.emulator.views import pool_view, public

__all__ = ["clone", "create_task_suites", "register"]


def create_task_suites(state: EmulatorState, body, params: dict):
    """POST /v1/task-suites: async (operation + log with ``task_suite_id``) or sync (the suites)."""
    single = not isinstance(body, list)
    items = [body] if single else body
    tasks, owners, errors = [], [], {}
    for k, suite in enumerate(items):
        idx = str(suite.get("__item_idx", k)) if isinstance(suite, dict) else str(k)
        if not isinstance(suite, dict) or not isinstance(suite.get("tasks"), list) or not suite["tasks"]:
            errors[idx] = {"tasks": {"code": "VALUE_REQUIRED", "message": "a task suite needs a non-empty list of tasks"}}
            continue
        problems = check_body(spec()["components"]["schemas"]["TaskSuiteFormV1"], {k: v for k, v in suite.items() if k != "__item_idx"})
        if problems:
            errors[idx] = problems
            continue
        for t in suite["tasks"]:
            tasks.append({**(t if isinstance(t, dict) else {}), "pool_id": suite.get("pool_id"),
                          "overlap": suite.get("overlap", (t or {}).get("overlap") if isinstance(t, dict) else None),
                          "__item_idx": f"{idx}/{len(tasks)}"})
            owners.append(idx)
    skip = params.get("skip_invalid_items") == "true"
    try:
        made = objects.create_tasks(state, tasks, {**params, "async_mode": "false", "operation_id": None,
                                                   "skip_invalid_items": "true" if skip else "false"})[0] if tasks else {"items": {}}
    except ApiError as err:
        made, failed = {"items": {}}, err.payload or {}
        for key, problem in failed.items():
            errors.setdefault(key.split("/")[0], problem)
    for key, problem in (made.get("validation_errors") or {}).items():
        errors.setdefault(key.split("/")[0], problem)
    created, log, now = {}, [], iso(state.clock())
    ids = iter(state.new_id("suite", len(items)))
    for k, suite in enumerate(items):
        idx = str(suite.get("__item_idx", k)) if isinstance(suite, dict) else str(k)
        sid = next(ids)
        if idx in errors:
            log.append({"type": "TASK_SUITE_CREATE", "success": False, "input": suite if isinstance(suite, dict) else {},
                        "output": errors[idx]})
            continue
        task_ids = [t["id"] for key, t in made["items"].items() if key.split("/")[0] == idx]
        doc = {k2: v for k2, v in suite.items() if k2 not in ("__item_idx", "id", "created", "tasks")}
        doc.update(id=f"ts{int(sid):012d}", pool_id=str(suite["pool_id"]), _task_ids=task_ids, created=now,
                   overlap=suite.get("overlap") or _default_overlap(state, suite["pool_id"]),
                   infinite_overlap=bool(suite.get("infinite_overlap", False)))
        created[idx] = doc
        log.append({"type": "TASK_SUITE_CREATE", "success": True, "input": suite, "output": {"task_suite_id": doc["id"]}})
    if errors and (not skip or not created):
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed", next(iter(errors.values())) if single else errors)
    state.save("task_suite", {d["id"]: d for d in created.values()})
    if params.get("async_mode", "true") != "false":
        op = objects.operation(state, "TASK_SUITE.BATCH_CREATE",
                               {"skip_invalid_items": skip, "allow_defaults": params.get("allow_defaults") == "true",
                                "open_pool": params.get("open_pool") == "true"},
                               details={"items_count": len(items), "valid_items_count": len(created)},
                               op_id=params.get("operation_id"), log=log)
        return op, 202
    if single:
        return suite_view(state, next(iter(created.values()))), 201
    return {"items": {k: suite_view(state, d) for k, d in created.items()}, "validation_errors": errors or None}, 201


def _default_overlap(state: EmulatorState, pool_id) -> int:
    found = state.docs["pool"].get(str(pool_id)) or state.docs["training"].get(str(pool_id)) or {}
    return int((found.get("defaults") or {}).get("default_overlap_for_new_task_suites") or 1)


def suite_view(state: EmulatorState, doc: dict) -> dict:
    out = public(doc)
    out["tasks"] = [{k: v for k, v in public(state.docs["task"][t]).items() if k not in ("pool_id", "overlap", "created")}
                    for t in doc["_task_ids"]]
    return out


def _page_suite(state: EmulatorState, run: dict, a: dict) -> dict:
    return {"id": a["id"] + "s", "pool_id": a["pool_id"], "overlap": 1, "infinite_overlap": False,
            "tasks": [public(state.docs["task"][t]) for t in a["task_ids"]], "created": iso(run["base"] + a["created"])}


def task_suites(state: EmulatorState, pool_id: str | None) -> list[dict]:
    made = [suite_view(state, d) for d in state.docs["task_suite"].values() if pool_id in (None, d["pool_id"])]
    has_made = {d["pool_id"] for d in state.docs["task_suite"].values()}
    pages = [_page_suite(state, run, a) for run, a, _ in state.visible_assignments(pool_id) if a["pool_id"] not in has_made]
    return made + pages


def task_suite(state: EmulatorState, oid: str) -> dict:
    if oid in state.docs["task_suite"]:
        return suite_view(state, state.docs["task_suite"][oid])
    for run, a, _ in state.visible_assignments(oid.rsplit("-", 1)[0] if oid.endswith("s") else None):
        if a["id"] + "s" == oid:
            return _page_suite(state, run, a)
    raise ApiError(404, "DOES_NOT_EXIST", f"task suite {oid} does not exist")


def patch_task_suite(state: EmulatorState, oid: str, body: dict) -> dict:
    """PATCH /task-suites/{id} (overlap, infinite_overlap, issuing_order_override): applied to its tasks too."""
    doc = state.docs["task_suite"].get(oid)
    if doc is None:
        task_suite(state, oid)   # a page the mixer made: Toloka lets it be read, not changed
        raise ApiError(409, "CONFLICT_STATE", f"task suite {oid} was made by the pool's mixer and cannot be changed")
    changes = {k: body[k] for k in ("overlap", "infinite_overlap", "issuing_order_override") if k in (body or {})}
    doc = {**doc, **changes}
    state.save("task_suite", {oid: doc})
    for t in doc["_task_ids"]:
        objects.patch_task(state, t, {k: v for k, v in changes.items() if k != "issuing_order_override"})
    return suite_view(state, doc)


def clone(state: EmulatorState, kind: str, oid: str):
    """POST /pools|trainings/{id}/clone: a CLOSED copy with no tasks, as an operation naming the new id."""
    doc = state.get(kind, oid)
    body = {k: v for k, v in pool_view(state, kind, doc).items()
            if k not in ("id", "status", "created", "last_started", "last_stopped", "last_close_reason", "owner")}
    new = objects.create(state, kind, body, {})
    return objects.operation(state, f"{kind.upper()}.CLONE", {f"{kind}_id": oid},
                             details={f"{kind}_id": new["id"]}), 202


def register(route, state: EmulatorState, search) -> None:
    route("/v1/task-suites", ["POST"])(lambda p, q, b: create_task_suites(state, b, q))
    route("/v1/task-suites", ["GET"])(lambda p, q, b: (search(task_suites(state, q.get("pool_id")), q, ("pool_id",)),))
    route("/v1/task-suites/{oid}", ["GET"])(lambda p, q, b: (task_suite(state, p["oid"]),))
    route("/v1/task-suites/{oid}", ["PATCH"])(lambda p, q, b: (patch_task_suite(state, p["oid"], b),))
    route("/v1/task-suites/{oid}/set-overlap-or-min", ["PATCH"])(lambda p, q, b: (patch_task_suite(state, p["oid"], b),))
