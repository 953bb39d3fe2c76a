"""Webhook subscriptions (``/webhook-subscriptions``) and the dispatcher that really POSTs events.

A background thread wakes every ``INTERVAL`` seconds, derives the events of each subscribed pool from
what the emulator reveals by now (assignments created / submitted / accepted / rejected / skipped /
expired, the pool closing) and POSTs ``{"events": [...]}`` to the subscriber in event-time order, each
event once (a subscriber that fails gets the event again on the next tick; sent keys are stored, so a
restart does not resend). With a ``secret_key`` the request carries ``Toloka-Signature``: the hex
HMAC-SHA256 of the body under that key. ``DYNAMIC_OVERLAP_COMPLETED`` is accepted and never sent.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import uuid

from foodcrowd.emulator.contract import check_body, spec, validation_error
from foodcrowd.emulator.state import ApiError, EmulatorState, iso

__all__ = ["Dispatcher", "loopback_only", "register"]

log = logging.getLogger(__name__)
INTERVAL = 0.2
_STATUS_EVENT = {"ACCEPTED": "ASSIGNMENT_APPROVED", "REJECTED": "ASSIGNMENT_REJECTED", "SKIPPED": "ASSIGNMENT_SKIPPED",
                 "EXPIRED": "ASSIGNMENT_EXPIRED"}


def _form() -> dict:
    return spec()["components"]["schemas"]["WebhookSubscriptionFormV1"]


def _upsert_one(state: EmulatorState, raw) -> dict:
    errors = check_body(_form(), raw)
    if errors:
        raise validation_error(errors)
    if str(raw["pool_id"]) not in state.docs["pool"]:
        raise validation_error({"pool_id": {"code": "DOES_NOT_EXIST", "message": f"pool {raw['pool_id']} does not exist"}})
    for doc in state.docs["webhook"].values():   # Toloka: one subscription per (pool, event type), updated in place
        if not doc.get("_deleted") and doc["pool_id"] == str(raw["pool_id"]) and doc["event_type"] == raw["event_type"]:
            doc = {**doc, "webhook_url": raw["webhook_url"], "secret_key": raw.get("secret_key")}
            state.save("webhook", {doc["id"]: doc})
            return doc
    doc = {"id": f"wh{int(state.new_id('webhook', 1)[0]):012d}", "event_type": raw["event_type"], "webhook_url": raw["webhook_url"],
           "pool_id": str(raw["pool_id"]), "secret_key": raw.get("secret_key"), "created": iso(state.clock())}
    state.save("webhook", {doc["id"]: doc})
    return doc


def _view(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if not k.startswith("_") and k != "secret_key" and v is not None}


def upsert(state: EmulatorState, body):
    if not isinstance(body, list):
        return _view(_upsert_one(state, body)), 200
    items, errors = {}, {}
    for k, raw in enumerate(body):
        try:
            items[str(k)] = _view(_upsert_one(state, raw))
        except ApiError as err:
            errors[str(k)] = err.payload
    return {"items": items, "validation_errors": errors or None}, 200


def _events(state: EmulatorState, sub: dict) -> list[dict]:
    """Every event of ``sub``'s type that has happened by now, oldest first (keys are stable)."""
    pool = state.docs["pool"].get(sub["pool_id"])
    if pool is None:
        return []
    base = {"webhook_subscription_id": sub["id"], "project_id": str(pool.get("project_id")), "pool_id": sub["pool_id"],
            "type": sub["event_type"]}
    out = []
    if sub["event_type"] == "POOL_CLOSED":
        status, reason, stopped = state.status("pool", pool)
        if status == "CLOSED" and stopped is not None:
            out.append({**base, "event_time": iso(stopped), "close_reason": reason, "_key": f"closed@{stopped:.3f}"})
        return out
    for run, a, status in state.visible_assignments(sub["pool_id"]):
        created, submitted = run["base"] + a["created"], run["base"] + a["submitted"]
        stamp = {"ASSIGNMENT_CREATED": created,
                 "ASSIGNMENT_SUBMITTED": submitted if status in ("SUBMITTED", "ACCEPTED", "REJECTED") else None}.get(sub["event_type"])
        if sub["event_type"] == _STATUS_EVENT.get(status):
            patch = state.docs["patch"].get(a["id"])
            stamp = patch["_at"] if patch and patch.get("status") == status else submitted
        if stamp is not None:
            out.append({**base, "event_time": iso(stamp), "assignment_id": a["id"], "task_suite_id": a["id"] + "s",
                        "_key": a["id"], "_t": stamp})
    return sorted(out, key=lambda e: (e["_t"], e["_key"]))


