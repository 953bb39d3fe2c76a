"""The requester's dealings with Tolokers: bonuses (they move the balance and the spend), user metadata,
message threads, and attachments (files Tolokers uploaded: listed and downloaded when a run made any).
"""
from __future__ import annotations

from foodcrowd.emulator.contract import check_body, spec
from foodcrowd.emulator.contract import defaults as spec_defaults
from foodcrowd.emulator.objects import operation
from foodcrowd.emulator.state import ApiError, EmulatorState, iso
from foodcrowd.emulator.views import public

__all__ = ["MAX_BONUS", "bonus_charge", "find_attachment", "register"]

MAX_BONUS = 100.0   # Toloka's largest bonus per payment (USD)


def _workers(state: EmulatorState) -> dict:
    return {str(w.id): w for w in state.workers()}


def bonus_charge(state: EmulatorState) -> float:
    """What the bonuses cost the requester: amount plus the platform fee."""
    return sum(float(b["amount"]) * (1 + state.fee) for b in state.docs["bonus"].values())


def _bonus_errors(state: EmulatorState, raw) -> dict:
    if not isinstance(raw, dict):
        return {"": {"code": "VALUE_REQUIRED", "message": "a bonus object is expected"}}
    schema_errors = check_body(spec()["components"]["schemas"]["UserBonusFormV1"], {k: v for k, v in raw.items() if k != "__item_idx"})
    if schema_errors:
        return schema_errors
    if str(raw.get("user_id")) not in _workers(state):
        return {"user_id": {"code": "DOES_NOT_EXIST", "message": f"no Toloker {raw.get('user_id')!r}"}}
    amount = raw.get("amount")
    if isinstance(amount, str):
        try:
            amount = float(amount)
        except ValueError:
            amount = None
    if not isinstance(amount, (int, float)) or isinstance(amount, bool) or not 0.005 <= float(amount) <= MAX_BONUS:
        return {"amount": {"code": "VALUE_OUT_OF_RANGE", "message": f"amount must be between 0.005 and {MAX_BONUS}"}}
    if not raw.get("without_message") and not (raw.get("public_title") and raw.get("public_message")):
        return {"public_title": {"code": "VALUE_REQUIRED", "message": "public_title and public_message are required "
                                 "unless without_message is true"}}
    if raw.get("assignment_id") and not any(a["id"] == raw["assignment_id"] for _, a, _ in state.visible_assignments(
            str(raw["assignment_id"]).rsplit("-", 1)[0])):
        return {"assignment_id": {"code": "DOES_NOT_EXIST", "message": f"no assignment {raw['assignment_id']!r}"}}
    return {}


def create_bonuses(state: EmulatorState, body, params: dict):
    """POST /v1/user-bonuses: one or many; async (operation + log with ``user_bonus_id``) or sync."""
    from foodcrowd.emulator.objects import requester

    single = not isinstance(body, list)
    items = [body] if single else body
    op_id = params.get("operation_id")
    if op_id and op_id in state.docs["operation"]:
        raise ApiError(409, "OPERATION_ALREADY_EXISTS", f"operation {op_id} already exists")
    errors, created, log = {}, {}, []
    balance = requester(state)["balance"]
    ids = iter(state.new_id("bonus", len(items)))
    for k, raw in enumerate(items):
        idx = str(raw.get("__item_idx", k)) if isinstance(raw, dict) else str(k)
        bid = next(ids)
        problem = _bonus_errors(state, raw)
        if not problem and float(raw["amount"]) * (1 + state.fee) > balance:
            raise ApiError(409, "NOT_ENOUGH_BALANCE", f"the balance ({balance:.2f}) does not cover this bonus")
        if problem:
            errors[idx] = problem
            log.append({"type": "USER_BONUS_CREATE", "success": False, "input": raw if isinstance(raw, dict) else {},
                        "output": problem})
            continue
        doc = {**spec_defaults("UserBonusFormV1"), **{f: v for f, v in raw.items() if f not in ("__item_idx", "id", "created")}}
        doc.update(id=f"b{int(bid):012d}", user_id=str(raw["user_id"]), amount=round(float(raw["amount"]), 4),
                   created=iso(state.clock()))
        balance -= float(raw["amount"]) * (1 + state.fee)
        created[idx] = doc
        log.append({"type": "USER_BONUS_CREATE", "success": True, "input": raw, "output": {"user_bonus_id": doc["id"]}})
    skip = params.get("skip_invalid_items") == "true"
    if errors and (not skip or not created):
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed", next(iter(errors.values())) if single else errors)
    state.save("bonus", {d["id"]: d for d in created.values()})
    if params.get("async_mode", "false") == "true":
        return operation(state, "USER_BONUS.BATCH_CREATE", {"skip_invalid_items": skip},
                         details={"total_count": len(items), "valid_count": len(created), "not_valid_count": len(errors)},
                         op_id=op_id, log=log), 202
    if single:
        return public(next(iter(created.values()))), 201
    return {"items": {k: public(d) for k, d in created.items()}, "validation_errors": errors or None}, 201


