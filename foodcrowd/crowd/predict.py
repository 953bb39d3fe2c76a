"""Predict, before anything is created, what the crowd will deliver: label accuracy per question for the
configured overlap (static or dynamic) and aggregation, the workforce (who takes the pay and passes the
exam), and the expected shortfall when the population cannot finish the pool.

How: :func:`foodcrowd.crowd.workforce.draw_workforce` draws the population with a seed of its own
(``crowd.seed + 1000003``, never the run's) and follows each worker through filter, pay, exam, pages and
bans; the pages it yields are dealt to the items (``overlap`` distinct workers each, or one at a time
until the dynamic-overlap confidence is reached), answered through the label types' answer model, and
aggregated with the configured crowd-kit method; accuracy is scored against the items' truth. ``reps``
deals are averaged. A replayed crowd is predicted by aggregating its record. The run compares
(``compare``): ``summary.json`` -> ``prediction.label_accuracy`` vs ``prediction.obtained``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from foodcrowd.crowd.confidence import top_posterior

__all__ = ["predict", "forecast", "compare", "print_prediction", "PREDICTION_SEED_OFFSET"]

PREDICTION_SEED_OFFSET = 1_000_003


def _confidence(labels: list[str], weights: list, k: int) -> float:
    """The emulator's (Toloka BASIC) confidence of the top answer; ``weights`` are skill values in percent."""
    return top_posterior([(lab, None if wt is None else wt / 100.0) for lab, wt in zip(labels, weights)], k)


def _label(label_type, spec: dict, value) -> str:
    """A simulated answer as a run stores it: a multi-label answer (a list of tags) in its type's normal form."""
    return label_type.normalise(value, spec) if isinstance(value, (list, tuple)) else str(value)


def _deal(plain: dict, pages: list, items: list[dict], rng) -> tuple[dict[str, pd.DataFrame], int, float]:
    """Answers (task, worker, label) per question when the workforce's pages are served like the emulator's
    mixer serves them: in order of their start time (workers work side by side); a page takes the first
    ``real_tasks_per_page`` items still short of their overlap that the worker has not seen; with dynamic
    overlap an item whose answers fall short of the confidence gets one more (up to ``max_overlap``).
    Returns the answers, the number of items left unfinished when the pages ran out, and the simulated time
    the pool is done (the last page it needed submitted; infinite when items are left)."""
    from foodcrowd.label_types import get_label_type

    questions, crowd = plain["questions"], plain["crowd"]
    dyn = crowd.get("dynamic_overlap") or {}
    real = int(crowd["real_tasks_per_page"])
    types = {q: get_label_type(spec["type"]) for q, spec in questions.items()}
    fields = [q for q, s in questions.items() if s.get("objective", True)] or list(questions)
    n = len(items)
    target = [int(dyn["min_overlap"]) if dyn.get("enabled") else int(crowd["overlap"])] * n
    done, final = [0] * n, [False] * n
    given: list[list] = [[] for _ in range(n)]          # (labels of the objective fields, weight) per answer
    rows: dict[str, list] = {q: [] for q in questions}
    seen: dict[str, set] = {}
    lo, left, finish = 0, n, 0.0
    for page in sorted(pages, key=lambda p: p.start):
        worker, mine = page.worker, seen.setdefault(page.worker, set())
        picks, j = [], lo
        while j < n and len(picks) < real:
            if not final[j] and done[j] < target[j] and j not in mine:
                picks.append(j)
            j += 1
        if not picks:
            continue
        mine.update(picks)
        finish = max(finish, page.end)
        answers = {q: [_label(types[q], spec, a) for a in types[q].simulate_many(rng, spec, [items[j][q] for j in picks],
                                                                              page.params)]
                   for q, spec in questions.items()}
        for i, j in enumerate(picks):
            done[j] += 1
            for q in questions:
                rows[q].append((items[j]["task"], worker, answers[q][i]))
            given[j].append(({q: answers[q][i] for q in fields}, page.weight))
            if done[j] < target[j]:
                continue
            if dyn.get("enabled") and done[j] < int(dyn["max_overlap"]) and min(
                    _confidence([g[0][q] for g in given[j]], [g[1] for g in given[j]],
                                len(types[q].classes(questions[q]))) for q in fields) < float(dyn["min_confidence"]):
                target[j] += 1
                lo = min(lo, j)
                continue
            final[j] = True
            left -= 1
        while lo < n and (final[lo] or done[lo] >= target[lo]):
            lo += 1
        if not left:
            break
    answers = {q: pd.DataFrame(r, columns=["task", "worker", "label"]) for q, r in rows.items()}
    return answers, left, (finish if not left else math.inf)


