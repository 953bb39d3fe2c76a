"""Toloka-side aggregation (``/aggregated-solutions``), computed with crowd-kit over the pool's submitted
and accepted answers to real (non-control) tasks.

- ``DAWID_SKENE``: crowd-kit ``DawidSkene``; confidence = its posterior of the chosen answer.
- ``WEIGHTED_DYNAMIC_OVERLAP``: crowd-kit ``MajorityVote`` weighted by each worker's log-odds
  ``log(p (K-1) / (1-p))``, with ``p`` = the worker's ``answer_weight_skill_id`` value / 100 (0.7 without it,
  as the emulator's dynamic overlap assumes); confidence = the matching posterior ``softmax(scores)``.
Several ``fields`` are aggregated as one joint answer. Results are stored under the operation's id.
"""
from __future__ import annotations

import json
import math

from foodcrowd.emulator.objects import operation
from foodcrowd.emulator.state import ApiError, EmulatorState, id_key

__all__ = ["aggregate", "register"]

DEFAULT_WEIGHT_ACCURACY = 0.7


def _answers(state: EmulatorState, pool_id: str, fields: list[str], task_id: str | None = None):
    import pandas as pd

    rows = []
    for _, a, status in state.visible_assignments(pool_id):
        if status not in ("SUBMITTED", "ACCEPTED"):
            continue
        for tid, out, golden in zip(a["task_ids"], a["outputs"], a.get("golden") or [False] * len(a["task_ids"])):
            if golden or (task_id is not None and tid != task_id) or not all(f in (out or {}) for f in fields):
                continue
            rows.append({"task": tid, "worker": a["user_id"], "label": json.dumps([out[f] for f in fields])})
    return pd.DataFrame(rows, columns=["task", "worker", "label"])


def _skills(state: EmulatorState, skill_id: str | None) -> dict:
    from foodcrowd.emulator.views import user_skill_views

    if not skill_id:
        return {}
    return {s["user_id"]: float(s.get("exact_value", s["value"])) for s in user_skill_views(state) if str(s["skill_id"]) == str(skill_id)}


def aggregate(state: EmulatorState, body: dict, task_id: str | None = None) -> list[dict]:
    """Aggregated solutions for ``body`` (a PoolAggregatedSolutionRequest / task request)."""
    import numpy as np
    import pandas as pd

    pool_id = str(body["pool_id"])
    if pool_id not in state.docs["pool"]:
        raise ApiError(404, "DOES_NOT_EXIST", f"pool {pool_id} does not exist")
    fields = [f["name"] for f in body.get("fields") or ()]
    if not fields:
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed", {"fields": {"code": "VALUE_REQUIRED", "message": "name the output fields to aggregate"}})
    data = _answers(state, pool_id, fields, task_id)
    if data.empty:
        return []
    if body["type"] == "DAWID_SKENE":
        from crowdkit.aggregation import DawidSkene

        model = DawidSkene(n_iter=100).fit(data)
        labels, probas = model.labels_, model.probas_
        confidence = {t: float(probas.loc[t, labels[t]]) for t in labels.index}
    else:
        from crowdkit.aggregation import MajorityVote

        classes = max(data["label"].nunique(), 2)
        skills = _skills(state, body.get("answer_weight_skill_id"))
        workers = data["worker"].unique()
        p = np.clip([skills.get(w, 100 * DEFAULT_WEIGHT_ACCURACY) / 100 for w in workers], 0.01, 0.99)
        weights = pd.Series(np.log(p * (classes - 1) / (1 - p)), index=workers)
        labels = MajorityVote().fit(data, skills=weights).labels_
        scored = data.assign(w=data["worker"].map(weights)).groupby(["task", "label"])["w"].sum()
        confidence = {}
        for t, label in labels.items():
            scores = scored.loc[t]
            confidence[t] = float(1.0 / sum(math.exp(s - scores[label]) for s in scores))
    out = [{"pool_id": pool_id, "task_id": t, "confidence": round(confidence[t], 6),
            "output_values": dict(zip(fields, json.loads(labels[t])))} for t in labels.index]
    return sorted(out, key=lambda r: id_key(r["task_id"]))


def _by_pool(state: EmulatorState, body: dict):
    result = aggregate(state, body)
    op = operation(state, "SOLUTION.AGGREGATE", {"pool_id": str(body["pool_id"])})
    state.save("aggregation", {op["id"]: {"items": result}})
    return op, 201


def _by_task(state: EmulatorState, body: dict):
    if body.get("type") != "WEIGHTED_DYNAMIC_OVERLAP" or not body.get("task_id"):
        raise ApiError(400, "VALIDATION_ERROR", "Validation failed",
                       {"type": {"code": "VALUE_NOT_ALLOWED", "message": "aggregate-by-task takes WEIGHTED_DYNAMIC_OVERLAP and a task_id"}})
    result = aggregate(state, body, task_id=str(body["task_id"]))
    if not result:
        raise ApiError(409, "CONFLICT_STATE", f"task {body['task_id']} has no submitted answers to aggregate")
    return result[0], 201


def _find(state: EmulatorState, op_id: str, params: dict) -> dict:
    stored = state.docs["aggregation"].get(op_id)
    if stored is None:
        raise ApiError(404, "DOES_NOT_EXIST", f"aggregation operation {op_id} does not exist")
    ops = {"lt": lambda a, b: a < b, "lte": lambda a, b: a <= b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b}
    items = stored["items"]
    for op_name, test in ops.items():
        bound = params.get(f"task_id_{op_name}")
        if bound is not None:
            items = [r for r in items if test(id_key(r["task_id"]), id_key(bound))]
    if (params.get("sort") or "task_id").startswith("-"):
        items = items[::-1]
    limit = min(int(params.get("limit") or 50), 100_000)
    return {"items": items[:limit], "has_more": len(items) > limit}


def register(route, state: EmulatorState, search) -> None:
    route("/v1/aggregated-solutions/aggregate-by-pool", ["POST"])(lambda p, q, b: _by_pool(state, b))
    route("/v1/aggregated-solutions/aggregate-by-task", ["POST"])(lambda p, q, b: _by_task(state, b))
    route("/v1/aggregated-solutions/{oid}", ["GET"])(lambda p, q, b: (_find(state, p["oid"], q),))
