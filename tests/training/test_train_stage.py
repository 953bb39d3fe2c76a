"""The train stage on a tiny annotated dataset: it learns, scores, writes its files and records to ClearML."""
from __future__ import annotations

import json

import numpy as np
import pytest

from foodcrowd.act.train import TrainingDataError, train_stage
from foodcrowd.act.training.data import split_is_val
from foodcrowd.record.tracking import find_sessions, read_events, read_scalars, read_task, tracking_session
from tests.training.conftest import make_run_dir, stage_context


def test_the_model_learns_the_labels_and_scores_against_ground_truth(tiny_run):
    ctx = stage_context(tiny_run, ["tracking=none"])
    model = train_stage(ctx)["summary"]["model"]
    assert set(model["metrics"]) == {"food_type", "appetizing"}
    assert model["evaluated_against"] == {"food_type": "ground_truth", "appetizing": "ground_truth"}
    assert model["metrics"]["food_type"]["accuracy"] >= 0.8  # colour decides the class; chance is 1/3
    assert 0 <= model["metrics"]["food_type"]["macro_f1"] <= 1
    assert model["epochs"] == 8 and model["train_items"] + model["val_items"] == 90
    assert (tiny_run / "model" / "model.pt").is_file() and model["checkpoint"].endswith("model.pt")
    assert json.loads((tiny_run / "model" / "metrics.json").read_text())["metrics"] == model["metrics"]
    assert (tiny_run / "model" / "confusion_food_type.png").stat().st_size > 0


def test_without_ground_truth_the_model_is_scored_on_control_answers(tmp_path):
    run = make_run_dir(tmp_path / "run", truth=False)
    model = train_stage(stage_context(run, ["tracking=none"]))["summary"]["model"]
    assert model["evaluated_against"]["food_type"].startswith("control_answers")
    assert model["evaluated_against"]["appetizing"] == "none"  # no truth and no control tasks
    assert "appetizing" not in model["metrics"] and model["metrics"]["food_type"]["n"] > 0


def test_images_are_cached_once_per_dataset(tiny_run):
    first = train_stage(stage_context(tiny_run, ["tracking=none"]))["summary"]["model"]
    second = train_stage(stage_context(tiny_run, ["tracking=none"]))["summary"]["model"]
    assert (first["image_cache_hit"], second["image_cache_hit"]) == (False, True)
    assert second["metrics"] == first["metrics"]  # same seed, same split: the same model


def test_model_none_skips_training(tiny_run):
    result = train_stage(stage_context(tiny_run, ["model=none", "tracking=none"]))
    assert result["skipped"] and not (tiny_run / "model" / "model.pt").exists()


def test_a_missing_image_is_named(tiny_run):
    (tiny_run / "data" / "images" / "item-0005.png").unlink()
    with pytest.raises(TrainingDataError, match="item-0005.png"):
        train_stage(stage_context(tiny_run, ["tracking=none"]))


def test_the_split_is_deterministic_and_order_free():
    ids = [f"food-{i:06d}" for i in range(2000)]
    val = split_is_val(ids, 0.2)
    assert 0.17 < val.mean() < 0.23
    assert (split_is_val(ids[::-1], 0.2)[::-1] == val).all()
    assert (split_is_val(ids[:100], 0.2) == val[:100]).all()  # an item never changes side


def test_checkpoint_and_metrics_are_in_the_offline_clearml_session(tiny_run, monkeypatch):
    monkeypatch.setenv("TOLOKA_API_TOKEN", "sekret-value-123")
    ctx = stage_context(tiny_run, ["tracking.offline=true"])
    with tracking_session(ctx.plain, tiny_run) as tracker:
        model = train_stage(ctx)["summary"]["model"]
    assert model["tracker_task"] == tracker.task_id
    [session] = find_sessions(tiny_run)
    assert session.name == tracker.task_id and session.is_relative_to(tiny_run / "clearml")
    scalars = read_scalars(session)
    assert [it for it, _ in scalars["loss"]["train"]] == list(range(8))  # one point per epoch
    [(_, acc)] = scalars["val_accuracy"]["food_type"]
    assert acc == pytest.approx(model["metrics"]["food_type"]["accuracy"])
    plots = {e["metric"] for e in read_events(session) if e.get("type") == "plot"}
    assert {"confusion (validation)", "label distribution (train)"} <= plots
    task = read_task(session)
    [ckpt] = [a for a in task["execution"]["artifacts"] if a["key"] == "checkpoint"]
    import torch

    saved = torch.load(ckpt["uri"], weights_only=False)
    assert saved["classes"]["food_type"] == ["solid", "liquid", "other"]
    assert np.isclose(saved["metrics"]["food_type"]["accuracy"], model["metrics"]["food_type"]["accuracy"])
    text = (session / "task.json").read_text()
    assert "sekret-value-123" not in text and "TOLOKA_API_TOKEN" in text  # the env var name, never its value


def test_the_stage_reads_the_registered_version_through_the_dataview(tiny_run):
    import pandas as pd

    from foodcrowd.act.register import wide_labels
    from foodcrowd.datasets import Registry

    ctx = stage_context(tiny_run, ["tracking=none", "dataview=confident"])
    items = pd.read_parquet(tiny_run / "data" / "items.parquet")
    labels = pd.read_parquet(tiny_run / "labels" / "labels.parquet")
    registry = Registry(ctx.plain["dataset"]["registry"])
    version = registry.register("tests", "tiny-annotated", {r: tiny_run / "data" / r for r in items["relpath"]},
                                tables={"labels": wide_labels(items, labels), "items": items.drop(columns=["path"])})
    ctx.results["register"] = {"annotated_dataset_id": version.id}
    model = train_stage(ctx)["summary"]["model"]
    from foodcrowd.act.training.data import split_is_val

    food = labels.query("question == 'food_type'")
    confident = set(food.loc[food["confidence"] >= 0.8, "item_id"])
    is_val = dict(zip(items["item_id"], split_is_val(items["item_id"].tolist(), ctx.plain["trainer"]["val_fraction"])))
    # dataview.where keeps only confident items for training; validation is every item's split, whatever the view
    assert model["train_items"] == sum(1 for i in confident if not is_val[i]) < len(items) - sum(is_val.values())
    assert model["val_items"] == sum(is_val.values())
    assert model["datasets_used"] == [version.id] and model["source"] == "dataview"
    assert model["evaluated_against"]["food_type"] == "ground_truth"  # truth came along in the items table


def test_a_model_config_the_class_cannot_take_is_named(tiny_run):
    from foodcrowd.errors import UserError

    with pytest.raises(UserError, match="SmallCNN.*width") as err:
        train_stage(stage_context(tiny_run, ["tracking=none", "+model.width=3"]))
    assert err.value.where == "model"


def test_cuda_without_a_gpu_is_a_config_error(tiny_run):
    import torch

    from foodcrowd.errors import UserError

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(UserError) as err:
        train_stage(stage_context(tiny_run, ["tracking=none", "trainer.device=cuda"]))
    assert err.value.where == "trainer.device"
