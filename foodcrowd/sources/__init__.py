"""Dataset sources: where the items to label come from (see docs/CONTRACTS.md).

A source is a module ``foodcrowd.sources.<dataset.source>`` with one function::

    load(ds: dict, plain: dict, cache_dir: Path) -> pandas.DataFrame

``ds`` is the validated ``dataset`` config, ``plain`` the whole validated config (for ``questions`` and
``seed``), ``cache_dir`` a directory the source may keep generated or downloaded files in
(``${home}/sources/<source>/``, created). It returns one row per item:

- ``item_id`` (str, unique, stable across runs) and ``relpath`` (str, path inside the dataset version);
- ``path`` (str): the local file, absolute; ``""`` when the item has no local file (a URL-only csv row,
  a replayed crowd). The data stage checks every non-empty path (missing, zero-byte, not an image,
  corrupt, duplicate) and reports instead of crashing, so a source does not open the files itself;
- optional ``url`` (str): a URL the item already lives at (used as is; else the stage makes one);
- optional ``truth_<question>`` (str or None) for each question whose ground truth the source knows
  (``""`` counts as unknown, except for label types whose empty label is real: tags, "none applies");
- optional ``difficulty`` (float in [0, 1]), ``ambiguous`` (bool), ``appeal`` (float in [0, 1] or NaN).

A source raises :class:`SourceError` naming the config key and what to do when its input is unusable.
Extra columns are dropped by :func:`normalise_items`; missing optional columns get their defaults.
Optionally a source module may define ``METADATA: dict`` (merged into the raw version's metadata).
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

from foodcrowd.errors import UserError

__all__ = ["SourceError", "ITEM_COLUMNS", "get_source", "load_items", "normalise_items", "available_sources"]

ITEM_COLUMNS = ("item_id", "path", "url", "relpath")   # then truth_<question>..., difficulty, ambiguous, appeal
_NOT_SOURCES = {"crowd_files"}


class SourceError(UserError):
    """A dataset source cannot produce items; ``key`` is the config key (or file) to fix, ``fix`` what to do."""

    def __init__(self, key: str, what: str, fix: str = "") -> None:
        super().__init__(what, key, fix)
        self.key, self.what = key, what


def available_sources() -> list[str]:
    here = Path(__file__).parent
    return sorted(p.stem for p in here.glob("*.py") if not p.stem.startswith("_") and p.stem not in _NOT_SOURCES)


def get_source(name: str):
    """The source module for ``dataset.source``; unknown names raise with the list of known ones."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name or "") or name in _NOT_SOURCES:
        raise SourceError("dataset.source", f"is {name!r}, not a source", "one of: " + ", ".join(available_sources()))
    try:
        module = importlib.import_module(f"foodcrowd.sources.{name}")
    except ModuleNotFoundError as err:
        if err.name != f"foodcrowd.sources.{name}":
            raise
        raise SourceError("dataset.source", f"is {name!r}, not a source",
                          "one of: " + ", ".join(available_sources())) from None
    if not callable(getattr(module, "load", None)):
        raise SourceError("dataset.source", f"foodcrowd.sources.{name} has no load(ds, plain, cache_dir)")
    return module


def normalise_items(df, questions: dict[str, Any], source: str = "the source"):
    """Keep the contract's columns, in order, with their types; fill optional columns with defaults."""
    import numpy as np
    import pandas as pd

    for col in ("item_id", "relpath"):
        if col not in df.columns:
            raise SourceError("dataset.source", f"{source} returned no {col!r} column")
    out = pd.DataFrame({"item_id": df["item_id"].astype(str)})
    if out["item_id"].duplicated().any():
        dup = out.loc[out["item_id"].duplicated(), "item_id"].iloc[0]
        raise SourceError("dataset", f"item id {dup!r} occurs twice", "item ids must be unique")
    out["path"] = df["path"].fillna("").astype(str) if "path" in df.columns else ""
    out["url"] = df["url"].fillna("").astype(str) if "url" in df.columns else ""
    out["relpath"] = df["relpath"].astype(str)
    for q, spec in questions.items():
        col = f"truth_{q}"
        values = df[col] if col in df.columns else pd.Series([None] * len(df), index=df.index)
        empty = None if not _empty_is_a_label(spec) else ""   # "" = unknown, unless it is a real label
        out[col] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else empty if v == "" else str(v)
                    for v in values]
    n = len(df)
    out["difficulty"] = (pd.to_numeric(df["difficulty"], errors="coerce").fillna(0.0).clip(0, 1).to_numpy(float)
                         if "difficulty" in df.columns else np.zeros(n))
    out["ambiguous"] = (df["ambiguous"].fillna(False).astype(bool).to_numpy()
                        if "ambiguous" in df.columns else np.zeros(n, dtype=bool))
    out["appeal"] = (pd.to_numeric(df["appeal"], errors="coerce").clip(0, 1).to_numpy(float)
                     if "appeal" in df.columns else np.full(n, np.nan))
    return out.reset_index(drop=True)


def _empty_is_a_label(spec: Any) -> bool:
    """The question's label type takes ``""`` as a real label (tags: none applies); unknown types: no."""
    from foodcrowd.label_types import LabelTypeError, get_label_type

    try:
        return bool(get_label_type((spec or {}).get("type", "categorical")).empty_label)
    except (LabelTypeError, AttributeError):
        return False


def load_items(ds: dict, plain: dict, cache_dir: Path):
    """Load ``dataset.source`` and return its items normalised to the contract's columns."""
    module = get_source(ds["source"])
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    df = module.load(ds, plain, cache_dir)
    return normalise_items(df, plain.get("questions") or {}, source=f"foodcrowd.sources.{ds['source']}")
