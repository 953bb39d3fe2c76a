"""Label Studio for the expert loop: venv install, first start (migrations) and a warm start.

    python benchmarks/label_studio.py [--venv PATH] [--install]

``--install`` times ``pip install label-studio==1.23.2`` into a fresh temporary venv (pip's cache, when
warm, makes it much faster than CI's first download); otherwise ``--venv`` (default: the one the tests use)
must exist. The first start on an empty data dir runs the migrations; the baseline is a warm start on the
same data dir. Target: install + first start well inside CI's 90 minutes (a few minutes).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report

sys.path.insert(0, str(ROOT))


def main() -> None:
    from foodcrowd.review.service import LabelStudioServer, ensure_venv

    ap = argparse.ArgumentParser(description=__doc__)
    default = os.environ.get("FOODCROWD_LS_VENV") or str(Path.home() / ".cache" / "foodcrowd" / "label-studio-venv")
    ap.add_argument("--venv", default=default)
    ap.add_argument("--install", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv" if args.install else Path(args.venv)
        t0 = time.perf_counter()
        ensure_venv(venv)
        if args.install:
            report("label_studio_install", time.perf_counter() - t0, "s", target="a few minutes, once per machine")
        data, files = Path(tmp) / "data", Path(tmp) / "files"
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            server = LabelStudioServer(venv, data, files).start(timeout=900)
            times.append(time.perf_counter() - t0)
            server.stop()
        report("label_studio_first_start", times[0], "s", baseline=times[1], baseline_name="warm start",
               target="migrations once; < 3 min")


if __name__ == "__main__":
    main()
