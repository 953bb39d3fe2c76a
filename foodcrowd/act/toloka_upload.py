"""Upload a plan's tasks in batches, each an async operation with a fixed id, then open the containers.

A batch's operation id is derived from the run key, the container and the batch index, so a retried
upload (tenacity, after toloka-kit's own retries) or a resumed run resubmits the *same* operation, which
the platform refuses to run twice. Before uploading, the tasks already in a container are listed and only
the missing ones are sent, so even a platform that forgot an operation never gets a task twice.
"""
from __future__ import annotations

from foodcrowd.failpoints import failpoint

import logging

from foodcrowd.act.toloka_state import CrowdState, operation_id
from foodcrowd.plan.pools import resolve
from foodcrowd.plan.tasks import task_item_id

__all__ = ["task_key", "upload_tasks", "open_containers"]

log = logging.getLogger(__name__)


def task_key(task) -> tuple[str, bool]:
    """What identifies a task in a container: its item and whether it has a known solution."""
    if isinstance(task, dict):
        return task_item_id(task), bool(task.get("known_solutions"))
    return str(task.input_values.get("item_id")), bool(task.known_solutions)


def _existing(client, container_id: str) -> set[tuple[str, bool]]:
    return {task_key(t) for t in client.get_tasks(pool_id=container_id)}


def _retrying():
    from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential
    from toloka.client.exceptions import ApiError
    import httpx

    def worth_it(err: BaseException) -> bool:  # 507: the emulator's disk is full; a retry cannot help
        return isinstance(err, (ApiError, httpx.HTTPError)) and getattr(err, "status_code", None) != 507

    return retry(retry=retry_if_exception(worth_it), stop=stop_after_attempt(4),
                 wait=wait_exponential(multiplier=0.5, max=8), reraise=True)


def _submit(client, tasks: list[dict], op_id: str) -> None:
    from toloka.client import structure
    from toloka.client.task import Task

    objs = [structure(t, Task) for t in tasks]
    op = client.create_tasks_async(objs, operation_id=op_id, allow_defaults=True, skip_invalid_items=False,
                                   open_pool=False)
    op = client.wait_operation(op)
    op.raise_on_fail()


def upload_tasks(client, plan, ids: dict[str, str], state: CrowdState, batch_size: int) -> int:
    """Create every planned task that is not there yet; returns how many were sent."""
    from tqdm.auto import tqdm

    total = sum(len(t) for t in plan.tasks.values())
    sent = 0
    with tqdm(total=total, desc="upload tasks", unit="task", leave=False) as bar:
        for container, tasks in plan.tasks.items():
            done = state.batches.setdefault(container, {})
            existing = None
            for start in range(0, len(tasks), batch_size):
                index = str(start // batch_size)
                batch = tasks[start:start + batch_size]
                if index in done:
                    bar.update(len(batch))
                    continue
                if existing is None:
                    existing = _existing(client, ids[container])
                todo = [resolve(t, ids) for t in batch if task_key(t) not in existing]
                op_id = operation_id(state.run_key, container, int(index))
                if todo:
                    _retrying()(_submit)(client, todo, op_id)
                    existing.update(task_key(t) for t in todo)
                    sent += len(todo)
                done[index] = {"operation_id": op_id, "count": len(batch), "sent": len(todo)}
                state.save()
                failpoint("crowd.upload.batch")
                bar.update(len(batch))
    log.info("toloka: %d tasks uploaded (%d planned)", sent, total)
    return sent


def open_containers(client, plan, ids: dict[str, str], state: CrowdState) -> None:
    """Open the exam (training or exam pool) first, then the main pool; a completed pool stays closed."""
    import time

    main = client.get_pool(ids["pool:main"])
    if str(getattr(main.last_close_reason, "value", main.last_close_reason)) == "COMPLETED":
        return  # the work is done: the exam stays closed too
    order = [k for k in plan.tasks if k != "pool:main"] + ["pool:main"]
    for key in order:
        if state.completed.get(key):
            continue
        kind = key.partition(":")[0]
        obj = client.get_training(ids[key]) if kind == "training" else client.get_pool(ids[key])
        status = str(getattr(obj.status, "value", obj.status))
        if status == "OPEN":
            state.opened.setdefault(key, time.time())
            continue
        reason = str(getattr(obj.last_close_reason, "value", obj.last_close_reason))
        if reason == "COMPLETED":
            continue  # finished (perhaps while we were away): never reopen, never pay twice
        (client.open_training if kind == "training" else client.open_pool)(ids[key])
        log.info("toloka: %s opened (id %s)", key, ids[key])
        state.opened[key] = time.time()
        state.save()
