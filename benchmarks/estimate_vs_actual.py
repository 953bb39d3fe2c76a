"""The plan's cost estimate against what the emulator's crowd actually cost, for every conf/experiment/*.yaml.

    python benchmarks/estimate_vs_actual.py             # 300 items where the experiment allows (~1 min)
    python benchmarks/estimate_vs_actual.py --full      # the experiments' own sizes (~3 min)

Runs each experiment on the emulator without a model (``model=none tracking=none``), in a fresh run dir
and ``FOODCROWD_HOME`` (no answers reused), and prints a Markdown table: expected (lower-upper) cost from
``summary.json`` ``estimate``, the actual cost and pages, and actual / expected (the Done-when of issue 13:
within the bounds and within 10%). The replay experiment replays the bluebirds answers kept in the tests.
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


def _run(experiment: str, full: bool, root: Path) -> dict:
    run_dir = root / experiment
    extra = EXTRA.get(experiment, [] if full else SMALL)
    cmd = [sys.executable, "-m", "foodcrowd", f"+experiment={experiment}", *extra, *FAST, f"hydra.run.dir={run_dir}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "FOODCROWD_HOME": str(root / f"home-{experiment}")})
    if proc.returncode != 0:
        sys.exit(f"{experiment} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return json.loads((run_dir / "summary.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the experiments' own dataset sizes")
    args = parser.parse_args()
    experiments = sorted(p.stem for p in (ROOT / "conf" / "experiment").glob("*.yaml"))
    print("| experiment | items | expected (lower-upper) | actual | actual / expected |")
    print("|---|---|---|---|---|")
    rows = []
    with tempfile.TemporaryDirectory(prefix="fc-estimate-") as tmp:
        for name in experiments:
            s = _run(name, args.full, Path(tmp))
            est, cost = s["estimate"], s["cost_usd"]
            ratio = cost / est["cost_usd"] if est["cost_usd"] else float("nan")
            print(f"| {name} | {s['items']:,} | ${est['cost_usd']:.2f} (${est['cost_min_usd']:.2f}-${est['cost_max_usd']:.2f}) "
                  f"| ${cost:.2f}, {s['pages']} pages | {ratio:.3f} |", flush=True)
            rows.append((name, cost, est["cost_usd"]))
    for name, cost, expected in rows:
        report(f"cost {name}", cost, "USD", baseline=expected, baseline_name="estimate", target="ratio 0.9-1.1")


if __name__ == "__main__":
    main()
