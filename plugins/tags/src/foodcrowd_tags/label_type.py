"""Multi-label tags: "tick every tag that applies", aggregated tag by tag as binary questions.

Question spec (``questions.<q>`` with ``type: tags``): ``classes`` is the tag vocabulary; optional
``params.min_tags`` / ``params.max_tags`` bound how many tags one answer may tick (see schema.json).

- Toloka: an ``array_string`` output whose allowed values are the tags; a checkbox group widget.
- Label Studio: a ``<Choices choice="multiple">`` over the tags (``labeling_config``).
- Answers are normalised to one string: the ticked tags in vocabulary order joined by ``|``
  (``""`` for none), so they flow through the engine's ``task, worker, label`` tables unchanged.
- Aggregation: each tag becomes a binary question (ticked "1" / not ticked "0") aggregated with the
  configured crowd-kit method; the label is the set of tags aggregated as "1", its confidence the
  lowest per-tag confidence (how sure the least sure tag decision is), a worker's skill the mean of
  its per-tag skills.
- Score: Jaccard similarity of the aggregated and true tag sets (1.0 when both are empty).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from foodcrowd.label_types.base import LabelType

__all__ = ["TagsLabel", "SEPARATOR"]

SEPARATOR = "|"
SCHEMA_PATH = Path(__file__).with_name("schema.json")


@lru_cache(maxsize=1)
def _validator():
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(SCHEMA_PATH.read_text()))


class TagsLabel(LabelType):
    name = "tags"
    confusable = False
    empty_label = True  # "" = no tag applies: a known truth (a drink has nothing on a plate), not a missing one

    # ---- config ---------------------------------------------------------------------------------
    def check(self, name: str, spec: dict) -> Iterable:
        from foodcrowd.validate.errors import Problem

        for err in _validator().iter_errors(spec):
            path = ".".join(str(p) for p in err.absolute_path)
            yield Problem(f"questions.{name}" + (f".{path}" if path else ""), err.message.splitlines()[0][:160],
                          "see plugins/tags/foodcrowd_tags/schema.json")
        tags = self.classes(spec)
        if len(set(tags)) != len(tags):
            yield Problem(f"questions.{name}.classes", f"repeats a tag: {tags}", "each tag once")
        if any(SEPARATOR in t for t in tags):
            yield Problem(f"questions.{name}.classes", f"a tag contains {SEPARATOR!r}", f"tags without {SEPARATOR!r}")
        params = spec.get("params") or {}
        if params.get("max_tags") is not None and params.get("min_tags", 0) > params["max_tags"]:
            yield Problem(f"questions.{name}.params.min_tags", f"{params['min_tags']} > max_tags {params['max_tags']}",
                          "min_tags <= max_tags")

    def aggregators(self, spec: dict) -> list[str]:
        return list(self.CATEGORICAL_METHODS) + ["kos"]  # every tag is a binary question

    # ---- Toloka ---------------------------------------------------------------------------------
    def _bounds(self, spec: dict) -> tuple[int, int]:
        params = spec.get("params") or {}
        tags = self.classes(spec)
        top = params.get("max_tags")
        return int(params.get("min_tags", 0)), len(tags) if top is None else int(top)

    def output_spec(self, name: str, spec: dict) -> dict:
        low, high = self._bounds(spec)
        return {"type": "array_string", "required": low > 0, "allowed_values": self.classes(spec),
                "min_size": low, "max_size": high}

    def widget(self, name: str, spec: dict, options: list[dict], interface: dict, first_hotkey: int = 1) -> dict:
        component = {"type": "field.checkbox-group", "label": spec.get("text", name),
                     "options": [{"label": o.get("label", o["value"]), "value": str(o["value"])} for o in options],
                     "data": {"type": "data.output", "path": name}}
        if self._bounds(spec)[0] > 0:
            component["validation"] = {"type": "condition.required", "hint": "Tick at least one tag"}
        return component

    def labeling_config(self, name: str, spec: dict, options: list[dict], interface: dict, to_name: str = "image",
                        first_hotkey: int = 1, multiple: bool = True) -> str:
        """Label Studio: a ``<Choices choice="multiple">`` (tick every tag that applies)."""
        return super().labeling_config(name, spec, options, interface, to_name, first_hotkey, multiple=True)

    # ---- answers ----------------------------------------------------------------------------------
    def parse(self, value: Any) -> list[str]:
        """A raw answer (list, JSON list, ``a|b`` or ``a,b`` string, None) as a list of tag strings."""
        if value is None or (isinstance(value, float) and value != value):
            return []
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                value = json.loads(text)
            else:
                return [t.strip() for t in text.replace(",", SEPARATOR).split(SEPARATOR) if t.strip()]
        return [str(t) for t in value]

    def normalise(self, value: Any, spec: dict) -> str:
        tags = self.classes(spec)
        given = set(self.parse(value))
        unknown = sorted(given - set(tags))
        if unknown:
            raise ValueError(f"{unknown} are not tags of this question ({tags})")
        return SEPARATOR.join(t for t in tags if t in given)

    def simulate(self, rng, spec: dict, item: dict, worker: dict) -> list[str]:
        """Each tag decided on its own: right with the worker's accuracy (lower on difficult items)."""
        tags = self.classes(spec)
        low, high = self._bounds(spec)
        if worker.get("random") or item.get("truth") is None:
            ticked = [t for t in tags if rng.random() < (0.5 if worker.get("random") else 0.25)]
        else:
            truth = set(self.parse(item["truth"]))
            acc = worker.get("edge_accuracy", 0.5) if item.get("ambiguous") else worker.get("accuracy", 0.9)
            acc = acc * (1 - 0.5 * float(item.get("difficulty") or 0.0)) + 0.25 * float(item.get("difficulty") or 0.0)
            ticked = [t for t in tags if (t in truth) == (rng.random() < acc)]
        if len(ticked) > high:
            ticked = [ticked[i] for i in sorted(rng.choice(len(ticked), size=high, replace=False))]
        if len(ticked) < low:
            rest = [t for t in tags if t not in ticked]
            ticked += [rest[i] for i in rng.choice(len(rest), size=low - len(ticked), replace=False)]
        return [t for t in tags if t in ticked]

    # ---- aggregation and scoring -------------------------------------------------------------------
    def aggregate(self, answers, method: str, params: dict | None):
        from foodcrowd_tags.aggregation import aggregate_tags

        return aggregate_tags(answers, method, params)

    def score(self, truth: Any, label: Any) -> float:
        want, got = set(self.parse(truth)), set(self.parse(label))
        return 1.0 if not want and not got else len(want & got) / len(want | got)
