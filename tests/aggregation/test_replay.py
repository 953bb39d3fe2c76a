"""Replaying a recorded crowd: the replay source, its config, and the whole run on the emulator."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from foodcrowd.sources import SourceError
from foodcrowd.sources.replay import load, recorded_classes, recorded_overlap
from foodcrowd.validate import validate
from tests.aggregation.conftest import BLUEBIRDS
from tests.conftest import compose_cfg, run_cli

ANSWERS, TRUTH = BLUEBIRDS / "answer.csv", BLUEBIRDS / "truth.csv"


def _crowdkit_convention(tmp_path):
    """The same data as task,worker,label + task,true_label (crowd-kit's column names)."""
    answers = pd.read_csv(ANSWERS, dtype=str).rename(columns={"question": "task", "answer": "label"})
    truth = pd.read_csv(TRUTH, dtype=str).rename(columns={"question": "task", "truth": "true_label"})
    answers.to_csv(tmp_path / "answers.csv", index=False)
    truth.to_csv(tmp_path / "gt.csv", index=False)
    return tmp_path / "answers.csv", tmp_path / "gt.csv"


def test_replay_config_reads_classes_and_overlap_from_the_file():
    plain = validate(compose_cfg([f"dataset.answers={ANSWERS}", f"dataset.truth={TRUTH}", "aggregation=kos"],
                                 experiment="replay"))
    assert plain["questions"]["answer"]["classes"] == ["0", "1"]
    assert [o["value"] for o in plain["interface"]["options"]["answer"]] == ["0", "1"]
    assert plain["crowd"]["overlap"] == 39  # every bluebirds image has 39 answers
    assert plain["quality"]["control_tasks"]["enabled"] is False and plain["exam"]["form"] == "none"


def test_replay_rejects_kos_for_four_classes(tmp_path):
    from foodcrowd.validate import ConfigError

    answers = pd.DataFrame({"task": list("aabbcc"), "worker": list("121212"), "label": ["1", "2", "3", "4", "1", "2"]})
    answers.to_csv(tmp_path / "a.csv", index=False)
    assert recorded_classes(tmp_path / "a.csv") == ["1", "2", "3", "4"] and recorded_overlap(tmp_path / "a.csv") == 2
    with pytest.raises(ConfigError, match="kos"):
        validate(compose_cfg([f"dataset.answers={tmp_path / 'a.csv'}", "aggregation=kos"], experiment="replay"))


def test_replay_source_reads_both_conventions(tmp_path):
    plain = {"questions": {"answer": {"type": "categorical", "text": "?", "classes": ["0", "1"]}}}
    survey = load({"answers": str(ANSWERS), "truth": str(TRUTH)}, plain, tmp_path)
    answers, truth = _crowdkit_convention(tmp_path)
    crowdkit = load({"answers": str(answers), "truth": str(truth)}, plain, tmp_path)
    pd.testing.assert_frame_equal(survey, crowdkit)
    assert len(survey) == 108 and survey["truth_answer"].notna().all() and (survey["path"] == "").all()


def test_replay_source_names_the_missing_file(tmp_path):
    plain = {"questions": {"answer": {"type": "categorical", "text": "?", "classes": ["0", "1"]}}}
    with pytest.raises(SourceError) as info:
        load({"answers": str(tmp_path / "nope.csv")}, plain, tmp_path)
    assert info.value.key == "dataset.answers" and "no such file" in str(info.value)


def _direct_accuracy(method: str) -> float:
    from foodcrowd.act.aggregation_methods import crowdkit_model
    from foodcrowd.sources.crowd_files import read_answers, read_truth

    truth = read_truth(TRUTH)
    labels = crowdkit_model(method).fit_predict(read_answers(ANSWERS))
    return float((labels.reindex(truth.index) == truth).mean())


@pytest.mark.slow
@pytest.mark.parametrize("method,convention", [("ds", "survey"), ("mv", "crowd-kit")])
def test_replay_run_on_the_emulator_equals_crowdkit(method, convention, tmp_path):
    answers, truth = (ANSWERS, TRUTH) if convention == "survey" else _crowdkit_convention(tmp_path)
    run_dir = tmp_path / "run"
    proc = run_cli("+experiment=replay", f"dataset.answers={answers}", f"dataset.truth={truth}",
                   f"aggregation={method}", f"hydra.run.dir={run_dir}")
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["answers"] == 4212  # every recorded answer was served and collected
    assert summary["labels"]["accuracy"]["answer"] == pytest.approx(_direct_accuracy(method), abs=1e-6)
    assert proc.returncode == 0, proc.stderr[-2000:]
