"""Label economics: what dynamic overlap weighted by an annotator skill buys against the case study's policy.

    python benchmarks/label_economics.py            # the food population and seed, 1,000 items (~1 min)
    python benchmarks/label_economics.py --quick    # 300 items

Runs the food experiment end to end on the emulator (no model, no tracking: only labels and cost matter)
once with the case study's policy (static overlap 3, majority vote) and once per dynamic-overlap policy
(Toloka's DynamicOverlapConfig: start at min_overlap, add answers until the skill-weighted confidence of the
objective question reaches min_confidence or max_overlap is hit; the weight is each annotator's share of
right control answers) aggregated with Dawid-Skene. Prints label accuracy and cost of each and their ratios
to the baseline. Target: equal or better accuracy at <= 60% of the cost.
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

BASELINE = ("static overlap 3, MV", ["crowd.overlap=3", "aggregation=mv"])
_DYN = ["crowd.dynamic_overlap.enabled=true", "crowd.dynamic_overlap.answer_weight_skill=control_accuracy",
        "aggregation=ds"]
POLICIES = [
    # the primary policy: one answer, more only while the skill-weighted posterior is below 0.9995
    ("dynamic 1..3 @0.9995, skill-weighted, DS",
     [*_DYN, "crowd.dynamic_overlap.min_overlap=1", "crowd.dynamic_overlap.max_overlap=3",
      "crowd.dynamic_overlap.min_confidence=0.9995"]),
    ("dynamic 2..3 @0.9, skill-weighted, DS",
     [*_DYN, "crowd.dynamic_overlap.min_overlap=2", "crowd.dynamic_overlap.max_overlap=3",
      "crowd.dynamic_overlap.min_confidence=0.9"]),
    ("dynamic 1..5 @0.85 (conf default), skill-weighted, DS", _DYN),
]


def _run(args: list[str], run_dir: Path, home: Path) -> dict:
    cmd = [sys.executable, "-m", "foodcrowd", "+experiment=food", "model=none", "tracking=none", *args,
           f"hydra.run.dir={run_dir}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "FOODCROWD_HOME": str(home)})
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return json.loads((run_dir / "summary.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 items instead of the food sample's 1,000")
    args = ap.parse_args()
    size = ["dataset.size=300"] if args.quick else []
    with tempfile.TemporaryDirectory(prefix="foodcrowd-economics-") as tmp:
        tmp_path = Path(tmp)
        rows = []
        for i, (name, overrides) in enumerate([BASELINE, *POLICIES]):
            s = _run([*overrides, *size], tmp_path / f"run{i}", tmp_path / "home")
            acc = s["labels"]["accuracy"]
            rows.append({"policy": name, "cost": s["cost_usd"], "answers": s["answers"],
                         "food_type": acc.get("food_type"), "appetizing": acc.get("appetizing"), "mean": acc.get("mean")})
    base = rows[0]
    print(f"{'policy':<52} {'cost $':>8} {'answers':>8} {'food_type':>9} {'appetiz.':>8} {'mean':>6} "
          f"{'cost ratio':>10} {'acc ratio':>9}")
    for r in rows:
        print(f"{r['policy']:<52} {r['cost']:>8.3f} {r['answers']:>8} {r['food_type']:>9.3f} {r['appetizing']:>8.3f} "
              f"{r['mean']:>6.3f} {r['cost'] / base['cost']:>10.3f} {r['food_type'] / base['food_type']:>9.3f}")
    primary = rows[1]
    report("label economics: cost, dynamic skill-weighted overlap + DS", primary["cost"], "USD",
           baseline=base["cost"], baseline_name="static overlap 3 + MV", target="ratio <= 0.6 at equal accuracy")
    report("label economics: food_type label accuracy, dynamic + DS", primary["food_type"], "share",
           baseline=base["food_type"], baseline_name="static overlap 3 + MV", target="ratio >= 1.0")
    cheapest = min(rows[1:], key=lambda r: r["cost"])
    report("label economics: food_type accuracy of the cheapest dynamic policy", cheapest["food_type"], "share",
           baseline=base["food_type"], baseline_name="static overlap 3 + MV",
           target=f"at cost ratio {cheapest['cost'] / base['cost']:.2f}")


if __name__ == "__main__":
    main()
