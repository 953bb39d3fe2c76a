"""A version's file manifest: relative path -> (size, SHA-256), built by storing the files once.

:func:`build_manifest` checks every input (missing, unreadable, badly named, duplicate content) and
returns the problems with their paths next to the manifest; nothing is dropped without a record.
"""
from __future__ import annotations

import errno

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Mapping

from foodcrowd.datasets.store import ObjectStore

__all__ = ["Manifest", "build_manifest", "check_relpath", "MANIFEST_WORKERS"]

MANIFEST_WORKERS = min(4, 2 * (os.cpu_count() or 1))  # hashing and file I/O release the GIL


@dataclass
class Manifest:
    """``files[relpath] = (size, sha256)``, the problems met, and the bytes this build added to the store."""

    files: dict[str, tuple[int, str]] = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    added_bytes: int = 0
    added_files: int = 0

    @property
    def size(self) -> int:
        return sum(s for s, _ in self.files.values())

    def duplicates(self) -> list[list[str]]:
        """Groups of relpaths whose content is identical (stored once; each group sorted)."""
        by_hash: dict[str, list[str]] = {}
        for rel, (_, sha) in self.files.items():
            by_hash.setdefault(sha, []).append(rel)
        return sorted(sorted(g) for g in by_hash.values() if len(g) > 1)


def check_relpath(relpath: str) -> str | None:
    """Why ``relpath`` is not a safe relative POSIX path inside a version, or None when it is."""
    if not relpath or relpath != relpath.strip():
        return "empty or surrounded by spaces"
    p = PurePosixPath(relpath)
    if p.is_absolute() or "\\" in relpath:
        return "must be relative, with '/' separators"
    if any(part in ("..", ".", "") for part in relpath.split("/")):
        return "must not contain '.', '..' or empty parts"
    return None


def _problem(kind: str, rel: str, path: Path | str, detail: str = "") -> dict:
    return {"kind": kind, "relpath": rel, "path": str(path), "detail": detail}


_STORE_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG}


def build_manifest(files: Mapping[str, Path], store: ObjectStore, progress: bool = True) -> Manifest:
    """Store every file once and return the manifest with the problems met (by relpath and path)."""
    man = Manifest()
    todo: list[tuple[str, str]] = []
    for rel, path in files.items():
        why = check_relpath(str(rel))
        if why:
            man.problems.append(_problem("bad_relpath", str(rel), path, why))
        else:
            todo.append((str(rel), os.fspath(path)))

    def put_all(chunk: list[tuple[str, str]]) -> list[tuple[str, str, Any, dict | None]]:
        done = []
        for rel, path in chunk:
            try:
                done.append((rel, path, store.put(path), None))
            except FileNotFoundError:
                done.append((rel, path, None, _problem("missing", rel, path)))
            except (IsADirectoryError, NotADirectoryError):
                done.append((rel, path, None, _problem("unreadable", rel, path, "not a regular file")))
            except OSError as err:
                if err.errno in _STORE_FULL:  # the registry's disk, not the source file: stop, say so
                    raise OSError(err.errno, err.strerror, err.filename or os.fspath(store.root)) from None
                done.append((rel, path, None, _problem("unreadable", rel, path, err.strerror or str(err))))
        return done

    added: set[str] = set()
    bar = _progress(len(todo), progress)
    size = max(1, min(256, -(-len(todo) // MANIFEST_WORKERS)))  # each worker takes chunks: few futures
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    with ThreadPoolExecutor(MANIFEST_WORKERS) as pool:
        for done in pool.map(put_all, chunks):
            bar.update(len(done))
            for rel, path, stored, problem in done:
                if problem:
                    man.problems.append(problem)
                    continue
                man.files[rel] = (stored.size, stored.sha256)
                if stored.added and stored.sha256 not in added:
                    added.add(stored.sha256)
                    man.added_bytes += stored.size
                    man.added_files += 1
    bar.close()
    man.files = dict(sorted(man.files.items()))
    return man


def _progress(total: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="storing files", unit="file", disable=not enabled or total < 500, leave=False)
