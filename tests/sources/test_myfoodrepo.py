"""The myfoodrepo source: a tiny COCO folder (two real photos) through the data stage, incl. a mixed plate."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from foodcrowd.sources import SourceError
from foodcrowd.sources.myfoodrepo import food_type, read_category_list
from tests.sources.helpers import FIXTURES, run_data, write_image

# (file, annotations as (category name, area)) -> expected food_type
PHOTOS = [
    ("pasta.jpg", [("pasta-spaghetti", 9000.0)], "solid"),                         # the real MyFoodRepo photo
    ("coffee.jpg", [("coffee-with-caffeine", 5000.0)], "liquid"),                  # the real coffee photo
    ("mixed.png", [("bread-wholemeal", 6000.0), ("water", 2500.0)], "other"),      # a mixed plate
    ("soup.png", [("soup-tomato", 8000.0), ("bread-wholemeal", 1500.0)], "liquid"),  # soup dominates
    ("sauce.png", [("pasta-spaghetti", 7000.0), ("ketchup", 800.0)], "other"),      # a semi-liquid on the plate
    ("bare.png", [], None),                                                        # no annotation: unlabeled
]


def _coco_folder(root):
    images = root / "images"
    images.mkdir(parents=True)
    shutil.copy(FIXTURES / "images" / "myfoodrepo_pasta.jpg", images / "pasta.jpg")
    shutil.copy(FIXTURES / "images" / "coffee.jpg", images / "coffee.jpg")
    for k, (name, _, _) in enumerate(PHOTOS[2:]):
        write_image(images / name, colour=(40 * k, 90, 160))
    names = sorted({c for _, anns, _ in PHOTOS for c, _ in anns})
    cats = [{"id": 100 + i, "name": n, "name_readable": n, "supercategory": "food"} for i, n in enumerate(names)]
    cid = {c["name"]: c["id"] for c in cats}
    coco = {"images": [], "annotations": [], "categories": cats}
    for i, (name, anns, _) in enumerate(PHOTOS, start=1):
        coco["images"].append({"id": i, "file_name": name, "width": 24, "height": 24})
        for cat, area in anns:
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": i, "category_id": cid[cat],
                                        "area": area, "bbox": [0, 0, 10, 10], "iscrowd": 0, "segmentation": []})
    (root / "annotations.json").write_text(json.dumps(coco))
    return root


def test_packaged_lists_cover_the_mapping_examples():
    liquid = read_category_list(None, "liquid_categories.txt", "k")
    semi = read_category_list(None, "semi_liquid_categories.txt", "k")
    assert {"water", "coffee-with-caffeine", "soup-tomato"} <= liquid and "ketchup" in semi
    assert not liquid & semi


@pytest.mark.parametrize("name,anns,expected", PHOTOS, ids=[p[0] for p in PHOTOS])
def test_food_type_from_categories(name, anns, expected):
    liquid = read_category_list(None, "liquid_categories.txt", "k")
    semi = read_category_list(None, "semi_liquid_categories.txt", "k")
    assert food_type(anns, liquid, semi) == expected


def test_coco_folder_through_the_data_stage(tmp_path):
    root = _coco_folder(tmp_path / "mfr")
    result, out, _ = run_data(tmp_path, ["dataset=myfoodrepo", f"dataset.path={root}", "exam=food_training",
                                         "exam.composition={solid: 1, liquid: 2}", "exam.size=4",
                                         "exam.pass_mark=100", "quality.control_tasks.enabled=false",
                                         "crowd.control_tasks_per_page=0"])
    items = pd.read_parquet(out / "items.parquet")
    truth = dict(zip(items["relpath"], items["truth_food_type"]))
    assert truth == {f"images/{n}": e for n, _, e in PHOTOS}
    mixed = items.set_index("relpath").loc["images/mixed.png"]
    assert mixed["ambiguous"] and mixed["difficulty"] > 0.5
    assert items["truth_appetizing"].isna().all()   # the benchmark knows nothing of appeal
    exam = pd.read_parquet(out / "exam.parquet")
    assert sorted(exam["answer"]) == ["liquid", "liquid", "other", "solid"]
    assert exam.loc[exam["edge_case"], "item_id"].isin(items.loc[items["ambiguous"], "item_id"]).all()
    assert result["items"] == len(PHOTOS) and result["summary"]["datasets"]["raw"] == result["raw_dataset_id"]


def test_unknown_category_and_missing_folder_name_the_key(tmp_path):
    root = _coco_folder(tmp_path / "mfr")
    coco = json.loads((root / "annotations.json").read_text())
    coco["annotations"][0]["category_id"] = 99999
    (root / "annotations.json").write_text(json.dumps(coco))
    with pytest.raises(SourceError) as info:
        run_data(tmp_path, ["dataset=myfoodrepo", f"dataset.path={root}"])
    assert info.value.key == "dataset.annotations" and "99999" in str(info.value)
    with pytest.raises(SourceError) as info:
        run_data(tmp_path, ["dataset=myfoodrepo", f"dataset.path={tmp_path / 'nowhere'}"])
    assert info.value.key == "dataset.path"
