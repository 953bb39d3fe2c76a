"""Label Studio's REST API over httpx: the few documented endpoints foodcrowd needs.

Projects are found by title (so a re-run finds the project it made instead of making another), tasks are
imported once per ``item_id`` (a re-run imports only the missing ones), and annotations come back through
the project's JSON export. Auth: ``Authorization: Token <token>`` (a legacy token; the managed server
enables them), or a personal access token (a JWT refresh token, exchanged at ``/api/token/refresh`` for a
short-lived access token sent as ``Bearer``). The token is never logged.
"""
from __future__ import annotations

import logging
from typing import Any

from foodcrowd.review.service import LabelStudioError

__all__ = ["LabelStudioClient"]

log = logging.getLogger(__name__)


class LabelStudioClient:
    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        import httpx

        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)
        self._token = token
        self._http.headers["Authorization"] = self._auth_header(token)

    def _auth_header(self, token: str) -> str:
        if token.count(".") == 2:  # a JWT: a personal access token (refresh) -> an access token
            reply = self._http.post("/api/token/refresh", json={"refresh": token})
            if reply.status_code != 200:
                raise LabelStudioError(f"Label Studio refused the personal access token (HTTP {reply.status_code})",
                                       "LABEL_STUDIO_API_KEY", "create a new token under Account & Settings")
            return f"Bearer {reply.json()['access']}"
        return f"Token {token}"

    def _call(self, method: str, path: str, **kw) -> Any:
        import httpx

        try:
            reply = self._http.request(method, path, **kw)
        except httpx.HTTPError as err:
            raise LabelStudioError(f"Label Studio at {self.url} did not answer: {type(err).__name__}", "review.url",
                                   "start it (python -m foodcrowd.review serve) or fix review.url") from None
        if reply.status_code == 401 and self._token.count(".") == 2:  # access token expired: refresh once
            self._http.headers["Authorization"] = self._auth_header(self._token)
            reply = self._http.request(method, path, **kw)
        if reply.status_code in (401, 403):
            raise LabelStudioError(f"Label Studio refused the token (HTTP {reply.status_code} on {path})",
                                   "LABEL_STUDIO_API_KEY", "set a valid token (legacy or personal access token)")
        if reply.status_code >= 400:
            raise LabelStudioError(f"Label Studio answered HTTP {reply.status_code} on {method} {path}: "
                                   f"{reply.text[:300]}", "review", "see the message; the project may need fixing")
        return reply.json() if reply.content else None

    # ---- projects -------------------------------------------------------------------------------
    def whoami(self) -> dict:
        return self._call("GET", "/api/current-user/whoami")

    def find_project(self, title: str) -> dict | None:
        reply = self._call("GET", "/api/projects", params={"page_size": 1000, "title": title})
        found = [p for p in reply.get("results", []) if p.get("title") == title]
        return min(found, key=lambda p: p["id"]) if found else None

    def ensure_project(self, title: str, label_config: str, description: str = "",
                       instruction: str = "", maximum_annotations: int = 1) -> dict:
        """The project called ``title`` (created, or its labeling config and overlap brought up to date).
        ``maximum_annotations``: how many annotators label each task (Label Studio's overlap)."""
        body = {"title": title, "label_config": label_config, "description": description,
                "expert_instruction": instruction, "show_instruction": bool(instruction),
                "show_skip_button": False, "maximum_annotations": int(maximum_annotations)}
        project = self.find_project(title)
        if project is None:
            project = self._call("POST", "/api/projects", json=body)
            log.info("review: created Label Studio project %s (%s)", project["id"], title)
        else:
            changed = {k: body[k] for k in ("label_config", "maximum_annotations") if project.get(k) != body[k]}
            if changed:
                project = self._call("PATCH", f"/api/projects/{project['id']}", json=changed)
        return project

    def ensure_local_storage(self, project_id: int, path: str) -> None:
        """A local-files source over ``path`` so the server serves the staged images to this project."""
        have = self._call("GET", "/api/storages/localfiles", params={"project": project_id}) or []
        if not any(s.get("path") == path for s in have):
            self._call("POST", "/api/storages/localfiles",
                       json={"project": project_id, "path": path, "use_blob_urls": False, "title": "foodcrowd"})

    def users(self) -> dict[int, str]:
        """User id -> email of the organisation's users (annotators are named by email in the answers)."""
        reply = self._call("GET", "/api/users/") or []
        rows = reply.get("results", []) if isinstance(reply, dict) else reply
        return {int(u["id"]): str(u.get("email") or u["id"]) for u in rows}

    def project_url(self, project_id: int) -> str:
        return f"{self.url}/projects/{project_id}/data"

    # ---- tasks and annotations ----------------------------------------------------------------------
    def import_tasks(self, project_id: int, tasks: list[dict], key: str = "item_id") -> int:
        """Import the tasks whose ``data[key]`` is not in the project yet; returns how many were new."""
        have = {str(t["data"].get(key)) for t in self.export(project_id)}
        new = [t for t in tasks if str(t["data"][key]) not in have]
        if new:
            self._call("POST", f"/api/projects/{project_id}/import", json=new)
        return len(new)

    def export(self, project_id: int) -> list[dict]:
        """Every task of the project with its annotations (and predictions), as Label Studio exports JSON."""
        return self._call("GET", f"/api/projects/{project_id}/export",
                          params={"exportType": "JSON", "download_all_tasks": "true"}) or []

    def annotate(self, task_id: int, result: list[dict]) -> dict:
        """Submit an annotation as the token's user (used by scripts; experts label in the browser)."""
        return self._call("POST", f"/api/tasks/{task_id}/annotations", json={"result": result})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "LabelStudioClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
