"""Binary questions (yes/no and the like): categorical with exactly two classes, so KOS applies too."""
from __future__ import annotations

from typing import Iterable

from foodcrowd.label_types.categorical import CategoricalLabel

__all__ = ["BinaryLabel"]


class BinaryLabel(CategoricalLabel):
    name = "binary"

    def check(self, name: str, spec: dict) -> Iterable:
        from foodcrowd.validate.errors import Problem

        classes = self.classes(spec)
        if len(classes) != 2:
            yield Problem(f"questions.{name}.classes", f"has {len(classes)} class(es): {classes}", "exactly 2 for a binary question")
        elif classes[0] == classes[1]:
            yield Problem(f"questions.{name}.classes", f"repeats a class: {classes}", "two different classes")
