"""The plan's cost estimate against what the emulator's crowd actually cost, for every conf/experiment/*.yaml.

    python benchmarks/estimate_vs_actual.py             # 300 items where the experiment allows (~1 min)
    python benchmarks/estimate_vs_actual.py --full      # the experiments' own sizes (~3 min)

Runs each experiment on the emulator without a model (``model=none tracking=none``), in a fresh run dir
and ``FOODCROWD_HOME`` (no answers reused), and prints a Markdown table: expected (lower-upper) cost from
``summary.json`` ``estimate``, the actual cost and pages, and actual / expected (the Done-when of issue 13:
within the bounds and within 10%), also for the food case study with its exam as a paid exam pool. The
replay experiment replays the bluebirds answers kept in the tests. A run refused on budget_usd (the upper
bound above it, ``budget_policy: refuse``) is listed as such.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, report

BIRDS = ROOT / "tests" / "aggregation" / "data" / "bluebirds"
SMALL = ["dataset.size=300"]
EXTRA = {"replay": [f"dataset.answers={BIRDS / 'answer.csv'}", f"dataset.truth={BIRDS / 'truth.csv'}"]}
FAST = ["model=none", "tracking=none", "crowd.poll_interval_seconds=0.05"]


VARIANTS = {"food exam=food_exam_pool": ("food", ["exam=food_exam_pool"])}   # besides every experiment as it is


def _run(label: str, experiment: str, overrides: list[str], full: bool, root: Path) -> dict:
    run_dir = root / "".join(c if c.isalnum() else "_" for c in label)
    extra = EXTRA.get(experiment, [] if full else SMALL)
    cmd = [sys.executable, "-m", "foodcrowd", f"+experiment={experiment}", *overrides, *extra, *FAST,
           f"hydra.run.dir={run_dir}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "FOODCROWD_HOME": str(root / f"home-{run_dir.name}")})
    summary = json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").exists() else {}
    if proc.returncode != 0 and summary.get("status") != "over_budget":
        sys.exit(f"{label} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the experiments' own dataset sizes")
    args = parser.parse_args()
    runs = {p.stem: (p.stem, []) for p in sorted((ROOT / "conf" / "experiment").glob("*.yaml"))}
    runs.update(VARIANTS)
    print("| run | items | expected (lower-upper) | actual | actual / expected |")
    print("|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory(prefix="fc-estimate-") as tmp:
        for label, (experiment, overrides) in runs.items():
            s = _run(label, experiment, overrides, args.full, Path(tmp))
            if s.get("status") == "over_budget":   # refused before anything was created (budget_policy refuse)
                b = s["budget"]
                print(f"| {label} | - | upper bound ${b['upper_bound_usd']:.2f} > budget_usd ${b['budget_usd']:.2f} "
                      "| refused, $0 | - |", flush=True)
                continue
            est, cost = s["estimate"], s["cost_usd"]
            ratio = cost / est["cost_usd"] if est["cost_usd"] else float("nan")
            print(f"| {label} | {s['items']:,} | ${est['cost_usd']:.2f} (${est['cost_min_usd']:.2f}-${est['cost_max_usd']:.2f}) "
                  f"| ${cost:.2f}, {sum(p['pages'] for p in s['pools'].values())} pages | {ratio:.3f} |", flush=True)
            rows.append((label, cost, est["cost_usd"]))
    for name, cost, expected in rows:
        report(f"cost {name}", cost, "USD", baseline=expected, baseline_name="estimate", target="ratio 0.9-1.1")


if __name__ == "__main__":
    main()
