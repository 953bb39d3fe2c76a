"""Never twice: a completed pool opened again adds no work and no charge; the engine refuses duplicated or
excess pages; a platform answering something that is not JSON ends the run on one line; 60% faults give
exactly what a fault-free run gives."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pandas as pd
import pytest

from tests.conftest import run_cli
from tests.emulator.conftest import (answers_of, crowd, emulator, make_pool, make_project, make_world, population,
                                     run_until_closed, tasks_for)


def test_opening_a_completed_pool_adds_no_work_and_no_charge(tmp_path):
    world = make_world(60)
    pop = population({"average": {"share": 1.0}})
    with emulator(crowd(pop), world, tmp_path) as (handle, client):
        project = make_project(client)
        pool = make_pool(client, project.id, overlap=2, golden=0)
        client.create_tasks(tasks_for(pool.id, world), allow_defaults=True)
        assert run_until_closed(client, pool.id).last_close_reason.value == "COMPLETED"
        pages, spent = len(answers_of(client, pool.id)), handle.snapshot()["spend"]
        client.open_pool(pool.id)          # a retried open, or a resumed run: nothing is left to do
        again = client.get_pool(pool.id)
        assert again.status.value == "CLOSED" and again.last_close_reason.value == "COMPLETED"
        ids = [a.id for a in answers_of(client, pool.id)]
        assert len(ids) == pages == len(set(ids))
        assert handle.snapshot()["spend"] == pytest.approx(spent)


def _assignments(ids, container="pool:main"):
    return {"assignments": pd.DataFrame({"assignment_id": ids, "container": container, "status": "ACCEPTED"})}


def test_reconcile_names_duplicates_and_pages_beyond_the_plan():
    from foodcrowd.act.toloka_reconcile import CrowdReconcileError, reconcile

    est = {"pools": {"pool:main": {"pages": 3, "pages_max": 4, "cost_max_usd": 1.0}}}
    assert reconcile(_assignments(["a", "b", "c"]), est) == {"pool:main": 3}
    with pytest.raises(CrowdReconcileError, match="1 assignment ids appear more than once"):
        reconcile(_assignments(["a", "b", "a"]), est)
    with pytest.raises(CrowdReconcileError, match="pool:main: 5 paid pages, the plan allows at most 4"):
        reconcile(_assignments(list("abcde")), est)


class _NotJson(BaseHTTPRequestHandler):
    def _answer(self):
        body = b"Internal Server Error"
        self.send_response(500)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = _answer

    def log_message(self, *args):
        pass


def test_a_platform_error_that_is_not_json_is_one_clear_line(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _NotJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        proc = run_cli("+experiment=food", f"crowd.url=http://127.0.0.1:{server.server_port}", "crowd.retries=0",
                       "dataset.size=60", "tracking=none", "model=none", f"hydra.run.dir={tmp_path}")
    finally:
        server.shutdown()
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "crowd.url: the platform answered with a body that is not JSON ('Internal Server Error')" in proc.stderr


SMALL = ["+experiment=food", "dataset.size=60", "model=none", "tracking=none", "crowd.upload_batch_size=40",
         "crowd.poll_interval_seconds=0.05"]
HEAVY = ["crowd.faults.rate_429=0.15", "crowd.faults.rate_500=0.15", "crowd.faults.rate_503=0.15",
         "crowd.faults.rate_drop=0.15", "crowd.faults.retry_after_seconds=0", "crowd.faults.max_in_row=5"]


@pytest.mark.slow
def test_sixty_percent_faults_cost_and_collect_what_a_clean_run_does(tmp_path):
    runs = {}
    for name, extra in (("clean", []), ("faulty", HEAVY)):
        proc = run_cli(*SMALL, *extra, f"hydra.run.dir={tmp_path / name}", env={"FOODCROWD_HOME": str(tmp_path / name / "home")},
                       timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[name] = tmp_path / name
    faults = json.loads((runs["faulty"] / "toloka" / "emulator_faults.json").read_text())
    assert sum(faults.values()) >= 20, faults
    clean, faulty = (json.loads((runs[n] / "summary.json").read_text()) for n in ("clean", "faulty"))
    for key in ("cost_usd", "pages", "answers", "annotators"):
        assert faulty[key] == clean[key], key
    read = lambda d, t: pd.read_parquet(d / t).sort_values(["task", "worker", "question"]).reset_index(drop=True)  # noqa: E731
    assert read(runs["faulty"], "toloka/answers.parquet").drop(columns=["assignment_id"]).equals(
        read(runs["clean"], "toloka/answers.parquet").drop(columns=["assignment_id"]))
    labels = lambda d: pd.read_parquet(d / "labels" / "labels.parquet").sort_values(["item_id", "question"]).reset_index(drop=True)  # noqa: E731
    assert labels(runs["faulty"]).equals(labels(runs["clean"]))
    ids = pd.read_parquet(runs["faulty"] / "toloka" / "assignments.parquet")["assignment_id"]
    assert not ids.duplicated().any()
