"""The digits source and the second experiment's data stage: real scans, measured difficulty, own exam."""
from __future__ import annotations

import pandas as pd
import pytest

from foodcrowd import CONF_DIR
from foodcrowd.sources import load_items
from foodcrowd.validate import validate
from tests.conftest import compose_cfg
from tests.sources.helpers import run_data


def test_digits_are_real_scans_balanced_with_measured_difficulty(tmp_path):
    from PIL import Image

    ds = {"source": "digits", "size": None, "image_size": 24, "question": "digit", "ambiguous_below": 0.5, "seed": 0}
    df = load_items(ds, {"questions": {"digit": {}}, "seed": 0}, tmp_path)
    assert len(df) == 1797 and sorted(df["truth_digit"].unique()) == [str(d) for d in range(10)]
    assert 0.01 < df["ambiguous"].mean() < 0.2                     # a few badly written scans
    assert df.loc[df["ambiguous"], "difficulty"].min() > 0.5 > df.loc[~df["ambiguous"], "difficulty"].max()
    with Image.open(df["path"].iloc[0]) as img:
        assert img.size == (24, 24)
        assert img.getpixel((0, 0)) > 200                           # white paper, dark ink
    sub = load_items({**ds, "size": 50}, {"questions": {"digit": {}}, "seed": 0}, tmp_path)
    assert sub["truth_digit"].value_counts().tolist() == [5] * 10  # class-balanced subset
    assert set(sub["item_id"]) <= set(df["item_id"])


def test_the_digits_experiment_builds_its_own_exam_and_controls(tmp_path):
    result, out, plain = run_data(tmp_path, ["dataset.size=120"], experiment="digits")
    items = pd.read_parquet(out / "items.parquet")
    exam, control = pd.read_parquet(out / "exam.parquet"), pd.read_parquet(out / "control.parquet")
    assert [c for c in items.columns if c.startswith("truth_")] == ["truth_digit"]
    assert sorted(exam["answer"]) == [str(d) for d in range(10)] and not exam["edge_case"].any()
    assert len(control) == 60 and not set(control["item_id"]) & set(exam["item_id"])
    assert result["raw_dataset_ref"].startswith("foodcrowd/digits-raw/")


@pytest.mark.parametrize("option", sorted(p.stem for p in (CONF_DIR / "dataset").glob("*.yaml") if p.stem != "replay"))
def test_every_dataset_option_validates(option, tmp_path):
    extra = [f"dataset.path={tmp_path}"] if option in ("myfoodrepo", "image_folder", "csv") else []
    plain = validate(compose_cfg([f"dataset={option}", *extra]))
    assert plain["dataset"]["source"] == option
