"""End-to-end wall time of the food experiment, and the time of each stage.

    python benchmarks/stages.py            # the food sample, 1,000 items (target: < 90 s end to end)
    python benchmarks/stages.py --quick    # 300 items

Runs ``python -m foodcrowd +experiment=food`` twice in a fresh FOODCROWD_HOME: *cold* (the synthetic
images are generated and the training image cache is built) and *warm* (a new run dir against the same
home, as a second experiment on this machine would be). Stage seconds come from each run's summary.json;
the wall time includes Python start-up, Hydra, the emulator and ClearML offline tracking.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report

BUDGET_SECONDS = 90.0


def _run(run_dir: Path, home: Path, extra: list[str]) -> tuple[float, dict]:
    cmd = [sys.executable, "-m", "foodcrowd", "+experiment=food", *extra, f"hydra.run.dir={run_dir}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "FOODCROWD_HOME": str(home)})
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return wall, json.loads((run_dir / "summary.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 items instead of 1,000")
    args = ap.parse_args()
    extra = ["dataset.size=300"] if args.quick else []
    size = 300 if args.quick else 1000
    with tempfile.TemporaryDirectory(prefix="foodcrowd-stages-") as tmp:
        home = Path(tmp) / "home"
        runs = {kind: _run(Path(tmp) / kind, home, extra) for kind in ("cold", "warm")}
    load = os.getloadavg()[0]
    print(f"{'stage':<10} {'cold s':>8} {'warm s':>8}")
    stages = list(runs["cold"][1]["stages"])
    for name in stages:
        print(f"{name:<10} {runs['cold'][1]['stages'][name]['seconds']:>8.2f} {runs['warm'][1]['stages'][name]['seconds']:>8.2f}")
    print(f"{'wall':<10} {runs['cold'][0]:>8.2f} {runs['warm'][0]:>8.2f}   (1-min load average after: {load:.2f})")
    model = runs["warm"][1].get("model") or {}
    print(f"model accuracy: {json.dumps(model.get('accuracy'))}; label accuracy: "
          f"{json.dumps(runs['warm'][1]['labels'].get('accuracy'))}")
    for kind, (wall, _) in runs.items():
        report(f"food end to end ({size} items, {kind} home)", wall, "s", baseline=BUDGET_SECONDS,
               baseline_name="the budget", target="< 90 s (ratio < 1)")
    for name in stages:
        report(f"stage {name} ({size} items, warm)", runs["warm"][1]["stages"][name]["seconds"], "s")


if __name__ == "__main__":
    main()
