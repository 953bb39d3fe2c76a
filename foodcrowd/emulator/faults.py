"""Fault injection (``crowd.faults``): 429 with Retry-After, 500, 503, added latency, dropped connections.

Each fault is decided by a hash of (seed, method, path, query, body, how many times this exact request
was seen), so a run's faults are deterministic per seed, and at most ``max_in_row`` faults hit the same
request in a row, so toloka-kit's retries always recover. A 500 or a dropped connection hits an
idempotent request (GET/PUT/PATCH/DELETE, a POST carrying an ``operation_id``, open/close/archive) after
the emulator has done the work, which is what proves idempotency; other POSTs fail before any work.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import Counter

__all__ = ["FaultInjector"]


class _DroppedConnection(Exception):
    """Raised after the response started, so the server closes the connection mid-answer."""


class _QuietDrops(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], _DroppedConnection))


logging.getLogger("uvicorn.error").addFilter(_QuietDrops())

_ERRORS = {"429": (429, "TOO_MANY_REQUESTS", "Too many requests (injected fault)"),
           "500": (500, "INTERNAL_ERROR", "Internal error (injected fault)"),
           "503": (503, "REMOTE_SERVICE_UNAVAILABLE", "Service unavailable (injected fault)")}


class FaultInjector:
    """ASGI middleware in front of the emulator's app."""

    def __init__(self, app, faults: dict | None, seed: int, counts: Counter) -> None:
        faults = faults or {}
        self.app, self.seed, self.counts = app, int(seed), counts
        self.rates = [(name, float(faults.get(key) or 0.0)) for name, key in
                      (("429", "rate_429"), ("500", "rate_500"), ("503", "rate_503"), ("drop", "rate_drop"))]
        self.latency = float(faults.get("latency_ms") or 0.0) / 1000.0
        self.retry_after = faults.get("retry_after_seconds") or 0
        self.max_in_row = int(faults.get("max_in_row", 1))
        self.active = any(r > 0 for _, r in self.rates) or self.latency > 0
        self.seen: Counter = Counter()
        self.in_row: Counter = Counter()

    def _decide(self, key: str) -> str | None:
        n = self.seen[key]
        self.seen[key] += 1
        if self.in_row[key] >= self.max_in_row:
            self.in_row[key] = 0
            return None
        digest = hashlib.sha256(f"{self.seed}|{key}|{n}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        edge = 0.0
        for name, rate in self.rates:
            edge += rate
            if u < edge:
                self.in_row[key] += 1
                return name
        self.in_row[key] = 0
        return None

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.active or scope["path"].startswith("/api/v1/_emulator"):
            await self.app(scope, receive, send)
            return
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        query = "&".join(sorted(scope.get("query_string", b"").decode().split("&")))
        key = hashlib.sha256(b"|".join([scope["method"].encode(), scope["path"].encode(), query.encode(), body])).hexdigest()
        fault = self._decide(key)
        if self.latency:
            await asyncio.sleep(self.latency)

        async def replay():
            return {"type": "http.request", "body": body, "more_body": False}

        if fault is None:
            await self.app(scope, replay, send)
            return
        self.counts[fault] += 1
        path, method = scope["path"], scope["method"]
        idempotent = method in ("GET", "PUT", "PATCH", "DELETE") or "operation_id=" in query or \
            path.rsplit("/", 1)[-1] in ("open", "close", "archive", "close-for-update")
        if fault in ("500", "drop") and idempotent:
            async def swallow(message):
                return None
            await self.app(scope, replay, swallow)
        if fault == "drop":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", b"1000")]})
            raise _DroppedConnection(path)
        status, code, message = _ERRORS[fault]
        headers = [(b"content-type", b"application/json")]
        if fault == "429":
            headers.append((b"retry-after", str(self.retry_after).encode()))
        payload = json.dumps({"code": code, "message": message, "request_id": "emulator-fault"}).encode()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
