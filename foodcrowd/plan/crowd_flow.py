"""The flow model of a crowd on the emulator (``crowd.population``), for what the crowd model's forecast
(:func:`foodcrowd.crowd.predict.forecast`) cannot give: the workers the pools' language filter admits (the
most exam takers, a bound), and the expected overlap under dynamic overlap on a real platform or for a
bounds-only estimate. (Expected exam takers on the emulator come from the forecast.)

A fluid model, not a simulation: the population is drawn as the emulator draws it (same seed, so the same
arrival times, languages, session lengths and accuracies), and each worker who passes the pool's language
filter is followed on average. They pass the exam with the binomial chance their accuracy gives
(``accuracy`` on ordinary exam tasks, ``edge_accuracy`` on edge cases, 1/k when they click at random), and a
passer then does ``session_pages - 1`` main-pool pages (exam pool) of ``(real + control) x
seconds_per_task`` each.
"""
from __future__ import annotations

import math

from foodcrowd.crowd.confidence import DEFAULT_ANSWER_WEIGHT, top_posterior

__all__ = ["eligible_workers", "expected_overlap", "pass_chance", "right_chance"]


def pass_chance(chances: list[float], pass_mark: float) -> float:
    """P(at least ``pass_mark`` % of the exam tasks right), task j right with ``chances[j]``."""
    need = math.ceil(len(chances) * pass_mark / 100 - 1e-9)
    dist = [1.0]                                 # dist[r] = P(r right so far)
    for p in chances:
        dist = [(dist[r] if r < len(dist) else 0.0) * (1 - p) + (dist[r - 1] * p if r else 0.0)
                for r in range(len(dist) + 1)]
    return sum(dist[need:])


def right_chance(worker, item: tuple[float, bool], k: int, weight: float) -> float:
    """P(``worker`` answers an item of (difficulty, ambiguous) right), as the label types simulate it."""
    difficulty, ambiguous = item
    acc = float(worker.params.get("edge_accuracy", 0.5) if ambiguous else worker.params.get("accuracy", 0.9))
    d = min(float(difficulty) * weight, 1.0)
    return acc * (1 - 0.5 * d) + 0.5 * d / k


def eligible_workers(plain: dict) -> list:
    """The population's workers the pools' language filter admits (emulator only)."""
    from foodcrowd.emulator.population import build_population

    crowd = plain["crowd"]
    pop = crowd.get("population") or {"kind": "simulated"}
    first = next(iter(plain.get("questions") or {}), None)
    workers = build_population(pop, int(crowd.get("seed", plain.get("seed", 0)) or 0), pop.get("question") or first)
    langs = set(crowd.get("languages") or [])
    return [w for w in workers if not langs or w.language in langs]


def _k(plain: dict, question: str | None) -> int:
    return max(len((plain["questions"].get(question) or {}).get("classes") or []), 2)


def _exam_chance(plain: dict, worker, exam_items: list[tuple[float, bool]]) -> float:
    exam = plain["exam"]
    if exam.get("form", "none") == "none":
        return 1.0
    k, weight = _k(plain, exam.get("question")), float((plain["crowd"].get("population") or {}).get("difficulty_weight", 1.0))
    items = exam_items or [(0.0, False)] * (int(exam["size"]) - int(exam.get("edge_cases", 0) or 0)) + \
        [(0.0, True)] * int(exam.get("edge_cases", 0) or 0)
    return pass_chance([right_chance(worker, it, k, weight) for it in items], float(exam["pass_mark"]))


def _passers(plain: dict, exam_items: list[tuple[float, bool]]) -> list[tuple[float, object, int]]:
    """(pass chance, worker, main pages) of each eligible worker who may pass the exam."""
    form = plain["exam"].get("form", "none")
    out = []
    for w in eligible_workers(plain):
        p = _exam_chance(plain, w, exam_items)
        pages = int(w.session_pages) - (1 if form == "exam_pool" else 0)
        if p > 0 and pages > 0:
            out.append((p, w, pages))
    return out


