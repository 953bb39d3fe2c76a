"""The confidence Toloka's dynamic overlap (BASIC) puts on a task's top answer, shared by the emulator, the
plan's crowd flow and the crowd model's forecast so the three never drift apart.

Uniform prior over ``k`` classes; each answer is right with its weight (the weighting skill / 100, clipped
to (1/k, 0.999)) or :data:`DEFAULT_ANSWER_WEIGHT` for a worker without the skill; wrong answers spread
evenly over the other classes.
"""
from __future__ import annotations

import math
from typing import Hashable, Iterable

__all__ = ["DEFAULT_ANSWER_WEIGHT", "top_posterior"]

DEFAULT_ANSWER_WEIGHT = 0.7   # accuracy assumed for a worker without the weighting skill


def top_posterior(answers: Iterable[tuple[Hashable, float | None]], k: int) -> float:
    """Posterior of the most likely label given ``(label, weight)`` pairs (weight a probability or None)."""
    answers = list(answers)
    chosen = {lab for lab, _ in answers}
    k = max(k, len(chosen), 2)
    ll = dict.fromkeys(chosen, 0.0)
    ll_none = 0.0   # log-likelihood of a class nobody chose
    for lab, q in answers:
        q = DEFAULT_ANSWER_WEIGHT if q is None else min(max(q, 1.0 / k + 1e-3), 0.999)
        miss = math.log((1 - q) / (k - 1))
        for c in ll:
            ll[c] += math.log(q) if c == lab else miss
        ll_none += miss
    top = max(ll.values())
    z = sum(math.exp(v - top) for v in ll.values()) + (k - len(chosen)) * math.exp(ll_none - top)
    return 1.0 / z
