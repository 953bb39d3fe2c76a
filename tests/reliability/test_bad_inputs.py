"""Bad input ends with one screen naming the key or file and what to do, exit 2 (user error) or 3 (the
machine: a full disk), never a traceback; checks that cost nothing run before anything is created; a full
disk leaves no temporary file behind and a re-run after freeing space works."""
from __future__ import annotations

import contextlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.file_makers import huge_png, photo
from tests.reliability.conftest import SMALL

PLAN = ["+experiment=food", "dataset.size=60", "action=plan"]


def _one_screen(done, code: int, *needles: str) -> str:
    err = done.stderr
    assert done.returncode == code, (done.returncode, err[-3000:])
    assert "Traceback" not in err + done.stdout, err[-3000:]
    tail = err.strip().splitlines()[-6:]
    for needle in needles:
        assert needle in "\n".join(tail), (needle, tail)
    return "\n".join(tail)


# what a library's log record looks like on a terminal (ClearML's, Python's default, Hydra's), and words that
# would say the failure again outside the message
_LOG_RECORD = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d|^\[\d{4}-\d\d-\d\d|^(DEBUG|INFO|WARNING|ERROR|CRITICAL):"
                         r"| - (DEBUG|INFO|WARNING|ERROR|CRITICAL) - |\]\[(DEBUG|INFO|WARNING|ERROR|CRITICAL)\]")
_FAILURE_WORDS = ("Errno", "No space left", "disk is full", "Traceback", "Exception", "ERROR", "WARNING")


def _only_progress_then_the_message(done) -> list[str]:
    """A failed run prints the progress it printed before the failure (the plan's tables, progress bars,
    ClearML's "task created" notice), then its one-screen message on stderr, and nothing else: no library
    log line, no second mention of the failure, nothing after the message. Returns the message's lines."""
    err = [ln.strip() for ln in re.split(r"[\r\n]", done.stderr) if ln.strip()]
    out = [ln.strip() for ln in re.split(r"[\r\n]", done.stdout) if ln.strip()]
    starts = [i for i, ln in enumerate(err) if ln.startswith("foodcrowd: ")]
    assert len(starts) == 1, err[-10:]
    message, before = err[starts[0]:], err[:starts[0]] + out
    assert len(message) <= 6 and message[-1].startswith("what to do:"), message
    noise = [ln for ln in before if _LOG_RECORD.search(ln) or any(w in ln for w in _FAILURE_WORDS)]
    assert noise == [], noise
    return message


def _nothing_created(run_dir: Path, home: Path) -> None:
    assert not (run_dir / "clearml").exists()  # no ClearML task
    assert not list((home / "datasets").glob("**/*.json")) if (home / "datasets").exists() else True
    assert not (run_dir / "toloka" / "state.json").exists()  # no platform object


def test_yaml_syntax_error_in_an_experiment_names_file_and_line(tmp_path):
    conf = tmp_path / "conf" / "experiment"
    conf.mkdir(parents=True)
    (conf / "broken.yaml").write_text("# @package _global_\nexperiment_name: [unclosed\ncrowd:\n  overlap: 3\n")
    done = run_cli("+experiment=broken", f"hydra.searchpath=[file://{tmp_path / 'conf'}]", "action=plan",
                   f"hydra.run.dir={tmp_path / 'run'}")
    _one_screen(done, 2, str(conf / "broken.yaml"), "line 3", "YAML syntax error", "what to do")


@pytest.mark.parametrize("key", ["hydra.run.dir", "FOODCROWD_HOME"])
def test_a_regular_file_where_a_folder_must_be(tmp_path, key):
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    run_dir, home = tmp_path / "run", tmp_path / "home"
    if key == "hydra.run.dir":
        done = run_cli(*PLAN, f"hydra.run.dir={afile / 'sub'}", env={"FOODCROWD_HOME": str(home)})
        _one_screen(done, 2, "hydra.run.dir", str(afile), "what to do")
    else:
        done = run_cli("+experiment=food", "dataset.size=60", f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(afile)})
        _one_screen(done, 2, "FOODCROWD_HOME", str(afile), "what to do")
        _nothing_created(run_dir, home)
    assert afile.read_text() == "not a folder"


