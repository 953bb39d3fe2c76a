"""One interface, two renderings: the Label Studio labeling config and the answers that come back (no server)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from foodcrowd.review.labeling import EDGE_CASE, labeling_config, parse_result, prediction_result
from tests.conftest import compose_cfg


def _plain(experiment="food"):
    from foodcrowd.validate import validate

    return validate(compose_cfg(["tracking=none"], experiment=experiment))


def test_food_interface_renders_one_choices_tag_per_question_with_the_toloka_options():
    plain = _plain()
    root = ET.fromstring(labeling_config(plain["questions"], plain["interface"], edge_case=True))
    assert root.find("Image").get("value") == "$" + plain["interface"]["image_field"]
    choices = {c.get("name"): c for c in root.findall("Choices")}
    assert list(choices) == ["food_type", "appetizing", EDGE_CASE]
    for q, options in plain["interface"]["options"].items():
        shown = [(c.get("value"), c.get("alias") or c.get("value")) for c in choices[q].findall("Choice")]
        assert shown == [(o["label"], o["value"]) for o in options]    # the label shown, the class stored
        assert choices[q].get("required") == "true" and choices[q].get("choice") == "single-radio"
    hotkeys = [c.get("hotkey") for q in ("food_type", "appetizing") for c in choices[q].findall("Choice")]
    assert hotkeys == ["1", "2", "3", "4", "5"]                      # numbered across questions, as on Toloka
    plain_root = ET.fromstring(labeling_config(plain["questions"], plain["interface"]))
    assert EDGE_CASE not in {c.get("name") for c in plain_root.findall("Choices")}


def test_the_tags_plugin_renders_a_multiple_choice_and_its_answers_come_back_as_its_labels():
    pytest.importorskip("foodcrowd_tags")
    plain = _plain("food_tags")
    root = ET.fromstring(labeling_config(plain["questions"], plain["interface"]))
    tags = next(c for c in root.findall("Choices") if c.get("name") == "on_plate")
    assert tags.get("choice") == "multiple" and len(tags.findall("Choice")) == 7
    result = prediction_result({"food_type": "solid", "on_plate": "meat|sauce"}, plain["questions"])
    assert result[1]["value"]["choices"] == ["meat", "sauce"]
    labels, edge = parse_result(result, plain["questions"])
    assert labels == {"food_type": "solid", "on_plate": "meat|sauce"} and edge is False


def test_parse_result_reads_the_edge_case_and_drops_values_that_are_not_classes():
    questions = _plain()["questions"]
    result = [{"from_name": "food_type", "value": {"choices": ["liquid"]}},
              {"from_name": "appetizing", "value": {"choices": ["maybe"]}},
              {"from_name": EDGE_CASE, "value": {"choices": ["yes"]}}]
    assert parse_result(result, questions) == ({"food_type": "liquid"}, True)


def test_candidates_are_seeded_and_stratified_by_confidence_when_an_earlier_run_is_given(tmp_path):
    from foodcrowd.review.golden import pick_candidates

    items = pd.DataFrame({"item_id": [f"i{k:02d}" for k in range(40)]})
    golden = {"size": 8, "strategy": "random"}
    first = pick_candidates(items, golden, seed=1)
    assert len(first) == 8 and first.equals(pick_candidates(items, golden, seed=1))
    assert not first.equals(pick_candidates(items, golden, seed=2))
    labels = pd.DataFrame({"task": items["item_id"], "question": "food_type", "confidence": [k / 40 for k in range(40)]})
    labels.to_parquet(tmp_path / "labels.parquet")
    picked = pick_candidates(items, {"size": 8, "strategy": "uncertainty",
                                     "uncertainty_from": str(tmp_path / "labels.parquet")}, seed=1)
    quartile = picked["item_id"].str[1:].astype(int) // 10
    assert sorted(quartile.value_counts().to_dict().items()) == [(0, 2), (1, 2), (2, 2), (3, 2)]
    assert list(picked["item_id"]) == sorted(picked["item_id"])       # least confident first


def test_review_order_puts_the_least_confident_or_most_disputed_first():
    from foodcrowd.review.review_stage import order_for_review

    labels = pd.DataFrame({"item_id": ["a", "b", "c"], "question": "q", "label": ["x", "x", "y"],
                           "confidence": [0.9, 0.5, 0.7]})
    answers = pd.DataFrame({"task": ["a", "a", "b", "b", "c", "c"], "worker": list("uvuvuv"), "question": "q",
                            "label": ["y", "x", "x", "x", "y", "y"]})
    assert order_for_review(labels, answers, "confidence") == ["b", "c", "a"]
    assert order_for_review(labels, answers, "disagreement") == ["a", "b", "c"]


def test_golden_and_review_settings_are_checked_by_the_schema():
    from foodcrowd.validate import ConfigError, validate

    with pytest.raises(ConfigError) as info:
        validate(compose_cfg(["golden=label_studio", "golden.size=0", "review.order=random", "tracking=none"]))
    text = info.value.render()
    assert "golden.size" in text and "review.order" in text


def test_credentials_are_generated_once_kept_private_and_never_printed(tmp_path, monkeypatch):
    from foodcrowd.review.service import Credentials

    monkeypatch.delenv("LABEL_STUDIO_PASSWORD", raising=False)
    first = Credentials.load_or_create(tmp_path)
    assert Credentials.load_or_create(tmp_path) == first
    assert (tmp_path / "credentials.json").stat().st_mode & 0o077 == 0
    assert first.password not in repr(first) and first.token not in repr(first)
    monkeypatch.setenv("LABEL_STUDIO_PASSWORD", "from-the-environment")
    assert Credentials.load_or_create(tmp_path).password == "from-the-environment"
    assert "from-the-environment" not in (tmp_path / "credentials.json").read_text()   # never written down


def test_a_golden_set_too_small_for_the_exam_and_control_tasks_is_a_config_error():
    from foodcrowd.validate import ConfigError, validate

    with pytest.raises(ConfigError) as info:
        validate(compose_cfg(["golden=label_studio", "golden.size=20", "tracking=none"]))
    assert "golden.size" in info.value.render() and ">= 50" in info.value.render()
    validate(compose_cfg(["golden=label_studio", "golden.size=60", "tracking=none"]))
