"""The run report in a real headless Chromium (the Debian package, driven by Playwright): its script runs
without console errors, every item is reachable through paging, filtering and sorting work, confusion
matrices are readable, and a screenshot is kept as a test artifact (``test-artifacts/``)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

ARTIFACTS = Path(os.environ.get("FOODCROWD_TEST_ARTIFACTS", ROOT / "test-artifacts"))
N_ITEMS = 120


@pytest.fixture(scope="module")
def browser(chromium_browser):
    return chromium_browser


@pytest.fixture(scope="module")
def food_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("report")
    run_dir = base / "run"
    done = run_cli("+experiment=food", f"dataset.size={N_ITEMS}", "trainer.epochs=2", "tracking=none",
                   f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(base / "home")})
    assert done.returncode == 0, done.stderr[-3000:]
    return run_dir


def _open(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector("#grid tbody tr")
    return page, errors


def _ids(page) -> list[str]:
    return page.eval_on_selector_all("#grid tbody tr", "rows => rows.map(r => r.dataset.item)")


@pytest.mark.slow
def test_report_shows_every_item_with_paging_filter_and_sort(browser, food_run):
    page, errors = _open(browser, food_run / "report" / "index.html")
    seen, pages = [], 0
    while True:
        seen += _ids(page)
        pages += 1
        if page.is_disabled("#next"):
            break
        page.click("#next")
    assert len(seen) == len(set(seen)) == N_ITEMS and pages == 3  # 50 a page
    assert f"({N_ITEMS} of {N_ITEMS} items)" in page.inner_text("#pageinfo")

    page.select_option("#per", "0")
    assert len(_ids(page)) == N_ITEMS
    first = page.locator("#grid tbody tr").first
    assert first.locator("img").count() == 1  # thumbnail inline
    assert first.locator("td.ans span").count() >= 1  # each annotator's answer
    assert "unknown" not in first.inner_text()  # the food world has ground truth

    page.fill("#q", seen[7])
    assert _ids(page) == [seen[7]]
    page.fill("#q", "")
    page.select_option("#only", "wrong")
    wrong = _ids(page)
    summary = json.loads((food_run / "summary.json").read_text())
    cm = summary["labels"]["confusion"]
    n_wrong = {q: sum(sum(r) for r in c["matrix"]) - sum(c["matrix"][i][i] for i in range(len(c["matrix"])))
               for q, c in cm.items()}
    assert max(n_wrong.values()) <= len(wrong) <= sum(n_wrong.values())
    page.select_option("#only", "all")

    page.click("#grid th[data-key='conf:food_type']")
    confs = page.eval_on_selector_all("#grid tbody tr td.conf", "c => c.map(x => x.textContent)")[::2]
    values = [float(c) for c in confs if c != "-"]
    assert values == sorted(values)
    page.click("#grid th[data-key='conf:food_type']")
    values = [float(c) for c in page.eval_on_selector_all("#grid tbody tr td.conf", "c => c.map(x => x.textContent)")[::2] if c != "-"]
    assert values == sorted(values, reverse=True)

    # confusion tables: dark figures on light cells
    colors = page.eval_on_selector_all(".cm td", "c => c.map(x => [getComputedStyle(x).color, getComputedStyle(x).backgroundColor])")
    assert colors and all(fg == "rgb(16, 32, 58)" for fg, _ in colors)
    assert "macro-F1" in page.inner_text("table.metrics")
    hrefs = page.eval_on_selector_all(".links a", "a => a.map(x => x.getAttribute('href'))")
    assert "../summary.json" in hrefs and "../labels/labels.html" in hrefs and "../model/metrics.json" in hrefs

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.select_option("#per", "25")
    page.screenshot(path=str(ARTIFACTS / "run_report.png"), full_page=True)
    assert (ARTIFACTS / "run_report.png").stat().st_size > 10_000
    assert errors == []
    page.close()


def _fake_job(sweep: Path, n: int, cost: float, acc: float, budget: float) -> None:
    """A finished job's files as a multirun leaves them (what the sweep report reads)."""
    job = sweep / str(n)
    (job / ".hydra").mkdir(parents=True)
    (job / ".hydra" / "overrides.yaml").write_text(f"- crowd.overlap={n + 1}\n- aggregation=mv\n")
    (job / ".hydra" / "config.yaml").write_text(f"objective: labels.accuracy.mean\nbudget_usd: {budget}\n")
    (job / "report").mkdir()
    (job / "report" / "index.html").write_text(f"<!doctype html><title>job {n}</title><h1>job {n}</h1>")
    (job / "summary.json").write_text(json.dumps({
        "status": "ok", "cost_usd": cost, "answers": int(cost * 400),
        "config": {"overlap": n + 1, "reward_per_page": 0.015, "aggregation": "mv", "dynamic_overlap": False},
        "labels": {"accuracy": {"food_type": acc, "mean": acc}}, "model": {"accuracy": {"mean": None}}}))


def test_sweep_report_links_every_job_marks_over_budget_and_fits_the_page(browser, tmp_path):
    from foodcrowd.record.sweep import write_report

    sweep = tmp_path / "sweep"
    for n, (cost, acc) in enumerate([(2.2, 0.90), (4.4, 0.95), (6.6, 0.97), (8.8, 0.975)]):
        _fake_job(sweep, n, cost, acc, budget=5.0)
    paths = write_report(sweep)
    page, errors = _open_plain(browser, paths["html"])
    assert "Budget $5: 2 of 4 jobs over it" in page.inner_text(".budget")
    links = page.eval_on_selector_all("table a", "a => a.map(x => x.getAttribute('href'))")
    assert sorted(links) == [f"{n}/report/index.html" for n in range(4)]
    over = page.eval_on_selector_all("tr.over td:first-child", "c => c.map(x => x.textContent)")
    assert sorted(over) == ["2", "3"]
    assert page.eval_on_selector_all("tr.over td:nth-child(2)", "c => c.map(x => x.textContent)") == ["over budget"] * 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no overflow
    page.click("table a[href='1/report/index.html']")  # the job's own report opens
    page.wait_for_selector("text=job 1")
    assert page.inner_text("h1") == "job 1"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.go_back()
    page.screenshot(path=str(ARTIFACTS / "sweep_report.png"), full_page=True)
    assert errors == []
    page.close()


def _open_plain(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, errors
