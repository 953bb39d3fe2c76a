"""Layer 1: JSON Schema (Draft 2020-12) over the composed config; ``schemas/`` is the single source of truth.

Each group has ``schemas/<group>.schema.json`` (``$id: urn:foodcrowd:<group>``); ``config.schema.json``
composes them with ``$ref``. Plugins may add fragments through :func:`register_schema`.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from foodcrowd import SCHEMA_DIR
from foodcrowd.validate.errors import Problem

__all__ = ["schema_problems", "load_schema", "validator_for", "register_schema"]

_EXTRA: dict[str, dict] = {}


def register_schema(schema: dict) -> None:
    """Add a schema fragment (it must carry an ``$id``) that other schemas can ``$ref``."""
    _EXTRA[schema["$id"]] = schema
    validator_for.cache_clear()


def load_schema(name: str) -> dict:
    path = SCHEMA_DIR / f"{name}.schema.json"
    return json.loads(Path(path).read_text())


@lru_cache(maxsize=None)
def validator_for(name: str = "config"):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        doc = json.loads(path.read_text())
        resources.append((doc["$id"], Resource.from_contents(doc)))
    for sid, doc in _EXTRA.items():
        resources.append((sid, Resource.from_contents(doc)))
    registry = Registry().with_resources(resources)
    schema = load_schema(name) if not name.startswith("urn:") else _EXTRA[name]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, registry=registry)


def _path(parts) -> str:
    return ".".join(str(p) for p in parts)


def _describe(err) -> Problem:
    """Turn one jsonschema error into `path: what (fix)` a person can act on."""
    path = _path(err.absolute_path)
    kind, val, inst = err.validator, err.validator_value, err.instance
    if kind == "required":
        missing = [k for k in val if isinstance(inst, dict) and k not in inst]
        key = missing[0] if missing else val[0]
        return Problem(_path([*err.absolute_path, key]), "is missing", "add it to the config")
    if kind == "additionalProperties":
        known = sorted(err.schema.get("properties", {}))
        extra = sorted(set(inst) - set(known)) if isinstance(inst, dict) else []
        where = _path([*err.absolute_path, extra[0]]) if extra else path
        return Problem(where, f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(extra)}",
                       f"known keys: {', '.join(known)}" if known else "remove it")
    if kind == "type":
        want = val if isinstance(val, str) else " or ".join(val)
        return Problem(path, f"is {inst!r}, of type {type(inst).__name__}", f"expected {want}")
    if kind == "enum":
        return Problem(path, f"is {inst!r}", "one of: " + ", ".join(map(str, val)))
    if kind == "const":
        return Problem(path, f"is {inst!r}", f"must be {val!r}")
    if kind in ("minimum", "exclusiveMinimum"):
        op = ">=" if kind == "minimum" else ">"
        return Problem(path, f"is {inst!r}, below the minimum", f"{op} {val}")
    if kind in ("maximum", "exclusiveMaximum"):
        op = "<=" if kind == "maximum" else "<"
        return Problem(path, f"is {inst!r}, above the maximum", f"{op} {val}")
    if kind == "minItems":
        return Problem(path, f"has {len(inst)} item(s)", f"at least {val}")
    if kind == "maxItems":
        return Problem(path, f"has {len(inst)} item(s)", f"at most {val}")
    if kind == "minLength":
        return Problem(path, "is empty" if not inst else f"is too short: {inst!r}", f"at least {val} characters")
    if kind == "pattern":
        return Problem(path, f"is {inst!r}", f"must match {val}")
    if kind == "minProperties":
        return Problem(path, "is empty", f"at least {val} entr{'y' if val == 1 else 'ies'}")
    if kind == "uniqueItems":
        return Problem(path, f"has duplicates: {inst!r}", "each value once")
    if kind in ("oneOf", "anyOf"):
        return Problem(path, f"is {inst!r}, which matches none of the allowed forms", err.schema.get("description", "see schemas/"))
    return Problem(path, err.message.splitlines()[0][:160], "see schemas/")


def schema_problems(plain: dict[str, Any], name: str = "config") -> list[Problem]:
    """Every schema violation of ``plain`` as Problems (the deepest error of each branch)."""
    from jsonschema.exceptions import best_match

    problems = []
    for err in validator_for(name).iter_errors(plain):
        if err.context:
            err = best_match(err.context) or err
        problems.append(_describe(err))
    return problems
