"""Who may work, as the requester sets it: user restrictions (bans) and user skills, set and deleted
through the API; the simulation reads them (and adds its rules' own) when it recomputes the run."""
from __future__ import annotations

from foodcrowd.emulator.state import ApiError, EmulatorState, iso
from foodcrowd.emulator.views import public

__all__ = ["delete_restriction", "delete_user_skill", "set_restriction", "set_user_skill"]


def _invalid(field: str, message: str, code: str = "VALUE_OUT_OF_RANGE") -> ApiError:
    return ApiError(400, "VALIDATION_ERROR", "Validation failed", {field: {"code": code, "message": message}})


def set_restriction(state: EmulatorState, body: dict) -> dict:
    if not isinstance(body, dict) or not body.get("user_id") or body.get("scope") not in ("ALL_PROJECTS", "PROJECT", "POOL", "SYSTEM"):
        raise _invalid("scope", "a restriction needs user_id and scope ALL_PROJECTS|PROJECT|POOL", "VALUE_REQUIRED")
    doc = {k: v for k, v in body.items() if k not in ("id", "created")}
    doc.update(id=state.new_id(), created=iso(state.clock()), _wall=state.clock())
    if body.get("will_expire"):
        import datetime as dt
        when = dt.datetime.fromisoformat(str(body["will_expire"]).replace("Z", "+00:00"))
        doc["_expire_wall"] = (when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)).timestamp()
    state.save("restriction", {doc["id"]: doc})
    _invalidate_active(state)
    return public(doc)


def delete_restriction(state: EmulatorState, oid: str) -> None:
    doc = state.get("restriction", oid)
    state.save("restriction", {oid: {**doc, "_deleted": True, "_expire_wall": state.clock()}})
    _invalidate_active(state)


def set_user_skill(state: EmulatorState, body: dict) -> dict:
    if not isinstance(body, dict) or not body.get("user_id") or str(body.get("skill_id")) not in state.docs["skill"]:
        raise _invalid("skill_id", "an existing skill_id and a user_id are required", "DOES_NOT_EXIST")
    key = f"{body['user_id']}:{body['skill_id']}"
    old = state.docs["user_skill"].get(key)
    now = iso(state.clock())
    value = float(body.get("value") or 0)
    doc = {"id": key, "user_id": str(body["user_id"]), "skill_id": str(body["skill_id"]), "value": int(round(value)),
           "exact_value": value, "created": old["created"] if old else now, "modified": now, "_wall": state.clock()}
    state.save("user_skill", {key: doc})
    _invalidate_active(state)
    return public(doc)


def delete_user_skill(state: EmulatorState, oid: str) -> None:
    """DELETE /user-skills/{id}: the requester's value is gone (the simulation no longer sees it)."""
    from foodcrowd.emulator.objects import find
    from foodcrowd.emulator.views import user_skill_views

    doc = find(user_skill_views(state), oid, "user skill")
    state.save("user_skill", {oid: {**doc, "_wall": state.clock(), "_deleted": True, "_deleted_wall": state.clock()}})
    _invalidate_active(state)


def _invalidate_active(state: EmulatorState) -> None:
    run = state.active_run()
    state.invalidate(run)
