"""ClearML scenarios, each run in its own process (ClearML keeps process-wide state), printing JSON.

    python -m tests.datasets.clearml_scenarios push|get|offline <registry root> <ref>
"""
from __future__ import annotations

import json
import logging
import sys
from pathlib import Path


def _task_summary(fake, task: dict) -> dict:
    struct = json.loads(task.get("configuration", {}).get("Dataset Struct", {}).get("value", "{}"))
    own = [v for v in struct.values() if v.get("job_id") == task["id"]]
    project = fake.projects.get(task.get("project"), {}).get("name")
    return {"id": task["id"], "name": task.get("name"), "project": project, "tags": task.get("tags", []),
            "status": task["status"],
            "parents": [struct[str(k)]["job_id"] for k in own[0]["parents"]] if own else None,
            "artifacts": sorted(a["key"] for a in task.get("execution", {}).get("artifacts", [])),
            "files": task.get("runtime", {}).get("ds_file_count"),
            "added": task.get("runtime", {}).get("ds_change_add")}


def push(root: str, ref: str) -> dict:
    import requests_mock

    from foodcrowd.datasets import Registry
    from foodcrowd.datasets.clearml_sync import maybe_push, push as push_again
    from tests.datasets.clearml_fake import FakeClearML

    reg = Registry(root)
    with requests_mock.Mocker() as m:
        fake = FakeClearML().install(m)
        first = maybe_push(reg.version(ref), reg)
        creates = fake.calls.count("tasks.create")
        again = push_again(ref, reg)
        events = [(e.get("type"), e.get("metric"), e.get("variant")) for e in fake.events]
        return {"first": first, "again": again, "creates_first": creates,
                "creates_again": fake.calls.count("tasks.create") - creates,
                "tasks": [_task_summary(fake, t) for t in fake.tasks.values()], "events": events,
                "uploaded": sorted(fake.files), "unknown": fake.unknown}


def get(root: str, ref: str) -> dict:
    import requests_mock

    from foodcrowd.datasets import Registry, get as get_local
    from foodcrowd.datasets.clearml_sync import push as push_now
    from tests.datasets.clearml_fake import FakeClearML

    with requests_mock.Mocker() as m:
        fake = FakeClearML().install(m)
        ids = push_now(ref, Registry(root))
        version = Registry(root).version(ref)
        elsewhere = Path(root).parent / "another-machine"
        folder = get_local(ids[version.id], root=elsewhere)  # not in that registry: read from the server
        by_name = get_local(f"{version.project}/{version.name}/{version.version}", root=elsewhere)
        by_foodcrowd_id = get_local(version.id, root=elsewhere)  # found by its tag foodcrowd-id:<id>
        return {"folder": str(folder), "files": sorted(p.relative_to(folder).as_posix()
                                                       for p in folder.rglob("*") if p.is_file()),
                "by_name": str(by_name), "by_foodcrowd_id": str(by_foodcrowd_id), "unknown": fake.unknown}


def offline(root: str, ref: str) -> dict:
    from foodcrowd.datasets import DatasetError, Registry
    from foodcrowd.datasets.clearml_sync import push as push_now

    reg = Registry(root)
    version = reg.version(ref)
    out: dict = {}
    if version.parents:
        try:
            push_now(ref, reg)
        except DatasetError as err:
            out["error"], out["where"] = str(err), err.where
        root_ref = reg.ancestors(ref)[-1].id
    else:
        root_ref = ref
    ids = push_now(root_ref, reg)
    out["ids"] = ids
    session = next(Path.home().glob(f".clearml/cache/offline/{ids[root_ref]}/task.json"))
    task = _read_when_written(session)
    out["artifacts"] = sorted(a["key"] for a in task["execution"]["artifacts"])
    state = [a for a in task["execution"]["artifacts"] if a["key"] == "state"][0]
    out["files_added"] = dict(state["display_data"])["files added"]
    out["tags"] = task.get("tags")
    return out


def _read_when_written(path: Path, seconds: float = 30.0) -> dict:
    """The offline session's task.json: ClearML's SDK may still be rewriting it (truncate, then write) from
    its reporting thread just after the dataset call returns, so read until it parses (bounded)."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        try:
            return json.loads(path.read_text())
        except ValueError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    scenario, root, ref = sys.argv[1:4]
    print("RESULT " + json.dumps({"push": push, "get": get, "offline": offline}[scenario](root, ref), default=str))
