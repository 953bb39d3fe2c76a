"""The cost and risk estimate printed before anything is created (and put in ``summary.json``).

pages = ceil(items * overlap / real tasks per page); each page is one assignment, paid ``reward_per_page``
plus Toloka's fee (``platform_fee`` of the reward, never below ``min_fee_per_page``). The price per hour is
what an honest annotator earns at ``seconds_per_task``. The risk figures are exact binomial chances that
an annotator clicking at random passes the exam and survives the control-task rule over its history.
"""
from __future__ import annotations

import math
from functools import lru_cache

__all__ = ["estimate", "pool_estimates", "page_cost", "random_pass_exam", "random_survives_control", "print_estimate"]


def random_pass_exam(size: int, pass_mark: float, n_classes: int) -> float:
    """P(a random clicker gets at least ``pass_mark`` % of ``size`` exam tasks right)."""
    need = math.ceil(size * pass_mark / 100 - 1e-9)
    p = 1 / n_classes
    return sum(math.comb(size, k) * p ** k * (1 - p) ** (size - k) for k in range(need, size + 1))


def random_survives_control(history: int, min_answers: int, min_correct_percent: float, n_classes: int) -> float:
    """P(a random clicker is never banned while answering ``history`` control tasks).

    The rule bans once at least ``min_answers`` control answers are in and the share right is below
    ``min_correct_percent``; it is checked after every control answer.
    """
    p = 1 / n_classes

    @lru_cache(maxsize=None)
    def survive(answered: int, right: int) -> float:
        if answered >= min_answers and 100 * right < min_correct_percent * answered - 1e-9:
            return 0.0
        if answered == history:
            return 1.0
        return p * survive(answered + 1, right + 1) + (1 - p) * survive(answered + 1, right)

    return survive(0, 0)


def page_cost(crowd: dict, reward: float | None = None) -> float:
    """What the requester pays for one page: the reward plus the platform fee (never below its minimum).
    ``reward`` defaults to ``crowd.reward_per_page``; a page paying nothing costs nothing."""
    reward = float(crowd["reward_per_page"] if reward is None else reward)
    if reward <= 0:
        return 0.0
    return reward + max(reward * float(crowd["platform_fee"]), float(crowd.get("min_fee_per_page", 0.0)))


def world_of(items, exam=None) -> tuple[list, list]:
    """(difficulty, ambiguous) of every item and of every exam task, from the data stage's tables."""
    if items is None or not len(items):
        return [], []
    diff = items["difficulty"].fillna(0.0).astype(float) if "difficulty" in items else [0.0] * len(items)
    amb = items["ambiguous"].fillna(False).astype(bool) if "ambiguous" in items else [False] * len(items)
    rows = dict(zip(items["item_id"].astype(str), zip(diff, amb)))
    exam_rows = []
    if exam is not None and len(exam):
        for item, edge in zip(exam["item_id"].astype(str), exam.get("edge_case", [False] * len(exam))):
            d, a = rows.get(item, (0.0, False))
            exam_rows.append((float(d), bool(a) or bool(edge)))
    return list(rows.values()), exam_rows


def _takers(plain: dict, main_pages: int, main_pages_max: int, exam_items: list) -> dict:
    """Exam takers: expected and most, and where the figure comes from."""
    exam, crowd = plain["exam"], plain["crowd"]
    declared = exam.get("expected_takers")
    if declared is not None:
        n = int(declared)
        # "bound": declared: nothing on the platform holds the takers to it (the spend guard does, under budget_usd)
        return {"takers": n, "takers_max": int(exam.get("max_takers") or n), "takers_source": "exam.expected_takers",
                "bound": "declared"}
    if _emulated(crowd):
        from foodcrowd.plan.crowd_flow import expected_exam_takers

        expected, eligible = expected_exam_takers(plain, main_pages, exam_items)
        return {"takers": round(expected), "takers_max": eligible, "takers_source": "crowd.population"}
    # worst case: every paid page of the main pool done by a different annotator, each of whom took the exam
    return {"takers": main_pages_max, "takers_max": main_pages_max, "takers_source": "worst case", "bound": "declared"}


def _pool(kind: str, pages: int, pages_min: int, pages_max: int, per_page: float, **extra) -> dict:
    return {"kind": kind, **extra, "pages": pages, "pages_min": pages_min, "pages_max": pages_max,
            "cost_usd": round(pages * per_page, 4), "cost_min_usd": round(pages_min * per_page, 4),
            "cost_max_usd": round(pages_max * per_page, 4)}


