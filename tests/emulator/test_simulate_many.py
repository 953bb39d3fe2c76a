"""``LabelType.simulate_many`` (one call per page and question) answers like ``simulate`` (one call per
answer) in distribution, and a label type that overrides only ``simulate`` keeps its own answers."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from foodcrowd.label_types import get_label_type
from foodcrowd.label_types.base import LabelType

FOOD = {"type": "categorical", "objective": True, "classes": ["solid", "liquid", "other"]}
APPETIZING = {"type": "binary", "objective": False, "classes": ["yes", "no"]}
WORKER = {"accuracy": 0.8, "edge_accuracy": 0.4, "bias": 0.3, "noise": 0.5, "random": False}
CASES = {
    "objective": (FOOD, {"truth": "solid", "difficulty": 0.4, "ambiguous": False}, WORKER),
    "edge case": (FOOD, {"truth": "other", "difficulty": 0.0, "ambiguous": True}, WORKER),
    "no truth": (FOOD, {"truth": None, "difficulty": 0.0, "ambiguous": False}, WORKER),
    "confusion": (FOOD, {"truth": "solid", "difficulty": 0.0, "ambiguous": False},
                  {**WORKER, "confusion": {"solid": {"solid": 0.6, "liquid": 0.3, "other": 0.1}}}),
    "random clicker": (FOOD, {"truth": "solid", "difficulty": 0.0, "ambiguous": False}, {**WORKER, "random": True}),
    "subjective": (APPETIZING, {"truth": None, "appeal": 0.8}, WORKER),
}
N = 20_000


def _shares(labels) -> dict:
    counts = Counter(labels)
    return {k: v / len(labels) for k, v in counts.items()}


@pytest.mark.parametrize("case", list(CASES))
def test_simulate_many_draws_the_same_distribution_as_simulate(case):
    spec, item, worker = CASES[case]
    label_type = get_label_type(spec["type"])
    rng = np.random.default_rng(1)
    one_by_one = _shares([label_type.simulate(rng, spec, item, worker) for _ in range(N)])
    rng = np.random.default_rng(2)
    pages = [label_type.simulate_many(rng, spec, [item] * 10, worker) for _ in range(N // 10)]
    assert all(len(p) == 10 for p in pages)
    paged = _shares([label for page in pages for label in page])
    assert set(paged) <= set(spec["classes"])
    for label in spec["classes"]:
        assert abs(paged.get(label, 0.0) - one_by_one.get(label, 0.0)) < 0.02, (label, paged, one_by_one)


def test_a_page_mixing_cases_answers_each_item_by_its_own_case():
    label_type = get_label_type("categorical")
    items = [{"truth": "solid", "difficulty": 0.0, "ambiguous": False}, {"truth": "liquid", "difficulty": 0.0, "ambiguous": False}]
    rng = np.random.default_rng(3)
    answers = [label_type.simulate_many(rng, FOOD, items, {**WORKER, "accuracy": 1.0}) for _ in range(200)]
    assert all(page == ["solid", "liquid"] for page in answers)


def test_a_plugin_that_overrides_only_simulate_keeps_its_answers():
    class Always(LabelType):
        name = "always"

        def simulate(self, rng, spec, item, worker):
            return f"{item['truth']}!"

    out = Always().simulate_many(np.random.default_rng(0), FOOD, [{"truth": "a"}, {"truth": "b"}], WORKER)
    assert out == ["a!", "b!"]


def test_simulate_many_is_deterministic_for_a_seed():
    label_type = get_label_type("categorical")
    items = [{"truth": "solid", "difficulty": 0.3, "ambiguous": i % 4 == 0} for i in range(50)]
    first = label_type.simulate_many(np.random.default_rng(7), FOOD, items, WORKER)
    assert first == label_type.simulate_many(np.random.default_rng(7), FOOD, items, WORKER)
    assert first != label_type.simulate_many(np.random.default_rng(8), FOOD, items, WORKER)
