"""Regenerate the README's sample output from a real run, so the README cannot drift from the program.

    python docs/sample_output.py            # runs `foodcrowd +experiment=food` in a temporary dir (~30 s)
    python docs/sample_output.py --check    # exit 1 if the README block differs from docs/sample_summary.json
    python docs/sample_output.py --render   # rewrite the README block from docs/sample_summary.json (no run)

Writes ``docs/sample_summary.json`` (the run's summary.json) and replaces the block between the README's
``<!-- sample-output:start -->`` and ``<!-- sample-output:end -->`` markers with the closing summary
exactly as :func:`foodcrowd.record.report.render_closing` prints it (run dir shown as ``<run_dir>``).
``tests/test_docs.py`` checks the block against the saved summary (fast) and, marked slow, that a fresh
food run reproduces the saved figures.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SAVED = ROOT / "docs" / "sample_summary.json"
START, END = "<!-- sample-output:start -->", "<!-- sample-output:end -->"
RUN_DIR = "<run_dir>"


def render(summary: dict) -> str:
    from foodcrowd.record.report import render_closing

    text = render_closing({**summary, "status": "ok"}, Path(RUN_DIR), width=100)
    text = text.replace(str(summary.get("run_dir", RUN_DIR)), RUN_DIR)
    lines = [ln.rstrip() for ln in text.splitlines()]
    return "\n".join(["```", *lines, "```"])


def block(readme: str) -> str:
    a, b = readme.index(START) + len(START), readme.index(END)
    return readme[a:b].strip("\n")


def _write_block(summary: dict) -> None:
    readme = README.read_text()
    a, b = readme.index(START) + len(START), readme.index(END)
    README.write_text(readme[:a] + "\n" + render(summary) + "\n" + readme[b:])


def main(argv: list[str]) -> int:
    if "--check" in argv:
        ok = block(README.read_text()) == render(json.loads(SAVED.read_text()))
        print("README sample output matches docs/sample_summary.json" if ok else
              "README sample output differs: run python docs/sample_output.py")
        return 0 if ok else 1
    if "--render" in argv:
        _write_block(json.loads(SAVED.read_text()))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FOODCROWD_HOME": str(Path(tmp) / "home")}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "foodcrowd", "+experiment=food", f"hydra.run.dir={tmp}/run"],
                       cwd=tmp, env=env, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
        summary = json.loads((Path(tmp) / "run" / "summary.json").read_text())
    summary["run_dir"] = RUN_DIR
    SAVED.write_text(json.dumps(summary, indent=1, default=str) + "\n")
    _write_block(summary)
    print(f"README sample output regenerated from a food run of {seconds:.1f} s (docs/sample_summary.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
