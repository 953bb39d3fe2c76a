"""With the emulator answering 429 (Retry-After), 500, 503 and dropping connections, a run gets exactly
what a fault-free run of the same seed gets, and nothing is created or paid twice."""
from __future__ import annotations

import pytest

from tests.reliability.conftest import answers, comparable, count, dataset_content, emulator_snapshot, food_run

pytestmark = pytest.mark.slow
# 20% of requests fail in one of four ways; small upload batches make for more requests to hit
MORE_REQUESTS = ["crowd.upload_batch_size=10"]
FAULTS = ["crowd.faults.rate_429=0.06", "crowd.faults.rate_500=0.05", "crowd.faults.rate_503=0.05",
          "crowd.faults.rate_drop=0.04", "crowd.faults.retry_after_seconds=0"]


def test_faults_change_nothing(tmp_path):
    clean, faulty = tmp_path / "clean", tmp_path / "faulty"
    assert food_run(clean, tmp_path / "h1", *MORE_REQUESTS).returncode == 0
    proc = food_run(faulty, tmp_path / "h2", *MORE_REQUESTS, *FAULTS)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json

    injected = json.loads((faulty / "toloka" / "emulator_faults.json").read_text())
    assert sum(injected.values()) >= 5 and len(injected) >= 3, injected  # faults really were injected
    snap = emulator_snapshot(faulty)
    assert comparable(faulty) == comparable(clean)
    assert answers(faulty).equals(answers(clean))
    assert dataset_content(faulty, tmp_path / "h2") == dataset_content(clean, tmp_path / "h1")
    ref = emulator_snapshot(clean)
    for what in ("projects", "trainings", "pools", "tasks"):
        assert count(snap, what) == count(ref, what), what
    assert snap["spend"] == pytest.approx(ref["spend"])
