"""The aggregate stage on real crowd answers (bluebirds): every method agrees with crowd-kit called directly."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from foodcrowd import CONF_DIR
from foodcrowd.act.aggregate import AggregateStageError, aggregate_stage
from foodcrowd.act.aggregation_methods import METHODS, AggregationError, crowdkit_model, fit_method
from tests.aggregation.conftest import BIRD, bluebirds_run_dir, context, make_run_dir


def _params(method: str) -> dict:
    return yaml.safe_load((CONF_DIR / "aggregation" / f"{method}.yaml").read_text())["params"]


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_matches_crowdkit_on_bluebirds(method, bluebirds, tmp_path):
    answers, truth = bluebirds
    result = aggregate_stage(context(bluebirds_run_dir(tmp_path, answers, truth), BIRD, method, _params(method)))

    direct = crowdkit_model(method, _params(method)).fit_predict(answers)
    expected = float((direct.reindex(truth.index) == truth).mean())
    assert result["summary"]["labels"]["accuracy"]["bird"] == pytest.approx(expected, abs=1e-6)
    labels = pd.read_parquet(tmp_path / "labels" / "labels.parquet").set_index("item_id")
    assert (labels["label"] == direct.reindex(labels.index)).all()
    assert list(labels.columns) == ["question", "label", "confidence", "n_answers", "method"]
    assert labels["confidence"].between(0, 1).all() and (labels["method"] == method).all()
    assert labels["n_answers"].sum() == len(answers)
    skills = pd.read_parquet(tmp_path / "labels" / "skills.parquet")
    assert set(skills["worker"]) == set(answers["worker"]) and skills["skill"].notna().all()


def test_published_figures_on_bluebirds(bluebirds, tmp_path):
    """crowd-kit 1.4.2 on bluebirds: MV 0.759, DS 0.889 (shared/data/README.md)."""
    answers, truth = bluebirds
    acc = {}
    for method in ("mv", "ds"):
        run = bluebirds_run_dir(tmp_path / method, answers, truth)
        acc[method] = aggregate_stage(context(run, BIRD, method))["summary"]["labels"]["accuracy"]["mean"]
    assert round(acc["mv"], 3) == 0.759 and round(acc["ds"], 3) == 0.889


def test_confidence_is_posterior_or_vote_share(bluebirds):
    answers, _ = bluebirds
    ds = fit_method("ds", {}, answers).labels_
    probas = crowdkit_model("ds").fit_predict_proba(answers)
    assert ds["confidence"].to_numpy() == pytest.approx(probas.max(axis=1).reindex(ds.index).to_numpy())
    wawa = fit_method("wawa", {}, answers).labels_
    share = answers.merge(wawa["label"].rename("agg"), left_on="task", right_index=True)
    share = (share["label"] == share["agg"]).groupby(share["task"]).mean()
    assert wawa["confidence"].to_numpy() == pytest.approx(share.reindex(wawa.index).to_numpy())


def test_agreement_equals_crowdkit_metrics(bluebirds):
    from crowdkit.aggregation import MajorityVote
    from crowdkit.metrics.data import consistency, uncertainty

    answers, _ = bluebirds
    agreement = fit_method("mv", {}, answers).agreement_
    assert agreement["consistency"] == pytest.approx(consistency(answers, aggregator=MajorityVote()))
    assert agreement["uncertainty"] == pytest.approx(uncertainty(answers))


THREE = pd.DataFrame({"task": ["a", "a", "a", "b", "b", "b"], "worker": ["1", "2", "3", "1", "2", "3"],
                      "label": ["solid", "liquid", "other", "solid", "solid", "other"]})


def test_kos_on_three_classes_fails_with_a_clear_message():
    with pytest.raises(AggregationError, match=r"KOS aggregates binary answers only; these have 3 classes") as info:
        fit_method("kos", {}, THREE)
    assert info.value.where == "aggregation.method" and "ds" in info.value.fix


def test_kos_for_a_three_class_question_is_rejected_by_validation():
    from foodcrowd.validate import ConfigError, validate
    from tests.conftest import compose_cfg

    with pytest.raises(ConfigError) as info:
        validate(compose_cfg(["aggregation=kos"]))
    text = info.value.render()
    assert "aggregation.method" in text and "'kos' cannot aggregate question 'food_type'" in text
    assert "one of: mv" in text  # names what would work
    validate(compose_cfg(["aggregation=kos", "+aggregation.per_question.food_type={method: ds}"]))


def test_per_question_override_and_control_accuracy(tmp_path):
    rows = pd.concat([THREE.assign(question="food_type", kind="task"),
                      THREE.assign(question="appetizing", kind="task", label=["yes", "no", "yes", "no", "no", "yes"]),
                      pd.DataFrame({"task": ["c", "c"], "worker": ["1", "2"], "question": "food_type",
                                    "label": ["solid", "liquid"], "kind": "control"})])
    items = pd.DataFrame({"item_id": ["a", "b", "c"], "truth_food_type": ["solid", "solid", "solid"],
                          "truth_appetizing": [None, "no", None]})
    control = pd.DataFrame({"item_id": ["c"], "url": ["u"], "question": ["food_type"], "answer": ["solid"],
                            "hint": [""], "edge_case": [False]})
    run = make_run_dir(tmp_path, rows, items, control=control)
    questions = {"food_type": {"type": "categorical", "text": "?", "classes": ["solid", "liquid", "other"]},
                 "appetizing": {"type": "binary", "text": "?", "objective": False, "classes": ["yes", "no"]}}
    summary = aggregate_stage(context(run, questions, "mv", per_question={"appetizing": {"method": "kos"}}))["summary"]["labels"]
    assert summary["method"] == {"food_type": "mv", "appetizing": "kos"}
    assert summary["control_accuracy"] == {"food_type": 0.5}
    assert summary["unlabelled"]["food_type"] == 1  # item c was only a control task
    assert summary["accuracy"]["appetizing"] in (0.0, 1.0)  # scored on the one item whose truth is given
    labels = pd.read_parquet(tmp_path / "labels" / "labels.parquet")
    assert sorted(labels["method"].unique()) == ["kos", "mv"]
    assert set(labels.loc[labels["question"] == "food_type", "item_id"]) == {"a", "b"}  # control rows not aggregated


def test_report_shows_confusion_cost_and_exam(bluebirds, tmp_path):
    answers, truth = bluebirds
    run = bluebirds_run_dir(tmp_path, answers, truth)
    exam = pd.DataFrame({"task": ["e1", "e1", "e2", "e2"], "worker": ["1", "2", "1", "2"], "label": ["x"] * 4,
                         "correct": [True, True, True, False], "edge_case": [False, False, True, True]})
    exam.to_parquet(run / "toloka" / "exam_answers.parquet")
    results = {"crowd": {"summary": {"cost_usd": 12.0}}}
    summary = aggregate_stage(context(run, BIRD, "ds", results=results, threshold=0.9))["summary"]["labels"]
    assert summary["confusion"]["bird"] == {"classes": ["0", "1"], "matrix": [[55, 5], [7, 41]]}
    assert summary["cost_per_correct_label"] == pytest.approx(12.0 / 96)
    assert summary["exam_per_task"][0] == {"task": "e2", "takers": 2, "correct": 0.5, "edge_case": True}
    assert 0 < summary["uncertain_share"]["bird"] < 0.2
    html = (run / "labels" / "labels.html").read_text()
    assert "Confusion" in html and "e2 (edge case)" in html and "per correct label" in html
    json.dumps(summary)  # JSON-serialisable for summary.json


def test_rerun_gives_identical_outputs(bluebirds, tmp_path):
    answers, truth = bluebirds
    run = bluebirds_run_dir(tmp_path, answers, truth)
    first = aggregate_stage(context(run, BIRD, "mv"))
    before = pd.read_parquet(run / "labels" / "labels.parquet")
    assert aggregate_stage(context(run, BIRD, "mv")) == first
    pd.testing.assert_frame_equal(pd.read_parquet(run / "labels" / "labels.parquet"), before)


def test_missing_answers_file_names_the_file(tmp_path):
    with pytest.raises(AggregateStageError, match=r"no answers to aggregate") as info:
        aggregate_stage(context(tmp_path, BIRD))
    assert info.value.where.endswith("toloka/answers.parquet")
