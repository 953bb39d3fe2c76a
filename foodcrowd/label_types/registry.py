"""Discovery of label types through the ``foodcrowd.label_types`` entry-point group.

Unknown names raise with the list of available ones; a plugin that fails to import is warned about and
skipped unless it is the one asked for.
"""
from __future__ import annotations

import warnings
from functools import lru_cache
from importlib.metadata import entry_points

from foodcrowd.label_types.base import LabelType

__all__ = ["GROUP", "LabelTypeError", "available_label_types", "classes_of", "get_label_type"]

GROUP = "foodcrowd.label_types"


class LabelTypeError(LookupError):
    """An unknown or broken label type; ``fix`` says what would be right."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix


@lru_cache(maxsize=None)
def _entry_points() -> dict:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def available_label_types() -> list[str]:
    """Names of every label type that imports cleanly."""
    names = []
    for name, ep in sorted(_entry_points().items()):
        try:
            _load(name, ep)
        except LabelTypeError as err:
            warnings.warn(f"label type {name!r} skipped: {err}", stacklevel=2)
            continue
        names.append(name)
    return names


@lru_cache(maxsize=None)
def _load(name: str, ep) -> LabelType:
    try:
        cls = ep.load()
    except Exception as err:  # a broken plugin must not take the others down
        raise LabelTypeError(f"plugin {ep.value} failed to import: {err}", "reinstall it or remove it") from None
    return cls()


def get_label_type(name: str) -> LabelType:
    """The label type called ``name``; raises LabelTypeError naming the available ones."""
    eps = _entry_points()
    if name not in eps:
        raise LabelTypeError(f"unknown label type {name!r}", "available: " + ", ".join(available_label_types()))
    return _load(name, eps[name])


def classes_of(questions: dict) -> dict[str, list[str]]:
    """Each question's classes, as its label type reads them from its spec."""
    return {q: list(get_label_type(spec["type"]).classes(spec)) for q, spec in (questions or {}).items()}
