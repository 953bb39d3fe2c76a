"""Helpers of the reliability tests: small food runs through the real CLI, and what makes two runs equal."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.conftest import compose_cfg, run_cli

# a small but complete food run: every stage, the emulator over HTTP, a short training
SMALL = ["+experiment=food", "dataset.size=150", "trainer.epochs=2", "tracking=none", "crowd.upload_batch_size=40",
         "crowd.poll_interval_seconds=0.05"]
VOLATILE = {"run_dir", "started_at", "finished_at", "stages", "report", "status"}


def food_run(run_dir: Path, home: Path, *extra: str, failpoints: str | None = None, env: dict | None = None):
    full_env = {"FOODCROWD_HOME": str(home), **(env or {})}
    if failpoints:
        full_env["FOODCROWD_FAILPOINTS"] = failpoints
    return run_cli(*SMALL, *extra, f"hydra.run.dir={run_dir}", env=full_env, timeout=900)


def comparable(run_dir: Path) -> dict:
    """summary.json without what differs between two equal runs (paths, clocks, stage timings)."""
    data = json.loads((run_dir / "summary.json").read_text())
    out = {k: v for k, v in data.items() if k not in VOLATILE}
    # the raw version's id is a hash of its content; the annotated one also records its run dir (provenance),
    # so its content is compared with dataset_content()
    out["datasets"] = {"raw": (data.get("datasets") or {}).get("raw")}
    out["model"] = {k: v for k, v in (data.get("model") or {}).items()
                    if k not in ("checkpoint", "seconds", "datasets_used", "dataset_version", "image_cache_hit")}
    return out


def dataset_content(run_dir: Path, home: Path) -> dict:
    """The annotated version's content: files, tables and metadata, less its provenance (run dir, URLs)."""
    from foodcrowd.datasets import Registry

    data = json.loads((run_dir / "summary.json").read_text())
    version = Registry(home / "datasets").version(data["datasets"]["annotated"])
    meta = {k: v for k, v in version.metadata.items() if k != "run"}
    parents = [Registry(home / "datasets").version(p).name for p in version.parents]
    tables = {k: v["sha256"] for k, v in version.tables.items() if k != "items"}  # items hold file:// URLs
    return {"name": version.name, "parents": parents, "files": version.files(), "tables": tables, "metadata": meta}


def answers(run_dir: Path) -> pd.DataFrame:
    df = pd.read_parquet(run_dir / "toloka" / "answers.parquet")
    return df.sort_values(list(df.columns)).reset_index(drop=True)


def emulator_snapshot(run_dir: Path) -> dict:
    """What the emulator holds for this run (projects, pools, tasks, spend), read from its state dir."""
    from foodcrowd import emulator
    from foodcrowd.validate import validate

    plain = validate(compose_cfg(SMALL[1:]))
    items = pd.read_parquet(run_dir / "data" / "items.parquet")
    handle = emulator.start(crowd=plain["crowd"], questions=plain["questions"], world=items, state_dir=run_dir / "emulator")
    try:
        return handle.snapshot()
    finally:
        handle.stop()


def count(snapshot: dict, what: str) -> int:
    value = snapshot[what]
    return value if isinstance(value, int) else len(value)
