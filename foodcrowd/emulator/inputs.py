"""Task values checked against the project's field specs, as Toloka checks them: ``input_values`` against
``task_spec.input_spec`` and known / baseline solutions against ``task_spec.output_spec`` (type, required,
allowed values, lengths, ranges, array sizes). Errors are ``{field: {code, message}}``.
"""
from __future__ import annotations

import re

__all__ = ["check_task", "check_values"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$|^/\S*$")
_SCALARS = {"string", "url", "file", "coordinates", "integer", "float", "boolean", "json"}


def _type_ok(kind: str, value) -> bool:
    if kind in ("string", "file"):
        return isinstance(value, str)
    if kind == "url":    # Toloka refuses non-strings; an empty string is left to the interface
        return isinstance(value, str) and (value == "" or bool(_URL.match(value)))
    if kind == "coordinates":
        return isinstance(value, str) and bool(re.match(r"^-?\d+(\.\d+)?,-?\d+(\.\d+)?$", value))
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    return True   # json: any JSON value


def _one(name: str, spec: dict, value) -> dict | None:
    kind = str(spec.get("type", "string")).lower()
    base = kind[6:] if kind.startswith("array_") else kind
    if base not in _SCALARS:
        return None
    values = value if kind.startswith("array_") else [value]
    if kind.startswith("array_"):
        if not isinstance(value, list):
            return {"code": "INVALID_TYPE", "message": f"{name} must be an array of {base}"}
        if spec.get("min_size") is not None and len(value) < int(spec["min_size"]):
            return {"code": "VALUE_OUT_OF_RANGE", "message": f"{name} needs at least {spec['min_size']} items"}
        if spec.get("max_size") is not None and len(value) > int(spec["max_size"]):
            return {"code": "VALUE_OUT_OF_RANGE", "message": f"{name} takes at most {spec['max_size']} items"}
    for v in values:
        if not _type_ok(base, v):
            return {"code": "INVALID_TYPE", "message": f"{name} must be of type {base}, got {type(v).__name__} {v!r:.40}"}
        allowed = spec.get("allowed_values")
        if allowed and v not in allowed:
            return {"code": "VALUE_NOT_ALLOWED", "message": f"{name}={v!r:.40} is not one of {allowed}"}
        if isinstance(v, str) and base in ("string", "url", "file"):
            if spec.get("min_length") is not None and len(v) < int(spec["min_length"]):
                return {"code": "VALUE_OUT_OF_RANGE", "message": f"{name} is shorter than {spec['min_length']}"}
            if spec.get("max_length") is not None and len(v) > int(spec["max_length"]):
                return {"code": "VALUE_OUT_OF_RANGE", "message": f"{name} is longer than {spec['max_length']}"}
        if base in ("integer", "float"):
            if spec.get("min_value") is not None and v < spec["min_value"]:
                return {"code": "VALUE_OUT_OF_RANGE", "message": f"{name} is below {spec['min_value']}"}
            if spec.get("max_value") is not None and v > spec["max_value"]:
                return {"code": "VALUE_OUT_OF_RANGE", "message": f"{name} is above {spec['max_value']}"}
    return None


def check_values(field_specs: dict, values: dict, where: str, partial: bool = False) -> dict:
    """Errors of ``values`` against ``field_specs``; ``partial`` skips the required check (solutions)."""
    errors = {}
    for name, spec in (field_specs or {}).items():
        spec = spec or {}
        if name not in values or values[name] is None:
            if not partial and spec.get("required", True) and name not in values:
                errors[f"{where}.{name}"] = {"code": "VALUE_REQUIRED", "message": f"{name} is required"}
            continue
        problem = _one(name, spec, values[name])
        if problem:
            errors[f"{where}.{name}"] = problem
    if field_specs:
        for name in values:
            if name not in field_specs:
                errors[f"{where}.{name}"] = {"code": "VALUE_NOT_ALLOWED", "message": f"{name} is not in the project's spec"}
    return errors


def check_task(task_spec: dict, raw: dict) -> dict:
    """Errors of one task's ``input_values`` and its known/baseline solutions against the project's spec."""
    errors = check_values(task_spec.get("input_spec") or {}, raw.get("input_values") or {}, "input_values")
    output_spec = task_spec.get("output_spec") or {}
    for key in ("known_solutions", "baseline_solutions"):
        for k, sol in enumerate(raw.get(key) or ()):
            if not isinstance(sol, dict) or not isinstance(sol.get("output_values"), dict):
                errors[f"{key}.{k}.output_values"] = {"code": "VALUE_REQUIRED", "message": "output_values is required"}
                continue
            errors.update(check_values(output_spec, sol["output_values"], f"{key}.{k}.output_values", partial=True))
    return errors
