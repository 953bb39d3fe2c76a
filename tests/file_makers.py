"""Odd files for the bad-input tests: huge-but-tiny PNGs, broken YAML, special files."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

__all__ = ["huge_png", "photo"]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(path: Path, width: int = 12_000, height: int = 9_000) -> Path:
    """A valid 1-bit PNG of ``width x height`` pixels (108 MP by default) in a few kB: compressed zeros."""
    row = b"\x00" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b""))
    return path


def photo(path: Path, size=(48, 40), color=(200, 120, 40)) -> Path:
    from PIL import Image

    Image.new("RGB", size, color).save(path)
    return path
