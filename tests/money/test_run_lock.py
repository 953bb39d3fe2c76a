"""One process per run dir: a second one refuses with the holder's PID; a dead holder's lock is taken over."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT, run_cli

SMALL = ["+experiment=food", "dataset.size=150", "model=none", "tracking=none", "crowd.poll_interval_seconds=0.05"]


def _wait_for_holder(lock, proc, timeout=120.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = lock.read_text().strip() if lock.exists() else ""
        if text.isdigit():
            return int(text)
        assert proc.poll() is None, "the first process ended before it took the lock"
        time.sleep(0.05)
    raise AssertionError("no process took the lock")


def test_a_second_process_on_the_same_run_dir_refuses_with_the_holders_pid(tmp_path):
    run_dir = tmp_path / "run"
    env = {**os.environ, "FOODCROWD_HOME": str(tmp_path / "home")}
    first = subprocess.Popen([sys.executable, "-m", "foodcrowd", *SMALL, f"hydra.run.dir={run_dir}"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        holder = _wait_for_holder(run_dir / ".lock", first)
        assert holder == first.pid
        second = run_cli(*SMALL, f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
        assert second.returncode == 2, second.stderr[-2000:]
        assert f"is in use by another foodcrowd process (PID {first.pid})" in second.stderr
        assert "hydra.run.dir" in second.stderr and "Traceback" not in second.stderr
        out, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err[-2000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "ok" and summary["run_dir"] == str(run_dir)


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path):
    run_dir = tmp_path / "run"
    code = ("import sys, time; from pathlib import Path; from foodcrowd.run_lock import run_dir_lock\n"
            "with run_dir_lock(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(600)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(run_dir)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    busy = run_cli(*SMALL, "action=plan", f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert busy.returncode == 2 and f"(PID {holder.pid})" in busy.stderr
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert (run_dir / ".lock").read_text().strip() == str(holder.pid)   # the dead holder's PID is still there
    proc = run_cli(*SMALL, "action=plan", f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"taking over the lock left by PID {holder.pid}" in proc.stdout + proc.stderr
