"""Every experiment composes and validates; broken configs are rejected with the right key named."""
from __future__ import annotations

import pytest

from foodcrowd.validate import ConfigError, validate
from tests.conftest import EXPERIMENTS, compose_cfg, run_cli


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_and_validates(experiment, tmp_path):
    cfg = compose_cfg([f"dataset.answers={tmp_path}/a.csv", f"dataset.truth={tmp_path}/t.csv"]
                      if experiment == "replay" else [], experiment=experiment)
    plain = validate(cfg)
    assert plain["experiment_name"]
    assert plain["crowd"]["overlap"] >= 1


def test_food_experiment_declares_the_case_study():
    plain = validate(compose_cfg())
    assert plain["questions"]["food_type"]["classes"] == ["solid", "liquid", "other"]
    assert plain["questions"]["appetizing"]["classes"] == ["yes", "no"]
    assert plain["crowd"]["languages"] == ["EN"]
    assert plain["crowd"]["overlap"] == 3
    assert (plain["crowd"]["real_tasks_per_page"], plain["crowd"]["control_tasks_per_page"]) == (9, 1)
    assert plain["exam"]["size"] == 10 and plain["exam"]["pass_mark"] == 100
    assert plain["quality"]["fast_responses"]["enabled"] and plain["quality"]["control_tasks"]["enabled"]
    assert plain["dataset"]["parent"] == "raw"


BROKEN = [
    (["crowd.overlap=0"], "crowd.overlap"),
    (["crowd.overlap=three"], "crowd.overlap"),
    (["crowd.reward_per_page=0.001"], "crowd.reward_per_page"),
    (["crowd.languages=[english]"], "crowd.languages.0"),
    (["crowd.backend=mturk"], "crowd.backend"),
    (["exam.pass_mark=95"], "exam.pass_mark"),
    (["exam.size=12"], "exam.composition"),
    (["exam.question=appetizing"], "exam.question"),
    (["exam.edge_case_answer=mixed"], "exam.edge_case_answer"),
    (["questions.food_type.classes=[solid,liquid]"], "interface.options.food_type"),
    (["questions.appetizing.classes=[yes,no,maybe]"], "questions.appetizing.classes"),
    (["questions.food_type.type=polygon"], "questions.food_type.type"),
    (["+interface.options.colour=[{value: red}]"], "interface.options.colour"),
    (["aggregation=kos"], "aggregation.method"),
    (["aggregation.method=median"], "aggregation.method"),
    (["+aggregation.per_question.nope={method: mv}"], "aggregation.per_question.nope"),
    (["crowd.control_tasks_per_page=0"], "crowd.control_tasks_per_page"),
    (["quality.control_tasks.sample=0", "crowd.control_tasks_per_page=1"], "quality.control_tasks.sample"),
    (["quality.majority_vote.enabled=true", "quality.majority_vote.answer_threshold=4"], "quality.majority_vote.answer_threshold"),
    (["+crowd.colour=red"], "crowd.colour"),
    (["trainer.val_fraction=1.5"], "trainer.val_fraction"),
    (["model._target_=os.system"], "model._target_"),
    (["crowd.token_env=my-token"], "crowd.token_env"),
    (["crowd=toloka"], "crowd.token_env"),
    (["lineage=by_id"], "dataset.parent"),
    (["action=deploy"], "action"),
]


@pytest.mark.parametrize("overrides,key", BROKEN, ids=[b[1] + ":" + ",".join(b[0]) for b in BROKEN])
def test_broken_config_is_rejected_naming_the_key(overrides, key, monkeypatch):
    monkeypatch.delenv("TOLOKA_API_TOKEN", raising=False)
    with pytest.raises(ConfigError) as info:
        validate(compose_cfg(overrides))
    paths = [p.path for p in info.value.problems]
    assert key in paths, info.value.render()


def test_cli_bad_config_exits_2_naming_every_key_without_traceback(tmp_path):
    proc = run_cli("+experiment=food", "crowd.overlap=0", "exam.pass_mark=95", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 2
    assert "crowd.overlap" in proc.stderr and "exam.pass_mark" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert len(proc.stderr.splitlines()) < 30


def test_cli_prints_the_composed_job_config():
    proc = run_cli("+experiment=food", "--cfg", "job")
    assert proc.returncode == 0, proc.stderr
    assert "food_type" in proc.stdout and "overlap: 3" in proc.stdout
