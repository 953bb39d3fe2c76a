"""A platform that cannot be reached ends the run on one screen naming the key, and the record says so."""
from __future__ import annotations

import json

from tests.conftest import run_cli


def test_unreachable_platform_is_a_clear_error_and_a_failed_record(tmp_path):
    proc = run_cli("+experiment=food", "crowd.url=http://127.0.0.1:9", "crowd.retries=0", "dataset.size=60",
                   "tracking=none", "model=none", f"hydra.run.dir={tmp_path}")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "crowd.url: cannot reach the platform" in proc.stderr and "Traceback" not in out
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["error"]["stage"] == "crowd"
