"""The second experiment runs end to end from YAML only, like the food one, at a reduced size."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


@pytest.mark.slow
def test_digits_experiment_runs_end_to_end_on_the_emulator(tmp_path):
    run_dir = tmp_path / "run"
    proc = run_cli("+experiment=digits", "dataset.size=100", "tracking=none", "trainer.epochs=2",
                   f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "ok" and summary["experiment_name"] == "digits"
    assert summary["items"] == 100 and summary["answers"] >= 300
    assert summary["datasets"]["raw"] and summary["datasets"]["annotated"]
    assert summary["data_issues"]["bad"] == 0
    accuracy = summary["labels"]["accuracy"]
    assert accuracy["digit"] > 0.85, accuracy          # Dawid-Skene over a mostly honest crowd
