"""A DataView filters what the model trains on, never what it is scored on."""
from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


@pytest.mark.slow
def test_a_dataview_keeps_the_validation_items(tmp_path):
    run_dir, home = tmp_path / "run", tmp_path / "home"
    args = ["+experiment=food", "dataset.size=200", "trainer.epochs=2", "tracking=none", f"hydra.run.dir={run_dir}"]
    first = run_cli(*args, env={"FOODCROWD_HOME": str(home)})
    assert first.returncode == 0, first.stderr[-2000:]
    plain = json.loads((run_dir / "summary.json").read_text())["model"]
    # same run dir: only the train stage runs again, on the same crowd labels
    second = run_cli(*args, "dataview=confident", "dataview.where='confidence_food_type >= 0.9'",
                     env={"FOODCROWD_HOME": str(home)})
    assert second.returncode == 0, second.stderr[-2000:]
    view = json.loads((run_dir / "summary.json").read_text())["model"]
    assert view["val_items"] == plain["val_items"]
    for q in ("food_type", "appetizing"):
        assert view["metrics"][q]["n"] == plain["metrics"][q]["n"]  # scored on the same items
    assert view["train_items"] < plain["train_items"]  # the view did filter the training rows
