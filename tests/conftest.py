"""Shared fixtures: compose configs the way the CLI does, and run the CLI in a subprocess."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from foodcrowd import CONF_DIR

ROOT = Path(__file__).resolve().parent.parent
EXPERIMENTS = sorted(p.stem for p in (CONF_DIR / "experiment").glob("*.yaml"))


CHROMIUM = os.environ.get("FOODCROWD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Chromium (Debian's package, driven by Playwright; no browser download) for the whole
    session: Playwright's sync API allows one driver per thread, so every browser test shares this one.
    Missing Chromium or Playwright skips with the install command, and fails under CI (``.ci/run`` installs both)."""
    def missing(why: str):
        (pytest.fail if os.environ.get("CI") else pytest.skip)(why)

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        missing(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


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
