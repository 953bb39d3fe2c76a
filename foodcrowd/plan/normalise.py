"""Normalised JSON of toloka-kit objects: what "deployed equals desired" means.

toloka-kit rewrites objects on every round trip (``1`` becomes ``1.0``, a Template Builder config becomes
a JSON string, a single filter gets wrapped in ``and``/``or``, the server adds defaults and read-only
fields). Objects are therefore compared as *normalised JSON*: structured with toloka-kit, unstructured
again, read-only fields and ``None`` dropped, numbers made canonical, filters flattened, the Template
Builder config parsed. :func:`differences` compares a desired mapping with a deployed one key by key,
ignoring what the server added on its own.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Iterator

__all__ = ["KINDS", "to_object", "wire", "normalise", "digest", "differences"]

#: plan kind -> toloka-kit class path (imported lazily: toloka is heavy)
KINDS = {
    "project": "toloka.client.project:Project",
    "skill": "toloka.client.skill:Skill",
    "training": "toloka.client.training:Training",
    "pool": "toloka.client.pool:Pool",
    "task": "toloka.client.task:Task",
}
#: top-level fields the platform sets (or apply sets per run, like ``will_expire``): never desired state
_READ_ONLY = frozenset({"id", "created", "status", "owner", "last_close_reason", "last_started", "last_stopped",
                        "remaining_overlap", "origin_task_id", "will_expire"})


_EMPTY = (0, False, "", [], {})


def _cls(kind: str):
    import importlib

    module, _, name = KINDS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def to_object(kind: str, data: dict):
    """A toloka-kit object of ``kind`` built from its plain (wire) form."""
    from toloka.client import structure

    return structure(data, _cls(kind))


def wire(kind: str, data: dict) -> dict:
    """The plain form as toloka-kit sends it: structured and unstructured again (a fixed point)."""
    from toloka.client import unstructure

    return unstructure(to_object(kind, data))


def _number(x: float | int) -> float | int:
    x = round(float(x), 9)
    return int(x) if x.is_integer() else x


def _filter(node: Any) -> Any:
    """Flatten nested and/or, unwrap single-child groups, sort siblings: the same filter, one spelling."""
    if isinstance(node, dict) and len(node) == 1 and next(iter(node)) in ("and", "or"):
        op, children = next(iter(node.items()))
        flat: list = []
        for child in (_filter(c) for c in children):
            if isinstance(child, dict) and list(child) == [op]:
                flat.extend(child[op])
            else:
                flat.append(child)
        if len(flat) == 1:
            return flat[0]
        return {op: sorted(flat, key=lambda c: json.dumps(c, sort_keys=True))}
    return node


def _clean(node: Any, top: bool = False) -> Any:
    from decimal import Decimal

    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if value is None or (top and key in _READ_ONLY):
                continue
            if key == "config" and isinstance(value, str) and value.lstrip().startswith("{"):
                value = json.loads(value)  # Template Builder config travels as a JSON string
            if key == "filter":
                value = _filter(value)
            out[key] = _clean(value)
        return out
    if isinstance(node, (list, tuple)):
        return [_clean(v) for v in node]
    if isinstance(node, bool) or node is None or isinstance(node, str):
        return node
    if isinstance(node, (int, float, Decimal)):
        return _number(node)
    return node


def normalise(kind: str, obj: Any) -> dict:
    """Normalised JSON of a toloka-kit object or of its plain form."""
    from toloka.client import unstructure

    if isinstance(obj, dict):
        obj = to_object(kind, obj)
    return _clean(unstructure(obj), top=True)


def digest(normalised: dict) -> str:
    """A short stable hash of normalised JSON (saved in the crowd state)."""
    return hashlib.sha256(json.dumps(normalised, sort_keys=True).encode()).hexdigest()[:16]


def differences(desired: Any, deployed: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """``(path, desired, deployed)`` wherever ``deployed`` disagrees with ``desired``.

    Keys present only in ``deployed`` are platform defaults and are ignored, and so is a desired empty
    value (0, false, "", [], {}) the platform left out; lists must match item by item.
    """
    if isinstance(desired, dict) and isinstance(deployed, dict):
        for key, value in desired.items():
            yield from differences(value, deployed.get(key), f"{path}.{key}" if path else key)
    elif isinstance(desired, list) and isinstance(deployed, list) and len(desired) == len(deployed):
        for i, (a, b) in enumerate(zip(desired, deployed)):
            yield from differences(a, b, f"{path}[{i}]")
    elif desired != deployed and not (deployed is None and desired in _EMPTY):
        yield path, desired, deployed