def loopback_only(url: str) -> bool:
    """A delivery guard (``state.webhook_guard``) that lets only loopback subscribers be called."""
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "") in ("127.0.0.1", "localhost", "::1")


def _post(sub: dict, events: list[dict], guard=None) -> tuple[bool, int | None]:
    import httpx

    if guard is not None and not guard(sub["webhook_url"]):
        return False, None
    body = json.dumps({"events": [{k: v for k, v in e.items() if not k.startswith("_")} for e in events]}).encode()
    headers = {"Content-Type": "application/json"}
    if sub.get("secret_key"):
        headers["Toloka-Signature"] = hmac.new(sub["secret_key"].encode(), body, hashlib.sha256).hexdigest()
    try:
        resp = httpx.post(sub["webhook_url"], content=body, headers=headers, timeout=5.0)
    except httpx.HTTPError:
        return False, None
    return 200 <= resp.status_code < 300, resp.status_code


class Dispatcher:
    """The thread that delivers events; ``stop()`` ends it."""

    def __init__(self, state: EmulatorState) -> None:
        self.state = state
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="foodcrowd-emulator-webhooks", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(INTERVAL):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a delivery problem must never stop the emulator
                log.exception("webhook delivery failed; retrying on the next tick")

    def tick(self) -> int:
        """Deliver what is due; returns the number of events delivered."""
        state, delivered = self.state, 0
        with state.lock:
            subs = [s for s in state.docs["webhook"].values() if not s.get("_deleted")]
            due = []
            for sub in subs:
                sent = set((state.docs["webhook_sent"].get(sub["id"]) or {}).get("keys", ()))
                events = [e for e in _events(state, sub) if e["_key"] not in sent]
                for e in events:
                    e["uuid"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{sub['id']}/{e['_key']}"))
                if events:
                    due.append((sub, events, sent))
        for sub, events, sent in due:
            ok, _ = _post(sub, events, getattr(state, "webhook_guard", None))
            if ok:
                with state.lock:
                    state.save("webhook_sent", {sub["id"]: {"keys": sorted(sent | {e["_key"] for e in events})}})
                delivered += len(events)
        return delivered

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _test(state: EmulatorState, oid: str):
    sub = state.get("webhook", oid)
    event = {"uuid": str(uuid.uuid4()), "webhook_subscription_id": oid, "event_time": iso(state.clock()),
             "type": "TEST_EVENT", "pool_id": sub["pool_id"]}
    ok, code = _post(sub, [event], getattr(state, "webhook_guard", None))
    out = {"success": ok, "responseReceivedAt": iso(state.clock()), "uuids": [event["uuid"]]}
    if not ok:
        out.update(errorType="CONNECTION_ERROR" if code is None else "WRONG_STATUS_CODE")
        if code is not None:
            out["originalStatusCode"] = code
    return out, 201


def _delete(state: EmulatorState, oid: str):
    doc = state.get("webhook", oid)
    if doc.get("_deleted"):
        raise ApiError(404, "DOES_NOT_EXIST", f"webhook subscription {oid} does not exist")
    state.save("webhook", {oid: {**doc, "_deleted": True}})
    return None, 204


def _get(state: EmulatorState, oid: str) -> dict:
    doc = state.get("webhook", oid)
    if doc.get("_deleted"):
        raise ApiError(404, "DOES_NOT_EXIST", f"webhook subscription {oid} does not exist")
    return _view(doc)


def register(route, state: EmulatorState, search) -> None:
    route("/v1/webhook-subscriptions", ["PUT"])(lambda p, q, b: upsert(state, b))
    route("/v1/webhook-subscriptions", ["GET"])(lambda p, q, b: (search(
        [_view(d) for d in state.docs["webhook"].values() if not d.get("_deleted")], q, ("event_type", "pool_id")),))
    route("/v1/webhook-subscriptions/{oid}", ["GET"])(lambda p, q, b: (_get(state, p["oid"]),))
    route("/v1/webhook-subscriptions/{oid}", ["DELETE"])(lambda p, q, b: _delete(state, p["oid"]))
    route("/v1/webhook-subscriptions/{oid}/test", ["POST"])(lambda p, q, b: _test(state, p["oid"]))
