"""Creating and changing the emulator's objects, with the checks Toloka makes (answers are ApiErrors)."""
from __future__ import annotations

import uuid

from foodcrowd.emulator.contract import defaults as spec_defaults
from foodcrowd.emulator.inputs import check_task
from foodcrowd.emulator.state import ApiError, EmulatorState, iso
from foodcrowd.emulator.views import assignment_view, pool_view, public, task_view

__all__ = ["assignment", "create", "create_tasks", "find", "get_view",
           "kind_of", "listing", "operation", "patch_assignment", "patch_pool", "patch_task", "requester",
           "task_listing", "transition", "update", "view"]

MIN_REWARD = 0.005          # Toloka's minimum reward per page (USD)
_FORMS = {"project": "ProjectFormV1", "pool": "PoolFormV1", "training": "TrainingFormV1", "skill": "SkillFormV1"}
BALANCE = 10_000.0          # the emulated requester's starting balance (USD)


def _invalid(field: str, message: str, code: str = "VALUE_OUT_OF_RANGE") -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "Validation failed", {field: {"code": code, "message": message}})


def _check(state: EmulatorState, kind: str, doc: dict) -> None:
    if kind in ("pool", "training"):
        if str(doc.get("project_id")) not in state.docs["project"]:
            raise _invalid("project_id", f"project {doc.get('project_id')!r} does not exist", "DOES_NOT_EXIST")
    if kind == "pool":
        if float(doc.get("reward_per_assignment") or 0) < MIN_REWARD:
            raise _invalid("reward_per_assignment", f"must be at least {MIN_REWARD}")
        from foodcrowd.emulator.rules import refusal

        refused = refusal(doc)
        if refused:
            raise ApiError(400, "VALIDATION_ERROR", refused,
                           {"quality_control.configs": {"code": "NOT_EMULATED", "message": refused}})
        requirement = (doc.get("quality_control") or {}).get("training_requirement")
        if requirement and str(requirement.get("training_pool_id")) not in state.docs["training"]:
            raise _invalid("quality_control.training_requirement.training_pool_id", "no such training", "DOES_NOT_EXIST")
    if kind == "skill" and not doc.get("name"):
        raise _invalid("name", "a skill needs a name", "VALUE_REQUIRED")


def create(state: EmulatorState, kind: str, body: dict, params: dict) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", f"a {kind} object is expected")
    _check(state, kind, body)
    doc = {**spec_defaults(_FORMS[kind]), **{k: v for k, v in body.items() if k not in ("id", "status", "created")}}
    doc.update(id=state.new_id(), created=iso(state.clock()))
    if kind in ("pool", "training", "project"):
        doc["status"] = "ACTIVE" if kind == "project" else "CLOSED"
    if kind == "pool":
        doc.setdefault("type", "REGULAR")
    state.save(kind, {doc["id"]: doc})
    return view(state, kind, doc)


def kind_of(state: EmulatorState, kind: str, oid: str) -> str:
    """Toloka accepts a training's id wherever it takes a pool's: ``pool`` -> ``training`` for those ids."""
    if kind == "pool" and str(oid) not in state.docs["pool"] and str(oid) in state.docs["training"]:
        return "training"
    return kind


def get_view(state: EmulatorState, kind: str, oid: str) -> dict:
    kind = kind_of(state, kind, oid)
    out = view(state, kind, state.get(kind, oid))
    if kind == "training":
        out.setdefault("type", "TRAINING")
    return out


def view(state: EmulatorState, kind: str, doc: dict) -> dict:
    return pool_view(state, kind, doc) if kind in ("pool", "training") else public(doc)


def listing(state: EmulatorState, kind: str) -> list[dict]:
    return [view(state, kind, d) for d in state.docs[kind].values()]


def update(state: EmulatorState, kind: str, oid: str, body: dict, replace: bool) -> dict:
    doc = state.get(kind, oid)
    if not isinstance(body, dict):
        raise ApiError(400, "VALIDATION_ERROR", f"a {kind} object is expected")
    if kind in ("pool", "training") and state.status(kind, doc)[0] == "OPEN":
        raise ApiError(409, "CONFLICT_STATE", f"{kind} {oid} is open: close it (close-for-update) before changing it")
    if doc.get("status") == "ARCHIVED":
        raise ApiError(409, "CONFLICT_STATE", f"{kind} {oid} is archived")
    keep = {k: v for k, v in doc.items() if k.startswith("_") or k in ("id", "created", "status", "last_close_reason")}
    new = ({**body, **keep} if replace else {**doc, **body, **keep})
    _check(state, kind, new)
    state.save(kind, {oid: new})
    state.invalidate(state.run_of(new))
    return view(state, kind, new)


