"""``labels/labels.html``: the label-quality report of one run, readable without any server or script.

One section per question: method, accuracy against truth and control tasks, agreement, uncertain share,
and the truth x label confusion matrix (cells shaded by row share); then cost per correct label and the
exam's per-task correctness (worst task first, edge cases marked). Input: the dict of
:func:`foodcrowd.act.aggregation_quality.label_quality`.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

__all__ = ["render_labels_report", "write_labels_report"]

_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}
th{background:#f4f4f4}caption{text-align:left;font-weight:600;padding:.3em 0}.edge{color:#a40}"""


def _fmt(value, pct: bool = False) -> str:
    if value is None:
        return "&ndash;"
    if isinstance(value, float):
        return f"{100 * value:.1f}%" if pct else f"{value:.4g}"
    return escape(str(value))


def _confusion(table: dict) -> str:
    classes, matrix = table["classes"], table["matrix"]
    head = "".join(f"<th>{escape(c)}</th>" for c in classes)
    rows = []
    for cls, row in zip(classes, matrix):
        total = sum(row) or 1
        cells = "".join(f'<td style="background:rgba(30,110,200,{0.75 * n / total:.2f})">{n}</td>' for n in row)
        rows.append(f"<tr><th>{escape(cls)}</th>{cells}</tr>")
    return (f"<table><caption>Confusion: rows = truth, columns = aggregated label</caption>"
            f"<tr><th></th>{head}</tr>{''.join(rows)}</table>")


def _question(name: str, q: dict) -> str:
    def get(key):
        return (q.get(key) or {}).get(name)

    rows = [("method", get("method")), ("answers", get("answers")), ("labels", get("n_labels")),
            ("unlabelled items", get("unlabelled")), ("accuracy vs truth", _fmt(get("accuracy"), True)),
            ("labels scored against truth (items with a known truth)", get("scored_items")),
            ("crowd accuracy on control tasks", _fmt(get("control_accuracy"), True)),
            ("mean confidence", _fmt(get("mean_confidence"))),
            (f"share below confidence {q.get('confidence_threshold')}", _fmt(get("uncertain_share"), True)),
            ("consistency (crowd-kit)", _fmt(get("consistency"))), ("uncertainty (entropy)", _fmt(get("uncertainty")))]
    body = "".join(f"<tr><th style='text-align:left'>{escape(k)}</th><td>{v if isinstance(v, str) else _fmt(v)}</td></tr>"
                   for k, v in rows)
    out = f"<h2>{escape(name)}</h2><table>{body}</table>"
    if name in (q.get("confusion") or {}):
        out += _confusion(q["confusion"][name])
    return out


def _exam(per_task: list[dict]) -> str:
    if not per_task:
        return ""
    rows = "".join(f"<tr{' class=edge' if t['edge_case'] else ''}><td style='text-align:left'>{escape(t['task'])}"
                   f"{' (edge case)' if t['edge_case'] else ''}</td><td>{t['takers']}</td><td>{_fmt(t['correct'], True)}</td></tr>"
                   for t in per_task)
    return ("<h2>Exam: correct answers per task</h2><table><tr><th>task</th><th>takers</th><th>correct</th></tr>"
            f"{rows}</table>")


def render_labels_report(quality: dict, title: str = "") -> str:
    """The report as one self-contained HTML page."""
    questions = list(quality.get("method") or {})
    mean = (quality.get("accuracy") or {}).get("mean")
    cost = (f"<p>Cost {_fmt(quality.get('cost_usd'))} USD for {_fmt(quality.get('correct_labels'))} correct labels: "
            f"<b>{_fmt(quality.get('cost_per_correct_label'))} USD per correct label</b>.</p>")
    parts = [f"<h1>Label quality{': ' + escape(title) if title else ''}</h1>",
             f"<p>Mean accuracy against ground truth: <b>{_fmt(mean, True)}</b></p>", cost]
    warnings = quality.get("warnings") or []
    if warnings:
        parts.insert(1, "<ul style='background:#fff6e0;border:1px solid #f0c36d;padding:.6em 2em'>"
                     + "".join(f"<li>{escape(w)}</li>" for w in warnings) + "</ul>")
    parts += [_question(name, quality) for name in questions]
    parts.append(_exam(quality.get("exam_per_task") or []))
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Label quality</title><style>{_STYLE}</style>"
            f"</head><body>{''.join(parts)}</body></html>\n")


def write_labels_report(path: Path, quality: dict, title: str = "") -> Path:
    path = Path(path)
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_labels_report(quality, title), encoding="utf-8")
    tmp.replace(path)
    return path
