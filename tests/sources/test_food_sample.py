"""The synthetic food set: deterministic, cached, balanced, with real ambiguity and a learnable signal."""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from foodcrowd.sources import load_items
from foodcrowd.sources import food_sample

QUESTIONS = {"food_type": {}, "appetizing": {}}


def _load(cache, size=60, seed=0, image_size=48, share=0.06):
    ds = {"source": "food_sample", "size": size, "image_size": image_size, "ambiguous_share": share, "seed": seed}
    return load_items(ds, {"questions": QUESTIONS, "seed": seed}, cache)


def _digest(df) -> str:
    h = hashlib.sha256()
    for p in df["path"]:
        h.update(open(p, "rb").read())
    return h.hexdigest()


def test_same_seed_gives_the_same_images_and_truth_in_another_cache(tmp_path):
    a, b = _load(tmp_path / "a"), _load(tmp_path / "b")
    cols = ["item_id", "relpath", "truth_food_type", "truth_appetizing", "difficulty", "ambiguous", "appeal"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    assert _digest(a) == _digest(b)
    c = _load(tmp_path / "c", seed=1)
    assert _digest(c) != _digest(a)


def test_second_call_reads_the_cache_without_rendering(tmp_path, monkeypatch):
    first = _load(tmp_path)
    mtimes = [p.stat().st_mtime_ns for p in map(__import__("pathlib").Path, first["path"])]

    def no_render(*args, **kwargs):
        raise AssertionError("rendered again although the set is cached")

    monkeypatch.setattr(food_sample, "_item", no_render)
    again = _load(tmp_path)
    assert list(again["path"]) == list(first["path"])
    assert [p.stat().st_mtime_ns for p in map(__import__("pathlib").Path, again["path"])] == mtimes


def test_classes_are_balanced_and_the_mixed_scenes_are_ambiguous_and_hard(tmp_path):
    df = _load(tmp_path, size=200)
    counts = df["truth_food_type"].value_counts()
    assert counts["other"] == 12                      # round(0.06 * 200)
    assert abs(counts["solid"] - counts["liquid"]) <= 1
    assert (df["ambiguous"] == (df["truth_food_type"] == "other")).all()
    assert df.loc[df["ambiguous"], "difficulty"].min() > df.loc[~df["ambiguous"], "difficulty"].median()
    assert df["appeal"].between(0, 1).all()
    assert ((df["appeal"] >= 0.5) == (df["truth_appetizing"] == "yes")).all()
    assert 0.25 < (df["truth_appetizing"] == "yes").mean() < 0.75
    assert not df["relpath"].str.contains("solid|liquid|other").any()   # URLs never give the answer away


def test_images_have_the_configured_size_and_decode(tmp_path):
    from PIL import Image

    df = _load(tmp_path, size=12, image_size=40)
    for p in df["path"]:
        with Image.open(p) as img:
            assert img.size == (40, 40) and img.mode == "RGB"


def test_a_simple_classifier_learns_food_type_well_above_chance(tmp_path):
    """The pictures carry the answer: logistic regression on 16x16 pixels beats the majority class."""
    from PIL import Image
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    df = _load(tmp_path, size=400, image_size=32, share=0.0)
    X = np.stack([np.asarray(Image.open(p).convert("RGB").resize((16, 16)), dtype=np.float32).ravel() / 255
                  for p in df["path"]])
    y = df["truth_food_type"].to_numpy()
    score = cross_val_score(LogisticRegression(max_iter=300, C=0.5), X, y, cv=4).mean()
    assert score > 0.62, score   # chance is 0.5; measured 0.70 with seed 0


@pytest.mark.parametrize("key,value", [("image_size", 8), ("ambiguous_share", 1.5)])
def test_bad_generator_settings_name_the_key(tmp_path, key, value):
    from foodcrowd.sources import SourceError

    ds = {"source": "food_sample", "size": 5, "image_size": 32, "ambiguous_share": 0.1, "seed": 0, key: value}
    with pytest.raises(SourceError) as info:
        load_items(ds, {"questions": QUESTIONS}, tmp_path)
    assert info.value.key == f"dataset.{key}"


def test_what_is_on_the_plate_is_what_was_drawn(tmp_path):
    """truth_on_plate names the foods the scene shows (the tags plugin's vocabulary); a drink or a soup has
    nothing on a plate; recording it leaves the drawing alone (same random stream, same images)."""
    from foodcrowd.sources._food_render import MAX_TAGS, TAGS

    raw = pd.read_parquet(food_sample.generate(0, 200, 48, 0.06, tmp_path) / "items.parquet")
    tags = raw["truth_on_plate"].str.split("|").apply(lambda ts: [t for t in ts if t])
    assert all(set(ts) <= set(TAGS) and len(ts) <= MAX_TAGS and ts == sorted(ts, key=TAGS.index) for ts in tags)
    by_kind = raw.assign(tags=tags).groupby("kind")["tags"]
    for kind in ("glass", "mug", "cup", "soup"):
        assert all(ts == [] for ts in by_kind.get_group(kind))
    assert all(ts == ["bread"] for ts in by_kind.get_group("bread"))
    assert all(ts == ["fruit"] for ts in by_kind.get_group("fruit"))
    assert all({"bread", "sauce"} <= set(ts) for ts in by_kind.get_group("pizza"))
    assert all("vegetables" in ts for ts in by_kind.get_group("salad"))
    assert all(ts == ["bread"] for ts in by_kind.get_group("soup+bread"))
    assert all(len(ts) >= 2 for ts in by_kind.get_group("plate"))
