"""The cost and risk estimate printed before anything is created (and put in ``summary.json``).

pages = ceil(items * overlap / real tasks per page); each page is one assignment, paid ``reward_per_page``
plus Toloka's fee (``platform_fee`` of the reward, never below ``min_fee_per_page``). The price per hour is
what an honest annotator earns at ``seconds_per_task``. The risk figures are exact binomial chances that
an annotator clicking at random passes the exam and survives the control-task rule over its history.
"""
from __future__ import annotations

import math
from functools import lru_cache

__all__ = ["estimate", "random_pass_exam", "random_survives_control", "print_estimate"]


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


def estimate(plain: dict, n_items: int) -> dict:
    """Pages, assignments, expected cost with the fee, price per hour and the random-clicker risks."""
    crowd, exam, quality = plain["crowd"], plain["exam"], plain["quality"]
    dyn = crowd.get("dynamic_overlap") or {}
    real, control = int(crowd["real_tasks_per_page"]), int(crowd["control_tasks_per_page"])
    overlap = int(dyn["min_overlap"]) if dyn.get("enabled") else int(crowd["overlap"])
    pages = math.ceil(n_items * overlap / real)
    per_page = page_cost(crowd)
    page_seconds = (real + control) * float(crowd.get("seconds_per_task", 4))
    out = {
        "items": n_items, "overlap": overlap, "tasks_per_page": real + control, "pages": pages,
        "assignments": pages, "answers": n_items * overlap,
        "reward_per_page": float(crowd["reward_per_page"]), "fee_per_page": round(per_page - float(crowd["reward_per_page"]), 6),
        "cost_usd": round(pages * per_page, 4),
        "price_per_hour_usd": round(float(crowd["reward_per_page"]) * 3600 / page_seconds, 3),
        "seconds_per_page": page_seconds,
    }
    if dyn.get("enabled"):
        max_pages = math.ceil(n_items * int(dyn["max_overlap"]) / real)
        out.update({"max_overlap": int(dyn["max_overlap"]), "max_pages": max_pages,
                    "max_cost_usd": round(max_pages * per_page, 4)})
    questions = plain["questions"]
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


def print_estimate(est: dict, console=None) -> None:
    """The estimate as a rich table on the terminal."""
    from rich.console import Console
    from rich.table import Table

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
    (console or Console(stderr=True)).print(table)
