"""Sizes a real team labels: a 100,000-item project end to end, and the registry and DataViews at 1,000,000.

    python benchmarks/scale.py --registry              # 1,000,000 items: register + DataView (about 1 min)
    python benchmarks/scale.py --project               # 10,000 then 100,000 items end to end (~9 min, 2 cores)
    python benchmarks/scale.py --project --sizes 2000 20000   # smaller, same ratios

*registry*: an items table (1M rows: id, relpath, url, ground truth) and a labels table (1M rows: two
questions with confidences) registered as one dataset version, against writing the same two tables with
``DataFrame.to_parquet`` (the baseline); then a DataView (``confidence_food_type >= 0.9 and food_type ==
'liquid'``, balanced weights) resolved by DuckDB over the Parquet files, against pandas reading both
tables whole, merging and filtering (the baseline). Time and peak memory (RSS above the start of the step).

*project*: the food experiment in this process (emulator on loopback through toloka-kit, MV aggregation,
registration, 2 epochs of training at 32 px; the simulated crowd revealed at once and as many simulated
workers as items), once at the small size and once at the large one; per stage,
seconds and peak RSS. The ratio is large / small: 10 for 10x the items means the stage scales linearly.
Peak memory is per stage: the kernel's high-water mark (VmHWM) is reset before each stage; the growth above
the stage's starting RSS is the figure (the ratio), the process's own peak RSS is printed beside it. Every
stage prints when it starts and ends, and a heartbeat line every 30 s while it runs (RSS, load average).
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, report

sys.path.insert(0, str(ROOT))


def _rss_kb(key: str) -> int:
    return int(re.search(rf"{key}:\s+(\d+)", Path("/proc/self/status").read_text()).group(1))


class Peak:
    """Wall seconds and peak RSS of a block: ``mb`` above the RSS at entry, ``process_mb`` the process's own."""

    def __enter__(self):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
        self.base, self.t0 = _rss_kb("VmRSS"), time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        hwm = _rss_kb("VmHWM")
        self.mb, self.process_mb = max(0, hwm - self.base) / 1024, hwm / 1024