def patch_pool(state: EmulatorState, oid: str, body: dict) -> dict:
    """PATCH /pools/{id}: Toloka changes only the priority, open or not."""
    kind = kind_of(state, "pool", oid)
    doc = state.get(kind, oid)
    if kind != "pool":
        raise ApiError(409, "CONFLICT_STATE", f"{oid} is a training: trainings have no priority")
    if "priority" in (body or {}):
        doc = {**doc, "priority": body["priority"]}
        state.save(kind, {oid: doc})
    return view(state, kind, doc)


def operation(state: EmulatorState, op_type: str, parameters: dict, details=None, op_id: str | None = None,
              log: list | None = None) -> dict:
    now = iso(state.clock())
    op = {"id": op_id or str(uuid.uuid4()), "type": op_type, "status": "SUCCESS", "submitted": now, "started": now,
          "finished": now, "progress": 100, "parameters": parameters}
    if details is not None:
        op["details"] = details
    if log is not None:
        state.save("oplog", {op["id"]: {"items": log}})
    state.save("operation", {op["id"]: op})
    return op


def transition(state: EmulatorState, kind: str, oid: str, action: str):
    """open / close / close-for-update / archive of a pool or training (archive of a project)."""
    doc = state.get(kind, oid)
    if kind == "project":
        if doc["status"] == "ARCHIVED":
            return (None,)
        live = [d["id"] for k in ("pool", "training") for d in state.docs[k].values()
                if str(d.get("project_id")) == oid and state.status(k, d)[0] == "OPEN"]
        if live:
            raise ApiError(409, "CONFLICT_STATE", f"project {oid} has open pools {live[:5]}: close them before archiving it")
        doc["status"] = "ARCHIVED"
        state.save(kind, {oid: doc})
        return operation(state, "PROJECT.ARCHIVE", {"project_id": oid}), 202
    status = state.status(kind, doc)[0]
    op_name = f"{kind.upper()}.{'CLOSE' if action == 'close-for-update' else action.upper()}"
    if action == "open":
        if status == "OPEN":
            return (None,)
        if status == "ARCHIVED":
            raise ApiError(409, "CONFLICT_STATE", f"{kind} {oid} is archived")
        if kind == "pool" and _nothing_left(state, doc):
            # Toloka: a pool whose every task has its answers gives out no work and charges nothing;
            # it stays closed as completed (a retried or repeated open never pays twice)
            if doc.get("status") == "OPEN":     # completed by simulated time: fix the moment it stopped
                _, reason, stopped = state.status(kind, doc)
                doc.update(status="CLOSED", last_close_reason=reason or "COMPLETED", _last_stopped=stopped)
                state.save(kind, {oid: doc})
            return operation(state, op_name, {f"{kind}_id": oid}), 202
        _open(state, kind, doc)
    elif action in ("close", "close-for-update"):
        if status != "OPEN":
            return (None,)
        run = state.run_of(doc)
        if run is not None:
            now = state.sim_now(run)
            run["closed"][oid] = now
            state.save("run", {run["id"]: run})
            state.invalidate(run)
            doc["_last_stopped"] = run["base"] + now
        doc.update(status="CLOSED", last_close_reason="MANUAL" if action == "close" else "FOR_UPDATE")
        state.save(kind, {oid: doc})
    else:  # archive
        if status == "ARCHIVED":
            return (None,)
        if status == "OPEN":
            raise ApiError(409, "CONFLICT_STATE", f"close {kind} {oid} before archiving it")
        if doc.get("status") == "OPEN":      # completed by simulated time: fix the moment it stopped
            _, reason, stopped = state.status(kind, doc)
            doc.update(last_close_reason=reason, _last_stopped=stopped)
        doc["status"] = "ARCHIVED"
        state.save(kind, {oid: doc})
    return operation(state, op_name, {f"{kind}_id": oid}), 202


def _nothing_left(state: EmulatorState, doc: dict) -> bool:
    """True when every real task of the pool already has its answers (a pool of control tasks only, or
    with no tasks, always has work to give out)."""
    from collections import Counter

    tasks = [state.docs["task"][t] for t in state.tasks_by_pool.get(doc["id"], [])]
    real = [t for t in tasks if not t.get("known_solutions") and not t.get("infinite_overlap")]
    if not real:
        return False
    answered: Counter = Counter()
    for _, a, status in state.visible_assignments(doc["id"]):
        if status in ("ACTIVE", "SUBMITTED", "ACCEPTED"):
            answered.update(a["task_ids"])
    if doc.get("dynamic_overlap_config"):   # dynamic: answered once and the pool completed = resolved
        return state.status("pool", doc)[1] == "COMPLETED" and all(answered[t["id"]] >= 1 for t in real)
    return all(answered[t["id"]] >= int(t.get("overlap") or 1) for t in real)


