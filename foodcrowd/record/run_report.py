"""``report/index.html``: one self-contained page per run (no network: styles, script and thumbnails inline).

- the closing figures; label accuracy and, for the model, accuracy next to macro-F1 and per-class F1, with
  a flag on any class the model never predicts (a headline accuracy can hide it);
- confusion matrices as tables shaded light-to-mid blue with dark figures (readable in print and on screen);
- every item in a paged, filterable, sortable grid: thumbnail, aggregated label and confidence per question,
  each annotator's answer, and the ground truth where it is known (accuracy only where truth exists);
- warnings the run recorded (e.g. a method far from majority vote), and links to every artifact of the run.
"""
from __future__ import annotations

import html
from pathlib import Path

__all__ = ["build_items", "iter_items", "write_run_report"]

_SKIP_DIRS = {".stages", "report", ".hydra"}


def _read(path: Path):
    import pandas as pd

    return pd.read_parquet(path) if path.is_file() else None


def build_items(run_dir: Path, questions: list[str], thumbs: bool = True) -> list[dict]:
    """The grid's records (:func:`foodcrowd.item_grid.grid_records`) from the run's items, labels and answers."""
    return list(iter_items(run_dir, questions, thumbs))


def iter_items(run_dir: Path, questions: list[str], thumbs: bool = True):
    """The records of :func:`build_items` one at a time (a thumbnail is made when its record is asked for)."""
    from foodcrowd.item_grid import iter_grid_records

    items, labels, answers = (_read(run_dir / p) for p in ("data/items.parquet", "labels/labels.parquet",
                                                           "toloka/answers.parquet"))
    yield from iter_grid_records(items, labels, answers, questions, thumbs=thumbs)


def _confusion_table(title: str, conf: dict) -> str:
    classes, matrix = conf.get("classes") or [], conf.get("matrix") or []
    if not classes or not matrix:
        return ""
    esc = html.escape
    head = "".join(f"<th>{esc(str(c))}</th>" for c in classes)
    rows = []
    for c, row in zip(classes, matrix):
        total = sum(row) or 1
        cells = "".join(
            f'<td style="background:rgba(46,110,200,{0.08 + 0.5 * v / total:.2f})">{v}</td>' for v in row)
        rows.append(f"<tr><th>{esc(str(c))}</th>{cells}</tr>")
    return (f'<figure class="cm"><figcaption>{esc(title)}</figcaption><table><tr><th class="corner">true \\ '
            f'predicted</th>{head}</tr>{"".join(rows)}</table></figure>')


def _pct(v) -> str:
    return "-" if v is None else f"{100 * float(v):.1f}%"


def _metrics_section(summary: dict) -> str:
    esc = html.escape
    labels, model = summary.get("labels") or {}, summary.get("model") or {}
    acc = {k: v for k, v in (labels.get("accuracy") or {}).items() if k != "mean"}
    methods = labels.get("method") or {}
    rows = []
    for q, v in acc.items():
        rows.append(f"<tr><td>labels ({esc(str(methods.get(q, '-')))})</td><td>{esc(q)}</td><td>{_pct(v)}</td>"
                    "<td>-</td><td>-</td></tr>")
    for q, m in (model.get("metrics") or {}).items():
        f1 = m.get("per_class_f1") or {}
        never = m.get("never_predicted") or []
        per = ", ".join(f"{esc(str(c))} {v:.2f}" + (' <b class="flag">never predicted</b>' if c in never else "")
                        for c, v in f1.items()) or "-"
        f1_macro = "-" if m.get("macro_f1") is None else f"{m['macro_f1']:.3f}"
        rows.append(f"<tr><td>model</td><td>{esc(q)}</td><td>{_pct(m.get('accuracy'))}</td>"
                    f"<td>{f1_macro}</td><td>{per}</td></tr>")
    if not rows:
        return "<p>No accuracy: no item has a known truth.</p>"
    return ("<table class='metrics'><tr><th>what</th><th>question</th><th>accuracy</th><th>macro-F1</th>"
            "<th>F1 per class</th></tr>" + "".join(rows) + "</table>"
            "<p class='note'>Accuracy is against ground truth where it is known (labels) and on validation "
            "items (model); questions without truth show none.</p>")


def _artifacts(run_dir: Path, limit: int = 400) -> list[str]:
    out = []
    for p in sorted(run_dir.rglob("*")):
        rel = p.relative_to(run_dir)
        if not p.is_file() or rel.parts[0] in _SKIP_DIRS or any(x.startswith(".") for x in rel.parts):
            continue
        if rel.parts[0] == "clearml" and p.suffix != ".zip":  # the session's zip stands for its folder
            continue
        out.append(rel.as_posix())
        if len(out) >= limit:
            break
    return out


def write_run_report(path: Path, run_dir: Path, summary: dict, closing: list[tuple[str, str]],
                     questions: list[str], warnings: list[str] = ()) -> Path:
    """Write the page to ``path`` (through a temporary file) and return it. The items' JSON is written one
    item at a time: at 100,000 items the page is ~350 MB, and building it as one string took ~1.2 GB."""
    from foodcrowd.item_grid import BASE_CSS, GRID_CSS, write_grid_section
    from foodcrowd.record._report_assets import REPORT_CSS

    esc = html.escape
    figures = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in closing)
    cms = "".join(_confusion_table(f"labels: {q}", c) for q, c in ((summary.get("labels") or {}).get("confusion") or {}).items())
    cms += "".join(_confusion_table(f"model: {q}", c) for q, c in ((summary.get("model") or {}).get("confusion") or {}).items())
    links = "".join(f'<li><a href="../{esc(a)}">{esc(a)}</a></li>' for a in _artifacts(run_dir))
    warn = "".join(f"<li>{esc(w)}</li>" for w in warnings)
    name = esc(str(summary.get("experiment_name")))
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>foodcrowd: {name}</title>
<style>{BASE_CSS}{REPORT_CSS}{GRID_CSS}</style></head><body>
<h1>foodcrowd run: {name} <small>({esc(str(summary.get('status')))})</small></h1>
{f'<ul class="warnings">{warn}</ul>' if warn else ''}
<section><h2>At a glance</h2><table class="figures">{figures}</table></section>
<section><h2>Accuracy</h2>{_metrics_section(summary)}<div class="cms">{cms}</div></section>
<section><h2>Items</h2>
"""
    end = f"""</section>
<section><h2>Artifacts</h2><ul class="links">{links}</ul></section>
</body></html>"""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(page)
            write_grid_section(f, iter_items(run_dir, questions), questions)
            f.write(end)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
