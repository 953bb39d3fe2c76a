"""Toloka's results export: ``GET /api/new/requester/pools/{pool_id}/assignments.tsv``, what the requester's
"Download results" button and toloka-kit's ``TolokaClient.get_assignments_df`` fetch.

One row per task of each assignment; columns ``INPUT:<input field>``, ``OUTPUT:<output field>``,
``GOLDEN:<output field>`` (known solutions of control and training tasks), ``HINT:text`` and
``HINT:default_language`` (training hints), ``ACCEPT:verdict``/``ACCEPT:comment`` (pools reviewed by hand),
then the ``ASSIGNMENT:*`` fields asked for in ``field``. Query parameters (as toloka-kit 1.2.3 sends them):
``status`` (comma list of ACTIVE, SUBMITTED, APPROVED, REJECTED, SKIPPED, EXPIRED; default APPROVED),
``startTimeFrom``/``startTimeTo`` (on ``started``), ``excludeBanned``, ``field``, ``addRowDelimiter`` (an
empty row after each assignment). The status ``ACCEPTED`` of API v1 is ``APPROVED`` here, as in Toloka.
"""
from __future__ import annotations

import json

from foodcrowd.emulator.state import ApiError, EmulatorState, iso
from foodcrowd.emulator.views import restriction_views

__all__ = ["ASSIGNMENT_FIELDS", "assignments_tsv"]

ASSIGNMENT_FIELDS = ("link", "assignment_id", "task_id", "task_suite_id", "worker_id", "status", "started", "submitted",
                     "accepted", "rejected", "skipped", "expired", "reward")
_STATUSES = {"ACTIVE", "SUBMITTED", "APPROVED", "REJECTED", "SKIPPED", "EXPIRED"}
_DEFAULT_FIELDS = "ASSIGNMENT:link,ASSIGNMENT:assignment_id,ASSIGNMENT:worker_id,ASSIGNMENT:status,ASSIGNMENT:started"