def test_missing_instructions_are_found_before_anything_is_created(tmp_path):
    run_dir, home = tmp_path / "run", tmp_path / "home"
    done = run_cli("+experiment=food", "dataset.size=60", "interface.instructions=instructions/nope.md",
                   f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(home)})
    _one_screen(done, 2, "interface.instructions", "nope.md")
    _nothing_created(run_dir, home)
    assert not (home / "datasets").exists()


def test_an_exam_shortfall_is_found_before_the_clearml_task_and_the_raw_dataset(tmp_path):
    run_dir, home = tmp_path / "run", tmp_path / "home"
    done = run_cli("+experiment=food", "dataset.size=40", "exam.composition={solid: 30, liquid: 30}",
                   "exam.size=61", f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(home)})
    _one_screen(done, 2, "exam")
    _nothing_created(run_dir, home)
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "failed"


def test_an_image_over_the_bomb_limit_is_named_and_skipped(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(12):
        photo(photos / f"p{i:02d}.jpg", color=(i * 20, 100, 50))
    huge_png(photos / "huge.png")  # 108 megapixels in 13 kB
    run_dir = tmp_path / "run"
    done = run_cli("+experiment=food", "dataset=image_folder", f"dataset.path={photos}", "dataset.max_bad_share=0.1",
                   "action=plan", f"hydra.run.dir={run_dir}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "DecompressionBomb" not in done.stderr
    issues = json.loads((run_dir / "data" / "issues.json").read_text())
    [bad] = [f for f in issues["items"] if f["reason"] == "too_large"]
    assert bad["path"] == str(photos / "huge.png") and "108 megapixels" in bad["detail"]


# -- full disks: a real small file system (tmpfs), as root ----------------------------------------

@contextlib.contextmanager
def _small_disk(path: Path, size: str):
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up (needs root): {done.stderr.strip()[:200]}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _grow(path: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(path)], check=True)


def _tmp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".tmp" in p.name]


@pytest.mark.slow
def test_a_full_home_names_foodcrowd_home_leaves_no_tmp_and_a_rerun_works(tmp_path):
    run_dir = tmp_path / "run"
    with _small_disk(tmp_path / "home", "1m") as home:
        done = run_cli(*SMALL, f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(home)}, timeout=900)
        screen = _one_screen(done, 3, "FOODCROWD_HOME", "disk is full", "what to do")
        _only_progress_then_the_message(done)
        assert "cannot be registered" not in screen and "unreadable" not in done.stderr  # not the images' fault
        assert _tmp_files(home) == []
        assert json.loads((run_dir / "summary.json").read_text())["status"] == "failed"
        _grow(home, "64m")
        again = run_cli(*SMALL, f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(home)}, timeout=900)
        assert again.returncode == 0, again.stderr[-3000:]
        assert json.loads((run_dir / "summary.json").read_text())["status"] == "ok"
        assert _tmp_files(home) == []


@pytest.mark.slow
def test_a_full_run_dir_ends_on_one_screen_and_summary_says_failed(tmp_path):
    """With ClearML tracking on (offline): closing its task on the full disk says nothing on the terminal."""
    home = tmp_path / "home"
    tracked = [a for a in SMALL if a != "tracking=none"]
    with _small_disk(tmp_path / "disk", "400k") as disk:
        run_dir = disk / "run"
        done = run_cli(*tracked, f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(home)}, timeout=900)
        _one_screen(done, 3, "hydra.run.dir", "disk is full", "what to do")
        assert "ClearML Task: created" in done.stdout  # the task was open when the disk filled up
        _only_progress_then_the_message(done)
        summary = json.loads((run_dir / "summary.json").read_text())
        assert summary["status"] == "failed" and summary["error"]["stage"]
        assert _tmp_files(run_dir) == []
        _grow(disk, "64m")
        again = run_cli(*tracked, f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(home)}, timeout=900)
        assert again.returncode == 0, again.stderr[-3000:]
        assert json.loads((run_dir / "summary.json").read_text())["status"] == "ok"
