"""What reaches the terminal (foodcrowd.console): a library's complaint about a full disk goes to the log
file, and once a run has failed only its message does. The end-to-end check is in
tests/reliability/test_bad_inputs.py (a real full disk, ClearML tracking on)."""
from __future__ import annotations

import io
import logging
import sys

from foodcrowd.console import EnvironmentNoise, guard_terminal, quiet_console, silence_console


def _record(name: str, msg: str, level=logging.ERROR) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, None, None)


def test_a_librarys_complaint_about_the_disk_stays_off_the_console():
    noise = EnvironmentNoise()
    assert not noise.filter(_record("clearml.storage", "upload failed: [Errno 28] No space left on device: 'x'"))
    assert not noise.filter(_record("httpx", "Read-only file system"))
    assert noise.filter(_record("clearml.storage", "upload failed: connection refused"))
    assert noise.filter(_record("foodcrowd.act.crowd", "No space left on device"))  # ours: the run decides


def test_timestamped_disk_noise_written_to_the_terminal_goes_to_the_log(monkeypatch, caplog):
    terminal = io.StringIO()
    monkeypatch.setattr(sys, "stderr", terminal)
    with caplog.at_level(logging.INFO, logger="foodcrowd.console"), guard_terminal():
        sys.stderr.write("2026-12-01 12:05:05,166 - clearml.log - INFO - Retrying: [Errno 28] No space left on device\n")
        sys.stderr.write("upload tasks:  10%|#         | 20/200\r")
        sys.stderr.write("2026-12-01 12:05:05,166 - clearml.log - WARNING - something else\n")
    assert terminal.getvalue() == "upload tasks:  10%|#         | 20/200\r2026-12-01 12:05:05,166 - clearml.log - WARNING - something else\n"
    assert "No space left on device" in caplog.text
    assert sys.stderr is terminal  # put back


def test_after_a_failure_only_the_message_reaches_the_terminal(monkeypatch, tmp_path):
    from foodcrowd import console

    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    library, ours = logging.getLogger("some.library"), logging.getLogger("foodcrowd.console")
    terminal_handler, log_file = logging.StreamHandler(err), logging.FileHandler(tmp_path / "foodcrowd.log")
    library.addHandler(terminal_handler)
    ours.addHandler(log_file)
    ours.setLevel(logging.INFO)
    try:
        with quiet_console():
            print("closing the task")
            library.error("flush failed")
        library.error("after the block: shown")
        with guard_terminal():
            terminal = silence_console()
            print("exit hook")
            library.error("exit hook log")
            print("foodcrowd: the message", file=terminal)
    finally:
        library.removeHandler(terminal_handler)
        ours.removeHandler(log_file)
        ours.setLevel(logging.NOTSET)
        log_file.close()
        for handler in console._terminal_handlers():  # this process goes on: the terminal back for other tests
            handler.removeFilter(console._DROP)
    assert out.getvalue() == ""
    assert err.getvalue() == "after the block: shown\nfoodcrowd: the message\n"
    assert (tmp_path / "foodcrowd.log").read_text() == "closing the task\nexit hook\n"