def pool_estimates(plain: dict, n_items: int, items=None, exam_df=None, control=None) -> dict[str, dict]:
    """Every paid container of the plan: pages and cost, expected and bounds (``pool:main``, ``pool:exam``,
    ``training:exam``: trainings are unpaid on Toloka). With all three of the data stage's frames (items,
    exam, control) an emulated crowd's forecast sets the expected pages of a dynamic-overlap pool."""
    crowd, exam = plain["crowd"], plain["exam"]
    dyn = crowd.get("dynamic_overlap") or {}
    real, control_n = int(crowd["real_tasks_per_page"]), int(crowd["control_tasks_per_page"])
    lo = int(dyn["min_overlap"]) if dyn.get("enabled") else int(crowd["overlap"])
    hi = int(dyn["max_overlap"]) if dyn.get("enabled") else lo
    per_page = page_cost(crowd)
    pages_min = math.ceil(n_items * lo / real)
    # a pool's last pages may hold fewer real tasks than a full page: up to real - 1 short pages per answer round
    pages_max = math.ceil(n_items * hi / real) + hi * (real - 1) if n_items else 0
    if (crowd.get("population") or {}).get("kind") == "replay":
        # a replayed worker's pages hold only the items they answered in the record: each worker's last page
        # (and any page others' reservations cut short) is short, so the bound is one page per recorded answer
        pages_max = n_items * hi
    expected, source = pages_min, "overlap"
    if dyn.get("enabled"):
        expected, source = expected_dynamic_pages(plain, n_items, items, exam_df, control)
        expected = min(max(expected, pages_min), pages_max)
    pools = {"pool:main": _pool("main", expected, pages_min, pages_max, per_page, tasks=n_items,
                                control_tasks_per_page=control_n, overlap=lo, overlap_max=hi,
                                answers=n_items * lo, control_answers=expected * control_n, pages_source=source)}
    form = exam.get("form", "none")
    if form == "training":
        pools["training:exam"] = _pool("training", 0, 0, 0, 0.0, takers=None, takers_source="unpaid")
    elif form == "exam_pool":
        t = _takers(plain, expected, pages_max, world_of(items, exam_df)[1])
        pools["pool:exam"] = _pool("exam", t["takers"], 0, t["takers_max"], per_page, tasks=int(exam["size"]), **t)
    return pools


def _emulated(crowd: dict) -> bool:
    """A simulated population on the emulator: the crowd model can forecast it."""
    return crowd.get("backend") == "emulator" and (crowd.get("population") or {}).get("kind", "simulated") == "simulated"


def expected_dynamic_pages(plain: dict, n_items: int, items=None, exam=None, control=None) -> tuple[int, str]:
    """Expected main-pool pages under dynamic overlap, and where the figure comes from.

    Emulated, with the data stage's items, exam and control frames: the crowd model's forecast
    (:func:`foodcrowd.crowd.predict.forecast`, the same one ``toloka/prediction.json`` holds: the
    population's workers with their turnover, bans and skills, pages dealt as the emulator's mixer deals
    them), ``pages_needed``. Otherwise (a real platform, or bounds only): the flow model of
    :mod:`foodcrowd.plan.crowd_flow`."""
    crowd = plain["crowd"]
    if _emulated(crowd) and items is not None and exam is not None and control is not None and n_items:
        from foodcrowd.crowd.predict import forecast

        needed = forecast(plain, items, exam, control).get("pages_needed")
        if needed is not None:
            return int(needed), "crowd model"
    from foodcrowd.plan.crowd_flow import expected_overlap

    world, exam_items = world_of(items, exam)
    overlap = expected_overlap(plain, world, exam_items)
    # plus the short last pages: about one per answer round, as disputed items come back at the end
    return math.ceil(n_items * overlap / int(crowd["real_tasks_per_page"])) + math.ceil(overlap), "flow model"


