"""The sweep report: after a multirun, one table and one plot comparing every job of the sweep.

A Hydra callback (``hydra.callbacks.sweep_report`` in ``conf/config.yaml``) calls :func:`write_report`
at ``on_multirun_end``; it writes into the sweep directory

- ``sweep_report.csv`` and ``sweep_report.html``: one row per job (overrides, overlap, reward,
  aggregation, cost, label accuracy, model accuracy per question, the last validation accuracy the job
  logged to its offline ClearML session, objective, status);
- ``sweep_report.png``: model accuracy and label accuracy against annotation cost.

An Optuna sweep's rows come from its study (``foodcrowd.sweeps.study.read_trials``): every trial, with
its state and value, also the trials of earlier (killed) runs of the same study and those a stopped run
left unfinished; other sweeps list the job directories.

Each job's ``summary.json`` is read, and its offline session's ``metrics.jsonl`` directly (the ClearML SDK
returns no scalars for offline tasks). Regenerate by hand: ``python -m foodcrowd.record.sweep <sweep dir>``.
"""
from __future__ import annotations

import html
import json
import logging
import math
import os
import sys
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

__all__ = ["SweepReport", "collect_rows", "write_report"]

log = logging.getLogger(__name__)


def _get(node: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _job_settings(job: Path) -> tuple[list[str], str, float | None]:
    """(overrides, objective key, budget) of a job, from its ``.hydra`` folder."""
    from omegaconf import OmegaConf

    overrides: list[str] = []
    objective, budget = "labels.accuracy.mean", None
    if (job / ".hydra" / "overrides.yaml").is_file():
        overrides = [str(o) for o in OmegaConf.load(job / ".hydra" / "overrides.yaml")]
    if (job / ".hydra" / "config.yaml").is_file():
        cfg = OmegaConf.load(job / ".hydra" / "config.yaml")
        objective = str(cfg.get("objective", objective))
        budget = cfg.get("budget_usd", None)
    return overrides, objective, budget


def _tracked(job: Path) -> dict[str, float]:
    """Last ``val_accuracy`` per question the job logged to its offline ClearML session(s)."""
    from foodcrowd.record.tracking import find_sessions, read_scalars

    out: dict[str, float] = {}
    for session in find_sessions(job):
        for q, points in read_scalars(session).get("val_accuracy", {}).items():
            if points:
                out[q] = max(points)[1]
    return out


def _job_row(job: Path, sweep_dir: Path) -> dict[str, Any]:
    """The report row of one job directory: its overrides, summary.json figures and tracked scalars."""
    overrides, objective_key, budget = _job_settings(job)
    path = job / "summary.json"
    s = json.loads(path.read_text()) if path.is_file() else {}
    cfg = s.get("config") or {}
    try:
        name = str(job.resolve().relative_to(Path(sweep_dir).resolve()))
    except ValueError:  # a study shared by several sweep dirs: the job ran elsewhere
        name = str(job)
    row: dict[str, Any] = {
        "job": name, "overrides": " ".join(overrides),
        "status": s.get("status", "no summary.json"), "overlap": cfg.get("overlap"),
        "dynamic_overlap": cfg.get("dynamic_overlap"), "reward_per_page": cfg.get("reward_per_page"),
        "aggregation": cfg.get("aggregation"), "answers": s.get("answers"), "cost_usd": s.get("cost_usd"),
        "label_accuracy": _get(s, "labels.accuracy.mean"), "model_accuracy": _get(s, "model.accuracy.mean"),
    }
    for q, v in (_get(s, "labels.accuracy") or {}).items():
        if q != "mean":
            row[f"label_accuracy_{q}"] = v
    for q, m in (_get(s, "model.metrics") or {}).items():
        row[f"model_accuracy_{q}"] = (m or {}).get("accuracy")
        row[f"model_macro_f1_{q}"] = (m or {}).get("macro_f1")
    for q, v in _tracked(job).items():
        row[f"tracked_val_accuracy_{q}"] = v
    value = _get(s, objective_key)
    over = budget is not None and row["cost_usd"] is not None and row["cost_usd"] > budget
    over = over or s.get("status") == "over_budget"   # refused before anything was created: $0, never the best
    row["objective"] = float("-inf") if over else value
    row["budget_usd"], row["over_budget"] = budget, bool(over)
    if over and row["status"] == "ok":
        row["status"] = "over budget"
    report = job / "report" / "index.html"  # linked from the sweep report's row
    row["report"] = os.path.relpath(report, sweep_dir) if report.is_file() else None
    return row


def _study_rows(sweep_dir: Path, trials: list[dict]) -> list[dict[str, Any]]:
    """One row per trial of the sweep's Optuna study, joined with its job directory when it has one."""
    rows = []
    for t in trials:
        job = Path(t["job_dir"]) if t["job_dir"] else None
        if job is not None and job.is_dir():
            row = _job_row(job, sweep_dir)
        else:
            row = {"job": None, "overrides": " ".join(f"{k}={v}" for k, v in t["params"].items()),
                   "status": "interrupted (retried)" if t["stale"] else t["state"].lower()}
        row.update({"trial": t["trial"], "state": t["state"], "study_value": t["value"],
                    "trial_seconds": t["seconds"]})
        rows.append(row)
    return rows


def collect_rows(sweep_dir: Path, storage: Any = None) -> list[dict[str, Any]]:
    """One dict per job, cheapest first: the trials of the sweep's Optuna study when it has one
    (``optuna_study.yaml``; ``storage`` overrides the URL), else every job directory (a folder with
    ``.hydra/``) under ``sweep_dir``."""
    from foodcrowd.sweeps.study import read_trials

    trials = read_trials(Path(sweep_dir), storage)
    if trials is not None:
        rows = _study_rows(Path(sweep_dir), trials)
    else:
        rows = [_job_row(marker.parent, sweep_dir) for marker in sorted(Path(sweep_dir).glob("**/.hydra"))
                if marker.parent != Path(sweep_dir) and "clearml" not in marker.parent.parts]
    return sorted(rows, key=lambda r: (r.get("cost_usd") is None, r.get("cost_usd") or 0.0, str(r["job"])))


def _plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for key, marker, name in (("label_accuracy", "o", "label accuracy"), ("model_accuracy", "s", "model accuracy")):
        pts = [(r["cost_usd"], r[key], r) for r in rows
               if isinstance(r.get("cost_usd"), (int, float)) and isinstance(r.get(key), (int, float))
               and not math.isnan(r[key])]
        if not pts:
            continue
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=marker, s=40, label=name)
        tags: dict[tuple[float, float], list[str]] = {}  # jobs on the same point share one label
        for x, y, r in pts:
            tag = f"o{r.get('overlap')}{'d' if r.get('dynamic_overlap') else ''} {r.get('aggregation') or ''}"
            tags.setdefault((round(x, 6), round(y, 6)), []).append(tag.strip())
        for (x, y), names in tags.items():
            ax.annotate(", ".join(names), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    budgets = {r.get("budget_usd") for r in rows if isinstance(r.get("budget_usd"), (int, float))}
    for b in sorted(budgets):
        ax.axvline(b, color="#b42318", linestyle="--", linewidth=1, label=f"budget ${b:g}")
    over = [r for r in rows if r.get("over_budget") and isinstance(r.get("cost_usd"), (int, float))
            and isinstance(r.get("label_accuracy"), (int, float))]
    if over:
        ax.scatter([r["cost_usd"] for r in over], [r["label_accuracy"] for r in over], s=120, facecolors="none",
                   edgecolors="#b42318", label="over budget")
    ax.set_xlabel("annotation cost (USD)")
    ax.set_ylabel("accuracy (mean over questions)")
    ax.set_title(f"{path.parent.name}: accuracy against annotation cost ({len(rows)} jobs)", fontsize=9)
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(sweep_dir: Path, name: str = "sweep_report") -> dict[str, Path]:
    """Write ``<name>.csv``, ``<name>.html`` and ``<name>.png`` into ``sweep_dir``; return their paths."""
    import pandas as pd

    sweep_dir = Path(sweep_dir)
    rows = collect_rows(sweep_dir)
    table = pd.DataFrame(rows)
    paths = {ext: sweep_dir / f"{name}.{ext}" for ext in ("csv", "html", "png")}
    table.to_csv(paths["csv"], index=False)
    _plot(rows, paths["png"])
    budgets = sorted({r["budget_usd"] for r in rows if isinstance(r.get("budget_usd"), (int, float))})
    n_over = sum(1 for r in rows if r.get("over_budget"))
    budget_line = (f"Budget {', '.join(f'${b:g}' for b in budgets)}: {n_over} of {len(rows)} jobs over it "
                   "(objective -inf, marked below)." if budgets else "No budget set (budget_usd: null).")
    paths["html"].write_text(_html(sweep_dir, rows, paths["png"].name, budget_line))
    log.info("sweep report: %s (%d jobs)", paths["html"], len(rows))
    return paths


_SHOWN = (("status", "status"), ("overlap", "overlap"), ("reward_per_page", "reward"), ("aggregation", "method"),
          ("answers", "answers"), ("cost_usd", "cost $"), ("label_accuracy", "label acc."),
          ("model_accuracy", "model acc."), ("objective", "objective"))


def _cell(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return "-inf" if v == float("-inf") else f"{v:.4g}"
    return html.escape(str(v))


def _html(sweep_dir: Path, rows: list[dict], png: str, budget_line: str) -> str:
    """One row per job: a link to its run report, the few columns people compare (all of them: the CSV)."""
    esc = html.escape
    head = "<th>job</th>" + "".join(f"<th>{esc(t)}</th>" for _, t in _SHOWN) + "<th>overrides</th>"
    body = []
    for r in rows:
        link = f'<a href="{esc(r["report"])}">{esc(r["job"])}</a>' if r.get("report") else esc(r["job"])
        cls = ' class="over"' if r.get("over_budget") else (' class="failed"' if r.get("status") not in ("ok",) else "")
        body.append(f"<tr{cls}><td>{link}</td>" + "".join(f"<td>{_cell(r.get(k))}</td>" for k, _ in _SHOWN)
                    + f'<td class="ov">{esc(r.get("overrides") or "")}</td></tr>')
    table = f"<table><tr>{head}</tr>{''.join(body)}</table>" if rows else "<p>No jobs found.</p>"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>sweep {esc(sweep_dir.name)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;padding:0 1em;color:#1d2330}}
.wrap{{overflow-x:auto}}table{{border-collapse:collapse;font-size:13px}}
td,th{{padding:3px 8px;border-bottom:1px solid #e3e6ec;text-align:right;white-space:nowrap}}
th{{background:#f3f5f9}}td:first-child,th:first-child,td.ov{{text-align:left}}td.ov{{white-space:normal;
min-width:18em;color:#5a6275}}tr.over td{{background:#fdecea}}tr.over td:nth-child(2){{color:#9b1c1c;font-weight:600}}
tr.failed td:nth-child(2){{color:#9b1c1c}}.budget{{background:#fff6e0;border:1px solid #f0c36d;padding:.4em .8em;
border-radius:6px;display:inline-block}}img{{max-width:100%}}</style></head><body>
<h1>Sweep {esc(str(sweep_dir))}</h1><p>{len(rows)} jobs, cheapest first; every column in
<a href="sweep_report.csv">sweep_report.csv</a>.</p><p class="budget">{esc(budget_line)}</p>
<img src="{esc(png)}" alt="accuracy against cost"><div class="wrap">{table}</div></body></html>"""


class SweepReport(Callback):
    """Hydra callback: writes the sweep report when a multirun ends (single runs are left alone)."""

    def __init__(self, name: str = "sweep_report") -> None:
        self.name = name

    def on_multirun_end(self, config, **kwargs: Any) -> None:
        sweep_dir = Path(str(config.hydra.sweep.dir))
        if not sweep_dir.is_dir():
            return
        try:
            paths = write_report(sweep_dir, self.name)
            print(f"foodcrowd: sweep report {paths['html']}", file=sys.stderr)
            from foodcrowd.record.frontier import write_frontier   # the cost frontier (cost, accuracy, duration)

            print(f"foodcrowd: cost frontier {write_frontier(sweep_dir)['png']}", file=sys.stderr)
        except Exception as err:  # a report must never turn a finished sweep into a failure
            log.error("sweep report failed for %s: %s", sweep_dir, err)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit("usage: python -m foodcrowd.record.sweep <sweep dir>")
    for kind, p in write_report(Path(sys.argv[1])).items():
        print(f"{kind}: {p}")