def _score(plain: dict, answers: dict[str, pd.DataFrame], truth: dict[str, pd.Series]) -> dict[str, float]:
    from foodcrowd.label_types import get_label_type

    agg, out = plain["aggregation"], {}
    for q, spec in plain["questions"].items():
        override = (agg.get("per_question") or {}).get(q) or {}
        method = override.get("method", agg["method"])
        params = dict(override.get("params") or {}) if "method" in override else dict(agg.get("params") or {})
        known = truth[q].dropna()
        if known.empty or answers[q].empty:
            continue
        lt = get_label_type(spec["type"])
        labels = lt.aggregate(answers[q], method, params).labels_["label"]
        common = known.index.intersection(labels.index)        # scored like the run: labelled items only
        out[q] = float(lt.scores(known[common].astype(str), labels[common].astype(str)).mean())
    return out


def predict(plain: dict, items: pd.DataFrame, exam: pd.DataFrame | None = None, control: pd.DataFrame | None = None,
            reps: int = 3) -> dict:
    """The prediction block of the plan (``toloka/prediction.json``, ``summary.json`` -> ``prediction``)."""
    from foodcrowd.crowd.supply import supply_of
    from foodcrowd.crowd.workforce import draw_workforce, item_dict

    crowd = plain["crowd"]
    pop = crowd.get("population") or {"kind": "simulated"}
    if crowd.get("backend", "emulator") != "emulator" and not pop:
        return {}
    if pop.get("kind") == "replay":
        return _predict_replay(plain, items)
    seed = int(crowd.get("seed") or 0) + PREDICTION_SEED_OFFSET
    world = {str(r["item_id"]): r for r in items.to_dict("records")}
    forces = [draw_workforce(plain, world, exam, control, seed + r) for r in range(reps)]
    wf = forces[0]
    pages = [p for p in wf.pages if not p.skipped]
    real = int(crowd["real_tasks_per_page"])
    dyn = crowd.get("dynamic_overlap") or {}
    weight = float(pop.get("difficulty_weight", 1.0))
    cases = [{"task": str(r["item_id"]), **{q: item_dict(r, q, weight) for q in plain["questions"]}}
             for r in items.to_dict("records")]
    truth = {q: items.set_index(items["item_id"].astype(str))[f"truth_{q}"] if f"truth_{q}" in items else
             pd.Series(dtype=object) for q in plain["questions"]}
    out: dict = {"seed": seed, "items": len(items), "workforce": {"lookers": wf.lookers, "language_ok": wf.language_ok, "takers": wf.takers,
                                              "passed_exam": wf.passed, "pages_supplied": len(pages), "banned": wf.banned}}
    distinct = len({p.worker for p in pages})
    need_overlap = int(dyn["min_overlap"]) if dyn.get("enabled") else int(crowd["overlap"])
    if not pages or distinct < need_overlap:
        out.update({"label_accuracy": {}, "exam_takers": wf.takers, "pages_needed": math.ceil(len(items) * need_overlap / real),
                    "shortfall_pages": math.ceil(len(items) * need_overlap / real), "shortfall_items": len(items)})
    else:
        rng = np.random.default_rng([seed, 5])
        accs, answers_n, lefts, takers = [], [], [], []
        for force in forces:
            answers, left, finish = _deal(plain, [p for p in force.pages if not p.skipped], cases, rng)
            answers_n.append(max(len(a) for a in answers.values()))
            lefts.append(left)
            accs.append(_score(plain, answers, truth))
            takers.append(sum(1 for t in force.arrivals if t <= finish))
        out["label_accuracy"] = {q: round(float(np.mean([a[q] for a in accs if q in a])), 4) for q in accs[0]}
        short = float(np.mean(lefts))
        per_item = float(np.mean(answers_n)) / max(len(items) - short, 1.0)     # answers an item took
        out["pages_needed"] = math.ceil(per_item * len(items) / real)
        out["shortfall_items"] = int(round(short))
        out["shortfall_pages"] = math.ceil(short * per_item / real) if out["shortfall_items"] else 0
        # who took the pay (and the exam, if any) before the main pool was done: an exam pool's paid pages
        out["exam_takers"] = int(round(float(np.mean(takers))))
    supply = supply_of(pop)
    seconds = (real + int(crowd["control_tasks_per_page"])) * float(crowd.get("seconds_per_task", 4))
    hourly = float(crowd["reward_per_page"]) * 3600 / seconds
    out["hourly_rate_usd"] = round(hourly, 3)
    out["warnings"] = _warnings(out, hourly, supply, plain)
    return out


