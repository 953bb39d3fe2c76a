"""Trainer settings that cannot work are refused at validation, before anything is created or paid."""
from __future__ import annotations

import pytest

from foodcrowd.validate import ConfigError, validate
from foodcrowd.validate.trainer_checks import MIN_SCHEDULE_STEPS, schedule_steps
from tests.conftest import compose_cfg, run_cli


def test_the_schedule_the_check_refuses_really_crashes_torch():
    import torch

    opt = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=0.01)
    with pytest.raises(ZeroDivisionError):
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.01, total_steps=4, pct_start=0.25)  # as the loop does
        for _ in range(4):
            opt.step()
            sched.step()
    assert schedule_steps(150, 0.2, 32, 1) == 4 < MIN_SCHEDULE_STEPS


def test_a_run_whose_training_cannot_work_is_refused_before_spending(tmp_path):
    proc = run_cli("+experiment=food", "dataset.size=150", "trainer.epochs=1", "tracking=none", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "trainer.epochs: gives the learning-rate schedule 4 steps" in proc.stderr and "trainer.epochs >= 2" in proc.stderr
    assert not (tmp_path / "toloka").exists() and not (tmp_path / "data").exists()


@pytest.mark.parametrize("overrides", [["dataset.size=150", "trainer.epochs=2"], ["dataset.size=150", "trainer.epochs=1", "model=none"],
                                       ["dataset.size=150", "trainer.epochs=1", "trainer.batch_size=8"]],
                         ids=["two-epochs", "no-model", "small-batches"])
def test_settings_that_can_work_pass(overrides):
    validate(compose_cfg(overrides))


def test_the_refusal_names_the_key():
    with pytest.raises(ConfigError) as err:
        validate(compose_cfg(["dataset.size=60", "trainer.epochs=2"]))
    assert "trainer.epochs" in err.value.render()
