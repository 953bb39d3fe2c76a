"""The report stage: ``report/index.html`` linking every output; and the closing summary printed at a glance
(by the entry point after every run, also a repeat whose stages were all skipped)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

__all__ = ["report_stage", "closing_lines", "print_closing", "render_closing"]


def _fmt(value: Any, kind: str = "") -> str:
    if value is None:
        return "-"
    if kind == "usd":
        return f"${value:,.2f}"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "min":
        return f"{value / 60:.1f} min"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _model_value(m: dict) -> str:
    """Accuracy with macro-F1 beside it, and any class the model never predicts (accuracy alone hides it)."""
    text = _fmt(m.get("accuracy"), "pct")
    if m.get("macro_f1") is not None:
        text += f"  (macro-F1 {m['macro_f1']:.3f}"
        never = m.get("never_predicted") or []
        text += f"; never predicts {', '.join(map(str, never))})" if never else ")"
    return text


def closing_lines(summary: dict, run_dir: Path) -> list[tuple[str, str]]:
    """(label, value) pairs of the closing summary, in the order a person reads them."""
    exam = summary.get("exam") or {}
    labels = summary.get("labels") or {}
    acc = {k: v for k, v in (labels.get("accuracy") or {}).items() if k != "mean"}
    model = ((summary.get("model") or {}).get("metrics")) or {}
    datasets = summary.get("datasets") or {}
    ls = summary.get("label_studio_crowd") or {}
    backend = (summary.get("config") or {}).get("backend")
    rows = [("crowd", f"{backend}: in-house annotators in Label Studio project {ls['project_id']}, overlap "
                      f"{ls['overlap']}, ${ls['hourly_cost_usd']:.2f}/hour")] if ls else []
    rows += [
        ("items", _fmt(summary.get("items"))),
        ("pages", _fmt(summary.get("pages"))),
        ("answers", _fmt(summary.get("answers"))),
        ("cost", _fmt(summary.get("cost_usd"), "usd")),
        (f"duration ({summary.get('duration_kind') or '-'})", _fmt(summary.get("duration_seconds"), "min")),
        ("annotators", _fmt(summary.get("annotators"))),
        ("banned", _fmt(summary.get("banned"))),
        ("exam pass rate", _fmt(exam.get("pass_rate"), "pct") + (f" of {exam['takers']} takers" if exam.get("takers") else "")),
    ]
    methods = labels.get("method") or {}
    scored = labels.get("scored_items") or {}
    basis = " against the expert's golden set" if summary.get("golden") else ""
    predicted = ((summary.get("prediction") or {}).get("label_accuracy")) or {}
    rows += [(f"label accuracy {q} ({methods.get(q, '-')})", _fmt(v, "pct") + (basis if v is not None else "")
              + (f" ({scored[q]} items)" if basis and v is not None and q in scored else "")
              + (f" (predicted {_fmt(predicted[q], 'pct')})" if q in predicted and not basis else ""))
             for q, v in acc.items()]
    rows += [(f"model accuracy {q}", _model_value(m or {})) for q, m in model.items()]
    rows += [(f"dataset {k}", str(v)) for k, v in datasets.items() if k in ("raw", "golden", "annotated", "reviewed") and v]
    rows.append(("report", str(run_dir / "report" / "index.html")))
    return rows


def render_closing(summary: dict, run_dir: Path, width: int | None = None) -> str:
    """The closing summary as printed: a table of figures, then the paths on lines of their own (never
    cut: a terminal wraps them, and they stay one string to copy). ``width``: the table's width (default:
    the terminal's, between 80 and 120)."""
    import io

    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"foodcrowd: {summary.get('experiment_name')} ({summary.get('status')})", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    rows = closing_lines(summary, run_dir)
    for label, value in rows:
        if label != "report":
            table.add_row(label, value)
    if width is None:
        width = min(120, max(80, os.get_terminal_size(0).columns if os.isatty(0) else 100))
    buf = io.StringIO()
    Console(file=buf, width=width, force_terminal=False, color_system=None).print(table)
    paths = [("report", dict(rows).get("report"))]
    task = (summary.get("model") or {}).get("tracker_task")
    if task:  # this run's own ClearML session (a killed run's leftover one is never named here)
        zipped = Path(run_dir) / "clearml" / "offline" / f"{task}.zip"
        paths.append(("clearml", str(zipped) if str(task).startswith("offline-") else f"task {task}"))
    return buf.getvalue() + "".join(f"{label}: {value}\n" for label, value in paths)


def print_closing(summary: dict, run_dir: Path) -> None:
    print(render_closing(summary, run_dir), end="", flush=True)


def report_stage(ctx) -> dict:
    """Write report/index.html: figures, accuracy with per-class F1, confusion tables, the item grid and
    links to every artifact (:mod:`foodcrowd.record.run_report`). The closing summary is printed by the
    entry point after the run (also when every stage was skipped). The crowd model's prediction is checked
    against what the run obtained (``prediction.obtained``, ``prediction.difference``)."""
    from foodcrowd.crowd.predict import compare
    from foodcrowd.record.run_report import write_run_report

    summary = json.loads((ctx.run_dir / "summary.json").read_text())
    checked = {"prediction": compare(summary)} if (summary.get("prediction") or {}).get("label_accuracy") else {}
    if checked:
        summary = {**summary, "prediction": {**summary["prediction"], **checked["prediction"]}}
    status = "stopped_at_budget" if (summary.get("budget") or {}).get("stopped") else "ok"  # the last stage
    summary = {**summary, "status": status}
    rows = [r for r in closing_lines(summary, ctx.run_dir) if r[0] != "report"]
    questions = list((ctx.plain.get("questions") or {}).keys())
    warnings = list((summary.get("labels") or {}).get("warnings") or [])
    for q, m in ((summary.get("model") or {}).get("metrics") or {}).items():
        if m.get("never_predicted"):
            warnings.append(f"model, {q}: class(es) {', '.join(m['never_predicted'])} never predicted on the "
                            f"validation items (accuracy {100 * m['accuracy']:.1f}%, macro-F1 {m['macro_f1']:.3f})")
    path = write_run_report(ctx.out_dir / "index.html", ctx.run_dir, summary, rows, questions, warnings)
    return {"summary": {"report": str(path), **checked}}
