"""Atomic file writes that leave nothing behind on a full disk, and name the file when they fail.

``write_bytes_atomic`` writes a temporary file beside the target and renames it over; on any error the
temporary file is removed and an :class:`OSError` carrying the target's path (and the original errno,
e.g. ENOSPC) is raised, so the entry point can name the file and the config key that placed it.
``save_torch`` serialises in memory first: torch reports a full disk as ``RuntimeError: unexpected pos``,
plain file writes report ``ENOSPC``.
"""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

__all__ = ["write_bytes_atomic", "write_text_atomic", "save_torch"]


def write_bytes_atomic(path: Path | str, data: bytes | memoryview) -> None:
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError) and not err.filename:
            raise OSError(err.errno, err.strerror, str(path)) from None
        raise


def write_text_atomic(path: Path | str, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def save_torch(obj: Any, path: Path | str) -> None:
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    write_bytes_atomic(path, buf.getbuffer())
