"""``python -m foodcrowd.datasets``: list, show, get, lineage, diff, push, and one-screen errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from foodcrowd.datasets import Registry
from foodcrowd.datasets.cli import main
from tests.datasets.conftest import make_images


@pytest.fixture
def reg(tmp_path):
    reg = Registry(tmp_path / "reg")
    images = make_images(tmp_path / "img", 6)
    raw = reg.register("food", "raw", images, metadata={"source": "synthetic"})
    more = {**images, "images/extra.png": make_images(tmp_path / "img2", 7)["images/food_0006.png"]}
    reg.register("food", "annotated", more, parents=[raw.id],
                 metadata={"annotation": {"overlap": 3, "instructions": "Look at the food.\nThen answer."}})
    return reg


def _cli(reg, capsys, *args):
    code = main(["--root", str(reg.root), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_show_lineage_diff_and_get(reg, capsys):
    code, out, _ = _cli(reg, capsys, "list")
    assert code == 0 and out.index("food/raw/1") < out.index("food/annotated/1")
    code, out, _ = _cli(reg, capsys, "show", "annotated")
    shown = json.loads(out)
    assert shown["ref"] == "food/annotated/1" and shown["metadata"]["annotation"]["instructions"].startswith("Look at")
    code, out, _ = _cli(reg, capsys, "lineage", "food/annotated")
    assert out.splitlines()[0].find("food/annotated/1") > 0 and "<- " in out.splitlines()[1] and "food/raw/1" in out
    code, out, _ = _cli(reg, capsys, "diff", "raw", "annotated")
    assert "1 added, 0 removed, 0 changed, 6 unchanged" in out and "A images/extra.png" in out
    assert "metadata annotation.overlap: None -> 3" in out
    code, out, _ = _cli(reg, capsys, "--json", "diff", "raw", "annotated")
    assert json.loads(out)["added"] == ["images/extra.png"]
    code, out, _ = _cli(reg, capsys, "get", "food/annotated/1")
    folder = out.strip()
    assert code == 0 and os.path.isfile(os.path.join(folder, "images", "extra.png"))
    code, out, _ = _cli(reg, capsys, "gc")
    assert code == 0 and out.startswith("freed 0 files")


def test_errors_are_one_screen_with_exit_code_2(reg, capsys):
    code, out, err = _cli(reg, capsys, "show", "food/missing")
    assert code == 2 and "no dataset version 'food/missing'" in err and "food/annotated" in err
    assert "Traceback" not in err
    code, _, err = _cli(reg, capsys, "push", "raw")
    assert code == 2 and "no ClearML server is configured" in err


def test_module_entry_point_runs_in_a_subprocess(reg):
    proc = subprocess.run([sys.executable, "-m", "foodcrowd.datasets", "--root", str(reg.root), "--json", "list"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert [v["ref"] for v in json.loads(proc.stdout)] == ["food/raw/1", "food/annotated/1"]


def test_gc_also_cleans_the_training_caches_beside_the_registry(tmp_path, capsys):
    home = tmp_path / "home"
    reg = Registry(home / "datasets")
    reg.register("food", "raw", make_images(tmp_path / "img", 3))
    cache = home / "cache" / "train"
    cache.mkdir(parents=True)
    (cache / "images-64px-abc.pt").write_bytes(b"x" * 2_000_000)
    (cache / ".images-64px-def.pt.123.tmp").write_bytes(b"x" * 1000)
    (cache / "notes.txt").write_text("not ours")
    code, out, _ = _cli(reg, capsys, "gc", "--keep-caches")
    assert code == 0 and "training cache" not in out and (cache / "images-64px-abc.pt").exists()
    code, out, _ = _cli(reg, capsys, "gc")
    assert code == 0 and "freed 2 training cache files, 2.00 MB" in out
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
    assert reg.version("food/raw").n_files == 3  # the registry itself is untouched
