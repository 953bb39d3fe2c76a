"""Answers shaped by a project's output spec, for output fields no foodcrowd question describes.

Every Toloka field type (toloka-kit ``project.field_spec``) gets a valid value: ``string`` (one of
``allowed_values``, else text within ``min_length``..``max_length``), ``boolean``, ``integer`` and
``float`` (within ``min_value``..``max_value`` or one of ``allowed_values``), ``url``, ``coordinates``
(``"lat,lon"``), ``file`` (an attachment id), ``json`` and every ``array_*`` (within ``min_size``..
``max_size``). A ``json`` output written by a Template Builder ``field.image-annotation`` is a list of
shapes as Toloka documents them: ``{"shape": "rectangle", "left", "top", "width", "height"}`` or
``{"shape": "polygon", "points": [{"left", "top"}, ...]}`` or ``{"shape": "point", "left", "top"}``,
coordinates relative to the image (0..1), with ``label`` when the component declares labels.

Where the truth is known (a control or training task's known solution) a worker gives it with their
accuracy (``accuracy`` of their type; boxes are redrawn slightly off), otherwise a valid random value;
where it is not, the answer is valid and random, and :func:`note_unknown_truth` says so once in the log.
"""
from __future__ import annotations

import logging
import string as _string

__all__ = ["annotation_components", "field_value", "note_unknown_truth"]

log = logging.getLogger("foodcrowd.emulator")
_NOTED: set = set()
_LETTERS = _string.ascii_lowercase + " "


def note_unknown_truth(project_id, field: str) -> None:
    """Log once per project and field that the workers answer it validly at random."""
    key = (str(project_id), field)
    if key not in _NOTED:
        _NOTED.add(key)
        log.warning("emulator: project %s output %r has no known truth (no control task, no world file): "
                    "simulated workers answer it validly at random", project_id, field)


def annotation_components(view_spec: dict | None) -> dict[str, dict]:
    """Output field -> its Template Builder ``field.image-annotation`` component, found anywhere in the config."""
    found: dict[str, dict] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "field.image-annotation":
                data = node.get("data") or {}
                if data.get("type") == "data.output" and data.get("path"):
                    found[str(data["path"]).split(".")[0]] = node
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    config = (view_spec or {}).get("config")
    if isinstance(config, str):        # Toloka sends the Template Builder config as a JSON string
        import json

        try:
            config = json.loads(config)
        except ValueError:
            config = None
    walk(config)
    return found


def _labels(component: dict | None) -> list[str]:
    return [str(x.get("value")) for x in (component or {}).get("labels") or [] if isinstance(x, dict) and "value" in x]


def _shapes(rng, component: dict | None) -> list[dict]:
    allowed = [name for name, on in ((component or {}).get("shapes") or {"rectangle": True, "polygon": True}).items() if on]
    labels = _labels(component)
    out = []
    for _ in range(int(rng.integers(1, 4))):
        kind = allowed[int(rng.integers(len(allowed)))] if allowed else "rectangle"
        left, top = (round(float(v), 4) for v in rng.uniform(0.0, 0.7, 2))
        if kind == "polygon":
            shape = {"shape": "polygon", "points": [{"left": round(min(left + float(dx), 1.0), 4), "top": round(min(top + float(dy), 1.0), 4)}
                                                     for dx, dy in rng.uniform(0.0, 0.3, (int(rng.integers(3, 7)), 2))]}
        elif kind == "point":
            shape = {"shape": "point", "left": left, "top": top}
        else:
            width, height = (round(float(v), 4) for v in rng.uniform(0.05, 0.3, 2))
            shape = {"shape": "rectangle", "left": left, "top": top, "width": width, "height": height}
        if labels:
            shape["label"] = labels[int(rng.integers(len(labels)))]
        out.append(shape)
    return out


def _near(rng, value):
    """A known annotation redrawn by a careful worker: every coordinate within 1% of the image."""
    if isinstance(value, list):
        return [_near(rng, v) for v in value]
    if isinstance(value, dict):
        return {k: (round(min(max(v + float(rng.normal(0, 0.005)), 0.0), 1.0), 4)
                    if k in ("left", "top", "width", "height") and isinstance(v, (int, float)) else _near(rng, v))
                for k, v in value.items()}
    return value


def _text(rng, spec: dict) -> str:
    lo, hi = int(spec.get("min_length") or 1), int(spec.get("max_length") or 20)
    n = int(rng.integers(max(lo, 1), max(hi, lo, 1) + 1))
    return "".join(_LETTERS[int(i)] for i in rng.integers(0, 26, n)).strip() or "a" * max(lo, 1)


def _scalar(rng, kind: str, spec: dict, component: dict | None):
    allowed = spec.get("allowed_values")
    if allowed:
        return allowed[int(rng.integers(len(allowed)))]
    if kind == "boolean":
        return bool(rng.integers(2))
    if kind == "integer":
        lo, hi = int(spec.get("min_value", 0) if spec.get("min_value") is not None else 0), \
            int(spec.get("max_value") if spec.get("max_value") is not None else 100)
        return int(rng.integers(lo, max(hi, lo) + 1))
    if kind == "float":
        lo = float(spec.get("min_value") if spec.get("min_value") is not None else 0.0)
        hi = float(spec.get("max_value") if spec.get("max_value") is not None else 1.0)
        return round(float(rng.uniform(lo, max(hi, lo))), 6)
    if kind == "url":
        return f"https://example.com/{_text(rng, {'min_length': 6, 'max_length': 12}).replace(' ', '-')}"
    if kind == "coordinates":
        return f"{float(rng.uniform(-80, 80)):.6f},{float(rng.uniform(-179, 179)):.6f}"
    if kind == "file":
        return f"emulator-file-{int(rng.integers(10**9)):09d}"
    if kind == "json":
        return _shapes(rng, component) if component is not None else {"value": _text(rng, {})}
    return _text(rng, spec)


def field_value(rng, spec: dict, truth, accuracy: float, component: dict | None = None):
    """One worker's valid value for an output field of ``spec`` (Toloka's JSON of a field spec)."""
    if truth is not None and rng.random() < accuracy:
        return _near(rng, truth) if spec.get("type") == "json" else truth
    kind = str(spec.get("type") or "string").lower()
    if kind.startswith("array_"):
        lo, hi = int(spec.get("min_size") or 1), int(spec.get("max_size") or 3)
        return [_scalar(rng, kind[6:], spec, component) for _ in range(int(rng.integers(max(lo, 0), max(hi, lo) + 1)))]
    value = _scalar(rng, kind, spec, component)
    if truth is not None and value == truth and spec.get("allowed_values") and len(spec["allowed_values"]) > 1:
        value = [v for v in spec["allowed_values"] if v != truth][int(rng.integers(len(spec["allowed_values"]) - 1))]
    return value
