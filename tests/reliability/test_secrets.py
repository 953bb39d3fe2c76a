"""Secrets come from the environment only: a recognisable fake token and ClearML keys never appear in the
run dir, its logs, the saved Hydra configs, the ClearML session or the dataset registry."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability.conftest import food_run

pytestmark = pytest.mark.slow
TOKEN = "y0_FAKE-toloka-token-7f3a9c1e5d"
CLEARML_KEY = "FAKECLEARMLACCESSKEY42"
CLEARML_SECRET = "fake-clearml-secret-0b1d2e3f4a5b6c7d"


def _hits(root: Path, needles: list[bytes]) -> list[str]:
    found = []
    for dirpath, _, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            data = path.read_bytes()
            found += [f"{path}: {n.decode()}" for n in needles if n in data]
    return found


def test_no_secret_reaches_any_file(tmp_path):
    run_dir, home = tmp_path / "run", tmp_path / "home"
    env = {"TOLOKA_API_TOKEN": TOKEN, "CLEARML_API_ACCESS_KEY": CLEARML_KEY, "CLEARML_API_SECRET_KEY": CLEARML_SECRET}
    proc = food_run(run_dir, home, "tracking=clearml", env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (run_dir / ".hydra" / "config.yaml").exists() and (run_dir / "foodcrowd.log").exists()
    needles = [s.encode() for s in (TOKEN, CLEARML_KEY, CLEARML_SECRET)]
    assert _hits(tmp_path, needles) == []
    assert not any(n.decode() in proc.stdout + proc.stderr for n in needles)
