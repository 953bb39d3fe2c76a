"""The expert loop against a real Label Studio and a real headless browser.

Unlabeled photos (``dataset=image_folder``, no class folders) run end to end with ``golden=label_studio``:
the first run puts the candidates in Label Studio and stops with the project's URL; the expert labels
three items by clicking (one of them ticked as an edge case); the second run reads them back as the
golden set (exam + edge case + accuracy reference) and finishes. Then ``action=review`` pushes the
crowd's labels; the expert corrects one and confirms two; the corrections come back as the "reviewed"
child version. The run never reports an accuracy on items nobody knows the answer to.
"""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.conftest import run_cli
from tests.review.browser import label_by_clicking, project_id_from, tasks_by_item
from tests.review.conftest import save_artifact
from tests.sources.helpers import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: what the expert clicks for the three candidates (in item_id order): food type, appetizing, edge case
EXPERT = [("Solid", "Yes", False), ("Liquid", "No", False), ("Other / both", "Yes", True)]
CLASS = {"Solid": "solid", "Liquid": "liquid", "Other / both": "other"}


def _photos(root, n=12):
    """Unlabeled photos in one folder: crops and turns of the two fixture photos (distinct files)."""
    from PIL import Image

    root.mkdir(parents=True, exist_ok=True)
    sources = [Image.open(FIXTURES / "images" / name).convert("RGB") for name in ("myfoodrepo_pasta.jpg", "coffee.jpg")]
    for k in range(n):
        img = sources[k % 2]
        w, h = img.size
        crop = img.crop((k * w // 40, k * h // 40, w - k * w // 60, h - k * h // 60))
        crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if k // 2 % 2 else crop
        crop.resize((240, 240 * crop.size[1] // crop.size[0])).save(root / f"IMG_{k:03d}.jpg", quality=90)
    return root


def _args(tmp_path, photos, run_dir, review_overrides, *extra):
    return ["+experiment=food", "dataset=image_folder", f"dataset.path={photos}", "golden=label_studio",
            "golden.size=3", "exam.size=3", "exam.composition={solid: 1, liquid: 1}", "exam.edge_cases=1",
            "exam.edge_case_answer=other", "quality.control_tasks.enabled=false", "crowd.control_tasks_per_page=0",
            "model=none", "tracking=none", f"hydra.run.dir={run_dir}", *review_overrides, *extra]


def test_golden_set_and_review_by_an_expert_in_the_browser(tmp_path, label_studio, review_overrides, expert_page):
    photos, run_dir = _photos(tmp_path / "photos"), tmp_path / "run"
    env = {"FOODCROWD_HOME": str(tmp_path / "home")}
    args = _args(tmp_path, photos, run_dir, review_overrides)

    first = run_cli(*args, env=env)                       # candidates go to Label Studio; nobody labelled yet
    assert first.returncode == 3, first.stderr[-3000:]
    assert "labelled 0 of 3" in first.stderr and "run the same command again" in first.stderr
    secrets = (label_studio.credentials.password, label_studio.credentials.token)
    assert not any(x in first.stdout + first.stderr for x in secrets)
    project = project_id_from(first.stderr)

    tasks = tasks_by_item(label_studio, project)
    assert len(tasks) == 3
    shot = tmp_path / "label_studio_golden.png"
    for (item_id, task), (food, appetizing, edge) in zip(sorted(tasks.items()), EXPERT):
        picks = [food, appetizing] + (["Edge case (ambiguous: see the instructions)"] if edge else [])
        label_by_clicking(expert_page, label_studio, project, task["id"], picks,
                          screenshot=shot if edge else None)
    assert shot.stat().st_size > 10_000
    save_artifact(shot, "label_studio_golden.png")

    second = run_cli(*args, env=env)                      # the same command resumes and finishes
    assert second.returncode == 0, second.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "ok" and summary["golden"]["labelled"] == 3 and summary["golden"]["edge_cases"] == 1
    golden = pd.read_parquet(run_dir / "data" / "golden.parquet").sort_values("item_id")
    assert list(golden["label_food_type"]) == [CLASS[f] for f, _, _ in EXPERT]
    assert list(golden["label_appetizing"]) == [a.lower() for _, a, _ in EXPERT]
    assert list(golden["edge_case"]) == [e for _, _, e in EXPERT]
    exam = pd.read_parquet(run_dir / "data" / "exam.parquet")
    assert set(exam["item_id"]) == set(golden["item_id"]) and exam["edge_case"].sum() == 1
    assert exam.set_index("item_id").loc[golden["item_id"].iloc[2], "answer"] == "other"

    # accuracy only where the expert knows the answer: the golden items, and nothing from folder names
    items = pd.read_parquet(run_dir / "data" / "items.parquet")
    assert items["truth_food_type"].notna().sum() == 3 and items["ambiguous"].sum() == 1
    labels = pd.read_parquet(run_dir / "labels" / "labels.parquet")
    for question in ("food_type", "appetizing"):
        mine = labels[labels["question"] == question].merge(golden, on="item_id")
        expected = (mine["label"] == mine[f"label_{question}"]).mean() if len(mine) else None
        reported = summary["labels"]["accuracy"][question]
        assert (reported is None) == (expected is None) and (expected is None or abs(reported - expected) < 1e-6)

    from foodcrowd.datasets import Registry

    registry = Registry(tmp_path / "home" / "datasets")
    version = registry.version(summary["datasets"]["golden"])
    assert [p.id for p in registry.parents(version)] == [summary["datasets"]["raw"]]

    # review: the crowd's labels pre-selected; the expert changes one item's food type, confirms the others
    review_args = [*args, "action=review", "review.items=3"]
    third = run_cli(*review_args, env=env)
    assert third.returncode == 3, third.stderr[-3000:]
    review_project = project_id_from(third.stdout + third.stderr)
    crowd = labels.pivot(index="item_id", columns="question", values="label")
    tasks = tasks_by_item(label_studio, review_project)
    assert len(tasks) == 3 and all(t["total_predictions"] == 1 for t in tasks.values())
    names = {v: k for k, v in CLASS.items()}
    first_item = sorted(tasks)[0]
    other = "solid" if crowd.at[first_item, "food_type"] != "solid" else "liquid"
    for item_id, task in sorted(tasks.items()):
        picks = [names[other]] if item_id == first_item else []
        label_by_clicking(expert_page, label_studio, review_project, task["id"], picks,
                          screenshot=tmp_path / "label_studio_review.png" if item_id == first_item else None)
    save_artifact(tmp_path / "label_studio_review.png", "label_studio_review.png")

    fourth = run_cli(*review_args, env=env)
    assert fourth.returncode == 0, fourth.stderr[-3000:]
    record = json.loads((run_dir / "summary.json").read_text())
    from jsonschema import Draft202012Validator

    from foodcrowd import SCHEMA_DIR

    Draft202012Validator(json.loads((SCHEMA_DIR / "summary.schema.json").read_text())).validate(record)
    review = record["review"]
    assert review["items"] == 3 and review["changed"] == 1, review
    table = pd.read_parquet(run_dir / "review" / "review.parquet")
    changed = table[table["changed"]]
    assert list(changed["item_id"]) == [first_item] and list(changed["expert_label"]) == [other]
    assert review["crowd_accuracy"]["food_type"] == pytest.approx(2 / 3)
    reviewed = registry.version(review["dataset"])
    assert [p.id for p in registry.parents(reviewed)] == [summary["datasets"]["annotated"]]
    logs = [*(run_dir.rglob("*.log")), label_studio.data_dir / "server.log"]
    assert not any(x in p.read_text(errors="replace") for p in logs for x in secrets)   # no secret in any log
    shutil.rmtree(photos)


def test_preview_shows_the_interface_in_label_studio(tmp_path, label_studio, review_overrides, expert_page):
    run_dir = tmp_path / "run"
    photos = _photos(tmp_path / "photos", n=6)    # unlabeled: no exam could be drawn yet, and none is needed
    proc = run_cli("+experiment=food", "action=preview", "dataset=image_folder", f"dataset.path={photos}",
                   "golden=label_studio", "review.preview_items=4", f"hydra.run.dir={run_dir}", *review_overrides,
                   env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    project = project_id_from(proc.stdout)
    assert "Preview of the annotator interface" in proc.stdout
    assert not (run_dir / "toloka").exists() and not (run_dir / "data").exists()   # nothing drawn, planned or paid
    tasks = tasks_by_item(label_studio, project)
    assert len(tasks) == 4
    page = expert_page
    page.goto(f"{label_studio.url}/projects/{project}/data?task={min(t['id'] for t in tasks.values())}")
    for text in ("What kind of food is in the photo?", "Does this food look appetizing?"):
        page.get_by_text(text).wait_for(timeout=90_000)
    assert page.locator('input[name="Other / both"]').count() == 1
    page.locator("img").first.wait_for()
    shot = tmp_path / "label_studio_preview.png"
    page.screenshot(path=str(shot))
    save_artifact(shot, "label_studio_preview.png")