def _open(state: EmulatorState, kind: str, doc: dict) -> None:
    run = state.active_run()
    doc["status"] = "OPEN"
    doc.pop("last_close_reason", None)
    if run is None and kind == "pool":
        doc.pop("_run", None)   # a pool its earlier run completed joins the new run
        state.save(kind, {doc["id"]: doc})
        state.start_run()
        return
    if run is not None:
        if doc["id"] not in run["members"]:
            run["members"].append(doc["id"])
        run["closed"].pop(doc["id"], None)
        doc["_run"] = run["id"]
        state.save("run", {run["id"]: run})
        state.invalidate(run)
    state.save(kind, {doc["id"]: doc})


def _container(state: EmulatorState, pool_id) -> tuple[str, dict] | None:
    for kind in ("pool", "training"):
        doc = state.docs[kind].get(str(pool_id))
        if doc is not None:
            return kind, doc
    return None


def _task_errors(state: EmulatorState, raw: dict) -> dict:
    if not isinstance(raw, dict):
        return {"": {"code": "VALUE_REQUIRED", "message": "a task object is expected"}}
    found = _container(state, raw.get("pool_id"))
    if found is None:
        return {"pool_id": {"code": "DOES_NOT_EXIST", "message": f"pool {raw.get('pool_id')!r} does not exist"}}
    if found[1].get("status") == "ARCHIVED":
        return {"pool_id": {"code": "INAPPROPRIATE_STATUS", "message": "the pool is archived"}}
    inputs = raw.get("input_values")
    if not isinstance(inputs, dict):
        return {"input_values": {"code": "VALUE_REQUIRED", "message": "input_values is required"}}
    for key, kind in (("overlap", int), ("infinite_overlap", bool), ("known_solutions", list), ("baseline_solutions", list)):
        value = raw.get(key)
        if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
            return {key: {"code": "INVALID_TYPE", "message": f"{key} must be of type {kind.__name__}"}}
    if isinstance(raw.get("overlap"), int) and raw["overlap"] < 1:
        return {"overlap": {"code": "VALUE_OUT_OF_RANGE", "message": "overlap must be at least 1"}}
    project = state.docs["project"].get(str(found[1].get("project_id")), {})
    return check_task(project.get("task_spec") or {}, raw)


def create_tasks(state: EmulatorState, body, params: dict):
    """POST /v1/tasks: one task or a list; async (an operation, idempotent by operation_id) or sync."""
    single = not isinstance(body, list)
    items = [body] if single else body
    async_mode = params.get("async_mode", "true") != "false"
    op_id = params.get("operation_id")
    if op_id and op_id in state.docs["operation"]:
        if async_mode:
            raise ApiError(409, "OPERATION_ALREADY_EXISTS", f"operation {op_id} already exists")
    if op_id and op_id in state.docs["sync"]:
        return state.docs["sync"][op_id]["reply"], 201
    allow_defaults = params.get("allow_defaults") == "true"
    now = iso(state.clock())
    skip_invalid = params.get("skip_invalid_items") == "true"
    errors, created, log, touched = {}, {}, [], {}
    fresh = iter(state.new_id("task", len(items)))
    for idx, raw in enumerate(items):
        item_idx = str(raw.get("__item_idx", idx)) if isinstance(raw, dict) else str(idx)
        problem = _task_errors(state, raw)
        if problem:
            errors[item_idx] = problem
            log.append({"type": "TASK_CREATE", "success": False, "input": raw if isinstance(raw, dict) else {}, "output": problem})
            continue
        kind, pool = _container(state, raw["pool_id"])
        task = {k: v for k, v in raw.items() if k not in ("__item_idx", "id", "created", "remaining_overlap")}
        task["pool_id"] = pool["id"]
        if kind == "training" or (task.get("overlap") is None and task.get("known_solutions")):
            task.update(overlap=None, infinite_overlap=True)
        elif task.get("overlap") is None and not task.get("infinite_overlap"):
            defaults = pool.get("defaults") or {}
            overlap = defaults.get("default_overlap_for_new_tasks") or defaults.get("default_overlap_for_new_task_suites") or 1
            task.update(overlap=int(overlap) if allow_defaults else 1, infinite_overlap=False)
        task.update(id=next(fresh), created=now)
        run = state.run_of(pool)
        if run is not None and (state.status(kind, pool)[0] == "OPEN" or run is state.active_run()):
            task.update(_run=run["id"], _at=state.sim_now(run))
            touched[run["id"]] = run
        created[item_idx] = task
        log.append({"type": "TASK_CREATE", "success": True, "input": raw, "output": {"task_id": task["id"]}})
    if errors and (not skip_invalid or not created):
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed", errors if not single else next(iter(errors.values())))
    state.save("task", {t["id"]: t for t in created.values()})
    for t in created.values():
        state.tasks_by_pool.setdefault(t["pool_id"], []).append(t["id"])
    for run in touched.values():
        state.invalidate(run)
    if params.get("open_pool") == "true":
        for pool_id in dict.fromkeys(t["pool_id"] for t in created.values()):
            kind, pool = _container(state, pool_id)
            if state.status(kind, pool)[0] != "OPEN":
                _open(state, kind, pool)
    if async_mode:
        op = operation(state, "TASK.BATCH_CREATE", {"skip_invalid_items": skip_invalid, "allow_defaults": allow_defaults,
                                                    "open_pool": params.get("open_pool") == "true"},
                       details={"items_count": len(items), "valid_items_count": len(created)}, op_id=op_id, log=log)
        return op, 202
    reply = task_view(state, next(iter(created.values()))) if single else \
        {"items": {k: task_view(state, t) for k, t in created.items()}, "validation_errors": errors or None}
    if op_id:
        state.save("sync", {op_id: {"reply": reply}})
    return reply, 201


