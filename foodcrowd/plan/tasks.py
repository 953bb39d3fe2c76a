"""Tasks of a plan: one real task per item, control tasks and exam tasks with known solutions and hints.

Pure: the data stage's tables (``items``, ``control``, ``exam``; columns in docs/CONTRACTS.md) in, plain
(wire) task dicts out, in a fixed order (so upload batches, and their operation ids, are reproducible).
Control tasks come first in the main pool, so the mixer has golden tasks from the first page on.
"""
from __future__ import annotations

from typing import Any

from foodcrowd.plan.pools import PlanError, ref

__all__ = ["real_tasks", "known_tasks", "task_item_id"]


def _inputs(row: Any, image_field: str) -> dict:
    return {"item_id": str(row["item_id"]), image_field: str(row["url"])}


def real_tasks(items, image_field: str, pool_key: str = "pool:main") -> list[dict]:
    """One task per row of ``items``; overlap comes from the pool's defaults."""
    if items["item_id"].duplicated().any():
        dup = items.loc[items["item_id"].duplicated(), "item_id"].iloc[0]
        raise PlanError(f"data/items.parquet: item_id {dup!r} appears twice (each item becomes one task)")
    return [{"pool_id": ref(pool_key), "input_values": _inputs(row, image_field)} for row in items.to_dict("records")]


def known_tasks(table, questions: dict, image_field: str, pool_key: str, what: str) -> list[dict]:
    """Tasks with a known solution and a hint (control or exam): one per row of ``table``."""
    tasks = []
    for row in table.to_dict("records"):
        question = str(row["question"])
        if question not in questions:
            raise PlanError(f"data/{what}.parquet: question {question!r} is not in the config's questions")
        answer = str(row["answer"])
        classes = [str(c) for c in questions[question].get("classes") or []]
        if classes and answer not in classes:
            raise PlanError(f"data/{what}.parquet: item {row['item_id']}: answer {answer!r} is not one of {classes}")
        hint = str(row.get("hint") or "") or f"The right answer is {answer!r}."
        tasks.append({"pool_id": ref(pool_key), "input_values": _inputs(row, image_field),
                      "known_solutions": [{"output_values": {question: answer}, "correctness_weight": 1}],
                      "message_on_unknown_solution": hint, "infinite_overlap": True})
    return tasks


def task_item_id(task: dict) -> str:
    return str(task["input_values"]["item_id"])
