"""The aggregate stage: overlapping answers -> one label per item and question, with how sure it is.

Reads ``toloka/answers.parquet`` (rows ``kind == "task"`` are aggregated, rows ``kind == "control"``
measure the crowd against control tasks), picks each question's method (``aggregation.method``,
overridden by ``aggregation.per_question.<q>``), lets the question's label type call crowd-kit, and
writes ``labels/labels.parquet`` (item_id, question, label, confidence, n_answers, method),
``labels/skills.parquet`` (worker, question, skill, method) and the label-quality report
``labels/labels.html``. The numbers land in ``summary.json`` under ``labels``.

Used by: python -m foodcrowd +experiment=food aggregation=ds
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from foodcrowd.errors import UserError

__all__ = ["AggregateStageError", "aggregate_stage", "aggregate_answers", "method_for"]

log = logging.getLogger(__name__)

LABEL_COLUMNS = ["item_id", "question", "label", "confidence", "n_answers", "method"]
#: a method whose labels differ from majority vote's on more than this share of items is flagged (log,
#: summary ``labels.warnings``, labels.html, the run report): e.g. ``kos`` on a subjective question
MV_DISAGREEMENT_WARN = 0.15


class AggregateStageError(UserError):
    """The stage cannot run; ``where`` names the file, ``fix`` what to do."""


def method_for(aggregation: dict, question: str) -> tuple[str, dict]:
    """(method, params) for ``question``: the per-question override, else the global method."""
    override = (aggregation.get("per_question") or {}).get(question) or {}
    if "method" in override:
        return override["method"], dict(override.get("params") or {})
    return aggregation["method"], dict(aggregation.get("params") or {})


def aggregate_answers(by_question: dict, questions: dict, aggregation: dict):
    """Aggregate each question's answers (``{question: task, worker, label}``).

    Returns ({question: labels frame}, skills frame, {question: method, answers, agreement}).
    """
    import pandas as pd
    from tqdm.auto import tqdm

    from foodcrowd.label_types import get_label_type

    labels, skills, info = {}, [], {}
    for name in tqdm(list(questions), desc="aggregating", unit="question", disable=len(questions) < 2):
        spec = questions[name]
        method, params = method_for(aggregation, name)
        part = by_question.get(name)
        if part is None:
            part = pd.DataFrame({c: pd.Series(dtype=object) for c in ("task", "worker", "label")})
        log.info("aggregating %s: %s on %d answers", name, method, len(part))
        result = get_label_type(spec["type"]).aggregate(part, method, params)
        frame = result.labels_
        labels[name] = (pd.DataFrame({"item_id": frame.index.to_numpy(dtype=object),
                                    "question": np.full(len(frame), name, dtype=object),
                                    "label": frame["label"].to_numpy(dtype=object),
                                    "confidence": frame["confidence"].to_numpy(dtype=float),
                                    "n_answers": frame["n_answers"].to_numpy(dtype=np.int64),
                                    "method": np.full(len(frame), method, dtype=object)}))
        skills.append(pd.DataFrame({"worker": result.skills_.index.astype(str), "question": name,
                                    "skill": result.skills_.to_numpy(dtype=float), "method": method}))
        info[name] = {"method": method, "answers": len(part), **result.agreement_}
        if method != "mv" and len(frame):
            info[name]["mv_disagreement"] = _mv_disagreement(get_label_type(spec["type"]), part, frame)
    return (labels,
            pd.concat(skills, ignore_index=True) if skills else pd.DataFrame(columns=["worker", "question", "skill", "method"]),
            info)


def _mv_disagreement(label_type, part, frame) -> float | None:
    """Share of items whose label differs from majority vote's on the same answers (None: no MV here)."""
    try:
        mv = label_type.aggregate(part, "mv", {}).labels_["label"]
    except Exception:  # noqa: BLE001 - a label type without MV: nothing to compare with
        return None
    ours = frame["label"].reindex(mv.index)
    return round(float((ours.astype(str) != mv.astype(str)).mean()), 4)


def mv_warnings(info: dict) -> list[str]:
    """One line per question whose method strays from majority vote by more than MV_DISAGREEMENT_WARN."""
    return [f"labels, {q}: {i['method']} differs from majority vote on {100 * i['mv_disagreement']:.1f}% of the items "
            f"(more than {100 * MV_DISAGREEMENT_WARN:.0f}%): check it on items with known truth before trusting it "
            f"(e.g. +aggregation.per_question.{q}={{method: mv}})"
            for q, i in info.items() if (i.get("mv_disagreement") or 0) > MV_DISAGREEMENT_WARN]


def _write_parquet(frame, path: Path) -> None:
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)  # a killed run never leaves half a table


def _crowd_cost(ctx) -> float | None:
    try:
        crowd = ctx.result("crowd").get("summary") or {}
        # reused answers cost nothing now; the labels still cost what their answers cost when bought
        cost = (crowd.get("reused_answers") or {}).get("bought_for_usd", crowd.get("cost_usd"))
    except KeyError:
        return None
    return float(cost) if isinstance(cost, (int, float)) else None


def aggregate_stage(ctx) -> dict[str, Any]:
    """Stage ``aggregate``: see the module docstring."""
    import pandas as pd

    from foodcrowd.act.aggregation_io import read_answers_by_question
    from foodcrowd.act.aggregation_quality import label_quality
    from foodcrowd.record.labels_report import write_labels_report

    plain = ctx.plain
    questions, aggregation = plain["questions"], plain["aggregation"]
    path = ctx.run_dir / "toloka" / "answers.parquet"
    if not path.exists():
        raise AggregateStageError("no answers to aggregate", str(path), "the crowd stage writes this file: run it first")
    by_question, control_answers = read_answers_by_question(path)
    per_question, skills, info = aggregate_answers(by_question, questions, aggregation)
    labels = pd.concat(per_question.values(), ignore_index=True) if per_question else pd.DataFrame(columns=LABEL_COLUMNS)
    _write_parquet(labels, ctx.out_dir / "labels.parquet")
    _write_parquet(skills, ctx.out_dir / "skills.parquet")

    data_dir = ctx.run_dir / "data"
    items = pd.read_parquet(data_dir / "items.parquet") if (data_dir / "items.parquet").exists() else None
    control = pd.read_parquet(data_dir / "control.parquet") if (data_dir / "control.parquet").exists() else None
    exam_path = ctx.run_dir / "toloka" / "exam_answers.parquet"
    exam = pd.read_parquet(exam_path) if exam_path.exists() else None
    quality = label_quality(per_question, control_answers, questions, info, items=items, control=control, exam=exam,
                            cost_usd=_crowd_cost(ctx), threshold=float(aggregation.get("confidence_threshold", 0.7)))
    quality["warnings"] = mv_warnings(info)
    quality["mv_disagreement"] = {q: i["mv_disagreement"] for q, i in info.items() if "mv_disagreement" in i}
    for line in quality["warnings"]:
        log.warning(line)
    report = write_labels_report(ctx.out_dir / "labels.html", quality, plain.get("experiment_name", ""))
    summary = {key: quality[key] for key in ("method", "accuracy", "scored_items", "control_accuracy", "uncertain_share", "consistency",
                                             "uncertainty", "cost_per_correct_label", "confusion", "unlabelled", "exam_per_task",
                                             "warnings", "mv_disagreement")}
    return {"summary": {"labels": summary},
            "labels": str(ctx.out_dir / "labels.parquet"), "skills": str(ctx.out_dir / "skills.parquet"),
            "report": str(report), "n_labels": int(len(labels))}
