"""The label-type contract: one small base class a plugin subclasses.

Data contract: answers flow through the engine as a long table ``task, worker, label`` (crowd-kit's
convention), one table per question, ``label`` being the normalised value (a class name as a string).

A label type tells the engine, for one question spec (a ``questions.<name>`` mapping of the config):
  * ``output_spec``: the Toloka output field (plain dict for ``toloka.client.structure``), whose
    ``allowed_values`` match what the interface offers;
  * ``widget``: the Template Builder component that asks the question;
  * ``normalise``: how a raw answer becomes a label (or ValueError when it cannot);
  * ``aggregators``: which ``aggregation=`` methods can aggregate it;
  * ``simulate``: how a simulated worker answers it (the emulator's population);
  * ``score``: how aggregated labels are scored against ground truth.
"""
from __future__ import annotations

from typing import Any, Iterable

__all__ = ["LabelType"]


class LabelType:
    """Base class of label types. Subclasses set ``name`` and override what differs."""

    name: str = ""
    #: crowd-kit methods for categorical answers (KOS only for two classes)
    CATEGORICAL_METHODS = ("mv", "wawa", "zbs", "ds", "one_coin_ds", "glad", "mace", "mmsr")

    def check(self, name: str, spec: dict) -> Iterable[Any]:
        """Problems with this question's spec beyond the schema (default: none)."""
        return ()

    def classes(self, spec: dict) -> list[str]:
        return [str(c) for c in spec.get("classes") or []]

    def aggregators(self, spec: dict) -> list[str]:
        return list(self.CATEGORICAL_METHODS) + (["kos"] if len(self.classes(spec)) == 2 else [])

    def output_spec(self, name: str, spec: dict) -> dict:
        return {"type": "string", "required": True, "allowed_values": self.classes(spec)}

    def widget(self, name: str, spec: dict, options: list[dict], interface: dict, first_hotkey: int = 1) -> dict:
        raise NotImplementedError

    def normalise(self, value: Any, spec: dict) -> str:
        label = str(value).lower() if isinstance(value, bool) else str(value)
        if isinstance(value, bool):
            label = "yes" if value else "no"
        if label not in self.classes(spec):
            raise ValueError(f"{value!r} is not one of {self.classes(spec)}")
        return label

    def simulate(self, rng, spec: dict, truth: Any, accuracy: float) -> str:
        """A simulated answer: the truth with probability ``accuracy``, else a uniformly wrong class."""
        classes = self.classes(spec)
        if truth is None or rng.random() < accuracy:
            return str(truth) if truth is not None else classes[int(rng.integers(len(classes)))]
        wrong = [c for c in classes if c != str(truth)]
        return wrong[int(rng.integers(len(wrong)))]

    def score(self, truth: Any, label: Any) -> float:
        """1.0 when the aggregated label equals the truth, else 0.0."""
        return float(str(truth) == str(label))
