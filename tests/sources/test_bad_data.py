"""Bad data is listed with paths and reasons and skipped, or stops the run past dataset.max_bad_share."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from foodcrowd.sources._files import BadDataError
from tests.conftest import run_cli
from tests.sources.helpers import run_data, write_image

NO_GOLD = ["exam.form=none", "quality.control_tasks.enabled=false", "crowd.control_tasks_per_page=0"]


def _messy_table(tmp_path, n_good: int):
    imgs = tmp_path / "imgs"
    rows = []
    for k in range(n_good):
        rows.append(str(write_image(imgs / f"good{k}.png", colour=(k, 100, 200))))
    good_jpg = write_image(imgs / "whole.jpg", colour=(9, 9, 9), size=(64, 64))
    rows.append(str(good_jpg))
    (imgs / "cut.jpg").write_bytes(good_jpg.read_bytes()[:300])           # truncated: header reads, pixels do not
    (imgs / "notes.png").write_text("these are my notes, not a picture")   # not an image
    (imgs / "empty.png").write_bytes(b"")                                 # zero bytes
    shutil.copy(imgs / "good0.png", imgs / "copy.png")                     # duplicate of good0
    rows += [str(imgs / n) for n in ("cut.jpg", "notes.png", "empty.png", "copy.png", "gone.png")]  # gone: missing
    table = tmp_path / "items.csv"
    table.write_text("path\n" + "\n".join(rows) + "\n")
    return table


def test_each_kind_of_bad_file_is_listed_with_its_reason_and_the_rest_goes_on(tmp_path):
    table = _messy_table(tmp_path, n_good=20)
    result, out, _ = run_data(tmp_path, ["dataset=csv", f"dataset.path={table}", "dataset.max_bad_share=0.25", *NO_GOLD])
    issues = json.loads((out / "issues.json").read_text())
    reasons = {row["path"].rsplit("/", 1)[-1]: row["reason"] for row in issues["items"]}
    assert reasons == {"cut.jpg": "corrupt", "notes.png": "not_an_image", "empty.png": "zero_byte",
                       "copy.png": "duplicate", "gone.png": "missing"}
    dup = next(r for r in issues["items"] if r["reason"] == "duplicate")
    assert "good0" in dup["detail"]
    items = pd.read_parquet(out / "items.parquet")
    assert len(items) == 21 and not items["path"].str.contains("cut|notes|empty|copy|gone").any()
    summary = result["summary"]["data_issues"]
    assert summary["bad"] == 5 and summary["checked"] == 26
    assert summary["by_reason"] == {"missing": 1, "zero_byte": 1, "not_an_image": 1, "corrupt": 1, "duplicate": 1}
    assert {f["path"] for f in summary["files"]} == {r["path"] for r in issues["items"]}


def test_too_many_bad_files_stop_naming_max_bad_share(tmp_path):
    table = _messy_table(tmp_path, n_good=5)
    with pytest.raises(BadDataError) as info:
        run_data(tmp_path, ["dataset=csv", f"dataset.path={table}", *NO_GOLD])   # 5 of 11 bad > 5%
    err = info.value
    assert err.where == "dataset.max_bad_share"
    assert "notes.png" in str(err) and "gone.png" in str(err)
    assert (tmp_path / "run" / "data" / "issues.json").exists()     # the full list is written before stopping


def test_cli_stops_on_one_screen_without_a_traceback(tmp_path):
    table = _messy_table(tmp_path, n_good=5)
    proc = run_cli("+experiment=food", "dataset=csv", f"dataset.path={table}", *NO_GOLD,
                   f"hydra.run.dir={tmp_path / 'run'}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "dataset.max_bad_share" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.strip().splitlines()) < 30
