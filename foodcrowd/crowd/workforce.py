"""Who does the work, drawn from a population before anything is created: which workers pass the pool's
language filter, take the offered pay and pass the exam, and the pages each then does before leaving or
being banned by the fast-response and control-task rules. Used by ``predict`` (label accuracy, shortfall).

The draw uses the emulator's own worker model (``foodcrowd.emulator.population``, ``behaviour``) with a
seed of its own. Each page carries the simulated time it would start (arrival, exam, earlier pages), so
pages can be served in time order as the emulator serves them; waiting for tasks is ignored. With the
exam as a paid exam pool the exam is the session's first page (k = 0), so a passer does ``session_pages - 1``
main-pool pages, as in the emulator (a training is no page of the session).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from foodcrowd.crowd import behaviour

__all__ = ["PageState", "Workforce", "draw_workforce", "item_dict"]


@dataclass
class PageState:
    worker: str
    k: int
    params: dict
    weight: float            # dynamic overlap: the answer weight skill (0-100), None = none
    start: float = 0.0       # simulated seconds: arrival, then the exam, then the pages before this one
    skipped: bool = False
    end: float = 0.0         # simulated seconds: when the page is submitted


@dataclass
class Workforce:
    lookers: int = 0
    language_ok: int = 0
    takers: int = 0
    passed: int = 0
    pages: list[PageState] = field(default_factory=list)
    banned: int = 0
    arrivals: list[float] = field(default_factory=list)     # simulated arrival of each taker (filter and pay passed)


def item_dict(row: dict, question: str, difficulty_weight: float) -> dict:
    """One world row as ``LabelType.simulate`` sees it (as the emulator builds it)."""
    def clean(v):
        return None if v is None or (isinstance(v, float) and v != v) else v
    truth = clean(row.get(f"truth_{question}"))
    return {"truth": None if truth is None else str(truth),
            "difficulty": min(float(clean(row.get("difficulty")) or 0.0) * difficulty_weight, 1.0),
            "ambiguous": bool(clean(row.get("ambiguous")) or False), "appeal": clean(row.get("appeal"))}


def _main_pool(crowd: dict) -> dict:
    return {"reward_per_assignment": float(crowd["reward_per_page"]),
            "mixer_config": {"real_tasks_count": int(crowd["real_tasks_per_page"]),
                             "golden_tasks_count": int(crowd["control_tasks_per_page"])}}


def _passes_exam(w, exam_items: list[dict], exam: dict, spec: dict, label_type, rng) -> bool:
    if not exam_items:
        return True
    answers = label_type.simulate_many(rng, spec, exam_items, behaviour.answer_params(w, 0))
    right = sum(str(a) == it["truth"] for a, it in zip(answers, exam_items))
    return 100.0 * right / len(exam_items) >= float(exam["pass_mark"]) - 1e-9


def draw_workforce(plain: dict, world: dict, exam_table, control_table, seed: int) -> Workforce:
    """The workforce of ``plain`` (config) against ``world`` (item_id -> row)."""
    from foodcrowd.emulator.population import build_population
    from foodcrowd.label_types import get_label_type

    crowd, quality, exam = plain["crowd"], plain["quality"], plain["exam"]
    pop = crowd.get("population") or {"kind": "simulated"}
    weight = float(pop.get("difficulty_weight", 1.0))
    workers = build_population(pop, seed)
    rng = np.random.default_rng([int(seed), 31])
    timer = np.random.default_rng([int(seed), 37])      # the exam's duration: a stream of its own
    pool = _main_pool(crowd)
    tasks_on_page = pool["mixer_config"]["real_tasks_count"] + pool["mixer_config"]["golden_tasks_count"]
    languages = set(crowd.get("languages") or [])
    eq = exam.get("question")
    exam_items = []
    if exam.get("form", "none") != "none" and exam_table is not None and len(exam_table) and eq in plain["questions"]:
        for row in exam_table.to_dict("records"):
            item = item_dict(world.get(str(row["item_id"]), {}), eq, weight)
            exam_items.append({**item, "truth": str(row["answer"])})
    exam_spec = plain["questions"].get(eq) or {}
    exam_type = get_label_type(exam_spec.get("type", "categorical")) if exam_items else None
    control = quality.get("control_tasks") or {}
    cq = control.get("question")
    control_items = []
    if control.get("enabled") and control_table is not None and len(control_table) and int(crowd["control_tasks_per_page"]):
        for row in control_table.to_dict("records"):
            control_items.append({**item_dict(world.get(str(row["item_id"]), {}), cq, weight), "truth": str(row["answer"])})
    control_type = get_label_type(plain["questions"][cq]["type"]) if control_items else None
    fast = quality.get("fast_responses") or {}
    dyn = crowd.get("dynamic_overlap") or {}
    own = dyn.get("weight_skill") or {}
    first = 1 if exam_items and exam.get("form") == "exam_pool" else 0     # the exam pool's page is page 0
    out = Workforce(lookers=len(workers))
    for w in workers:
        if languages and w.language not in languages:
            continue
        out.language_ok += 1
        if not behaviour.takes_work(w, pool):
            continue
        out.takers += 1
        out.arrivals.append(float(w.arrival))
        if not _passes_exam(w, exam_items, exam, exam_spec, exam_type, rng):
            continue
        out.passed += 1
        t = w.arrival + _seconds(timer, behaviour.pace(w, 0), len(exam_items))    # the exam, timed as a page
        controls: list[bool] = []
        fast_pages: list[bool] = []
        for k in range(first, behaviour.session_pages(w, pool)):
            params = behaviour.answer_params(w, k)
            wt = _weight(controls, dyn, own, control) if dyn.get("answer_weight_skill") else None
            if w.skip_rate and rng.random() < w.skip_rate:
                out.pages.append(PageState(w.id, k, params, wt, start=t, skipped=True, end=t + 5.0))
                t += 5.0
                continue
            page = PageState(w.id, k, params, wt, start=t)
            out.pages.append(page)
            seconds = _seconds(rng, behaviour.pace(w, k), tasks_on_page)
            t += seconds
            page.end = t
            if control_items:
                item = control_items[int(rng.integers(len(control_items)))]
                controls.append(str(control_type.simulate_many(rng, plain["questions"][cq], [item], params)[0]) == item["truth"])
            if fast.get("enabled"):
                fast_pages.append(seconds < float(fast["fast_submit_threshold_seconds"]))
                if sum(fast_pages[-int(fast["history_size"]):]) >= int(fast["count"]):
                    out.banned += 1
                    break
            if control_items and control.get("enabled"):
                recent = controls[-int(control["history_size"]):]
                if len(recent) >= int(control["min_answers"]) and 100.0 * sum(recent) / len(recent) < float(control["min_correct_percent"]):
                    out.banned += 1
                    break
    return out


def _seconds(rng, pace: tuple[float, float], tasks: int) -> float:
    """Seconds a page of ``tasks`` takes at ``pace`` (median per task, lognormal sigma), as the emulator times it."""
    median, sigma = pace
    if not tasks:
        return 0.0
    return float(rng.lognormal(np.log(max(median, 1e-3)), sigma, tasks).sum()) if sigma > 0 else median * tasks


def _weight(controls: list[bool], dyn: dict, own: dict, control: dict) -> float:
    """The answer weight skill (0-100) as the pool's rules would have set it after these control answers."""
    history = int(own.get("history_size") or control.get("history_size") or 10)
    need = int(own.get("min_answers") or control.get("min_answers") or 1)
    recent = controls[-history:]
    if not controls:
        return None                       # nothing submitted yet: no skill, the platform's default weight
    if len(controls) < need:
        value = own.get("provisional_value")
        return None if value is None else float(value)
    return 100.0 * sum(recent) / len(recent)
