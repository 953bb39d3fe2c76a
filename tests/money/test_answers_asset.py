"""Answers are an asset: bought once, registered as a version (items -> answers -> labels), reused for $0 by
any run whose crowd stage asks the same, or by name; the same labels are the same annotated version."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli

BASE = ["+experiment=food", "dataset.size=150", "tracking=none", "crowd.poll_interval_seconds=0.05"]
SMALL = [*BASE, "model=none"]


def _summary(run_dir):
    return json.loads((run_dir / "summary.json").read_text())


@pytest.mark.slow
def test_a_second_run_reuses_the_answers_for_nothing_and_the_same_labels_are_the_same_version(tmp_path):
    first = run_cli(*SMALL, f"hydra.run.dir={tmp_path / 'a'}")
    assert first.returncode == 0, first.stderr[-2000:]
    a = _summary(tmp_path / "a")
    answers = a["datasets"]["answers"]
    assert a["cost_usd"] > 0.9 and answers and "reused_answers" not in a

    other = run_cli(*SMALL, "aggregation=ds", f"hydra.run.dir={tmp_path / 'b'}")   # another aggregation, another dir
    assert other.returncode == 0, other.stderr[-2000:]
    b = _summary(tmp_path / "b")
    assert b["cost_usd"] == 0.0 and b["reused_answers"]["version"] == answers
    assert b["reused_answers"]["bought_for_usd"] == a["cost_usd"]
    assert f"reusing answers version {answers}" in other.stdout + other.stderr
    assert not (tmp_path / "b" / "emulator").exists()            # no platform was even started
    assert b["datasets"]["annotated"] != a["datasets"]["annotated"]

    again = run_cli(*SMALL, f"hydra.run.dir={tmp_path / 'c'}")     # the first run repeated elsewhere
    assert again.returncode == 0, again.stderr[-2000:]
    c = _summary(tmp_path / "c")
    assert c["cost_usd"] == 0.0 and c["datasets"]["annotated"] == a["datasets"]["annotated"]
    assert c["labels"] == a["labels"]

    named = run_cli(*SMALL, "crowd.overlap=5", f"crowd.answers={answers}", f"hydra.run.dir={tmp_path / 'd'}")
    assert named.returncode == 0, named.stderr[-2000:]
    assert _summary(tmp_path / "d")["cost_usd"] == 0.0 and "named by crowd.answers" in named.stdout + named.stderr

    tree = subprocess.run([sys.executable, "-m", "foodcrowd.datasets", "lineage"], cwd=ROOT, capture_output=True,
                          text=True).stdout.splitlines()
    kinds = [line.split()[0] if not line.lstrip().startswith("->") else line.split()[1] for line in tree]
    assert kinds[:2] == ["items", "answers"] and kinds.count("labels") == 3, tree   # mv, ds, and the run started from named answers
    assert answers[:12] in tree[1] and a["datasets"]["annotated"][:12] in "\n".join(tree[2:])


def test_a_named_answers_version_that_does_not_exist_names_the_key(tmp_path):
    proc = run_cli(*SMALL, "crowd.answers=nope", f"hydra.run.dir={tmp_path}")
    assert proc.returncode == 2 and "crowd.answers: 'nope' names no version" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_answers_outlive_a_stage_that_fails_after_them(tmp_path):
    killed = run_cli(*BASE, "model=small_cnn", "trainer.epochs=2", f"hydra.run.dir={tmp_path / 'a'}",
                     env={"FOODCROWD_FAILPOINTS": "train.epoch"})
    assert killed.returncode != 0
    assert _summary(tmp_path / "a")["status"] == "running"           # killed in training, after the purchase
    again = run_cli(*SMALL, f"hydra.run.dir={tmp_path / 'b'}")
    assert again.returncode == 0, again.stderr[-2000:]
    b = _summary(tmp_path / "b")
    assert b["cost_usd"] == 0.0 and b["reused_answers"]["bought_for_usd"] > 0.9
