"""Parallel sweeps on this machine: seconds per training epoch, and joblib against Ray.

    python benchmarks/sweeps.py             # threads: 1 job alone vs 2 joblib jobs (2 threads each / auto)
    python benchmarks/sweeps.py --launchers # also 4 jobs through joblib and through Ray (2 at a time)

*threads*: the food experiment with training (``dataset.size=300 trainer.epochs=3``) run once alone, then as
a 2-job joblib sweep with ``trainer.num_threads=2`` (what every job ran before ``auto``) and with
``trainer.num_threads=auto`` (the default). The figure is seconds per epoch (``model.seconds.fit`` /
epochs, from each job's summary.json); the baseline is the job alone, measured in the same run.

*launchers*: the same 4-job sweep (``crowd.overlap=1,2,3,4``) through ``hydra/launcher=joblib``
(``n_jobs=2``) and ``hydra/launcher=ray_local`` (a Ray started on loopback, 2 CPUs, 1 per job);
wall seconds of the whole sweep, joblib as the baseline.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report

TRAIN = ["+experiment=food", "dataset.size=300", "trainer.epochs=3", "trainer.image_size=32", "tracking=none"]


def _run(args: list[str], out: Path, home: Path, multirun: bool) -> float:
    where = f"hydra.sweep.dir={out}" if multirun else f"hydra.run.dir={out}"
    cmd = [sys.executable, "-m", "foodcrowd", *(["-m"] if multirun else []), *args, where]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "FOODCROWD_HOME": str(home), "RAY_USAGE_STATS_ENABLED": "0"})
    if proc.returncode != 0:
        sys.exit(f"run failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def _per_epoch(out: Path) -> tuple[float, list[int]]:
    """Mean seconds per epoch over the job summaries under ``out``, and the threads each job ran."""
    rates, threads = [], []
    for path in sorted(out.glob("**/summary.json")):
        model = json.loads(path.read_text())["model"]
        rates.append(model["seconds"]["fit"] / model["epochs"])
        threads.append(model.get("threads"))
    return statistics.mean(rates), threads


def threads(tmp: Path) -> None:
    home = tmp / "home"
    _run(TRAIN, tmp / "warmup", home, multirun=False)  # images and cache built once, outside the figures
    _run(TRAIN, tmp / "alone", home, multirun=False)
    alone, t_alone = _per_epoch(tmp / "alone")
    sweep = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "crowd.overlap=2,3"]
    results = {}
    for setting in ("2", "auto"):
        out = tmp / f"joblib_{setting}"
        _run([*TRAIN, *sweep, f"trainer.num_threads={setting}"], out, home, multirun=True)
        results[setting] = _per_epoch(out)
    print(f"threads: alone {t_alone}, joblib num_threads=2 {results['2'][1]}, auto {results['auto'][1]}")
    report("train s/epoch, 1 job alone (auto threads)", alone, "s")
    report("train s/epoch, 2 joblib jobs, num_threads=2 each", results["2"][0], "s", baseline=alone,
           baseline_name="1 job alone", target="reported (the behaviour before auto)")
    report("train s/epoch, 2 joblib jobs, num_threads=auto", results["auto"][0], "s", baseline=alone,
           baseline_name="1 job alone", target="ratio <= 2 (2 jobs share 2 cores)")


def launchers(tmp: Path) -> None:
    home = tmp / "home"
    four = ["+experiment=food", "dataset.size=300", "model=none", "tracking=none", "crowd.overlap=1,2,3,4"]
    _run(["+experiment=food", "dataset.size=300", "model=none", "tracking=none"], tmp / "warm", home, False)
    walls = {
        "joblib": _run([*four, "hydra/launcher=joblib", "hydra.launcher.n_jobs=2"], tmp / "l_joblib", home, True),
        "ray": _run([*four, "hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2"], tmp / "l_ray", home, True),
    }
    report("4-job sweep wall, joblib n_jobs=2", walls["joblib"], "s")
    report("4-job sweep wall, Ray local (2 CPUs, 1 per job)", walls["ray"], "s", baseline=walls["joblib"],
           baseline_name="joblib n_jobs=2", target="reported (Ray start-up included)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--launchers", action="store_true", help="also time 4 jobs through joblib and Ray")
    ap.add_argument("--only-launchers", action="store_true", help="skip the threads figures")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="foodcrowd-sweeps-") as tmp:
        if not args.only_launchers:
            threads(Path(tmp))
        if args.launchers or args.only_launchers:
            launchers(Path(tmp))
    print(f"(1-min load average after: {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
