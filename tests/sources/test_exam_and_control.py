"""Exam and control tasks: the food rule (5 solid + 4 liquid + 1 edge case "other"), explicit items, seeds."""
from __future__ import annotations

import pandas as pd
import pytest

from foodcrowd.sources._gold import GoldError
from tests.sources.helpers import run_data

SMALL = ["dataset.size=120", "dataset.image_size=32"]


def _gold(out):
    return (pd.read_parquet(out / "items.parquet"), pd.read_parquet(out / "exam.parquet"),
            pd.read_parquet(out / "control.parquet"))


def test_food_exam_is_5_solid_4_liquid_and_one_ambiguous_edge_case_answered_other(tmp_path):
    result, out, _ = run_data(tmp_path, SMALL)
    items, exam, control = _gold(out)
    assert list(exam.columns) == ["item_id", "url", "question", "answer", "hint", "edge_case"]
    assert exam["answer"].value_counts().to_dict() == {"solid": 5, "liquid": 4, "other": 1}
    truth = items.set_index("item_id")
    edge = exam[exam["edge_case"]]
    assert list(edge["answer"]) == ["other"] and truth.loc[edge["item_id"], "ambiguous"].all()
    clear = exam[~exam["edge_case"]]
    assert (truth.loc[clear["item_id"], "truth_food_type"].values == clear["answer"].values).all()
    assert not truth.loc[clear["item_id"], "ambiguous"].any()
    assert (exam["question"] == "food_type").all() and exam["hint"].str.len().gt(0).all()
    assert set(exam["url"]) <= set(items["url"])
    assert "Other / both" in edge["hint"].iloc[0]     # hints use the button text annotators see
    assert result["exam_items"] == 10


def test_control_tasks_are_clear_items_with_truth_outside_the_exam(tmp_path):
    _, out, plain = run_data(tmp_path, SMALL)
    items, exam, control = _gold(out)
    assert len(control) == plain["quality"]["control_tasks"]["sample"] == 40
    assert control["item_id"].is_unique and not set(control["item_id"]) & set(exam["item_id"])
    truth = items.set_index("item_id")
    assert (truth.loc[control["item_id"], "truth_food_type"].values == control["answer"].values).all()
    assert not truth.loc[control["item_id"], "ambiguous"].any() and not control["edge_case"].any()
    assert set(control["item_id"]) <= set(items["item_id"])


def test_the_same_seed_gives_the_same_tasks_another_seed_others(tmp_path):
    _, a, _ = run_data(tmp_path / "a", SMALL)
    _, b, _ = run_data(tmp_path / "b", SMALL)
    _, c, _ = run_data(tmp_path / "c", [*SMALL, "seed=5"])
    for name in ("exam.parquet", "control.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name).drop(columns="url"),
                                      pd.read_parquet(b / name).drop(columns="url"))
    assert set(pd.read_parquet(a / "exam.parquet")["item_id"]) != set(pd.read_parquet(c / "exam.parquet")["item_id"])


def test_explicit_exam_and_control_items_with_hints(tmp_path):
    exam_items = ",".join(f'{{item_id: food-{i:06d}, answer: "solid", hint: "look {i}"}}' for i in range(10))
    _, out, _ = run_data(tmp_path, [*SMALL, f"exam.items=[{exam_items}]",
                                    "quality.control_tasks.items=[{item_id: food-000011, answer: liquid}]",
                                    "crowd.control_tasks_per_page=1"])
    _, exam, control = _gold(out)
    assert list(exam["item_id"]) == [f"food-{i:06d}" for i in range(10)]
    assert list(exam["hint"]) == [f"look {i}" for i in range(10)]
    assert list(control["item_id"]) == ["food-000011"] and list(control["answer"]) == ["liquid"]


@pytest.mark.parametrize("overrides,where", [
    (["exam.items=[{item_id: nope, answer: solid}]", "exam.size=1", "exam.pass_mark=100"], "exam.items.0.item_id"),
    (["exam.composition={solid: 90, liquid: 4}", "exam.size=95", "exam.pass_mark=100"], "exam.composition.solid"),
    (["dataset.ambiguous_share=0", "exam.edge_cases=1"], "exam.edge_cases"),
    (["quality.control_tasks.sample=500"], "quality.control_tasks.sample"),
], ids=["unknown-item", "too-few-of-a-class", "no-ambiguous-items", "too-many-controls"])
def test_impossible_requests_name_the_key(tmp_path, overrides, where):
    with pytest.raises(GoldError) as info:
        run_data(tmp_path, [*SMALL, *overrides])
    assert info.value.where == where, str(info.value)
