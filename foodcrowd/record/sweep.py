"""The sweep report: after a multirun, one table and one plot comparing every job of the sweep.

A Hydra callback (``hydra.callbacks.sweep_report`` in ``conf/config.yaml``) calls :func:`write_report`
at ``on_multirun_end``; it writes into the sweep directory

- ``sweep_report.csv`` and ``sweep_report.html``: one row per job (overrides, overlap, reward,
  aggregation, cost, label accuracy, model accuracy per question, the last validation accuracy the job
  logged to its offline ClearML session, objective, status);
- ``sweep_report.png``: model accuracy and label accuracy against annotation cost.

Each job's ``summary.json`` is read, and its offline session's ``metrics.jsonl`` directly (the ClearML SDK
returns no scalars for offline tasks). Regenerate by hand: ``python -m foodcrowd.record.sweep <sweep dir>``.
"""
from __future__ import annotations

import html
import json
import logging
import math
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


def collect_rows(sweep_dir: Path) -> list[dict[str, Any]]:
    """One dict per job directory (a folder with ``.hydra/``) under ``sweep_dir``, cheapest first."""
    rows = []
    for marker in sorted(Path(sweep_dir).glob("**/.hydra")):
        job = marker.parent
        if job == Path(sweep_dir) or "clearml" in job.parts:
            continue
        overrides, objective_key, budget = _job_settings(job)
        path = job / "summary.json"
        s = json.loads(path.read_text()) if path.is_file() else {}
        cfg = s.get("config") or {}
        row: dict[str, Any] = {
            "job": str(job.relative_to(sweep_dir)), "overrides": " ".join(overrides),
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
        row["objective"] = float("-inf") if over else value
        rows.append(row)
    return sorted(rows, key=lambda r: (r["cost_usd"] is None, r["cost_usd"] or 0.0, r["job"]))


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
    body = table.to_html(index=False, float_format=lambda v: f"{v:.4g}", na_rep="-", border=0) if rows \
        else "<p>No jobs found.</p>"
    paths["html"].write_text(
        f"""<!doctype html><html><head><meta charset="utf-8"><title>sweep {html.escape(sweep_dir.name)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{padding:3px 8px;border-bottom:1px solid #ddd;text-align:right}}</style></head><body>
<h1>Sweep {html.escape(str(sweep_dir))}</h1><p>{len(rows)} jobs, cheapest first.</p>
<img src="{paths['png'].name}" style="max-width:760px"><br>{body}</body></html>""")
    log.info("sweep report: %s (%d jobs)", paths["html"], len(rows))
    return paths


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
