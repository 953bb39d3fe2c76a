"""Label economics: what dynamic overlap weighted by an annotator skill buys against the case study's policy.

    python benchmarks/label_economics.py            # the food population, 1,000 items, seeds 0 (the food seed), 1, 2 (~2 min)
    python benchmarks/label_economics.py --quick    # 300 items, seed 0 (< 60 s)

Runs, on the emulator and without a model (only labels and cost matter):
- the case study's policy: ``+experiment=food`` (static overlap 3, majority vote);
- ``+experiment=food_dynamic``: Toloka's DynamicOverlapConfig on food_type, answers weighted by a
  control-answer skill with a track record (a provisional 95 until 3 control answers, then the share of
  right answers over the last 20), Dawid-Skene;
- the same policy made as cheap as the target (lone answers trusted after 2 control answers, at most 4
  answers): what accuracy 60% of the cost buys.
Prints cost, answers and label accuracy (food_type against the generator's truth, appetizing against the
latent appeal) of each, and their ratios to the baseline. Target: equal or better food_type accuracy at
<= 60% of the cost. RESULT lines are for the food seed (0).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ROOT, report

BASELINE = "static overlap 3, MV (case study)"
POLICIES = [
    (BASELINE, ["+experiment=food"]),
    ("food_dynamic: 1..7 @0.998, skill w/ record, DS", ["+experiment=food_dynamic"]),
    ("food_dynamic, trusted after 2 controls, 1..4 @0.97", ["+experiment=food_dynamic", "crowd.dynamic_overlap.max_overlap=4",
                                                            "crowd.dynamic_overlap.min_confidence=0.97",
                                                            "crowd.dynamic_overlap.weight_skill.min_answers=2"]),
]


def _run(args: list[str], run_dir: Path, home: Path) -> dict:
    cmd = [sys.executable, "-m", "foodcrowd", *args, "model=none", "tracking=none", f"hydra.run.dir={run_dir}"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "FOODCROWD_HOME": str(home)})
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    s = json.loads((run_dir / "summary.json").read_text())
    acc = s["labels"]["accuracy"]
    return {"cost": s["cost_usd"], "answers": s["answers"], "food_type": acc["food_type"], "appetizing": acc["appetizing"]}


def _table(title: str, rows: list[dict]) -> None:
    base = rows[0]
    print(f"\n{title}\n{'policy':<52} {'cost $':>7} {'answers':>7} {'food_type':>9} {'appetiz.':>8} {'cost ratio':>10} {'food ratio':>10}")
    for r in rows:
        print(f"{r['policy']:<52} {r['cost']:>7.3f} {r['answers']:>7} {r['food_type']:>9.3f} {r['appetizing']:>8.3f} "
              f"{r['cost'] / base['cost']:>10.3f} {r['food_type'] / base['food_type']:>10.3f}")


def main() -> None:
    from tqdm import tqdm

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="300 items, the food seed only")
    args = ap.parse_args()
    size, seeds = (["dataset.size=300"], [0]) if args.quick else ([], [0, 1, 2])
    per_seed: dict[int, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="foodcrowd-economics-") as tmp:
        jobs = [(seed, i) for seed in seeds for i in range(len(POLICIES))]
        for seed, i in tqdm(jobs, desc="runs", unit="run"):
            name, overrides = POLICIES[i]
            row = _run([*overrides, *size, f"seed={seed}"], Path(tmp) / f"s{seed}-{i}", Path(tmp) / "home")
            per_seed.setdefault(seed, []).append({"policy": name, **row})
    for seed, rows in per_seed.items():
        _table(f"seed {seed}" + (" (the food seed)" if seed == 0 else ""), rows)
    if len(seeds) > 1:
        mean = [{"policy": name, **{k: statistics.mean(per_seed[s][i][k] for s in seeds)
                                    for k in ("cost", "answers", "food_type", "appetizing")}}
                for i, (name, _) in enumerate(POLICIES)]
        for r in mean:
            r["answers"] = round(r["answers"])
        _table(f"mean over seeds {seeds}", mean)
    base, dyn, cheap = per_seed[0]
    print()
    report("label economics: cost, food_dynamic", dyn["cost"], "USD", baseline=base["cost"],
           baseline_name="static overlap 3 + MV", target="ratio <= 0.6 at equal food_type accuracy")
    report("label economics: food_type accuracy, food_dynamic", dyn["food_type"], "share", baseline=base["food_type"],
           baseline_name="static overlap 3 + MV", target="ratio >= 1.0")
    report("label economics: appetizing accuracy, food_dynamic", dyn["appetizing"], "share",
           baseline=base["appetizing"], baseline_name="static overlap 3 + MV", target="reported, no target")
    report("label economics: food_type accuracy at the target's cost", cheap["food_type"], "share",
           baseline=base["food_type"], baseline_name="static overlap 3 + MV",
           target=f"ratio >= 1.0 (this policy's cost ratio {cheap['cost'] / base['cost']:.2f})")


if __name__ == "__main__":
    main()
