"""The annotated version's ``preview.html`` in a real headless Chromium: the run report's item grid (one
implementation), every item reachable by paging, filter and sort working, each item's own label, confidence,
answers and truth, no console errors; a screenshot is kept as a test artifact (``test-artifacts/``).

Here beside tests/test_report_browser.py, not in tests/datasets: the session's Playwright (sync API) leaves an
event loop running in the main thread, so a browser test must run after the tests that call asyncio.run."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

from foodcrowd.act.register import register_stage
from foodcrowd.datasets import Registry
from tests.conftest import ROOT
from tests.datasets.conftest import CLASSES, _no_clearml_server, make_ctx, make_images, make_run  # noqa: F401 (autouse)

ARTIFACTS = Path(os.environ.get("FOODCROWD_TEST_ARTIFACTS", ROOT / "test-artifacts"))
N = 60
WRONG = ["food-000004", "food-000019", "food-000057"]


@pytest.fixture
def registry_root(tmp_path) -> Path:
    return tmp_path / "registry"


def _ids(page) -> list[str]:
    return page.eval_on_selector_all("#grid tbody tr", "rows => rows.map(r => r.dataset.item)")


def test_preview_pages_filters_and_sorts_every_item_in_chromium(tmp_path, registry_root, chromium_browser):
    images = make_images(tmp_path / "images", N)
    make_run(tmp_path / "run", images)  # labels equal to the truth ...
    path = tmp_path / "run" / "labels" / "labels.parquet"
    long = pd.read_parquet(path)
    flip = long["item_id"].isin(WRONG) & (long["question"] == "food_type")
    long.loc[flip, "label"] = "other"  # ... but for three items, labelled "other" (truth: solid or liquid)
    long.to_parquet(path)
    ctx = make_ctx(tmp_path / "run", [f"dataset.registry={registry_root}", "lineage=none"], {})
    version = Registry(registry_root).version(register_stage(ctx)["annotated_dataset_id"])
    labels = version.table("labels").set_index("item_id")

    page = chromium_browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(version.artifact("preview").as_uri())
    page.wait_for_selector("#grid tbody tr")
    page.select_option("#per", "25")
    seen, pages = [], 0
    while True:  # page through to the last item
        seen += _ids(page)
        pages += 1
        if page.is_disabled("#next"):
            break
        page.click("#next")
    assert seen == sorted(labels.index) and pages == 3
    assert f"page 3 of 3 ({N} of {N} items)" in page.inner_text("#pageinfo")
    last = page.locator(f"#grid tbody tr[data-item='{seen[-1]}']")
    assert last.locator("img").count() == 1  # the last item's thumbnail, inline
    heads = page.eval_on_selector_all("#grid th", "t => t.map(x => x.textContent)")
    assert heads == ["image", "item", "food_type: label", "confidence", "truth", "annotators' answers",
                     "appetizing: label", "confidence", "annotators' answers"]  # no truth known for appetizing
    cells = last.locator("td").all_inner_texts()
    row = labels.loc[seen[-1]]
    assert cells[2] == row["food_type"] and cells[3] == f"{row['confidence_food_type']:.2f}"
    assert cells[4] == CLASSES[(N - 1) % 3] and cells[5].count(": ") == 3 and cells[6] == row["appetizing"]

    page.fill("#q", seen[41])  # filter by item id
    assert _ids(page) == [seen[41]]
    page.fill("#q", "")
    page.select_option("#only", "wrong")  # label differs from truth
    assert _ids(page) == WRONG
    page.select_option("#only", "all")
    page.select_option("#per", "0")
    page.click("#grid th[data-key='conf:appetizing']")
    confs = [float(x) for x in page.eval_on_selector_all("#grid tbody tr td.conf", "c => c.map(x => x.textContent)")[1::2]]
    assert len(confs) == N and confs == sorted(confs)
    assert confs == pytest.approx(sorted(labels["confidence_appetizing"]), abs=0.006)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.select_option("#per", "25")
    page.screenshot(path=str(ARTIFACTS / "dataset_preview.png"), full_page=True)
    assert (ARTIFACTS / "dataset_preview.png").stat().st_size > 10_000
    assert errors == []
    data = json.loads(page.eval_on_selector("#grid-data", "s => s.textContent"))
    assert len(data["items"]) == N  # all items, not a sample
    page.close()
