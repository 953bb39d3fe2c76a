"""Food runs shared by the crowd-model tests (each ~3 s in-process at 300 items), cached per session."""
from __future__ import annotations

import pytest

from tests.crowd.helpers import run_food


@pytest.fixture(scope="session")
def food_runs(tmp_path_factory):
    """``food_runs(seed, *overrides)`` -> the run's summary and tables (computed once per session)."""
    root = tmp_path_factory.mktemp("food_runs")
    cache: dict = {}

    def get(seed: int, *overrides: str) -> dict:
        key = (seed, overrides)
        if key not in cache:
            cache[key] = run_food(root / f"run{len(cache)}", f"seed={seed}", *overrides)
        return cache[key]
    return get


QUALITY_OFF = ("quality=none", "crowd.control_tasks_per_page=0")


@pytest.fixture(scope="session")
def _crowd_home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("crowd_home"))


@pytest.fixture(autouse=True)
def _shared_home(_crowd_home, monkeypatch):
    """The crowd-model tests share one FOODCROWD_HOME, so the food photos are rendered once."""
    monkeypatch.setenv("FOODCROWD_HOME", _crowd_home)