def _cell(value) -> str:
    """One TSV cell: strings as they are, other values as JSON, quoted like the csv module when needed."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if "\t" in text or "\n" in text or "\r" in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def _flag(value: str | None) -> bool:
    return str(value or "").lower() in ("true", "1", "yes")


def _parse(params: dict) -> tuple[set, list[str], bool, bool, str | None, str | None]:
    statuses = {s.strip() for s in (params.get("status") or "APPROVED").split(",") if s.strip()}
    if not statuses <= _STATUSES:
        raise ApiError(400, "VALIDATION_ERROR", f"status: {sorted(statuses - _STATUSES)} not in {sorted(_STATUSES)}",
                       {"status": "VALUE_NOT_ALLOWED"})
    fields = [f.strip() for f in (params.get("field") or _DEFAULT_FIELDS).split(",") if f.strip()]
    unknown = [f for f in fields if not f.startswith("ASSIGNMENT:") or f.split(":", 1)[1] not in ASSIGNMENT_FIELDS]
    if unknown:
        raise ApiError(400, "VALIDATION_ERROR", f"field: {unknown} are not ASSIGNMENT:{{{','.join(ASSIGNMENT_FIELDS)}}}",
                       {"field": "VALUE_NOT_ALLOWED"})
    return (statuses, [f.split(":", 1)[1] for f in fields], _flag(params.get("excludeBanned")),
            _flag(params.get("addRowDelimiter")), params.get("startTimeFrom"), params.get("startTimeTo"))


def _banned(state: EmulatorState, doc: dict) -> set:
    """Workers restricted right now in this pool, its project, or everywhere."""
    out = set()
    now = iso(state.clock())
    for r in restriction_views(state):
        if r.get("will_expire") and r["will_expire"] <= now:
            continue
        scope = r.get("scope")
        if scope in ("ALL_PROJECTS", "SYSTEM") or (scope == "PROJECT" and r.get("project_id") == doc.get("project_id")) \
                or (scope == "POOL" and r.get("pool_id") == doc["id"]):
            out.add(r["user_id"])
    return out


def assignments_tsv(state: EmulatorState, pool_id: str, params: dict, base_url: str) -> str:
    """The export of ``pool_id`` (a pool or a training) as TSV text."""
    kind = "pool" if pool_id in state.docs["pool"] else "training"
    doc = state.get(kind, pool_id)
    statuses, fields, exclude_banned, delimit, start_from, start_to = _parse(params)
    spec = (state.docs["project"].get(doc.get("project_id"), {}).get("task_spec") or {})
    inputs, outputs = list(spec.get("input_spec") or {}), list(spec.get("output_spec") or {})
    header = [f"INPUT:{f}" for f in inputs] + [f"OUTPUT:{f}" for f in outputs] + [f"GOLDEN:{f}" for f in outputs] \
        + ["HINT:text", "HINT:default_language"]
    review = kind == "pool" and not doc.get("auto_accept_solutions")
    if review:
        header += ["ACCEPT:verdict", "ACCEPT:comment"]
    header += [f"ASSIGNMENT:{f}" for f in fields]
    banned = _banned(state, doc) if exclude_banned else set()
    lines = ["\t".join(_cell(h) for h in header)]
    tasks, empty, parts = state.docs["task"], [""] * len(outputs), {}
    link = base_url.rstrip("/") + "/api/v1/assignments/"
    for run, a, status in state.visible_assignments(pool_id):
        status = "APPROVED" if status == "ACCEPTED" else status
        started = iso(run["base"] + a["created"])
        if status not in statuses or a["user_id"] in banned or (start_from and started < start_from) \
                or (start_to and started > start_to):
            continue
        stamp = None if status == "ACTIVE" else iso(run["base"] + a["submitted"])
        patch = state.docs["patch"].get(a["id"]) or {}
        answered = status in ("SUBMITTED", "APPROVED", "REJECTED")
        meta = {"link": link + a["id"], "assignment_id": a["id"], "task_suite_id": a["id"] + "s", "worker_id": a["user_id"],
                "status": status, "started": started, "reward": a["reward"] if answered else 0.0,
                "submitted": stamp if answered else None,
                "accepted": (iso(patch["_at"]) if patch.get("status") == "ACCEPTED" else stamp) if status == "APPROVED" else None,
                "rejected": (iso(patch["_at"]) if patch else stamp) if status == "REJECTED" else None,
                "skipped": stamp if status == "SKIPPED" else None, "expired": stamp if status == "EXPIRED" else None}
        fixed = [{"APPROVED": "OK", "REJECTED": "BAD"}.get(status, ""), _cell(patch.get("public_comment"))] if review else []
        cells = {f: _cell(meta[f]) for f in fields if f != "task_id"}
        for k, tid in enumerate(a["task_ids"]):
            task_in, task_golden = parts.get(tid) or parts.setdefault(tid, _task_cells(tasks[tid], inputs, outputs))
            solution = a["outputs"][k] if answered and k < len(a["outputs"]) else None
            row = task_in + ([_cell(solution.get(f)) for f in outputs] if solution else empty) + task_golden + fixed
            row += [cells[f] if f != "task_id" else _cell(tid) for f in fields]
            lines.append("\t".join(row))
        if delimit:
            lines.append("")
    return "\n".join(lines) + "\n"


def _task_cells(task: dict, inputs: list[str], outputs: list[str]) -> tuple[list[str], list[str]]:
    """(the INPUT cells, the GOLDEN and HINT cells) of one task: they repeat on every row of the task."""
    values = task.get("input_values") or {}
    known = (task.get("known_solutions") or [{}])[0].get("output_values") or {}
    hint = task.get("message_on_unknown_solution")
    return [_cell(values.get(f)) for f in inputs], [_cell(known.get(f)) for f in outputs] + [_cell(hint), "EN" if hint else ""]
