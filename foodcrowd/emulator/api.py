"""The Toloka API v1 routes the emulator serves (the part toloka-kit 1.2.3 calls), on FastAPI.
(Imported only when the emulator starts, so FastAPI stays out of config validation.)

Every request must carry the emulator's token (``Authorization: OAuth <token>`` or ``ApiKey <token>``).
Errors answer like Toloka: a JSON body with ``code``, ``message`` (and ``payload`` for validation errors).
Endpoints outside Toloka's API answer 404 ``NOT_FOUND`` (never ``DOES_NOT_EXIST``, which toloka-kit reads as
a missing object); see :mod:`foodcrowd.emulator.auth`.
"""
from __future__ import annotations

import errno
import json

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from foodcrowd.emulator import access, aggregate, objects, people, suites, webhooks
from foodcrowd.emulator.auth import check_token, unserved
from foodcrowd.emulator.contract import check_request
from foodcrowd.emulator.export import assignments_tsv
from foodcrowd.emulator.snapshot import snapshot
from foodcrowd.emulator.state import ApiError, EmulatorState, id_key
from foodcrowd.emulator.views import (analytics_value, restriction_views, task_view,
                                      user_skill_views)

__all__ = ["create_app", "search"]

_MAX_LIMIT = 100_000


def search(items, params: dict, exact: tuple = (), default_limit: int = 50) -> dict:
    """Toloka's search: exact filters, ``id``/``created`` ranges, ``sort`` and ``limit`` -> items + has_more."""
    ranges = {"lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}
    out = []
    for item in items:
        ok = True
        for name in exact:
            if name in params:
                wanted = params[name].split(",") if name == "status" else [params[name]]
                ok = str(item.get(name)) in wanted
            if not ok:
                break
        for key, value in params.items():
            if not ok:
                break
            field, _, op = key.rpartition("_")
            if op in ranges and field in ("id", "created", "submitted", "last_started", "modified", "finished"):
                left = item.get(field)
                ok = left is not None and (ranges[op](id_key(left), id_key(value)) if field == "id" else ranges[op](str(left), value))
        if ok:
            out.append(item)
    for part in reversed((params.get("sort") or "id").split(",")):
        name = part.lstrip("-")
        out.sort(key=(lambda x: id_key(x.get("id"))) if name == "id" else (lambda x, n=name: str(x.get(n) or "")),
                 reverse=part.startswith("-"))
    limit = min(int(params.get("limit") or default_limit), _MAX_LIMIT)
    return {"items": out[:limit], "has_more": len(out) > limit}


_NO_ROOM = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _no_room(err: Exception) -> bool:
    """The state dir's disk is full or read-only (an OSError, or SQLite's SQLITE_FULL)."""
    import sqlite3

    if isinstance(err, OSError):
        return err.errno in _NO_ROOM
    return isinstance(err, sqlite3.OperationalError) and (
        getattr(err, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(err))


def create_app(state: EmulatorState):
    app = FastAPI(title="foodcrowd Toloka emulator", docs_url=None, redoc_url=None, openapi_url=None)

    def reply(data, status: int = 200) -> Response:
        if data is None:
            return Response(status_code=204)
        return Response(json.dumps(data, separators=(",", ":")), status_code=status,
                        media_type="application/json; charset=utf-8")

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, err: ApiError):
        body = {"code": err.code, "message": err.message, "request_id": "emulator"}
        if err.payload is not None:
            body["payload"] = err.payload
        return reply(body, err.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, err: StarletteHTTPException):
        if err.status_code in (404, 405):
            err = unserved(request.method, request.url.path, err.status_code)
            return await _api_error(request, err)
        return reply({"code": "INTERNAL_ERROR", "message": str(err.detail), "request_id": "emulator"}, err.status_code)

    @app.exception_handler(Exception)
    async def _internal_error(request: Request, err: Exception):
        if _no_room(err):
            # its state dir's disk is full or read-only: 507, which no client retries (a 500 was retried for
            # minutes before the run could say the disk is full)
            return reply({"code": "INSUFFICIENT_STORAGE", "message": f"{type(err).__name__}: {err}",
                          "request_id": "emulator"}, 507)
        # e.g. sqlite3.OperationalError "database is locked": a JSON 500 toloka-kit can read and retry
        return reply({"code": "INTERNAL_ERROR", "message": f"{type(err).__name__}: {err}", "request_id": "emulator"}, 500)

    async def body(request: Request):
        raw = await request.body()
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "VALIDATION_ERROR", "the request body is not JSON",
                           {"": {"code": "INVALID_JSON", "message": "the request body is not JSON"}}) from None

    def locked(fn, path: str):
        async def handler(request: Request):
            check_token(state, request.headers.get("authorization"))
            payload = await body(request) if request.method in ("POST", "PUT", "PATCH") else None
            params = dict(request.query_params)
            check_request(request.method, path, params, payload)
            with state.lock:
                return reply(*fn(request.path_params, params, payload))
        handler.__name__ = fn.__name__
        return handler

    def route(path: str, methods: list[str]):
        def register(fn):
            app.add_api_route("/api" + path, locked(fn, path), methods=methods, include_in_schema=False)
            return fn
        return register

    # projects, skills, trainings, pools: create, get, list, update
    for kind, plural in (("project", "projects"), ("skill", "skills"), ("training", "trainings"), ("pool", "pools")):
        exact = {"project": ("status",), "skill": ("name",), "training": ("status", "project_id"),
                 "pool": ("status", "project_id")}[kind]
        route(f"/v1/{plural}", ["POST"])(lambda p, q, b, k=kind: (objects.create(state, k, b, q), 201))
        route(f"/v1/{plural}", ["GET"])(lambda p, q, b, k=kind, e=exact: (search(objects.listing(state, k), q, e),))
        route(f"/v1/{plural}/{{oid}}", ["GET"])(lambda p, q, b, k=kind: (objects.get_view(state, k, p["oid"]),))
        route(f"/v1/{plural}/{{oid}}", ["PUT"])(
            lambda p, q, b, k=kind: (objects.update(state, objects.kind_of(state, k, p["oid"]), p["oid"], b, replace=True),))
    route("/v1/pools/{oid}", ["PATCH"])(lambda p, q, b: (objects.patch_pool(state, p["oid"], b),))
    for kind, plural in (("training", "trainings"), ("pool", "pools"), ("project", "projects")):
        for action in ("open", "close", "archive", "close-for-update"):
            if kind == "project" and action != "archive":
                continue
            route(f"/v1/{plural}/{{oid}}/{action}", ["POST"])(
                lambda p, q, b, k=kind, a=action: objects.transition(state, objects.kind_of(state, k, p["oid"]), p["oid"], a))
        if kind != "project":
            route(f"/v1/{plural}/{{oid}}/clone", ["POST"])(
                lambda p, q, b, k=kind: suites.clone(state, objects.kind_of(state, k, p["oid"]), p["oid"]))

    # tasks and task suites
    route("/v1/tasks", ["POST"])(lambda p, q, b: objects.create_tasks(state, b, q))
    route("/v1/tasks", ["GET"])(lambda p, q, b: (search(objects.task_listing(state, q), q, ("pool_id",)),))
    route("/v1/tasks/{oid}", ["GET"])(lambda p, q, b: (task_view(state, state.get("task", p["oid"])),))
    route("/v1/tasks/{oid}", ["PATCH"])(lambda p, q, b: (objects.patch_task(state, p["oid"], b),))
    route("/v1/tasks/{oid}/set-overlap-or-min", ["PATCH"])(lambda p, q, b: (objects.patch_task(state, p["oid"], b),))
    suites.register(route, state, search)

    # assignments
    @route("/v1/assignments", ["GET"])
    def _assignments(p, q, b):
        from foodcrowd.emulator.listing import assignment_listing

        return (assignment_listing(state, q),)

    @app.get("/api/new/requester/pools/{pool_id}/assignments.tsv", include_in_schema=False)
    async def _assignments_tsv(request: Request, pool_id: str):
        check_token(state, request.headers.get("authorization"))
        with state.lock:
            text = assignments_tsv(state, pool_id, dict(request.query_params), str(request.base_url))
        return Response(text, media_type="text/tab-separated-values; charset=utf-8")

    @app.get("/api/v1/attachments/{oid}/download", include_in_schema=False)
    async def _download(request: Request, oid: str):
        check_token(state, request.headers.get("authorization"))
        with state.lock:
            att = people.find_attachment(state, oid)
        content = att.get("_content", b"")
        return Response(content.encode() if isinstance(content, str) else content,
                        media_type=att.get("media_type") or "application/octet-stream")

    route("/v1/assignments/{oid}", ["GET"])(lambda p, q, b: (objects.assignment(state, p["oid"]),))
    route("/v1/assignments/{oid}", ["PATCH"])(lambda p, q, b: (objects.patch_assignment(state, p["oid"], b),))

    # people
    route("/v1/user-restrictions", ["PUT"])(lambda p, q, b: (access.set_restriction(state, b),))
    route("/v1/user-restrictions", ["GET"])(lambda p, q, b: (search(restriction_views(state), q, ("scope", "user_id", "project_id", "pool_id")),))
    route("/v1/user-restrictions/{oid}", ["GET"])(lambda p, q, b: (objects.find(restriction_views(state), p["oid"], "user restriction"),))
    route("/v1/user-restrictions/{oid}", ["DELETE"])(lambda p, q, b: (access.delete_restriction(state, p["oid"]), 204))
    route("/v1/user-skills", ["PUT"])(lambda p, q, b: (access.set_user_skill(state, b),))
    route("/v1/user-skills/{oid}", ["DELETE"])(lambda p, q, b: (access.delete_user_skill(state, p["oid"]), 204))
    route("/v1/user-skills", ["GET"])(lambda p, q, b: (search(user_skill_views(state), q, ("user_id", "skill_id")),))
    route("/v1/user-skills/{oid}", ["GET"])(lambda p, q, b: (objects.find(user_skill_views(state), p["oid"], "user skill"),))

    # operations, requester, analytics, the emulator's own state
    route("/v1/operations", ["GET"])(lambda p, q, b: (search(list(state.docs["operation"].values()), q, ("type", "status")),))
    route("/v1/operations/{oid}", ["GET"])(lambda p, q, b: (state.get("operation", p["oid"]),))
    route("/v1/operations/{oid}/log", ["GET"])(lambda p, q, b: (state.docs["oplog"].get(p["oid"], {}).get("items", []),))
    route("/v1/requester", ["GET"])(lambda p, q, b: (objects.requester(state),))

    @route("/staging/analytics-2", ["POST"])
    def _analytics(p, q, b):
        if not isinstance(b, list) or not b:
            raise ApiError(400, "VALIDATION_ERROR", "a list of analytics requests is expected")
        values = [{"request": r, "result": {"value": analytics_value(state, r)}} for r in b]
        return (objects.operation(state, "ANALYTICS", {}, details={"value": values}), 202)

    for module in (people, aggregate, webhooks):
        module.register(route, state, search)
    route("/v1/_emulator/state", ["GET"])(lambda p, q, b: (snapshot(state),))
    return app
