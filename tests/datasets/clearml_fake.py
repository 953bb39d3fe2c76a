"""A stand-in ClearML server for requests-mock: the API calls ClearML's SDK makes for datasets, answered
from memory, and a file server that keeps what is uploaded and serves it back.

Written from the request/response shapes ClearML 2.1's SDK sends and expects (``{"meta": ..., "data": ...}``,
a JWT whose payload carries ``api_version``), as observed by running the SDK against it; not a copy of the
server. Only what Dataset.create / add_files / set_metadata / logger / upload / finalize / get /
get_local_copy use is implemented; any other endpoint is refused with ClearML's error shape (HTTP 400),
so an SDK call the tests do not expect fails them. ``calls`` records every endpoint in order, ``unknown``
the refused ones.
"""
from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import re
import time
import uuid

import requests_mock

API = "http://clearml.test:8008"
FILES = "http://clearml.test:8081"
WEB = "http://clearml.test:8080"
CONF = f"""api {{
  api_server: {API}
  web_server: {WEB}
  files_server: {FILES}
  credentials {{ access_key: "TESTKEY", secret_key: "TESTSECRET" }}
}}
sdk {{ development {{ report_use_subprocess: false }} }}
"""


def _b64(d: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()


def _merge(a: dict, b: dict) -> None:
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict):
            _merge(a[k], v)
        else:
            a[k] = v


def _tag_query(terms: list[str]) -> tuple[list[str], list[str]]:
    """ClearML's tag filter: ``__$all``/``__$any`` operators, ``__$not`` or a ``-`` prefix negates."""
    want, avoid, negate = [], [], False
    for term in terms:
        if term == "__$not":
            negate = True
        elif term.startswith("__$"):
            continue
        else:
            (avoid if negate or term.startswith("-") else want).append(term.lstrip("-"))
            negate = False
    return want, avoid


