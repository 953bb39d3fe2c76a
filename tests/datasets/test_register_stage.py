"""The register stage: annotated versions as children of the raw version, with metadata, preview, plots."""
from __future__ import annotations

import json
import re

import pytest
from PIL import Image

from foodcrowd.act.register import register_stage
from foodcrowd.datasets import Registry, get
from foodcrowd.errors import UserError
from tests.datasets.conftest import make_ctx, make_images, make_run

CROWD = {"summary": {"cost_usd": 4.68, "pages": 300, "answers": 2700, "annotators": 41, "banned": 3}}


def _grid_data(page: str) -> dict:
    """The item grid's data embedded in a preview page."""
    return json.loads(re.search(r'<script id="grid-data" type="application/json">(.*?)</script>', page, re.S)
                      .group(1).replace("<\\/", "</"))


def _raw(reg, images):
    """What the data stage does: register the raw images once."""
    return reg.register("foodcrowd", "food-sample-raw", images, metadata={"source": "test"})


def test_two_runs_give_two_annotated_children_of_one_raw_version(tmp_path, registry_root):
    images = make_images(tmp_path / "images", 12)
    reg = Registry(registry_root)
    ids = []
    for k, overlap in enumerate((3, 5)):
        raw = _raw(reg, images)  # each run's data stage registers the raw set: once in total
        run = tmp_path / f"run{k}"
        make_run(run, images, seed=k)
        ctx = make_ctx(run, [f"dataset.registry={registry_root}", f"crowd.overlap={overlap}"],
                       {"data": {"raw_dataset_id": raw.id}, "crowd": CROWD})
        result = register_stage(ctx)
        assert result["summary"]["datasets"]["raw"] == raw.id
        ids.append(result["annotated_dataset_id"])
    assert len(reg.versions(name="food-sample-raw")) == 1
    assert len(set(ids)) == 2 and [v.version for v in reg.versions(name="food-sample-annotated")] == ["1", "2"]
    for vid, overlap in zip(ids, (3, 5)):
        v = reg.version(vid)
        assert [p.id for p in reg.parents(vid)] == [raw.id]
        ann = v.metadata["annotation"]
        assert ann["overlap"] == overlap and ann["cost_usd"] == 4.68 and ann["languages"] == ["EN"]
        assert "food" in ann["instructions"].lower() and ann["exam"]["pass_mark"] == 100
        assert ann["quality"]["control_tasks"]["enabled"] is True and ann["platform"] == "emulator"
        assert v.metadata["aggregation"]["method"] == "mv"
        grid = _grid_data(v.artifact("preview").read_text())
        assert [r["id"] for r in grid["items"]] == sorted(f"food-{i:06d}" for i in range(12))
        assert all(r["thumb"].startswith("data:image/jpeg;base64,") for r in grid["items"])
        labels = v.table("labels").set_index("item_id")
        for rec in grid["items"]:  # each item's own label, confidence and its three annotators' answers
            for q in ("food_type", "appetizing"):
                assert rec["q"][q]["label"] == labels.loc[rec["id"], q]
                assert rec["q"][q]["conf"] == pytest.approx(labels.loc[rec["id"], f"confidence_{q}"], abs=1e-3)
                assert len(rec["q"][q]["answers"]) == 3
            assert rec["q"]["food_type"]["truth"] == ["solid", "liquid", "other"][int(rec["id"][-2:]) % 3]
            assert rec["q"]["appetizing"]["truth"] is None  # not known in this world: no truth shown
        for q in ("food_type", "appetizing"):
            with Image.open(v.artifact(f"plot_{q}")) as im:
                assert im.format == "PNG" and im.size[0] > 300
        labels = v.table("labels")
        assert {"item_id", "relpath", "food_type", "confidence_food_type", "n_answers_appetizing"} <= set(labels)
        assert len(labels) == 12 and len(v.table("answers")) == 12 * 2 * 3
        folder = get(vid, root=registry_root)
        assert (folder / "images/food_0003.png").read_bytes() == images["images/food_0003.png"].read_bytes()
    d = reg.diff(ids[0], ids[1])
    assert d["metadata"]["annotation.overlap"] == {"from": 3, "to": 5} and d["changed"] == []
    assert d["tables"]["changed"] == ["answers", "labels"] or "labels" in d["tables"]["changed"]


def test_rerunning_the_stage_in_the_same_run_returns_the_same_version(tmp_path, registry_root):
    images = make_images(tmp_path / "images", 4)
    make_run(tmp_path / "run", images)
    ctx = make_ctx(tmp_path / "run", [f"dataset.registry={registry_root}", "lineage=none"], {})
    first, again = register_stage(ctx), register_stage(ctx)
    assert first["annotated_dataset_id"] == again["annotated_dataset_id"]
    reg = Registry(registry_root)
    assert len(reg.versions()) == 1 and reg.version(first["annotated_dataset_id"]).parents == ()
    assert json.loads((tmp_path / "run/datasets/annotated.json").read_text())["id"] == first["annotated_dataset_id"]


def test_parent_by_reference_and_bad_parent_name_the_config_key(tmp_path, registry_root):
    images = make_images(tmp_path / "images", 4)
    raw = _raw(Registry(registry_root), images)
    make_run(tmp_path / "run", images)
    ctx = make_ctx(tmp_path / "run", [f"dataset.registry={registry_root}", "lineage=by_id",
                                      "dataset.parent=foodcrowd/food-sample-raw/1"], {})
    vid = register_stage(ctx)["annotated_dataset_id"]
    assert Registry(registry_root).version(vid).parents == (raw.id,)
    ctx = make_ctx(tmp_path / "run", [f"dataset.registry={registry_root}", "lineage=by_id",
                                      "dataset.parent=foodcrowd/nope/1"], {})
    with pytest.raises(UserError) as err:
        register_stage(ctx)
    assert err.value.where == "dataset.parent"
    ctx = make_ctx(tmp_path / "run", [f"dataset.registry={registry_root}"], {"data": {}})
    with pytest.raises(UserError, match="no raw version"):
        register_stage(ctx)


def test_a_missing_image_stops_the_stage_naming_the_file(tmp_path, registry_root):
    images = make_images(tmp_path / "images", 4)
    make_run(tmp_path / "run", images)
    images["images/food_0002.png"].unlink()
    ctx = make_ctx(tmp_path / "run", [f"dataset.registry={registry_root}", "lineage=none"], {})
    with pytest.raises(UserError, match="food_0002.png"):
        register_stage(ctx)
    assert Registry(registry_root).versions() == []
