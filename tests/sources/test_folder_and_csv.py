"""image_folder (classes as folders, or unlabeled) and csv (paths, URLs, label columns) sources."""
from __future__ import annotations

import pandas as pd
import pytest

from foodcrowd.sources import SourceError
from tests.sources.helpers import run_data, write_image

NO_GOLD = ["exam.form=none", "quality.control_tasks.enabled=false", "crowd.control_tasks_per_page=0"]


def _class_folders(root):
    for k in range(3):
        write_image(root / "solid" / f"s{k}.png", colour=(200, 10 * k, 0))
        write_image(root / "drinks" / f"d{k}.png", colour=(0, 10 * k, 200))
    write_image(root / "other" / "o0.png", colour=(90, 90, 90))
    (root / ".DS_Store").write_bytes(b"\0\1")   # hidden files are not items
    return root


def test_image_folder_with_class_folders_and_a_class_map(tmp_path):
    root = _class_folders(tmp_path / "photos")
    _, out, _ = run_data(tmp_path, ["dataset=image_folder", f"dataset.path={root}", "dataset.question=food_type",
                                    "dataset.class_map={drinks: liquid}", *NO_GOLD])
    items = pd.read_parquet(out / "items.parquet")
    assert len(items) == 7
    assert items["truth_food_type"].value_counts().to_dict() == {"solid": 3, "liquid": 3, "other": 1}
    assert items["item_id"].is_unique and items["url"].str.startswith("file://").all()
    assert items["truth_appetizing"].isna().all()


def test_image_folder_rejects_a_folder_that_is_not_a_class(tmp_path):
    root = _class_folders(tmp_path / "photos")
    with pytest.raises(SourceError) as info:
        run_data(tmp_path, ["dataset=image_folder", f"dataset.path={root}", "dataset.question=food_type", *NO_GOLD])
    assert info.value.key == "dataset.class_map" and "drinks" in str(info.value)


def test_unlabeled_image_folder_has_no_truth_and_cannot_sample_an_exam(tmp_path):
    root = _class_folders(tmp_path / "photos")
    _, out, _ = run_data(tmp_path, ["dataset=image_folder", f"dataset.path={root}", *NO_GOLD])
    items = pd.read_parquet(out / "items.parquet")
    assert len(items) == 7 and items["truth_food_type"].isna().all()
    from foodcrowd.sources._gold import GoldError

    with pytest.raises(GoldError) as info:
        run_data(tmp_path, ["dataset=image_folder", f"dataset.path={root}"])
    assert info.value.where == "exam.composition"


def test_csv_with_paths_urls_and_a_label_column(tmp_path):
    write_image(tmp_path / "imgs" / "a.png", colour=(1, 2, 3))
    write_image(tmp_path / "imgs" / "b.png", colour=(4, 5, 6))
    table = tmp_path / "items.csv"
    table.write_text("path,url,kind,note\n"
                     "imgs/a.png,,solid,x\n"
                     "imgs/b.png,,liquid,y\n"
                     ",https://cdn.example.org/food/c.jpg,other,z\n"
                     ",https://cdn.example.org/food/d.jpg,,w\n")
    _, out, _ = run_data(tmp_path, ["dataset=csv", f"dataset.path={table}",
                                    "dataset.label_columns={food_type: kind}", *NO_GOLD])
    items = pd.read_parquet(out / "items.parquet")
    assert list(items["truth_food_type"]) == ["solid", "liquid", "other", None]
    assert items["url"].iloc[2] == "https://cdn.example.org/food/c.jpg"     # kept as is, not downloaded
    assert items["path"].iloc[2] == "" and items["url"].iloc[0].startswith("file://")
    assert list(items["relpath"][:2]) == ["imgs/a.png", "imgs/b.png"]


def test_csv_with_public_base_url_and_an_id_column(tmp_path):
    write_image(tmp_path / "imgs" / "a b.png", colour=(1, 2, 3))
    table = tmp_path / "items.csv"
    table.write_text("id,file\nfirst,imgs/a b.png\n")
    _, out, _ = run_data(tmp_path, ["dataset=csv", f"dataset.path={table}", "dataset.id_column=id",
                                    "dataset.path_column=file", "dataset.public_base_url=https://my.host/food/", *NO_GOLD])
    items = pd.read_parquet(out / "items.parquet")
    assert list(items["item_id"]) == ["first"]
    assert list(items["url"]) == ["https://my.host/food/imgs/a%20b.png"]


@pytest.mark.parametrize("csv,overrides,key", [
    ("name\nx\n", [], "dataset.path_column"),
    ("path,kind\na.png,soup\n", ["dataset.label_columns={food_type: kind}"], "dataset.label_columns.food_type"),
    ("path,kind\na.png,solid\n", ["dataset.label_columns={food_type: type}"], "dataset.label_columns.food_type"),
    ("path,url\n,\n", [], "dataset.path"),
], ids=["no-path-or-url-column", "label-not-a-class", "no-such-label-column", "empty-row"])
def test_csv_problems_name_the_key(tmp_path, csv, overrides, key):
    table = tmp_path / "items.csv"
    table.write_text(csv)
    with pytest.raises(SourceError) as info:
        run_data(tmp_path, ["dataset=csv", f"dataset.path={table}", *overrides, *NO_GOLD])
    assert info.value.key == key, str(info.value)
