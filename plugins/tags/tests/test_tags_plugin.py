"""foodcrowd-tags: discovery, config composition, answers, per-tag aggregation, and a run on the emulator."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from foodcrowd import CONF_DIR
from foodcrowd.label_types import LabelTypeError, available_label_types, get_label_type
from foodcrowd.validate import ConfigError, validate
from foodcrowd_tags.aggregation import aggregate_tags
from foodcrowd_tags.label_type import TagsLabel

SPEC = {"type": "tags", "text": "?", "classes": ["meat", "bread", "cheese", "fruit"], "params": {"min_tags": 0, "max_tags": 3}}


def _compose(overrides=(), experiment="food_tags"):
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        return compose(config_name="config", overrides=[f"+experiment={experiment}", *overrides])


def test_discovered_through_the_entry_point():
    assert "tags" in available_label_types()
    assert isinstance(get_label_type("tags"), TagsLabel)
    with pytest.raises(LabelTypeError) as info:
        get_label_type("bounding_box")
    assert "tags" in info.value.fix and "categorical" in info.value.fix


def test_experiment_composes_from_the_plugin_search_path():
    plain = validate(_compose())
    assert plain["questions"]["on_plate"]["type"] == "tags"
    assert [o["value"] for o in plain["interface"]["options"]["on_plate"]][:2] == ["vegetables", "meat"]
    validate(_compose(["+aggregation.per_question.on_plate={method: kos}"]))  # every tag is binary


@pytest.mark.parametrize("override,key", [
    ("questions.on_plate.params.max_tags=0", "questions.on_plate.params.max_tags"),
    ("questions.on_plate.params.min_tags=5", "questions.on_plate.params.min_tags"),
    ("+questions.on_plate.params.colour=red", "questions.on_plate.params"),
], ids=["max_tags=0", "min>max", "unknown-param"])
def test_bad_tag_params_are_rejected_naming_the_key(override, key):
    with pytest.raises(ConfigError) as info:
        validate(_compose([override]))
    assert key in [p.path for p in info.value.problems], info.value.render()


def test_answers_normalise_to_tags_in_vocabulary_order():
    tags = TagsLabel()
    assert tags.normalise(["cheese", "meat"], SPEC) == "meat|cheese"
    assert tags.normalise('["bread"]', SPEC) == "bread" and tags.normalise([], SPEC) == "" and tags.normalise(None, SPEC) == ""
    with pytest.raises(ValueError, match="fish"):
        tags.normalise(["fish"], SPEC)
    assert tags.score("meat|cheese", "meat") == 0.5 and tags.score("", "") == 1.0
    out = tags.output_spec("on_plate", SPEC)
    assert out["type"] == "array_string" and out["allowed_values"] == SPEC["classes"] and out["max_size"] == 3
    assert tags.widget("on_plate", SPEC, [{"value": "meat"}], {})["type"] == "field.checkbox-group"


def _simulated(n_items=150, n_workers=12, overlap=5, seed=3):
    """Answers of simulated workers (the emulator's own simulate) with known truth."""
    rng = np.random.default_rng(seed)
    tags = TagsLabel()
    truth = {f"i{k}": "|".join(t for t in SPEC["classes"] if rng.random() < 0.35) for k in range(n_items)}
    workers = [{"accuracy": 0.95 if w % 3 else 0.6} for w in range(n_workers)]
    rows = []
    for item, true in truth.items():
        for w in rng.choice(n_workers, size=overlap, replace=False):
            answer = tags.simulate(rng, SPEC, {"truth": true, "difficulty": 0.0}, workers[w])
            rows.append((item, f"w{w}", tags.normalise(answer, SPEC)))
    return pd.DataFrame(rows, columns=["task", "worker", "label"]), pd.Series(truth)


@pytest.mark.parametrize("method", ["mv", "ds"])
def test_each_tag_is_aggregated_as_crowdkit_would_a_binary_question(method):
    from foodcrowd.act.aggregation_methods import crowdkit_model

    answers, truth = _simulated()
    result = aggregate_tags(answers, method, {}).labels_
    for tag in SPEC["classes"]:
        binary = answers.assign(label=answers["label"].str.split("|").apply(lambda ts: "1" if tag in ts else "0"))
        direct = crowdkit_model(method).fit_predict(binary)
        mine = result["label"].str.split("|").apply(lambda ts: "1" if tag in ts else "0")
        assert (mine.reindex(direct.index) == direct).all(), tag
    assert result["confidence"].between(0, 1).all() and (result["n_answers"] == 5).all()
    tags = TagsLabel()
    agg = np.mean([tags.score(truth[t], lab) for t, lab in result["label"].items()])
    single = np.mean([tags.score(truth[t], lab) for t, lab in answers.drop_duplicates("task").set_index("task")["label"].items()])
    assert agg > single + 0.05  # aggregation beats one answer per item


def test_an_empty_truth_is_no_tag_not_an_unknown_one(tmp_path):
    """The food set's drinks have nothing on a plate: truth "" is known for a tags question (the simulated
    crowd then ticks nothing, not random tags), and stays unknown for a single-choice question."""
    from foodcrowd.sources import normalise_items

    df = pd.DataFrame({"item_id": ["a", "b", "c"], "relpath": ["a", "b", "c"], "truth_on_plate": ["", "meat", None],
                       "truth_food_type": ["", "solid", None]})
    out = normalise_items(df, {"on_plate": SPEC, "food_type": {"type": "categorical", "classes": ["solid"]}})
    assert list(out["truth_on_plate"]) == ["", "meat", None]
    assert list(out["truth_food_type"]) == [None, "solid", None]


def test_food_tags_runs_end_to_end_on_the_emulator(tmp_path):
    env = {**os.environ, "FOODCROWD_HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "foodcrowd", "+experiment=food_tags", "dataset.size=60", "tracking=none",
                           f"hydra.run.dir={tmp_path / 'run'}"], cwd=CONF_DIR.parent, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["labels"]["method"] == {"food_type": "ds", "on_plate": "ds"}
    labels = pd.read_parquet(tmp_path / "run" / "labels" / "labels.parquet")
    on_plate = labels[labels["question"] == "on_plate"]
    assert len(on_plate) == 60
    vocabulary = set(TagsLabel().classes(validate(_compose())["questions"]["on_plate"]))
    assert all(set(filter(None, lab.split("|"))) <= vocabulary for lab in on_plate["label"])
    answers = pd.read_parquet(tmp_path / "run" / "toloka" / "answers.parquet")
    assert (answers.loc[answers["question"] == "on_plate", "label"].str.count(r"\|") >= 1).any()  # multi-tag answers

    # the tags shown for a picture are the ones its annotators gave it, and they match what is drawn:
    # a drink (food_type truth "liquid") has nothing on a plate; a crowd ticking tags at random fails this
    import re

    from foodcrowd.datasets import Registry

    version = Registry(tmp_path / "home" / "datasets").version(summary["datasets"]["annotated"])
    page = version.artifact("preview").read_text()
    grid = json.loads(re.search(r'<script id="grid-data" type="application/json">(.*?)</script>', page, re.S)
                      .group(1).replace("<\\/", "</"))
    items = pd.read_parquet(tmp_path / "run" / "data" / "items.parquet").set_index("item_id")
    given = on_plate.set_index("item_id")["label"]
    shown = {r["id"]: r["q"]["on_plate"] for r in grid["items"]}
    assert sorted(shown) == sorted(given.index)
    for item, cell in shown.items():
        assert cell["label"] == given[item] and cell["truth"] == items.loc[item, "truth_on_plate"]
        picked = answers[(answers["task"] == item) & (answers["question"] == "on_plate") & (answers["kind"] == "task")]
        assert sorted(map(tuple, cell["answers"])) == sorted(zip(picked["worker"], picked["label"]))
    drinks = [i for i in shown if items.loc[i, "truth_food_type"] == "liquid"]
    assert len(drinks) >= 20 and sum(shown[i]["label"] == "" for i in drinks) >= 0.9 * len(drinks)
    assert summary["labels"]["accuracy"]["on_plate"] >= 0.85  # Jaccard against what was drawn
