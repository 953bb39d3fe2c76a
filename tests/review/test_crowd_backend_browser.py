"""``crowd=label_studio`` against a real Label Studio and a real headless browser: in-house annotators
instead of Toloka.

Unlabeled photos go to a Label Studio project with overlap 2; the first run stops with the project's URL
(exit 3). Two people label every item by clicking: the expert (the server's first user) in the task view,
a second annotator, who joins through the organisation's invite link, in "Label All Tasks". The same
command then pulls their annotations into the answers table (workers = their emails), aggregates them,
registers the answers and the annotated dataset versions, and says the backend and the $0 cost.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import run_cli
from tests.review.browser import join_by_invite, label_all_tasks, label_by_clicking, project_id_from, tasks_by_item
from tests.review.conftest import save_artifact
from tests.review.test_expert_loop import CLASS, _photos

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXPERT = [("Solid", "Yes"), ("Liquid", "No"), ("Other / both", "Yes")]   # by item, in item_id order
ANNOTATOR = [["Solid", "No"], ["Liquid", "No"], ["Liquid", "Yes"]]       # by the task Label Studio hands out
EMAIL, PASSWORD = "annotator-two@example.com", "second-annotator-pw-7"


def test_in_house_annotators_in_label_studio_are_the_crowd(tmp_path, label_studio, review_overrides, expert_page,
                                                           browser):
    photos, run_dir = _photos(tmp_path / "photos", n=3), tmp_path / "run"
    env = {"FOODCROWD_HOME": str(tmp_path / "home"), "TOLOKA_API_TOKEN": ""}
    args = ["+experiment=food", "dataset=image_folder", f"dataset.path={photos}", "crowd=label_studio",
            "crowd.overlap=2", "exam.form=none", "quality=none", "model=none", "tracking=none",
            f"hydra.run.dir={run_dir}", *review_overrides]

    first = run_cli(*args, env=env)              # the tasks go to Label Studio; nobody has labelled yet
    assert first.returncode == 3, first.stderr[-3000:]
    assert "0 of 3 items have their 2 annotations" in first.stderr and "run the same command again" in first.stderr
    assert "$0.00" in first.stderr and "in-house (label_studio)" in first.stderr   # the estimate's crowd cost
    assert not (run_dir / "emulator").exists()   # nothing on Toloka (or its emulator)
    project = project_id_from(first.stderr)
    tasks = tasks_by_item(label_studio, project)
    assert len(tasks) == 3

    shot = tmp_path / "label_studio_crowd.png"
    for (item_id, task), (food, appetizing) in zip(sorted(tasks.items()), EXPERT):
        label_by_clicking(expert_page, label_studio, project, task["id"], [food, appetizing],
                          screenshot=shot if food == "Liquid" else None)
    assert shot.stat().st_size > 10_000
    save_artifact(shot, "label_studio_crowd.png")
    second_page = join_by_invite(browser, label_studio, EMAIL, PASSWORD)
    try:
        theirs = label_all_tasks(second_page, label_studio, project, EMAIL, ANNOTATOR)
    finally:
        second_page.context.close()
    assert sorted(theirs) == sorted(tasks)       # Label Studio handed each task to the second annotator once

    second = run_cli(*args, env=env)             # the same command pulls the annotations and finishes
    assert second.returncode == 0, second.stderr[-3000:]
    answers = pd.read_parquet(run_dir / "toloka" / "answers.parquet")
    expert = label_studio.credentials.email
    assert set(answers["worker"]) == {expert, EMAIL} and len(answers) == 3 * 2 * 2
    assert set(answers["pool_id"]) == {str(project)} and set(answers["kind"]) == {"task"}
    said = answers.set_index(["task", "worker", "question"])["label"]
    for item_id, (food, appetizing) in zip(sorted(tasks), EXPERT):
        assert said[(item_id, expert, "food_type")] == CLASS[food]
        assert said[(item_id, expert, "appetizing")] == appetizing.lower()
    for item_id, (food, appetizing) in theirs.items():
        assert said[(item_id, EMAIL, "food_type")] == CLASS[food]
        assert said[(item_id, EMAIL, "appetizing")] == appetizing.lower()
    assignments = pd.read_parquet(run_dir / "toloka" / "assignments.parquet")
    assert len(assignments) == 6 and (assignments["reward"] == 0).all() and assignments["seconds"].gt(0).all()

    labels = pd.read_parquet(run_dir / "labels" / "labels.parquet")
    assert len(labels) == 6 and (labels["n_answers"] == 2).all()
    agree = [(i, q) for (i, w, q), lab in said.items() if w == expert and said[(i, EMAIL, q)] == lab]
    lab = labels.set_index(["item_id", "question"])["label"]
    assert agree and all(lab[k] == said[(k[0], expert, k[1])] for k in agree)

    summary = json.loads((run_dir / "summary.json").read_text())
    from jsonschema import Draft202012Validator

    from foodcrowd import SCHEMA_DIR

    Draft202012Validator(json.loads((SCHEMA_DIR / "summary.schema.json").read_text())).validate(summary)
    assert summary["status"] == "ok" and summary["config"]["backend"] == "label_studio"
    assert summary["cost_usd"] == 0.0 and summary["annotators"] == 2 and summary["answers"] == 12
    assert summary["label_studio_crowd"]["project_id"] == project and summary["label_studio_crowd"]["overlap"] == 2
    assert all(v is None for v in summary["labels"]["accuracy"].values())   # unlabeled photos: no accuracy
    out = second.stdout + second.stderr
    assert "label_studio: in-house annotators in Label Studio project" in out and "$0.00" in out

    from foodcrowd.datasets import Registry

    registry = Registry(tmp_path / "home" / "datasets")
    version = registry.version(summary["datasets"]["answers"])
    assert version.metadata["crowd"]["backend"] == "label_studio"
    assert set(version.table("answers")["worker"]) == {expert, EMAIL}
    annotated = registry.version(summary["datasets"]["annotated"])
    assert version.id in [p.id for p in registry.parents(annotated)]
    secrets = (label_studio.credentials.password, label_studio.credentials.token, PASSWORD)
    assert not any(x in out for x in secrets)
    assert not any(x in p.read_text(errors="replace") for p in run_dir.rglob("*.log") for x in secrets)
