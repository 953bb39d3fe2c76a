"""The report stage: ``report/index.html`` linking every output, and the closing summary printed at a glance."""
from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

__all__ = ["report_stage", "closing_lines", "print_closing"]


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


def closing_lines(summary: dict, run_dir: Path) -> list[tuple[str, str]]:
    """(label, value) pairs of the closing summary, in the order a person reads them."""
    exam = summary.get("exam") or {}
    labels = summary.get("labels") or {}
    acc = {k: v for k, v in (labels.get("accuracy") or {}).items() if k != "mean"}
    model = ((summary.get("model") or {}).get("metrics")) or {}
    datasets = summary.get("datasets") or {}
    rows = [
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
    predicted = ((summary.get("prediction") or {}).get("label_accuracy")) or {}
    rows += [(f"label accuracy {q} ({methods.get(q, '-')})",
              _fmt(v, "pct") + (f" (predicted {_fmt(predicted[q], 'pct')})" if q in predicted else ""))
             for q, v in acc.items()]
    rows += [(f"model accuracy {q}", _fmt((m or {}).get("accuracy"), "pct")) for q, m in model.items()]
    rows += [(f"dataset {k}", str(v)) for k, v in datasets.items() if k in ("raw", "annotated") and v]
    rows.append(("report", str(run_dir / "report" / "index.html")))
    return rows


def print_closing(summary: dict, run_dir: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"foodcrowd: {summary.get('experiment_name')} ({summary.get('status')})", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for label, value in closing_lines(summary, run_dir):
        table.add_row(label, value)
    Console(width=min(120, max(80, os.get_terminal_size(0).columns if os.isatty(0) else 100))).print(table)


def _links(run_dir: Path) -> list[tuple[str, Path]]:
    wanted = ["labels/labels.html", "datasets/preview.html", "summary.json", "toloka/plan.json", "toloka/estimate.json"]
    found = [(w, run_dir / w) for w in wanted if (run_dir / w).exists()]
    found += [(str(p.relative_to(run_dir)), p) for p in sorted(run_dir.glob("**/*.png"))
              if "clearml" not in p.parts and "report" not in p.parts][:24]
    return found


def report_stage(ctx) -> dict:
    """Write report/index.html (closing summary + links + plots); print the closing summary."""
    from foodcrowd.crowd.predict import compare

    summary = json.loads((ctx.run_dir / "summary.json").read_text())
    checked = {"prediction": compare(summary)} if (summary.get("prediction") or {}).get("label_accuracy") else {}
    summary = {**summary, **({"prediction": {**summary["prediction"], **checked["prediction"]}} if checked else {})}
    rows = closing_lines(summary, ctx.run_dir)
    esc = html.escape
    table = "\n".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    links = "\n".join(
        f'<li><a href="../{esc(rel)}">{esc(rel)}</a></li>' if not rel.endswith(".png")
        else f'<li>{esc(rel)}<br><img src="../{esc(rel)}" style="max-width:480px"></li>'
        for rel, _ in _links(ctx.run_dir))
    stages = "".join(f"<tr><td>{esc(n)}</td><td>{s['seconds']:.2f} s{' (skipped)' if s['skipped'] else ''}</td></tr>"
                     for n, s in summary.get("stages", {}).items())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>foodcrowd: {esc(str(summary.get('experiment_name')))}</title>
<style>body{{font-family:sans-serif;max-width:980px;margin:2em auto}}th{{text-align:left;padding-right:2em}}</style></head>
<body><h1>foodcrowd run: {esc(str(summary.get('experiment_name')))}</h1>
<table>{table}</table><h2>Stages</h2><table>{stages}</table><h2>Outputs</h2><ul>{links}</ul></body></html>"""
    (ctx.out_dir / "index.html").write_text(page)
    print_closing({**summary, "status": "ok"}, ctx.run_dir)
    return {"summary": {"report": str(ctx.out_dir / "index.html"), **checked}}