_FORECASTS: dict[str, dict] = {}     # digest of (config, frames) -> prediction, this process only


def _digest(plain: dict, frames) -> str | None:
    import hashlib
    import json

    h = hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode())
    for df in frames:
        if df is None:
            h.update(b"none")
            continue
        try:
            h.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
        except TypeError:      # a column of unhashable cells: no memo
            return None
        h.update(",".join(map(str, df.columns)).encode())
    return h.hexdigest()


def forecast(plain: dict, items: pd.DataFrame, exam: pd.DataFrame | None = None,
             control: pd.DataFrame | None = None) -> dict:
    """:func:`predict` of these frames, computed once per process: the plan's estimate (expected pages of a
    dynamic-overlap pool), ``toloka/prediction.json`` and the crowd stage's re-planning share one forecast."""
    import copy

    key = _digest(plain, (items, exam, control))
    if key is None:
        return predict(plain, items, exam, control)
    if key not in _FORECASTS:
        if len(_FORECASTS) >= 8:
            _FORECASTS.pop(next(iter(_FORECASTS)))
        _FORECASTS[key] = predict(plain, items, exam, control)
    return copy.deepcopy(_FORECASTS[key])


def _warnings(out: dict, hourly: float, supply: dict, plain: dict) -> list[str]:
    warn = []
    fair = float(supply.get("fair_price_per_hour_usd") or 0)
    if fair and hourly < 0.5 * fair:
        warn.append(f"crowd.reward_per_page: an honest annotator earns ${hourly:.2f}/hour, under half the fair "
                    f"${fair:.2f}/hour (crowd.population.supply.fair_price_per_hour_usd): few will take it")
    if out.get("shortfall_pages"):
        wf = out["workforce"]
        warn.append(f"crowd.population: the crowd cannot finish the pool: {wf['passed_exam']} of {wf['lookers']} "
                    f"workers pass the filters, take the pay and pass the exam, and their sessions leave "
                    f"~{out['shortfall_items']} of {out['items']} items short of their overlap (expected shortfall "
                    f"{out['shortfall_pages']} of {out['pages_needed']} pages). Pay more, widen crowd.languages, "
                    "ease the exam or grow crowd.population.size")
    return warn


def _predict_replay(plain: dict, items: pd.DataFrame) -> dict:
    """A replayed crowd answers as recorded: the prediction is its record, aggregated."""
    from foodcrowd.sources.crowd_files import read_answers

    pop = plain["crowd"]["population"]
    q = next(iter(plain["questions"]))
    answers = read_answers(pop["answers"], output_field=pop.get("question") or q)
    answers = answers[answers["task"].isin(items["item_id"].astype(str))].drop_duplicates(["task", "worker"])
    truth = {q: items.set_index(items["item_id"].astype(str)).get(f"truth_{q}", pd.Series(dtype=object))}
    acc = _score({**plain, "questions": {q: plain["questions"][q]}}, {q: answers[["task", "worker", "label"]]}, truth)
    return {"label_accuracy": {k: round(v, 4) for k, v in acc.items()}, "replay": True, "warnings": [],
            "shortfall_pages": 0}


def compare(summary: dict) -> dict:
    """``prediction.obtained`` and ``prediction.difference`` (obtained - predicted, per question)."""
    predicted = ((summary.get("prediction") or {}).get("label_accuracy")) or {}
    obtained = {q: v for q, v in ((summary.get("labels") or {}).get("accuracy") or {}).items() if q in predicted}
    return {"obtained": obtained,
            "difference": {q: round(float(obtained[q]) - float(predicted[q]), 4) for q in obtained
                           if isinstance(obtained[q], (int, float)) and obtained[q] == obtained[q]}}


def print_prediction(pred: dict, console=None) -> None:
    from rich.console import Console

    console = console or Console(stderr=True)
    acc = pred.get("label_accuracy") or {}
    wf = pred.get("workforce") or {}
    if acc:
        console.print("predicted label accuracy: " + ", ".join(f"{q} {v:.1%}" for q, v in acc.items())
                      + (f" (workforce: {wf.get('passed_exam')} annotators pass filters, pay and exam; "
                         f"{wf.get('pages_supplied')} pages supplied, {pred.get('pages_needed')} needed)" if wf else ""))
    for w in pred.get("warnings") or ():
        console.print(f"[yellow]warning:[/yellow] {w}")