class FakeClearML:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.unknown: list[str] = []  # endpoints called that this stand-in refused
        self.tasks: dict[str, dict] = {}
        self.projects: dict[str, dict] = {}
        self.files: dict[str, bytes] = {}
        self.events: list[dict] = []
        now = int(time.time())
        self.token = (_b64({"alg": "HS256", "typ": "JWT"}) + "." + _b64(
            {"api_version": "2.30", "server_version": "1.16.0", "exp": now + 86400, "iat": now, "env": "test",
             "identity": {"user": "u", "company": "c"}}) + ".c2ln")

    def install(self, mocker) -> "FakeClearML":
        mocker.register_uri(requests_mock.ANY, re.compile(re.escape(API) + r"/.*"), json=self._api)
        mocker.register_uri("POST", re.compile(re.escape(FILES) + r"/.*"), json=self._upload)
        mocker.register_uri("GET", re.compile(re.escape(FILES) + r"/.*"), content=self._download)
        return self

    # -- file server ----------------------------------------------------------------------------
    def _upload(self, request, context):
        body = request.body.read() if hasattr(request.body, "read") else request.body
        raw = f"Content-Type: {request.headers['Content-Type']}\r\n\r\n".encode() + body
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
        for part in msg.iter_parts():
            self.files[part.get_filename().lstrip("/")] = part.get_payload(decode=True)
        self.calls.append("files.upload")
        return {}

    def _download(self, request, context):
        key = request.path.lstrip("/")
        if key not in self.files:
            context.status_code = 404
            return b""
        return self.files[key]

    # -- API ------------------------------------------------------------------------------------
    def _api(self, request, context):
        ep = request.path.strip("/").split("/")[-1]
        try:
            body = request.json() if request.body else {}
        except ValueError:  # events.add_batch sends one JSON object per line
            body = [json.loads(line) for line in request.text.splitlines() if line.strip()]
        self.calls.append(ep)
        handler = getattr(self, "_" + ep.replace(".", "_"), None)
        if handler is None:  # like the real server: an endpoint it does not know is an error, so a call
            self.unknown.append(ep)  # the SDK makes that this stand-in does not model fails the test
            context.status_code = 400
            return {"meta": {"id": uuid.uuid4().hex, "trx": "t", "endpoint": {"name": ep}, "result_code": 400,
                             "result_subcode": 0, "result_msg": f"Invalid request path /{ep}", "error_stack": ""},
                    "data": {}}
        data = handler(body)
        return {"meta": {"id": uuid.uuid4().hex, "trx": "t", "endpoint": {"name": ep}, "result_code": 200,
                         "result_subcode": 0, "result_msg": "OK", "error_stack": ""}, "data": data}

    # endpoints whose effect no test reads: answered, but explicitly (anything else is refused)
    def _debug_ping(self, body):
        return {"msg": "ClearML server"}

    def _projects_update(self, body):
        project = self.projects.get(body.get("project"))
        if project is not None:
            project.update({k: v for k, v in body.items() if k != "project"})
        return {"updated": 1, "fields": {}}

    def _tasks_edit_hyper_params(self, body):
        task = self.tasks.get(body.get("task"))
        if task is not None:
            for p in body.get("hyperparams") or []:
                task.setdefault("hyperparams", {}).setdefault(p.get("section", "General"), {})[p.get("name")] = p
        return {"updated": 1, "fields": {}}

    def _auth_login(self, body):
        return {"token": self.token}

    def _projects_get_all(self, body):
        name = body.get("name")
        return {"projects": [p for p in self.projects.values()
                             if not name or re.fullmatch(name.lstrip("^").rstrip("$"), p["name"])]}

    def _projects_get_by_id(self, body):
        return {"project": self.projects.get(body.get("project"))}

    def _projects_create(self, body):
        pid = uuid.uuid4().hex
        self.projects[pid] = {"id": pid, "name": body["name"], "system_tags": body.get("system_tags", [])}
        return {"id": pid}

    def _tasks_create(self, body):
        tid = uuid.uuid4().hex
        self.tasks[tid] = {"output": {}, "execution": {"artifacts": []}, "hyperparams": {}, "configuration": {},
                           "runtime": {}, "models": {"input": [], "output": []}, "script": {}, "last_iteration": 0,
                           "status_message": "", "status_reason": "", "comment": "", "user": "u", "company": "c",
                           "tags": [], "system_tags": [], **body, "id": tid, "status": "created",
                           "last_update": "2026-01-01T00:00:00"}
        return {"id": tid}

    def _tasks_get_by_id(self, body):
        return {"task": self.tasks.get(body.get("task"))}

    def _tasks_get_all(self, body):
        found = list(self.tasks.values())
        if body.get("id"):
            ids = body["id"] if isinstance(body["id"], list) else [body["id"]]
            found = [t for t in found if t["id"] in ids]
        for key in ("tags", "system_tags"):
            want, avoid = _tag_query(body.get(key) or [])
            found = [t for t in found if all(w in t.get(key, []) for w in want)
                     and not any(a in t.get(key, []) for a in avoid)]
        if body.get("name"):
            found = [t for t in found if re.search(body["name"], t.get("name", ""))]
        if body.get("project"):
            projects = body["project"] if isinstance(body["project"], list) else [body["project"]]
            found = [t for t in found if t.get("project") in projects]
        if body.get("status"):
            found = [t for t in found if t["status"] in body["status"]]
        return {"tasks": found}

    _tasks_get_all_ex = _tasks_get_all

    def _tasks_edit(self, body):
        task = self.tasks.get(body.get("task"))
        if task is not None:
            _merge(task, {k: v for k, v in body.items() if k not in ("task", "force")})
        return {"updated": 1, "fields": {}}

    def _tasks_add_or_update_artifacts(self, body):
        arts = self.tasks[body["task"]].setdefault("execution", {}).setdefault("artifacts", [])
        keys = {a["key"] for a in body["artifacts"]}
        arts[:] = [a for a in arts if a["key"] not in keys] + body["artifacts"]
        return {"updated": 1}

    def _tasks_edit_configuration(self, body):
        self.tasks[body["task"]].setdefault("configuration", {}).update({c["name"]: c for c in body["configuration"]})
        return {"updated": 1}

    def _status(self, body, status):
        if body.get("task") in self.tasks:
            self.tasks[body["task"]]["status"] = status
        return {"updated": 1, "fields": {"status": status}}

    def _tasks_started(self, body):
        return self._status(body, "in_progress")

    def _tasks_completed(self, body):
        return self._status(body, "completed")

    def _tasks_publish(self, body):
        return self._status(body, "published")

    def _events_add_batch(self, body):
        for line in body if isinstance(body, list) else []:
            self.events.append(line)
        return {"added": len(self.events), "errors": 0}

    def task_of(self, dataset_tag: str) -> dict:
        """The dataset task carrying ``dataset_tag``."""
        hits = [t for t in self.tasks.values() if dataset_tag in t.get("tags", [])]
        assert len(hits) == 1, [t.get("tags") for t in self.tasks.values()]
        return hits[0]
