"""Helpers shared by the file-based sources: stable item ids, resolving configured paths, listing files."""
from __future__ import annotations

import re
from pathlib import Path

from foodcrowd.sources import SourceError

__all__ = ["item_ids", "resolve", "list_files", "cap"]


def item_ids(relpaths, prefix: str) -> list[str]:
    """Readable ids derived from relpaths (``<prefix>-<slug>``), unique and stable for the same files."""
    out, seen = [], {}
    for rel in relpaths:
        stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", str(rel))
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("_.-")[:80] or "item"
        base = f"{prefix}-{slug}"
        seen[base] = seen.get(base, 0) + 1
        out.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return out


def resolve(value: str, key: str, kind: str = "folder") -> Path:
    """A configured path, expanded; missing ones raise naming the key."""
    path = Path(str(value)).expanduser()
    if not path.exists():
        raise SourceError(key, f"{kind} {path} does not exist", f"point {key} at an existing {kind}")
    if kind == "folder" and not path.is_dir():
        raise SourceError(key, f"{path} is not a folder", f"point {key} at a folder")
    if kind == "file" and not path.is_file():
        raise SourceError(key, f"{path} is not a file", f"point {key} at a file")
    return path.resolve()


def list_files(root: Path, extensions=None) -> list[Path]:
    """Every non-hidden file under ``root`` (sorted), optionally only those with the given extensions."""
    exts = {e.lower() for e in extensions} if extensions else None
    files = []
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or not (p.is_file() or p.is_symlink()):
            continue
        if exts is None or p.suffix.lower() in exts:
            files.append(p)
    return files


def cap(df, size):
    """The first ``size`` rows (all when size is None)."""
    return df if size is None else df.head(int(size))