def expected_overlap(plain: dict, items: list[tuple[float, bool]] = (), exam_items: list[tuple[float, bool]] = (),
                     samples: int = 4000) -> float:
    """Mean answers per task under Toloka's BASIC dynamic overlap, for the population's answerers.

    Each answer comes from a page done by an eligible worker who passed the exam, before the pool is done
    (drawn in proportion to the chance they passed), right with their accuracy, weighted as the pool
    weights it: ``weight_skill.provisional_value`` for the first ``min_answers`` pages (one control answer
    or more per page), then the share of right control answers (their accuracy); without a weighting
    skill, the platform's default weight. Each sample is one of ``items`` (difficulty, ambiguous), as hard
    as the label types make it. The moment the pool is done depends on the answer: two rounds settle it.
    """
    import numpy as np

    crowd = plain["crowd"]
    dyn = crowd["dynamic_overlap"]
    lo, hi = int(dyn["min_overlap"]), int(dyn["max_overlap"])
    passers = _passers(plain, list(exam_items)) if crowd.get("backend") == "emulator" else []
    if not passers:
        return float(lo)
    own = dyn.get("weight_skill") or {}
    control = plain["quality"].get("control_tasks") or {}
    early = math.ceil(int(own.get("min_answers") or control.get("min_answers") or 1)
                      / max(int(crowd["control_tasks_per_page"]), 1))
    provisional = own.get("provisional_value")
    tasks_per_page = int(crowd["real_tasks_per_page"]) + int(crowd["control_tasks_per_page"])
    exam_tasks = int(plain["exam"].get("size") or 0) if plain["exam"].get("form", "none") != "none" else 0
    rows = []   # one per page a passer may do: (time it is done, pass chance, worker, weight of its answers)
    for p, w, pages in passers:
        t = w.arrival + exam_tasks * w.seconds_per_task
        for page in range(pages):
            t += tasks_per_page * w.seconds_per_task
            if not dyn.get("answer_weight_skill"):
                q = DEFAULT_ANSWER_WEIGHT
            elif page < early:
                q = float(provisional) / 100 if provisional is not None else None
            else:
                q = float(w.params.get("accuracy", 0.9))
            rows.append((t, p, w, q))
    rows.sort(key=lambda r: r[0])
    n_items = max(len(items), 1)
    overlap = float(lo)
    for _ in range(2):
        needed, done, cut = n_items * overlap / int(crowd["real_tasks_per_page"]), 0.0, len(rows)
        for i, row in enumerate(rows):
            done += row[1]
            if done >= needed:
                cut = i + 1
                break
        overlap = _mean_answers(plain, rows[:cut], list(items) or [(0.0, False)], samples)
    return overlap


def _mean_answers(plain: dict, rows: list, items: list, samples: int) -> float:
    import numpy as np

    crowd = plain["crowd"]
    dyn = crowd["dynamic_overlap"]
    lo, hi, need = int(dyn["min_overlap"]), int(dyn["max_overlap"]), float(dyn["min_confidence"])
    probs = np.asarray([r[1] for r in rows], dtype=float)
    probs = probs / probs.sum()
    fields = [q for q, spec in plain["questions"].items() if spec.get("objective", True)] or list(plain["questions"])
    k = _k(plain, fields[0])
    weight = float((crowd.get("population") or {}).get("difficulty_weight", 1.0))
    rng = np.random.default_rng([int(plain.get("seed", 0) or 0), 15])
    which = rng.integers(len(items), size=samples)
    picks = rng.choice(len(rows), size=(samples, hi), p=probs)
    draws = rng.random((samples, hi))
    wrong = rng.integers(1, k, size=(samples, hi))
    total = 0
    for s in range(samples):
        labels: list[tuple[int, float | None]] = []
        item, n = items[which[s]], 0
        while n < hi:
            _, _, w, q = rows[picks[s, n]]
            labels.append((0 if draws[s, n] < right_chance(w, item, k, weight) else int(wrong[s, n]), q))
            n += 1
            if n >= lo and top_posterior(labels, k) >= need:
                break
        total += n
    return total / samples
