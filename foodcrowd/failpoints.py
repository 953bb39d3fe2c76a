"""Failpoints: named places where a test can kill the process for real (SIGKILL), to prove resume works.

Off unless ``FOODCROWD_FAILPOINTS`` is set, e.g. ``FOODCROWD_FAILPOINTS=crowd.upload.batch:2`` kills the
process the 2nd time that point is reached (``name`` alone = the 1st time). Several: comma-separated.
The cost when unset is one dictionary lookup.
"""
from __future__ import annotations

import os
import signal

__all__ = ["failpoint", "POINTS"]

#: every failpoint in the code base, for tests and docs
POINTS = ("crowd.upload.batch", "crowd.pool.running", "crowd.download", "register.staged", "train.epoch")
_hits: dict[str, int] = {}


def _armed() -> dict[str, int]:
    spec = os.environ.get("FOODCROWD_FAILPOINTS", "")
    armed = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        name, _, nth = part.partition(":")
        armed[name] = int(nth or 1)
    return armed


def failpoint(name: str) -> None:
    """Kill this process with SIGKILL if ``name`` is armed and reached for the armed time."""
    if "FOODCROWD_FAILPOINTS" not in os.environ:
        return
    nth = _armed().get(name)
    if nth is None:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] == nth:
        os.kill(os.getpid(), signal.SIGKILL)