class Heartbeat:
    """A line every ``every`` seconds while a stage runs (stage, seconds so far, RSS, load average): the
    stages' own progress bars are hidden when the output is not a terminal (a log file)."""

    def __init__(self, label: str, every: float = 30.0):
        import threading

        self.label, self.every, self.stop = label, every, threading.Event()
        self.thread = threading.Thread(target=self._beat, name="scale-heartbeat", daemon=True)

    def _beat(self):
        import os

        t0 = time.perf_counter()
        while not self.stop.wait(self.every):
            print(f"\n{self.label}: running {time.perf_counter() - t0:.0f} s, RSS {_rss_kb('VmRSS') / 1024:.0f} MB, "
                  f"load average {os.getloadavg()[0]:.1f}", flush=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def registry(n: int, work: Path) -> None:
    import numpy as np
    import pandas as pd

    from foodcrowd.datasets import Registry
    from foodcrowd.datasets.dataview import resolve

    import duckdb  # noqa: F401  (imported before the timed steps: its import is not the query's cost)

    rng = np.random.default_rng(0)
    ids = [f"item{i:07d}" for i in range(n)]
    rel = [f"images/{i // 1000:04d}/{i:07d}.jpg" for i in range(n)]
    kinds = np.array(["solid", "liquid", "semi_liquid"])
    items = pd.DataFrame({"item_id": ids, "relpath": rel, "url": [f"https://cdn.example.org/{r}" for r in rel],
                          "truth_food_type": kinds[rng.integers(0, 3, n)]})
    labels = pd.DataFrame({"item_id": ids, "relpath": rel, "food_type": kinds[rng.integers(0, 3, n)],
                           "confidence_food_type": rng.random(n).round(3), "n_answers_food_type": rng.integers(3, 6, n),
                           "appetizing": np.where(rng.random(n) < 0.6, "yes", "no"),
                           "confidence_appetizing": rng.random(n).round(3)})
    with Peak() as base:
        (work / "plain").mkdir()
        items.to_parquet(work / "plain" / "items.parquet", index=False)
        labels.to_parquet(work / "plain" / "labels.parquet", index=False)
    reg = Registry(work / "registry")
    with Peak() as reg_peak:
        version = reg.register("bench", "annotated", {}, tables={"items": items, "labels": labels}, progress=False)
    del items, labels
    view = {"versions": [version.id], "where": "confidence_food_type >= 0.9 and food_type == 'liquid'",
            "weights": {"food_type": "balanced"}}
    with Peak() as pandas_peak:
        frame = pd.read_parquet(work / "plain" / "labels.parquet").merge(
            pd.read_parquet(work / "plain" / "items.parquet")[["item_id", "url", "truth_food_type"]], on="item_id")
        plain_rows = frame[(frame["confidence_food_type"] >= 0.9) & (frame["food_type"] == "liquid")].copy()
        del frame
    with Peak() as view_peak:
        rows = resolve(view, reg)
    assert len(rows) == len(plain_rows), (len(rows), len(plain_rows))
    print(f"registry: {n:,} items; the view selects {len(rows):,} rows")
    report(f"register {n:,}-item tables (items + labels)", reg_peak.seconds, "s", baseline=base.seconds,
           baseline_name="DataFrame.to_parquet", target="ratio <= 1.5")
    report(f"register {n:,}-item tables, peak memory", reg_peak.mb, "MB", baseline=max(base.mb, 1),
           baseline_name="DataFrame.to_parquet")
    report(f"DataView over {n:,} items (DuckDB over Parquet)", view_peak.seconds, "s", baseline=pandas_peak.seconds,
           baseline_name="pandas read + merge + filter", target="ratio <= 1")
    report(f"DataView over {n:,} items, peak memory", view_peak.mb, "MB", baseline=max(pandas_peak.mb, 1),
           baseline_name="pandas read + merge + filter", target="ratio <= 0.5")


def _project(n: int, work: Path) -> dict[str, tuple[float, float, float]]:
    """Run the food experiment at ``n`` items in this process; {stage: (seconds, peak MB, process peak MB)}."""
    import os

    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from foodcrowd import CONF_DIR
    from foodcrowd.engine import STAGES, Stage, run_stages
    from foodcrowd.validate import validate

    os.environ["FOODCROWD_HOME"] = str(work / "home")
    measured: dict[str, tuple[float, float]] = {}

    class Measured(Stage):
        def load(self):
            fn = super().load()

            def wrapped(ctx):
                label = f"[{n:,} items] {self.name}"
                print(f"\n{label} ...", flush=True)
                with Heartbeat(label), Peak() as p:
                    out = fn(ctx)
                measured[self.name] = (p.seconds, p.mb, p.process_mb)
                print(f"\n{label}: {p.seconds:.1f} s, peak +{p.mb:.0f} MB (process {p.process_mb:,.0f} MB), "
                      f"load average {os.getloadavg()[0]:.1f}", flush=True)
                return out
            return wrapped

    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF_DIR)):
        cfg = compose(config_name="config", overrides=[
            "+experiment=food", f"dataset.size={n}", "tracking=none", "trainer.epochs=2", "trainer.image_size=32",
            "crowd.time_scale=1000000000", "crowd.max_wait_seconds=3600",
            f"crowd.population.size={n}"])  # 1,000 simulated workers cannot do 100,000 items: one per item
    plain = validate(cfg)
    stages = tuple(Measured(**{f: getattr(s, f) for f in s.__dataclass_fields__}) for s in STAGES)
    t0 = time.perf_counter()
    summary = run_stages(cfg, plain, work / f"run{n}", stages)
    measured["end to end"] = (time.perf_counter() - t0, max(m[1] for m in measured.values()),
                              max(m[2] for m in measured.values()))
    page = work / f"run{n}" / "report" / "index.html"
    if page.exists():
        print(f"{n:,} items: the run report is {page.stat().st_size / 1e6:,.1f} MB")
    print(f"{n:,} items: status {summary.data['status']}, {summary.data['answers']:,} answers, "
          f"label accuracy {summary.data['labels']['accuracy']}, model {(summary.data.get('model') or {}).get('accuracy')}")
    return measured


def project(sizes: list[int], work: Path) -> None:
    import os

    small, large = sizes
    a, b = _project(small, work / "small"), _project(large, work / "large")
    print(f"\n{'stage':<12} {small:>9,} s {large:>9,} s  ratio   {small:>9,} MB {large:>9,} MB  process MB at {large:,}")
    for name in b:
        print(f"{name:<12} {a[name][0]:>11.1f} {b[name][0]:>11.1f} {b[name][0] / max(a[name][0], 1e-9):>6.1f} "
              f"{a[name][1]:>12.0f} {b[name][1]:>12.0f} {b[name][2]:>12,.0f}")
    print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}; "
          f"{os.cpu_count()} CPUs")
    for name in b:
        report(f"{name}, {large:,} items", b[name][0], "s", baseline=a[name][0], baseline_name=f"{small:,} items",
               target=f"ratio <= {large / small:g} (linear)")
        report(f"{name}, {large:,} items, peak memory", b[name][1], "MB", baseline=max(a[name][1], 1),
               baseline_name=f"{small:,} items")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--registry", action="store_true", help="registry + DataView at --items items")
    ap.add_argument("--items", type=int, default=1_000_000)
    ap.add_argument("--project", action="store_true", help="the food project end to end at two sizes")
    ap.add_argument("--sizes", type=int, nargs=2, default=[10_000, 100_000])
    args = ap.parse_args()
    if not (args.registry or args.project):
        args.registry = True
    with tempfile.TemporaryDirectory(prefix="foodcrowd-scale-") as tmp:
        if args.registry:
            (Path(tmp) / "r").mkdir()
            registry(args.items, Path(tmp) / "r")
        if args.project:
            project(args.sizes, Path(tmp) / "p")


if __name__ == "__main__":
    main()
