"""The cost frontier of a sweep: the jobs no other job beats on cost, label accuracy and duration at once.

A job is on the frontier when no other job is at most as expensive, at least as accurate and at most as
long, and strictly better on one of them. Written next to the sweep report (``frontier.csv``,
``frontier.png``: label accuracy against cost, the frontier joined, colour = simulated duration) by the
sweep callback; by hand: ``python -m foodcrowd.record.frontier <sweep dir>``.
Used by: python -m foodcrowd -m +experiment=food_optuna
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

__all__ = ["frontier_rows", "write_frontier"]

_KEYS = ("cost_usd", "label_accuracy", "duration_minutes")


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v))


def frontier_rows(rows: list[dict]) -> list[dict]:
    """``rows`` (with cost_usd, label_accuracy, duration_minutes) marked ``on_frontier``, cheapest first."""
    ok = [r for r in rows if all(_number(r.get(k)) for k in _KEYS)]
    for r in ok:
        r["on_frontier"] = not any(
            o is not r and o["cost_usd"] <= r["cost_usd"] and o["label_accuracy"] >= r["label_accuracy"]
            and o["duration_minutes"] <= r["duration_minutes"]
            and (o["cost_usd"] < r["cost_usd"] or o["label_accuracy"] > r["label_accuracy"]
                 or o["duration_minutes"] < r["duration_minutes"]) for o in ok)
    return sorted(ok, key=lambda r: (r["cost_usd"], -r["label_accuracy"]))


def _plot(rows: list[dict], path: Path, budget) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    pts = ax.scatter([r["cost_usd"] for r in rows], [r["label_accuracy"] for r in rows],
                     c=[r["duration_minutes"] for r in rows], cmap="viridis", s=45)
    fig.colorbar(pts, ax=ax, label="duration (simulated minutes)")
    front = [r for r in rows if r["on_frontier"]]
    best = []      # the cost-accuracy staircase among frontier jobs
    for r in front:
        if not best or r["label_accuracy"] > best[-1]["label_accuracy"]:
            best.append(r)
    ax.plot([r["cost_usd"] for r in best], [r["label_accuracy"] for r in best], "-", color="crimson", lw=1.2,
            label="frontier (cost vs accuracy)")
    for r in front:
        ax.annotate(r["policy"], (r["cost_usd"], r["label_accuracy"]), textcoords="offset points",
                    xytext=(4, 4), fontsize=7)
    if budget is not None:
        ax.axvline(float(budget), color="grey", ls="--", lw=1, label=f"budget ${float(budget):.2f}")
    ax.set_xlabel("annotation cost (USD)")
    ax.set_ylabel("label accuracy (mean over questions)")
    ax.set_title(f"{path.parent.name}: cost frontier ({len(front)} of {len(rows)} jobs)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_frontier(sweep_dir: Path) -> dict[str, Path]:
    """Write ``frontier.csv`` and ``frontier.png`` into ``sweep_dir``; return their paths."""
    import pandas as pd

    from foodcrowd.record.sweep import _job_settings, collect_rows

    sweep_dir = Path(sweep_dir)
    rows, budget = [], None
    for row in collect_rows(sweep_dir):
        job = sweep_dir / row["job"]
        s = json.loads((job / "summary.json").read_text()) if (job / "summary.json").is_file() else {}
        budget = _job_settings(job)[2] if budget is None else budget
        seconds = s.get("duration_seconds")
        policy = f"{'dyn' if row.get('dynamic_overlap') else 'o' + str(row.get('overlap'))} {row.get('aggregation')} " \
                 f"${row.get('reward_per_page') or 0:.3f}"
        rows.append({"job": row["job"], "policy": policy, "overlap": row.get("overlap"),
                     "dynamic_overlap": row.get("dynamic_overlap"), "aggregation": row.get("aggregation"),
                     "reward_per_page": row.get("reward_per_page"), "cost_usd": row.get("cost_usd"),
                     "label_accuracy": row.get("label_accuracy"),
                     "duration_minutes": None if seconds is None else round(float(seconds) / 60, 2),
                     "annotators": s.get("annotators"),
                     "within_budget": None if budget is None or row.get("cost_usd") is None else row["cost_usd"] <= float(budget),
                     **{k: v for k, v in row.items() if k.startswith("label_accuracy_")}})
    marked = frontier_rows(rows)
    paths = {"csv": sweep_dir / "frontier.csv", "png": sweep_dir / "frontier.png"}
    pd.DataFrame(marked).to_csv(paths["csv"], index=False)
    if marked:
        _plot(marked, paths["png"], budget)
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit("usage: python -m foodcrowd.record.frontier <sweep dir>")
    for kind, p in write_frontier(Path(sys.argv[1])).items():
        print(f"{kind}: {p}")
