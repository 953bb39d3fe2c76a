"""Run every benchmark of the project and print one table of figures, each against its baseline.

    python benchmarks/run_all.py            # the quick sizes, well under 5 minutes on 2 cores
    python benchmarks/run_all.py --full     # the sizes the issues name (takes longer)
    python benchmarks/run_all.py --markdown # print the table as Markdown (for the README)

Each script prints ``RESULT {json}`` lines (see _common.py); a script that fails is reported, not hidden.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from _common import ROOT

# (script, quick args, full args)
BENCHMARKS = [
    ("cli_startup.py", ["--repeat", "3"], ["--repeat", "5"]),
    ("emulator.py", ["--quick"], []),
    ("aggregation.py", ["--quick"], []),
    ("datasets.py", [], []),
    ("stages.py", ["--quick"], []),
    ("label_economics.py", ["--quick"], []),
    ("sweeps.py", [], ["--launchers"]),
    ("scale.py", ["--registry", "--items", "100000"], ["--registry"]),  # --project (100k items) runs on its own
]


def _run(script: str, args: list[str], timeout: float) -> tuple[list[dict], str]:
    path = ROOT / "benchmarks" / script
    if not path.exists():
        return [], "missing"
    try:
        proc = subprocess.run([sys.executable, str(path), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return [], f"timed out after {timeout:.0f} s"
    rows = [json.loads(line[7:]) for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    status = "ok" if proc.returncode == 0 else f"failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}"
    return rows, status


def _table(rows: list[dict], markdown: bool) -> str:
    head = ["figure", "value", "baseline (same run)", "ratio", "target"]
    body = [[r["name"], f"{r['value']:.4g} {r['unit']}",
             f"{r.get('baseline_name') or ''} {r['baseline']:.4g} {r['unit']}".strip() if r.get("baseline") is not None else "-",
             f"{r['ratio']:.3g}" if r.get("ratio") is not None else "-", r.get("target") or ""] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in body])
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*["-" * w for w in widths])] + [fmt.format(*row) for row in body])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--timeout", type=float, default=240)
    args = ap.parse_args()
    rows, problems = [], []
    t0 = time.perf_counter()
    for script, quick, full in BENCHMARKS:
        t = time.perf_counter()
        found, status = _run(script, full if args.full else quick, args.timeout)
        print(f"{script}: {status} in {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
        rows += found
        if status != "ok":
            problems.append(f"{script}: {status}")
    print(_table(rows, args.markdown))
    print(f"\n{len(rows)} figures in {time.perf_counter() - t0:.0f} s" + (f"; problems: {problems}" if problems else ""))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
