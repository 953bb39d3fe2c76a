"""Exam and control tasks from the config: explicit items, or a deterministic sampling rule over the truth.

Exam (``exam``): ``items`` (each with ``item_id``, ``answer``, optional ``hint``), or ``composition``
(class -> count, drawn from the easier half of the clear items of that class) plus ``edge_cases`` drawn
from the ambiguous items and answered ``edge_case_answer``. Control tasks (``quality.control_tasks``):
``items``, or ``sample`` clear items with ground truth that are not exam items (never ambiguous ones: a
wrong control answer bans the worker). Both come back as ``item_id, url, question, answer, hint,
edge_case``; the same seed gives the same tasks.
"""
from __future__ import annotations

from foodcrowd.errors import UserError

__all__ = ["GoldError", "build_exam", "build_control", "GOLD_COLUMNS"]

GOLD_COLUMNS = ["item_id", "url", "question", "answer", "hint", "edge_case"]


class GoldError(UserError):
    """The exam or control tasks the config asks for cannot be built from the items."""


def _label(plain: dict, question: str, value: str) -> str:
    """The button text annotators see for ``value`` (interface.options), else the value itself."""
    for opt in ((plain.get("interface") or {}).get("options") or {}).get(question) or []:
        if str(opt.get("value")) == value:
            return str(opt.get("label") or value)
    return value


def _answer(value, classes: list[str], key: str) -> str:
    if isinstance(value, bool):
        value = ("yes" if value else "no") if "yes" in classes else str(value).lower()
    value = str(value)
    if classes and value not in classes:
        raise GoldError(f"answer {value!r} is not a class of the question", key, f"one of: {', '.join(classes)}")
    return value


def _empty():
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=bool if c == "edge_case" else object) for c in GOLD_COLUMNS})


def _explicit(items, entries: list[dict], question: str, classes: list[str], plain: dict, key: str):
    import pandas as pd

    by_id = items.set_index("item_id")
    rows = []
    for i, entry in enumerate(entries):
        item_id = str(entry["item_id"])
        if item_id not in by_id.index:
            raise GoldError(f"item {item_id!r} is not among the usable items", f"{key}.{i}.item_id",
                            "use an item_id from data/items.parquet (unusable files are listed in data/issues.json)")
        answer = _answer(entry["answer"], classes, f"{key}.{i}.answer")
        hint = entry.get("hint") or f'The right answer is "{_label(plain, question, answer)}".'
        rows.append({"item_id": item_id, "url": by_id.at[item_id, "url"], "question": question, "answer": answer,
                     "hint": hint, "edge_case": bool(by_id.at[item_id, "ambiguous"])})
    return pd.DataFrame(rows, columns=GOLD_COLUMNS)


def _draw(rng, pool, n: int, easiest: bool):
    """``n`` rows of ``pool`` chosen at random (from its easier half when ``easiest``), in a stable way."""
    pool = pool.sort_values(["difficulty", "item_id"] if easiest else ["item_id"], kind="mergesort")
    if easiest:
        pool = pool.head(max(n, (len(pool) + 1) // 2))
    picks = rng.choice(len(pool), size=n, replace=False)
    return pool.iloc[sorted(picks)]


def _truth(items, question: str, key: str):
    col = f"truth_{question}"
    if col not in items.columns or items[col].isna().all():
        raise GoldError(f"the dataset has no ground truth for question {question!r} to sample from", key,
                        "list the items explicitly (items: [{item_id, answer, hint}]), or use a labelled source")
    return items[col]


def build_exam(items, plain: dict):
    """The exam tasks (empty when ``exam.form`` is none)."""
    import numpy as np
    import pandas as pd

    exam = plain.get("exam") or {}
    if exam.get("form", "none") == "none":
        return _empty()
    question = exam["question"]
    classes = [str(c) for c in ((plain.get("questions") or {}).get(question) or {}).get("classes") or []]
    if exam.get("items"):
        return _explicit(items, exam["items"], question, classes, plain, "exam.items")
    truth = _truth(items, question, "exam.composition")
    rng = np.random.default_rng([int(plain.get("seed", 0)), 1])
    parts = []
    for cls, count in (exam.get("composition") or {}).items():
        pool = items[(truth == str(cls)) & ~items["ambiguous"]]
        if len(pool) < count:
            raise GoldError(f"asks for {count} clear {cls!r} items, the dataset has {len(pool)}",
                            f"exam.composition.{cls}", "lower the count or add items of that class")
        part = _draw(rng, pool, int(count), easiest=True).assign(answer=str(cls), edge_case=False)
        parts.append(part.assign(hint=f'The right answer is "{_label(plain, question, str(cls))}".'))
    n_edge = int(exam.get("edge_cases") or 0)
    if n_edge:
        answer = _answer(exam.get("edge_case_answer"), classes, "exam.edge_case_answer")
        pool = items[items["ambiguous"] & (truth.isna() | (truth == answer))]
        if len(pool) < n_edge:
            raise GoldError(f"asks for {n_edge} edge case(s) answered {answer!r}, the dataset has {len(pool)} "
                            "ambiguous item(s) with that answer", "exam.edge_cases",
                            "lower exam.edge_cases, list exam.items explicitly, or use a dataset with ambiguous items")
        hint = f'An edge case: the answer is "{_label(plain, question, answer)}" (see the instructions).'
        parts.append(_draw(rng, pool, n_edge, easiest=False).assign(answer=answer, edge_case=True, hint=hint))
    out = pd.concat(parts) if parts else items.head(0).assign(answer="", edge_case=False, hint="")
    out = out.assign(question=question).iloc[rng.permutation(len(out))]
    return out[GOLD_COLUMNS].reset_index(drop=True)


def build_control(items, plain: dict, exam_ids=()):
    """The control tasks of the main pool (empty when ``quality.control_tasks`` is off)."""
    import numpy as np

    control = (plain.get("quality") or {}).get("control_tasks") or {}
    if not control.get("enabled"):
        return _empty()
    question = control["question"]
    classes = [str(c) for c in ((plain.get("questions") or {}).get(question) or {}).get("classes") or []]
    if control.get("items"):
        return _explicit(items, control["items"], question, classes, plain, "quality.control_tasks.items")
    n = int(control.get("sample") or 0)
    truth = _truth(items, question, "quality.control_tasks.sample")
    pool = items[truth.notna() & ~items["ambiguous"] & ~items["item_id"].isin(set(exam_ids))]
    if len(pool) < n:
        raise GoldError(f"asks for {n} control items, the dataset has {len(pool)} clear items with ground truth "
                        "outside the exam", "quality.control_tasks.sample", f"<= {len(pool)}, or list items explicitly")
    rng = np.random.default_rng([int(plain.get("seed", 0)), 2])
    out = _draw(rng, pool, n, easiest=False)
    out = out.assign(question=question, answer=truth.loc[out.index].astype(str).values, edge_case=False)
    out["hint"] = [f'The right answer is "{_label(plain, question, a)}".' for a in out["answer"]]
    return out[GOLD_COLUMNS].reset_index(drop=True)