def task_listing(state: EmulatorState, params: dict) -> list[dict]:
    """Tasks of a pool (ids ascending, fixed width), cut to the id range before any view is built."""
    import bisect

    ids = state.tasks_by_pool.get(params["pool_id"], []) if "pool_id" in params else sorted(state.docs["task"])
    lo, hi = 0, len(ids)
    if "id_gt" in params:
        lo = bisect.bisect_right(ids, params["id_gt"])
    if "id_gte" in params:
        lo = max(lo, bisect.bisect_left(ids, params["id_gte"]))
    if "id_lt" in params:
        hi = bisect.bisect_left(ids, params["id_lt"])
    if "id_lte" in params:
        hi = min(hi, bisect.bisect_right(ids, params["id_lte"]))
    if params.get("sort", "id") == "id":
        hi = min(hi, lo + min(int(params.get("limit") or 50), 100_000) + 1)
    return [task_view(state, state.docs["task"][t]) for t in ids[lo:hi]]


def patch_task(state: EmulatorState, oid: str, body: dict) -> dict:
    task = state.get("task", oid)
    for key in ("overlap", "infinite_overlap", "baseline_solutions", "known_solutions", "message_on_unknown_solution"):
        if key in (body or {}):
            task[key] = body[key]
    state.save("task", {oid: task})
    run = state.run_of(state.docs["pool"].get(task["pool_id"], {}))
    state.invalidate(run)
    return task_view(state, task)


def assignment(state: EmulatorState, oid: str) -> dict:
    pool_id = oid.rsplit("-", 1)[0]
    for run, a, status in state.visible_assignments(pool_id):
        if a["id"] == oid:
            return assignment_view(state, run, a, status)
    raise ApiError(404, "DOES_NOT_EXIST", f"assignment {oid} does not exist")


def patch_assignment(state: EmulatorState, oid: str, body: dict) -> dict:
    current = assignment(state, oid)
    wanted = (body or {}).get("status")
    allowed = {"SUBMITTED": ("ACCEPTED", "REJECTED"), "REJECTED": ("ACCEPTED",)}
    if wanted == current["status"]:
        return current
    if wanted not in allowed.get(current["status"], ()):
        raise ApiError(409, "CONFLICT_STATE", f"assignment {oid} is {current['status']}: cannot become {wanted}")
    state.save("patch", {oid: {"status": wanted, "public_comment": body.get("public_comment"), "_at": state.clock()}})
    state.invalidate(state.run_of(state.docs["pool"].get(current["pool_id"], {})))   # reviews feed the pool's rules
    return assignment(state, oid)


def find(items: list[dict], oid: str, what: str) -> dict:
    for item in items:
        if str(item.get("id")) == oid:
            return item
    raise ApiError(404, "DOES_NOT_EXIST", f"{what} {oid} does not exist")


def requester(state: EmulatorState) -> dict:
    from foodcrowd.emulator.people import bonus_charge

    return {"id": "emulator-requester", "balance": round(BALANCE - state.spent() - bonus_charge(state), 6),
            "public_name": {"EN": "foodcrowd emulator"}, "company": {"id": "emulator", "superintendent_id": "emulator-requester"}}
