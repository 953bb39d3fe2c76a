"""Registry speed: registering N small images vs ``shutil.copytree`` of the same files, and a cached get.

    python benchmarks/datasets.py              # 1,000 and 10,000 images
    python benchmarks/datasets.py --sizes 1000 # just one size

Images are distinct ~1-2 KB PNGs written to a temp dir (on the same filesystem as the registry and the
copy). Each figure is the best of ``--repeat`` runs into a fresh registry / fresh destination; the page
cache is warm for both. Targets: register / copytree <= 1.5; cached get of 10,000 files < 0.1 s.
"""
from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from _common import report


def _images(folder: Path, n: int) -> dict[str, Path]:
    from PIL import Image

    folder.mkdir(parents=True)
    files = {}
    for i in range(n):
        sub = folder / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        p = sub / f"food_{i:05d}.png"
        Image.new("RGB", (24, 24), (i % 256, (i // 256) % 256, (i * 7) % 256)).save(p)
        files[p.relative_to(folder).as_posix()] = p
    return files


def _best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench(n: int, work: Path, repeat: int) -> dict:
    from foodcrowd.datasets import Registry, get

    src = work / f"src{n}"
    files = _images(src, n)
    runs = iter(range(1000))

    def copy():
        shutil.copytree(src, work / f"copy{n}-{next(runs)}")

    def register():
        reg = Registry(work / f"reg{n}-{next(runs)}")
        reg.register("bench", "images", files, progress=False)

    t_copy = _best(copy, repeat)
    t_reg = _best(register, repeat)
    reg = Registry(work / f"reg{n}-final")
    v = reg.register("bench", "images", files, progress=False)
    t0 = time.perf_counter()
    get(v.id, root=reg.root)
    t_first = time.perf_counter() - t0
    t_cached = _best(lambda: get(v.id, root=reg.root), 5)
    t_cached_name = _best(lambda: get("bench/images", root=reg.root), 5)
    return {"n": n, "copytree_s": t_copy, "register_s": t_reg, "ratio": t_reg / t_copy,
            "first_get_s": t_first, "cached_get_s": t_cached, "cached_get_by_name_s": t_cached_name}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="1,000 images only")
    args = ap.parse_args()
    if args.quick:
        args.sizes = [1000]
    print(f"{'files':>7} {'copytree s':>11} {'register s':>11} {'ratio':>6} {'1st get s':>10} "
          f"{'cached get s':>13} {'by name s':>10}")
    with tempfile.TemporaryDirectory(prefix="fc-bench-") as tmp:
        for n in args.sizes:
            r = bench(n, Path(tmp), args.repeat)
            print(f"{r['n']:>7} {r['copytree_s']:>11.3f} {r['register_s']:>11.3f} {r['ratio']:>6.2f} "
                  f"{r['first_get_s']:>10.3f} {r['cached_get_s']:>13.5f} {r['cached_get_by_name_s']:>10.5f}")
            verdict = "ok" if r["ratio"] <= 1.5 and r["cached_get_s"] < 0.1 else "MISSED"
            print(f"        target register/copytree <= 1.5 and cached get < 0.1 s: {verdict}")
            report(f"register {n:,} images", r["register_s"], "s", r["copytree_s"], target="ratio <= 1.5",
                   baseline_name="shutil.copytree")
            report(f"cached get, {n:,} files", 1000 * r["cached_get_s"], "ms", 1000 * r["first_get_s"], target="< 100 ms",
                   baseline_name="first (uncached) get")


if __name__ == "__main__":
    main()
