"""The run report's item data, written one item at a time: every item and answer arrives, a worker name
cannot close the page's script element, and no temporary file is left behind."""
import json
import re

import pandas as pd
from PIL import Image

from foodcrowd.record.run_report import build_items, write_run_report


def _run_dir(tmp_path, n=5):
    for sub in ("data", "labels", "toloka", "images"):
        (tmp_path / sub).mkdir()
    paths = []
    for i in range(n):
        p = tmp_path / "images" / f"{i}.jpg"
        Image.new("RGB", (40, 30), (10 * i, 100, 200)).save(p)
        paths.append(str(p))
    ids = [f"food-{i}" for i in range(n)]
    pd.DataFrame({"item_id": ids, "relpath": [f"images/{i}.jpg" for i in range(n)], "path": paths,
                  "truth_food_type": ["solid"] * n}).to_parquet(tmp_path / "data" / "items.parquet")
    pd.DataFrame({"item_id": ids, "question": "food_type", "label": "solid", "confidence": 0.9}).to_parquet(
        tmp_path / "labels" / "labels.parquet")
    pd.DataFrame({"task": ids * 2, "question": "food_type", "worker": ["w1"] * n + ["</script><b>x"] * n,
                  "label": "solid", "kind": "task"}).to_parquet(tmp_path / "toloka" / "answers.parquet")
    return tmp_path


def test_report_data_holds_every_item_and_cannot_be_closed_by_an_answer(tmp_path):
    run = _run_dir(tmp_path)
    path = write_run_report(run / "report" / "index.html", run, {"experiment_name": "t", "status": "ok"},
                            [("items", "5")], ["food_type"])
    page = path.read_text(encoding="utf-8")
    scripts = re.findall(r'<script id="grid-data" type="application/json">(.*?)</script>', page, re.S)
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["questions"] == ["food_type"]
    assert [r["id"] for r in data["items"]] == [f"food-{i}" for i in range(5)]
    assert data["items"] == json.loads(json.dumps(build_items(run, ["food_type"])))
    first = data["items"][0]
    assert first["thumb"].startswith("data:image/jpeg;base64,")
    assert first["q"]["food_type"]["answers"] == [["w1", "solid"], ["</script><b>x", "solid"]]
    assert sorted(p.name for p in path.parent.iterdir()) == ["index.html"]


def test_report_without_items_still_has_valid_data(tmp_path):
    (tmp_path / "report").mkdir()
    path = write_run_report(tmp_path / "report" / "index.html", tmp_path, {"experiment_name": "t"}, [], ["q"])
    data = re.search(r'<script id="grid-data" type="application/json">(.*?)</script>', path.read_text(), re.S).group(1)
    assert json.loads(data) == {"questions": ["q"], "items": [], "low": 0.7}
