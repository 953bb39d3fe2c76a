"""DataViews: filters, versions and class weights resolved with DuckDB; bad queries name dataview.where."""
from __future__ import annotations

import pandas as pd
import pytest

from foodcrowd.datasets import DataViewError, Registry
from foodcrowd.datasets.dataview import quote_strings, resolve
from tests.datasets.conftest import make_images

LABELS = pd.DataFrame({
    "item_id": ["a", "b", "c", "d", "e"],
    "relpath": [f"images/food_{i:04d}.png" for i in range(5)],
    "food_type": ["solid", "liquid", "liquid", "other", "solid"],
    "confidence_food_type": [0.9, 0.95, 0.6, 0.85, 0.7],
    "n_answers_food_type": [3, 3, 3, 5, 3],
})
ITEMS = pd.DataFrame({"item_id": list("abcde"), "relpath": LABELS["relpath"], "truth_food_type": ["solid"] * 5,
                      "path": ["/elsewhere/x.png"] * 5})


@pytest.fixture
def versions(tmp_path):
    reg = Registry(tmp_path / "reg")
    images = make_images(tmp_path / "img", 6)
    raw_items = pd.concat([ITEMS, pd.DataFrame({"item_id": ["f"], "relpath": ["images/food_0005.png"]})])
    raw = reg.register("food", "raw", images, tables={"items": raw_items})
    ann = reg.register("food", "annotated", dict(list(images.items())[:5]), parents=[raw.id],
                       tables={"labels": LABELS, "items": ITEMS})
    return reg, raw, ann


def test_where_filters_rows_and_paths_point_at_local_files(versions):
    reg, raw, ann = versions
    view = resolve({"versions": ["annotated"], "where": 'food_type == "liquid" and confidence_food_type >= 0.8'},
                   reg, ann.id, raw.id)
    assert list(view["item_id"]) == ["b"] and list(view["label_food_type"]) == ["liquid"]
    assert view.loc[0, "truth_food_type"] == "solid" and view.loc[0, "version_id"] == ann.id
    assert open(view.loc[0, "path"], "rb").read()[:4] == b"\x89PNG"
    assert list(resolve({"versions": ["annotated"], "where": None}, reg, ann.id)["item_id"]) == list("abcde")


def test_weights_per_class_and_balanced(versions):
    reg, raw, ann = versions
    view = resolve({"versions": ["annotated"], "weights": {"food_type": {"liquid": 2.0, "other": 0.5}}}, reg, ann.id)
    assert dict(zip(view["item_id"], view["weight"])) == {"a": 1.0, "b": 2.0, "c": 2.0, "d": 0.5, "e": 1.0}
    view = resolve({"versions": ["annotated"], "weights": {"food_type": "balanced"}}, reg, ann.id)
    w = dict(zip(view["item_id"], view["weight"]))
    assert w["d"] == pytest.approx(5 / 3) and w["a"] == pytest.approx(5 / 6)
    assert view.groupby("food_type")["weight"].sum().round(6).nunique() == 1  # each class weighs the same


def test_several_versions_union_with_the_first_listed_winning(versions):
    reg, raw, ann = versions
    view = resolve({"versions": ["annotated", "raw"]}, reg, ann.id, raw.id)
    assert len(view) == 6  # five labelled items, plus the raw item nobody labelled
    assert pd.isna(view.set_index("item_id").loc["f", "food_type"])
    assert view.set_index("item_id").loc["b", "version_id"] == ann.id
    assert list(resolve({"versions": [raw.ref]}, reg)["version_id"].unique()) == [raw.id]


def test_bad_where_weights_and_versions_name_their_config_key(versions):
    reg, raw, ann = versions
    with pytest.raises(DataViewError) as err:
        resolve({"versions": ["annotated"], "where": "confidence_food_typo >= 0.8"}, reg, ann.id)
    assert err.value.where == "dataview.where" and "confidence_food_type" in err.value.fix
    with pytest.raises(DataViewError) as err:
        resolve({"versions": ["annotated"], "where": "food_type = = 'x'"}, reg, ann.id)
    assert err.value.where == "dataview.where"
    with pytest.raises(DataViewError) as err:
        resolve({"versions": ["annotated"], "weights": {"colour": {"red": 2}}}, reg, ann.id)
    assert err.value.where == "dataview.weights.colour"
    with pytest.raises(DataViewError) as err:
        resolve({"versions": ["raw"]}, reg, ann.id, None)
    assert err.value.where == "dataview.versions"


def test_double_quoted_words_become_strings_unless_they_are_columns():
    assert quote_strings('food_type == "liquid"', {"food_type"}) == "food_type == 'liquid'"
    assert quote_strings('"food_type" = \'a "b"\'', {"food_type"}) == '"food_type" = \'a "b"\''


def test_weights_naming_unknown_questions_or_classes_fail_validation():
    from foodcrowd.validate import ConfigError, validate
    from tests.conftest import compose_cfg

    validate(compose_cfg(["dataview=confident"]))
    validate(compose_cfg(["dataview=liquid_boost"]))
    with pytest.raises(ConfigError) as err:
        validate(compose_cfg(["dataview=liquid_boost", "+dataview.weights.colour={red: 2}",
                              "+dataview.weights.food_type.soup=3"]))
    text = err.value.render()
    assert "dataview.weights.colour" in text and "dataview.weights.food_type.soup" in text
