"""Shared fixtures: compose configs the way the CLI does, and run the CLI in a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from foodcrowd import CONF_DIR

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Every test gets its own FOODCROWD_HOME unless the session shares one (datasets, generated images)."""
    home = os.environ.get("FOODCROWD_TEST_HOME") or str(tmp_path_factory.mktemp("home"))
    monkeypatch.setenv("FOODCROWD_HOME", home)
    yield


def compose_cfg(overrides: list[str] | None = None, experiment: str | None = "food"):
    """Compose like ``python -m foodcrowd +experiment=<experiment> <overrides>``."""
    GlobalHydra.instance().clear()
    extra = [f"+experiment={experiment}"] if experiment else []
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        return compose(config_name="config", overrides=extra + list(overrides or []))


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m foodcrowd <args>`` in a subprocess; returns the completed process (text output)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "foodcrowd", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)
