"""Shared helpers of the benchmarks: timing and one machine-readable line per figure.

Every benchmark prints, besides its own human-readable output, lines ``RESULT {json}`` with the keys
``name``, ``value``, ``unit``, ``baseline`` (the same work done the plain way, measured in the same run),
``ratio`` (value / baseline, or as the benchmark defines it) and ``target`` (text). ``run_all.py``
collects them into one table.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

__all__ = ["ROOT", "report", "time_command", "time_call"]

ROOT = Path(__file__).resolve().parent.parent


def report(name: str, value: float, unit: str, baseline: float | None = None, ratio: float | None = None,
           target: str = "", baseline_name: str = "") -> dict:
    if ratio is None and baseline:
        ratio = value / baseline
    sig = lambda x, n: None if x is None else float(f"{x:.{n}g}")  # significant figures, not decimals
    row = {"name": name, "value": sig(value, 4), "unit": unit, "baseline": sig(baseline, 4),
           "baseline_name": baseline_name, "ratio": sig(ratio, 3), "target": target}
    print(f"{name}: {value:.4g} {unit}" + (f" (baseline {baseline_name} {baseline:.4g} {unit}; ratio {ratio:.3g})" if baseline else "")
          + (f" target: {target}" if target else ""))
    print("RESULT " + json.dumps(row), flush=True)
    return row


def time_command(cmd: list[str], repeat: int = 5, cwd: Path = ROOT, ok_codes=(0,)) -> float:
    """Median wall seconds of a whole command (a fresh process each time)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if proc.returncode not in ok_codes:
            sys.exit(f"benchmark command failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return statistics.median(times)


def time_call(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median wall seconds of a call."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
