"""The dataset registry: versioned datasets with lineage, following ClearML's dataset model, stored locally.

>>> from foodcrowd.datasets import Registry, get
>>> reg = Registry("~/.cache/foodcrowd/datasets")
>>> v = reg.register("foodcrowd", "food-sample-raw", {"img/0001.png": Path("/data/0001.png")})
>>> get(v.id)                       # a local folder, materialised once, then cached
>>> get("foodcrowd/food-sample-raw")  # by project/name (latest), project/name/version, name or id

The root defaults to ``$FOODCROWD_HOME/datasets`` (``~/.cache/foodcrowd/datasets``), the same default as the
config's ``dataset.registry``. Only stdlib is imported here; pandas, DuckDB and ClearML load when used.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from foodcrowd.datasets.errors import DatasetError, DatasetFilesError, DatasetNotFoundError, DataViewError
from foodcrowd.datasets.registry import Registry
from foodcrowd.datasets.version import DatasetVersion

__all__ = ["Registry", "DatasetVersion", "DatasetError", "DatasetFilesError", "DatasetNotFoundError",
           "DataViewError", "default_root", "get", "parents", "ancestors", "diff"]


def default_root() -> Path:
    """``$FOODCROWD_HOME/datasets``, or ``~/.cache/foodcrowd/datasets`` (the config's default)."""
    home = os.environ.get("FOODCROWD_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "foodcrowd")
    return Path(home) / "datasets"


def _registry(root: str | os.PathLike | None) -> Registry:
    return Registry(root if root is not None else default_root())


def get(ref: str, root: str | os.PathLike | None = None, clearml: bool | None = None) -> Path:
    """A local folder holding the files of the version ``ref`` (id, project/name/version, project/name or
    name = latest). Cached after the first call. When the reference is not in the local registry and a
    ClearML server is configured and reachable (``clearml=None``: check; False: never), it is fetched
    from there (ClearML's own cache)."""
    reg = _registry(root)
    try:
        return reg.get(ref)
    except DatasetNotFoundError:
        if clearml is False:
            raise
        from foodcrowd.datasets.clearml_sync import get_from_server

        path = get_from_server(ref, reg)
        if path is None:
            raise
        return path


def parents(ref: str, root: str | os.PathLike | None = None) -> list[DatasetVersion]:
    return _registry(root).parents(ref)


def ancestors(ref: str, root: str | os.PathLike | None = None) -> list[DatasetVersion]:
    return _registry(root).ancestors(ref)


def diff(a: str, b: str, root: str | os.PathLike | None = None) -> dict[str, Any]:
    return _registry(root).diff(a, b)
