"""ClearML: server detection and ping (requests-mock), push and get against a stand-in server (requests-mock,
ClearML's real SDK in a subprocess), and ClearML's offline mode where it works (a root version)."""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pandas as pd
import pytest
import requests
import requests_mock

from foodcrowd.datasets import Registry
from foodcrowd.datasets import clearml_sync
from foodcrowd.datasets.previews import label_plots
from tests.conftest import ROOT
from tests.datasets.clearml_fake import API, CONF
from tests.datasets.conftest import make_images


@pytest.fixture
def lineage(tmp_path):
    """A raw version and an annotated child that adds one image, a labels table, a plot and a preview."""
    reg = Registry(tmp_path / "reg")
    images = make_images(tmp_path / "img", 5)
    raw = reg.register("food", "raw", images)
    wide = pd.DataFrame({"item_id": list("abcde"), "food_type": ["solid", "liquid", "solid", "other", "solid"],
                         "confidence_food_type": [0.9, 0.8, 0.7, 0.6, 0.5]})
    plot = label_plots(wide, ["food_type"], {}, tmp_path / "plots")["food_type"]
    (tmp_path / "preview.html").write_text("<html><img src='x'></html>")
    extra = make_images(tmp_path / "img2", 6)["images/food_0005.png"]
    ann = reg.register("food", "annotated", {**images, "images/extra.png": extra}, parents=[raw.id],
                       metadata={"annotation": {"overlap": 3}}, tables={"labels": wide},
                       artifacts={"preview": tmp_path / "preview.html", "plot_food_type": plot})
    return reg, raw, ann


def _scenario(tmp_path, name: str, reg: Registry, ref: str, offline: bool = False) -> dict:
    conf = tmp_path / "clearml.conf"
    conf.write_text("sdk { development { report_use_subprocess: false } }\n" if offline else CONF)
    env = {**os.environ, "HOME": str(tmp_path), "CLEARML_CONFIG_FILE": str(conf), "PYTHONPATH": str(ROOT)}
    env.pop("CLEARML_API_HOST", None)
    if offline:
        env["CLEARML_OFFLINE_MODE"] = "1"
    proc = subprocess.run([sys.executable, "-m", "tests.datasets.clearml_scenarios", name, str(reg.root), ref],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[len("RESULT "):])


def test_no_server_configured_means_local_with_one_log_line(lineage, caplog):
    reg, raw, ann = lineage
    with caplog.at_level(logging.INFO, logger="foodcrowd.datasets.clearml_sync"):
        result = clearml_sync.maybe_push(ann, reg)
    assert result == {"server": None, "pushed": False, "reason": "no ClearML server configured"}
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "stays in the local registry" in lines[0]


def test_a_server_that_does_not_answer_the_ping_keeps_the_run_local(lineage, monkeypatch, caplog):
    reg, raw, ann = lineage
    monkeypatch.setenv("CLEARML_API_HOST", API)
    with requests_mock.Mocker() as m, caplog.at_level(logging.INFO, logger="foodcrowd.datasets.clearml_sync"):
        m.get(f"{API}/debug.ping", exc=requests.exceptions.ConnectTimeout)
        result = clearml_sync.maybe_push(ann, reg)
        assert m.call_count == 1
    assert result["pushed"] is False and "does not answer" in result["reason"]
    assert not (ann.dir / "clearml.json").exists()


def test_the_server_is_read_from_clearml_conf_and_offline_mode_wins(tmp_path, monkeypatch):
    conf = tmp_path / "clearml.conf"
    conf.write_text(CONF)
    monkeypatch.setenv("CLEARML_CONFIG_FILE", str(conf))
    assert clearml_sync.server_host() == API
    monkeypatch.setenv("CLEARML_OFFLINE_MODE", "1")
    assert clearml_sync.server_host() is None


def test_push_creates_parents_first_with_files_metadata_tables_and_plots(tmp_path, lineage):
    reg, raw, ann = lineage
    out = _scenario(tmp_path, "push", reg, ann.ref)
    assert out["unknown"] == []  # the stand-in refuses endpoints it does not model: none were called
    assert out["first"]["pushed"] is True and out["creates_first"] == 2 and out["creates_again"] == 0
    tasks = {t["name"]: t for t in out["tasks"]}
    assert tasks["raw"]["parents"] == [] and tasks["annotated"]["parents"] == [tasks["raw"]["id"]]
    assert out["again"] == {raw.id: tasks["raw"]["id"], ann.id: tasks["annotated"]["id"]}
    assert f"foodcrowd-id:{ann.id}" in tasks["annotated"]["tags"] and tasks["annotated"]["status"] == "completed"
    assert tasks["annotated"]["files"] == 6 and tasks["annotated"]["added"] == 1  # only the new image uploaded
    assert {"foodcrowd", "table_labels", "state", "data"} <= set(tasks["annotated"]["artifacts"])
    events = {tuple(e[:3]) for e in out["events"]}
    assert ("training_debug_image", "plots", "plot_food_type") in {tuple(e) for e in events}
    assert ("plot", "table labels", "labels") in events
    assert any(f.endswith("plots_plot_food_type_00000000.png") for f in out["uploaded"])
    assert json.loads((ann.dir / "clearml.json").read_text()) == {API: tasks["annotated"]["id"]}


def test_get_reads_a_version_from_the_server_when_it_is_not_local(tmp_path, lineage):
    reg, raw, ann = lineage
    out = _scenario(tmp_path, "get", reg, ann.id)
    assert out["files"] == sorted(ann.files()) and out["by_name"] == out["folder"]
    assert out["by_foodcrowd_id"] == out["folder"]  # `datasets get <foodcrowd id>` finds it by its tag
    assert out["unknown"] == []


def test_offline_mode_records_a_root_version_and_refuses_a_child_clearly(tmp_path, lineage):
    reg, raw, ann = lineage
    out = _scenario(tmp_path, "offline", reg, ann.id, offline=True)
    assert out["where"] == "clearml" and "offline mode" in out["error"]
    assert out["ids"][raw.id].startswith("offline-")
    assert {"foodcrowd", "state"} <= set(out["artifacts"]) and out["files_added"] == "5"
    assert f"foodcrowd-id:{raw.id}" in out["tags"]
