"""The content-addressed object store: every file is kept once, under its SHA-256, read-only.

``<root>/objects/<first 2 hex>/<sha256>``. Putting a file reads it once: the bytes are hashed and, when
the object is new, written from the same buffer straight to its final name (``O_EXCL``). Since the name
is the hash, an object is intact exactly when its size is right: a writer killed mid-write leaves a short
object, which the next put of that content detects and replaces atomically (temporary file + rename;
leftover ``.tmp-*`` files are swept by :meth:`ObjectStore.sweep`). Large files stream through a temporary
file and a rename.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from foodcrowd.run_lock import pid_alive

__all__ = ["ObjectStore", "Stored", "hash_file", "CHUNK"]

CHUNK = 1 << 22  # files up to 4 MiB are read in one go; larger ones are streamed
_READ = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


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

    def has(self, sha256: str, size: int | None = None) -> bool:
        try:
            st = os.stat(self.root / sha256[:2] / sha256)
        except FileNotFoundError:
            return False
        return size is None or st.st_size == size

    def _dir(self, sha256: str) -> str:
        d = os.path.join(self.root, sha256[:2])
        if d not in self._ready_dirs:
            os.makedirs(d, exist_ok=True)
            self._ready_dirs.add(d)
        return d

    def put(self, src: Path) -> Stored:
        """Store ``src`` (read once); returns its hash, size and whether new bytes were written.

        A new object is created in place with ``O_EXCL`` (read-only from the start). An object counts as
        present only when its size matches: a writer killed mid-write leaves a short file, which the next
        put replaces through a temporary file and an atomic rename (as it does when writers race).
        """
        fd = os.open(src, _READ)
        try:
            data = _read_upto(fd, CHUNK)
            if len(data) == CHUNK:  # large file: hash while streaming, then copy
                with os.fdopen(os.dup(fd), "rb") as fh:
                    fh.seek(len(data))
                    return self._put_large(src, fh, data)
        finally:
            os.close(fd)
        sha = hashlib.sha256(data).hexdigest()
        final = os.path.join(self._dir(sha), sha)
        try:
            fd = os.open(final, _CREATE, 0o444)
        except FileExistsError:
            if os.stat(final).st_size == len(data):
                return Stored(sha, len(data), False)
            return self._replace(final, data, sha)
        written = False
        try:
            _write_all(fd, data)
            written = True
        finally:
            os.close(fd)
            if not written:  # disk full, or killed by an exception: no short object left taking space
                _discard(final)
        return Stored(sha, len(data), True)

    def _replace(self, final: str, data: bytes, sha: str) -> Stored:
        tmp = f"{final}.tmp-{os.getpid()}-{id(data):x}"
        try:
            with open(tmp, "wb") as out:
                out.write(data)
        except BaseException:
            _discard(tmp)
            raise
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
        if self.has(sha, size):
            return Stored(sha, size, False)
        tmp = f"{final}.tmp-{os.getpid()}-{id(fh):x}"
        try:
            shutil.copyfile(src, tmp)
        except BaseException:  # disk full: the temporary copy goes, the source is not at fault
            _discard(tmp)
            raise
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
            if pid.isdigit() and not pid_alive(int(pid)):
                tmp.unlink(missing_ok=True)
                n += 1
        return n

    def bytes_used(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*/*") if ".tmp-" not in p.name)


def _read_upto(fd: int, limit: int) -> bytes:
    """Up to ``limit`` bytes (all of a small file: reads until EOF or the limit)."""
    parts, got = [], 0
    while got < limit:
        chunk = os.read(fd, limit - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _discard(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