def estimate(plain: dict, n_items: int, items=None, exam=None, control=None) -> dict:
    """Pages, assignments, expected cost with the fee per pool and in all (with bounds), price per hour and
    the random-clicker risks. ``items``/``exam``/``control``: the data stage's frames (see
    :func:`pool_estimates`; without ``control`` the expected figure of a dynamic pool is the flow model's)."""
    crowd, quality = plain["crowd"], plain["quality"]
    dyn = crowd.get("dynamic_overlap") or {}
    real, per_page_control = int(crowd["real_tasks_per_page"]), int(crowd["control_tasks_per_page"])
    overlap = int(dyn["min_overlap"]) if dyn.get("enabled") else int(crowd["overlap"])
    pools = pool_estimates(plain, n_items, items, exam, control)
    main = pools["pool:main"]
    per_page = page_cost(crowd)
    page_seconds = (real + per_page_control) * float(crowd.get("seconds_per_task", 4))
    total = lambda key: round(sum(p[key] for p in pools.values()), 4)  # noqa: E731
    out = {
        "items": n_items, "overlap": overlap, "tasks_per_page": real + per_page_control, "pages": main["pages"],
        "assignments": sum(p["pages"] for p in pools.values()), "answers": n_items * overlap,
        "control_tasks_per_page": per_page_control,
        "reward_per_page": float(crowd["reward_per_page"]), "fee_per_page": round(per_page - float(crowd["reward_per_page"]), 6),
        "cost_usd": total("cost_usd"), "cost_min_usd": total("cost_min_usd"), "cost_max_usd": total("cost_max_usd"),
        "price_per_hour_usd": round(float(crowd["reward_per_page"]) * 3600 / page_seconds, 3),
        "seconds_per_page": page_seconds, "pools": pools,
    }
    if dyn.get("enabled"):
        out.update({"max_overlap": int(dyn["max_overlap"]), "max_pages": main["pages_max"],
                    "max_cost_usd": main["cost_max_usd"]})
    questions, exam = plain["questions"], plain["exam"]
    rule = quality.get("control_tasks") or {}
    if rule.get("enabled") and rule.get("question") in questions:
        k = len(questions[rule["question"]]["classes"])
        out["random_clicker_survives_control"] = round(random_survives_control(
            int(rule["history_size"]), int(rule["min_answers"]), float(rule["min_correct_percent"]), k), 6)
    if exam.get("form", "none") != "none" and exam.get("question") in questions:
        k = len(questions[exam["question"]]["classes"])
        out["random_clicker_passes_exam"] = round(random_pass_exam(int(exam["size"]), float(exam["pass_mark"]), k), 8)
        if exam["form"] == "exam_pool":
            out["exam_cost_per_taker_usd"] = round(per_page, 4)
    return out


def _pool_note(key: str, pool: dict) -> str:
    if pool["kind"] == "main":
        over = f"{pool['overlap']}" + (f"-{pool['overlap_max']}" if pool["overlap_max"] != pool["overlap"] else "")
        how = f"; expected by the {pool['pages_source']}" if pool.get("pages_source", "overlap") != "overlap" else ""
        return f"{pool['tasks']:,} tasks x {over} + {pool['control_tasks_per_page']} control/page{how}"
    if pool["kind"] == "exam":
        return f"{pool['takers']:,} takers (<= {pool['takers_max']:,}; {pool['takers_source']})"
    return "unpaid (training)"


def print_estimate(est: dict, console=None, budget: float | None = None) -> None:
    """The estimate as rich tables on the terminal: every paid pool with bounds, then the risks."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(stderr=True)
    pools = Table(title="What the crowd will cost, per pool (reward + fee)", header_style="bold")
    for col, just in (("pool", "left"), ("pages", "right"), ("expected", "right"), ("lower", "right"),
                      ("upper", "right"), ("what", "left")):
        pools.add_column(col, justify=just)
    for key, pool in (est.get("pools") or {}).items():
        pools.add_row(key, f"{pool['pages']:,} ({pool['pages_min']:,}-{pool['pages_max']:,})", f"${pool['cost_usd']:,.2f}",
                      f"${pool['cost_min_usd']:,.2f}", f"${pool['cost_max_usd']:,.2f}", _pool_note(key, pool))
    pools.add_row("all", f"{est['assignments']:,}", f"${est['cost_usd']:,.2f}", f"${est['cost_min_usd']:,.2f}",
                  f"${est['cost_max_usd']:,.2f}", "" if budget is None else f"budget_usd ${budget:,.2f}", style="bold")
    console.print(pools)
    table = Table(title="Crowd cost and risk estimate", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("value", justify="right")
    rows = [("items", f"{est['items']:,}"), ("overlap", str(est["overlap"])),
            ("pages (assignments)", f"{est['pages']:,} of {est['tasks_per_page']} tasks"),
            ("reward + fee per page", f"${est['reward_per_page']:.4f} + ${est['fee_per_page']:.4f}"),
            ("expected cost", f"${est['cost_usd']:,.2f}"),
            ("price per hour (honest pace)", f"${est['price_per_hour_usd']:.2f}")]
    if "max_cost_usd" in est:
        rows.append(("cost at max dynamic overlap", f"${est['max_cost_usd']:,.2f}"))
    if "random_clicker_passes_exam" in est:
        rows.append(("random clicker passes the exam", f"{est['random_clicker_passes_exam']:.2e}"))
    if "random_clicker_survives_control" in est:
        rows.append(("random clicker survives the control rule", f"{est['random_clicker_survives_control']:.2%}"))
    for what, value in rows:
        table.add_row(what, value)
    console.print(table)
