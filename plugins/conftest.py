"""Plugin tests run when their plugin is installed and are skipped, with the command that installs it,
when it is not (``python -m pytest -q`` on a fresh clone with only ``pip install -e ".[test]"``).

Each ``plugins/<name>/`` is its own distribution; its ``setup.cfg`` names it. CI (``.ci/run``) and the
README's Quickstart install every plugin, so there they run.
"""
from __future__ import annotations

import configparser
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _missing(plugin_dir: Path) -> str | None:
    """Why the plugin in ``plugin_dir`` cannot be tested (not installed), or None."""
    cfg = configparser.ConfigParser()
    cfg.read(plugin_dir / "setup.cfg")
    name = cfg.get("metadata", "name", fallback=plugin_dir.name)
    try:
        distribution(name)
    except PackageNotFoundError:
        rel = plugin_dir.relative_to(HERE.parent).as_posix()
        return f"plugin {name} is not installed; to run its tests: pip install -e {rel}"
    return None


class _NotInstalled(pytest.Module):
    reason = ""

    def collect(self):
        pytest.skip(self.reason, allow_module_level=True)


def pytest_pycollect_makemodule(module_path, parent):
    path = Path(module_path).resolve()
    if HERE not in path.parents or len(path.relative_to(HERE).parts) < 2:
        return None
    why = _missing(HERE / path.relative_to(HERE).parts[0])
    if why is None:
        return None
    module = _NotInstalled.from_parent(parent, path=path)
    module.reason = why
    return module
