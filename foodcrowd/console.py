"""What reaches the terminal during a run, and what only the run's log file (``<run_dir>/foodcrowd.log``) sees.

- Library log records join ours: :func:`adopt_library_logging` strips a library's own terminal handlers
  (ClearML installs one that prints timestamped lines to stdout and bypasses the log file) so its records
  go where ``conf/hydra/job_logging`` sends them: ClearML's to the log file only (its notices, "task
  created", still print), other libraries' to the log file and the console from WARNING up.
- :class:`EnvironmentNoise` (a filter on the console handler): a library's complaint about the machine
  (disk full, quota, read-only file system) stays in the log file; the run names the cause once.
  :func:`guard_terminal` does the same for timestamped lines a library writes straight to stdout/stderr
  (ClearML's background log writer retries a full disk every 2 s, printing each retry).
- Once a run has failed, only its one-screen message reaches the terminal: :func:`silence_console` routes
  every log record and any library ``print`` from then on (closing the ClearML task, exit hooks) to the
  log file, and returns the terminal's stderr for the message; :func:`quiet_console` does the same for a
  block and then restores the terminal.

What a failing run may print is therefore: the progress printed before the failure (the plan's tables,
progress bars, ClearML's "task created" notice), then the message. Nothing after it, no library log lines.
"""
from __future__ import annotations

import errno
import logging
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterator, TextIO

__all__ = ["adopt_library_logging", "EnvironmentNoise", "guard_terminal", "silence_console", "quiet_console"]

#: what an OSError about the machine says (strerror texts of the errnos the one-screen message covers)
_MACHINE = tuple(os.strerror(e) for e in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)) + ("[Errno 28]",)
_TIMESTAMPED = re.compile(r"^\s*\[?\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def _about_the_machine(text: str) -> bool:
    return any(m in text for m in _MACHINE)


def adopt_library_logging(name: str) -> None:
    """Records of the logger ``name`` (and its children) go where the job's logging config sends them (for
    ClearML: the run's log file only), never through the library's own terminal handlers."""
    for logger_name in [name] + [n for n in logging.Logger.manager.loggerDict if n.startswith(name + ".")]:
        logger = logging.getLogger(logger_name)
        for handler in list(logger.handlers):
            if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                logger.removeHandler(handler)
        logger.propagate = not logger.handlers  # a file handler of the job's config: there only


class EnvironmentNoise(logging.Filter):
    """Drops (from the handler it is attached to) a library's record about a full or read-only disk."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "foodcrowd" or record.name.startswith("foodcrowd."):
            return True
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += " " + str(record.exc_info[1])
        return not _about_the_machine(text)


class _Drop(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


_DROP = _Drop()


class _ToLog:
    """A text stream that writes each line to the ``foodcrowd.console`` logger (the log file)."""

    encoding = "utf-8"

    def __init__(self) -> None:
        self._log, self._buf = logging.getLogger("foodcrowd.console"), ""

    def write(self, text: str) -> int:
        self._buf += str(text)
        *lines, self._buf = self._buf.replace("\r", "\n").split("\n")
        for line in lines:
            if line.strip():
                self._log.info("%s", line)
        return len(text)

    def flush(self) -> None: ...

    def isatty(self) -> bool:
        return False


class _Guard:
    """A terminal stream that sends a library's timestamped line about the machine to the log file."""

    def __init__(self, stream) -> None:
        self._stream, self._log = stream, logging.getLogger("foodcrowd.console")

    def write(self, text: str) -> int:
        if _TIMESTAMPED.match(text) and _about_the_machine(text):
            self._log.info("%s", text.rstrip())
            return len(text)
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextmanager
def guard_terminal() -> Iterator[None]:
    """Wrap stdout and stderr in :class:`_Guard` for a block (a job); put them back unless replaced since."""
    out, err = _Guard(sys.stdout), _Guard(sys.stderr)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        yield
    finally:
        if sys.stdout is out:
            sys.stdout = saved[0]
        if sys.stderr is err:
            sys.stderr = saved[1]


def _terminal_handlers() -> list[logging.Handler]:
    loggers = [logging.getLogger()] + [v for v in logging.Logger.manager.loggerDict.values()
                                       if isinstance(v, logging.Logger)]
    return [h for lg in loggers for h in lg.handlers
            if isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)]


def silence_console() -> TextIO:
    """From now on nothing reaches the terminal but what is written to the returned stream (its stderr)."""
    terminal = sys.__stderr__ if isinstance(sys.stderr, _ToLog) else sys.stderr
    while isinstance(terminal, _Guard):
        terminal = terminal._stream
    for handler in _terminal_handlers():
        handler.addFilter(_DROP)
    sys.stdout, sys.stderr = _ToLog(), _ToLog()
    return terminal


@contextmanager
def quiet_console() -> Iterator[None]:
    """:func:`silence_console` for a block; the terminal is back afterwards."""
    out, err = sys.stdout, sys.stderr
    handlers = _terminal_handlers()
    silence_console()
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
        for handler in handlers:
            handler.removeFilter(_DROP)
