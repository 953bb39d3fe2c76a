"""Toloka pool filters evaluated against one simulated worker (languages and skills; other keys pass).

Filters arrive as toloka-kit unstructures them: ``{"and": [...]}``, ``{"or": [...]}`` or a leaf
``{"category": "profile"|"skill"|..., "key": ..., "operator": ..., "value": ...}``.
"""
from __future__ import annotations

import operator as _op
from typing import Callable

__all__ = ["compare", "passes_filter"]

_OPS: dict[str, Callable] = {"EQ": _op.eq, "NE": _op.ne, "GT": _op.gt, "GTE": _op.ge, "LT": _op.lt, "LTE": _op.le}


def compare(left, operator: str, right) -> bool:
    """``left <operator> right`` for Toloka's operator names; None compares only with EQ/NE."""
    if operator in ("IN", "NOT_IN"):
        values = right if isinstance(right, list) else [right]
        return (left in values) == (operator == "IN")
    if left is None or right is None:
        return (left is None and right is None) == (operator == "EQ") if operator in ("EQ", "NE") else False
    try:
        return bool(_OPS[operator](float(left), float(right)))
    except (TypeError, ValueError):   # identity conditions (assessment_event == REJECT, skill_id == ...)
        return (str(left) == str(right)) == (operator == "EQ") if operator in ("EQ", "NE") else False


def passes_filter(flt: dict | None, language: str, skill_of: Callable[[str], float | None]) -> bool:
    """True when a worker speaking ``language`` with skills ``skill_of(skill_id)`` passes ``flt``."""
    if not flt:
        return True
    if "and" in flt:
        return all(passes_filter(f, language, skill_of) for f in flt["and"])
    if "or" in flt:
        return any(passes_filter(f, language, skill_of) for f in flt["or"])
    category, key, operator, value = flt.get("category"), flt.get("key"), flt.get("operator"), flt.get("value")
    if category == "skill":
        return compare(skill_of(str(key)), operator, value)
    if category == "profile" and key == "languages":
        values = value if isinstance(value, list) else [value]
        return (language in values) == (operator == "IN")
    return True  # other profile/computed keys: every simulated worker passes