def user_metadata(state: EmulatorState, user_id: str) -> dict:
    worker = _workers(state).get(str(user_id))
    if worker is None:
        raise ApiError(404, "DOES_NOT_EXIST", f"Toloker {user_id} does not exist")
    lang = str(getattr(worker, "language", "EN") or "EN")
    return {"id": str(user_id), "country": {"EN": "US", "RU": "RU", "TR": "TR", "ES": "ES", "FR": "FR", "DE": "DE"}.get(lang, "US"),
            "languages": [lang], "adult_allowed": True,
            "attributes": {"country_by_phone": None, "country_by_ip": None, "client_type": "BROWSER", "user_agent_type": "BROWSER",
                           "device_category": "PERSONAL_COMPUTER", "os_family": "LINUX", "os_version": None}}


def compose(state: EmulatorState, body: dict) -> dict:
    kind = body.get("recipients_select_type")
    workers = _workers(state)
    if kind == "DIRECT":
        recipients = [str(r) for r in body.get("recipients_ids") or ()]
        unknown = [r for r in recipients if r not in workers]
        if not recipients or unknown:
            raise ApiError(400, "INCORRECT_RECIPIENTS", f"recipients_ids must name Tolokers (unknown: {unknown[:5]})")
    elif kind == "FILTER":
        recipients = list(workers)
    else:
        recipients = list(workers)
    now = iso(state.clock())
    doc = {"id": f"m{int(state.new_id('thread', 1)[0]):012d}", "topic": body["topic"], "answerable": bool(body.get("answerable", True)),
           "interlocutors_inlined": True, "interlocutors": [{"id": "emulator-requester", "role": "REQUESTER", "myself": True}],
           "messages_inlined": True,
           "messages": [{"text": body["text"], "from": {"id": "emulator-requester", "role": "REQUESTER", "myself": True},
                         "created": now}],
           "compose_details": {"recipients_select_type": kind, "recipients_ids": recipients if kind == "DIRECT" else None,
                               "recipients_filter": body.get("recipients_filter")},
           "folders": ["OUTBOX"], "created": now, "_recipients": len(recipients)}
    doc["compose_details"] = {k: v for k, v in doc["compose_details"].items() if v is not None}
    state.save("thread", {doc["id"]: doc})
    return public(doc)


def _thread(state: EmulatorState, oid: str) -> dict:
    return state.get("thread", oid)


def reply(state: EmulatorState, oid: str, body: dict) -> dict:
    doc = _thread(state, oid)
    if not doc.get("answerable", True):
        raise ApiError(409, "CONFLICT_STATE", f"message thread {oid} is not answerable")
    msg = {"text": body["text"], "from": {"id": "emulator-requester", "role": "REQUESTER", "myself": True},
           "created": iso(state.clock())}
    doc = {**doc, "messages": doc["messages"] + [msg]}
    state.save("thread", {oid: doc})
    return public(doc)


def folders(state: EmulatorState, oid: str, body: dict, add: bool) -> dict:
    doc = _thread(state, oid)
    names = [f for f in (body or {}).get("folders") or () if f in ("IMPORTANT", "UNREAD")]
    current = [f for f in doc["folders"] if add or f not in names] + ([f for f in names if f not in doc["folders"]] if add else [])
    doc = {**doc, "folders": current}
    state.save("thread", {oid: doc})
    return public(doc)


def threads(state: EmulatorState, params: dict) -> list[dict]:
    folder = params.get("folder")
    wanted = set(folder.split(",")) if folder else None
    return [public(d) for d in state.docs["thread"].values() if wanted is None or wanted & set(d["folders"])]


def attachments(state: EmulatorState) -> list[dict]:
    """Files Tolokers uploaded: a run's ``attachments`` (dicts in AttachmentViewV1 shape, the bytes under
    ``_content``), when the simulation makes any. Without file outputs the list is empty."""
    return [att for run in state.runs() for att in (getattr(state.result(run), "attachments", None) or ())]


def find_attachment(state: EmulatorState, oid: str) -> dict:
    for att in attachments(state):
        if str(att.get("id")) == oid:
            return att
    raise ApiError(404, "DOES_NOT_EXIST", f"attachment {oid} does not exist")


def register(route, state: EmulatorState, search) -> None:
    route("/v1/user-bonuses", ["POST"])(lambda p, q, b: create_bonuses(state, b, q))
    route("/v1/user-bonuses", ["GET"])(lambda p, q, b: (search([public(d) for d in state.docs["bonus"].values()], q,
                                                                ("user_id", "private_comment")),))
    route("/v1/user-bonuses/{oid}", ["GET"])(lambda p, q, b: (public(state.get("bonus", p["oid"])),))
    route("/v1/user-metadata/{oid}", ["GET"])(lambda p, q, b: (user_metadata(state, p["oid"]),))
    route("/v1/message-threads/compose", ["POST"])(lambda p, q, b: (compose(state, b), 201))
    route("/v1/message-threads", ["GET"])(lambda p, q, b: (search(threads(state, q), q, ()),))
    route("/v1/message-threads/{oid}/reply", ["POST"])(lambda p, q, b: (reply(state, p["oid"], b), 201))
    route("/v1/message-threads/{oid}/add-to-folders", ["POST"])(lambda p, q, b: (folders(state, p["oid"], b, True), 201))
    route("/v1/message-threads/{oid}/remove-from-folders", ["POST"])(lambda p, q, b: (folders(state, p["oid"], b, False), 201))
    route("/v1/attachments", ["GET"])(lambda p, q, b: (search([public(a) for a in attachments(state)], q,
                                                              ("name", "type", "user_id", "assignment_id", "pool_id")),))
    route("/v1/attachments/{oid}", ["GET"])(lambda p, q, b: (public(find_attachment(state, p["oid"])),))
