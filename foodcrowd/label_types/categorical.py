"""Single-choice categorical questions: one class out of several, asked with a radio or button group."""
from __future__ import annotations

from typing import Iterable

from foodcrowd.label_types.base import LabelType

__all__ = ["CategoricalLabel"]


class CategoricalLabel(LabelType):
    name = "categorical"

    def check(self, name: str, spec: dict) -> Iterable:
        from foodcrowd.validate.errors import Problem

        classes = self.classes(spec)
        if len(classes) < 2:
            yield Problem(f"questions.{name}.classes", f"has {len(classes)} class(es)", "at least 2")
        if len(set(classes)) != len(classes):
            yield Problem(f"questions.{name}.classes", f"repeats a class: {classes}", "each class once")

    def widget(self, name: str, spec: dict, options: list[dict], interface: dict, first_hotkey: int = 1) -> dict:
        kind = "field.button-radio-group" if interface.get("widget") == "buttons" else "field.radio-group"
        component = {
            "type": kind,
            "label": spec.get("text", name),
            "options": [{"label": o.get("label", o["value"]), "value": str(o["value"])} for o in options],
            "data": {"type": "data.output", "path": name},
        }
        if interface.get("required", True):
            component["validation"] = {"type": "condition.required", "hint": "Please answer this question"}
        return component
