"""The content-addressed object store: every file is kept once, under its SHA-256, read-only.

``<root>/objects/<first 2 hex>/<sha256>``. An object is written to a temporary name in its directory and
renamed into place, so a killed writer never leaves a half-written object under a real name (leftover
``.tmp-*`` files are swept by :meth:`ObjectStore.sweep`). Putting a file reads it once: the bytes are
hashed and, when the object is new, written from the same buffer.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ObjectStore", "Stored", "hash_file", "CHUNK"]

CHUNK = 1 << 22  # files up to 4 MiB are read in one go; larger ones are streamed


@dataclass(frozen=True)
class Stored:
    """The outcome of putting one file: its hash, size and whether it added bytes to the store."""

    sha256: str
    size: int
    added: bool


def hash_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex digest and size of a file, streamed."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class ObjectStore:
    """Files by content hash under ``root``; safe for concurrent writers (rename is atomic)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._ready_dirs: set[str] = set()

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return os.path.exists(self.root / sha256[:2] / sha256)

    def _dir(self, sha256: str) -> str:
        d = os.path.join(self.root, sha256[:2])
        if d not in self._ready_dirs:
            os.makedirs(d, exist_ok=True)
            self._ready_dirs.add(d)
        return d

    def put(self, src: Path) -> Stored:
        """Store ``src`` (read once); returns its hash, size and whether new bytes were written."""
        with open(src, "rb") as fh:
            data = fh.read(CHUNK)
            if len(data) == CHUNK:  # large file: hash while streaming, then copy
                return self._put_large(src, fh, data)
        sha = hashlib.sha256(data).hexdigest()
        final = os.path.join(self._dir(sha), sha)
        if os.path.exists(final):
            return Stored(sha, len(data), False)
        tmp = f"{final}.tmp-{os.getpid()}-{id(data):x}"
        with open(tmp, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o444)
        os.replace(tmp, final)
        return Stored(sha, len(data), True)

    def _put_large(self, src: Path, fh, head: bytes) -> Stored:
        digest, size = hashlib.sha256(head), len(head)
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
        sha = digest.hexdigest()
        final = os.path.join(self._dir(sha), sha)
        if os.path.exists(final):
            return Stored(sha, size, False)
        tmp = f"{final}.tmp-{os.getpid()}-{id(fh):x}"
        shutil.copyfile(src, tmp)
        if hash_file(Path(tmp))[0] != sha:  # the source changed while we read it
            os.unlink(tmp)
            raise OSError(f"{src} changed while it was being stored")
        os.chmod(tmp, 0o444)
        os.replace(tmp, final)
        return Stored(sha, size, True)

    def sweep(self) -> int:
        """Remove temporary objects left by killed writers; returns how many."""
        n = 0
        for tmp in self.root.glob("*/*.tmp-*"):
            pid = tmp.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                tmp.unlink(missing_ok=True)
                n += 1
        return n

    def bytes_used(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*/*") if ".tmp-" not in p.name)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
