"""The local dataset registry: versions with lineage, manifests, metadata, tables and artifacts.

Layout under ``root``: ``objects/`` (every file once, by SHA-256; see :mod:`.store`), ``versions/<id>/``
(see :mod:`.version`), ``staging/`` (registrations in progress), ``cache/<id>/`` (materialised copies that
:meth:`Registry.get` returns). A registration is written into ``staging/<pid>-<token>/`` and renamed into
``versions/<id>`` under a lock; a killed one leaves only a staging dir (swept later) and stored objects that
the next attempt reuses. The id is a hash of project, name, parents, metadata, manifest, tables and
artifacts, so registering the same thing twice returns the existing version.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from foodcrowd.datasets.errors import DatasetError, DatasetFilesError
from foodcrowd.datasets.lineage import ancestors as _ancestors, diff_versions, resolve_ref
from foodcrowd.datasets.manifest import build_manifest
from foodcrowd.datasets.store import ObjectStore, hash_file
from foodcrowd.run_lock import pid_alive
from foodcrowd.datasets.version import DatasetVersion, load_version

__all__ = ["Registry"]

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Registry:
    """A dataset registry rooted at ``root`` (created on first use)."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root).expanduser()
        self.store = ObjectStore(self.root / "objects")
        self._versions_dir = self.root / "versions"
        self._cache_dir = self.root / "cache"

    def __repr__(self) -> str:
        return f"Registry({str(self.root)!r})"

    # -- registering ---------------------------------------------------------------------------------
    def register(self, project: str, name: str, files: Mapping[str, Path], parents: Sequence[str] = (),
                 metadata: Mapping[str, Any] | None = None, tables: Mapping[str, Any] | None = None,
                 artifacts: Mapping[str, Path] | None = None, on_bad: str = "raise",
                 progress: bool = True) -> DatasetVersion:
        """Register a version (or return the identical one already there).

        ``files`` maps a relative POSIX path inside the version to a local file. Missing, unreadable or
        badly named files raise :class:`DatasetFilesError` listing them all (``on_bad="record"``: register
        the rest and list the problems in ``version.issues``). Files with identical content are stored
        once and listed in ``version.issues["duplicates"]``. ``parents`` are ids or references.
        """
        for label, value in (("project", project), ("name", name)):
            if not isinstance(value, str) or not value.strip() or value != value.strip():
                raise DatasetError(f"{label} {value!r} is empty or has surrounding spaces", label, "give a plain name")
        if not _NAME.match(name):
            raise DatasetError(f"name {name!r} has characters other than letters, digits, '_', '.', '-'", "name",
                               "rename the dataset (e.g. food-sample-raw)")
        if on_bad not in ("raise", "record"):
            raise ValueError("on_bad must be 'raise' or 'record'")
        parent_ids = tuple(self.version(p).id for p in parents)
        meta = _plain_json(metadata or {}, "metadata")
        self._prepare()
        staging = self.root / "staging" / f"{os.getpid()}-{uuid.uuid4().hex[:12]}"
        staging.mkdir(parents=True)
        try:  # tables and artifacts first: a bad one fails before any file is stored
            table_info = _write_tables(staging / "tables", tables or {})
            artifact_info = _write_artifacts(staging / "artifacts", artifacts or {})
            manifest = build_manifest(files, self.store, progress=progress)
            if manifest.problems and on_bad == "raise":
                raise DatasetFilesError(manifest.problems)
            content = {"project": project, "name": name, "parents": list(parent_ids), "metadata": meta,
                       "files": manifest.files, "tables": {k: v["sha256"] for k, v in table_info.items()},
                       "artifacts": {k: v["sha256"] for k, v in artifact_info.items()}}
            vid = _sha(json.dumps(content, sort_keys=True, separators=(",", ":")))[:32]
            if (self._versions_dir / vid).is_dir():
                return self._existing(vid)
            (staging / "manifest.json").write_text(
                json.dumps({r: [s, h] for r, (s, h) in manifest.files.items()}, separators=(",", ":")))
            issues = {"duplicates": manifest.duplicates(), "problems": manifest.problems}
            record = {"id": vid, "project": project, "name": name, "parents": list(parent_ids),
                      "metadata": meta, "files": len(manifest.files), "size": manifest.size,
                      "tables": table_info, "artifacts": artifact_info, "issues": issues,
                      "added_bytes": manifest.added_bytes, "added_files": manifest.added_files}
            return self._commit(staging, record)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    def _existing(self, vid: str) -> DatasetVersion:
        found = load_version(self._versions_dir / vid)
        log.info("dataset %s (%s) is already registered: nothing to do", found.ref, vid)
        return found

    def _commit(self, staging: Path, record: dict) -> DatasetVersion:
        """Give the staged version its number and rename it into place (under the registry lock)."""
        with self._lock():
            final = self._versions_dir / record["id"]
            if final.is_dir():  # a concurrent writer registered the same content first
                return self._existing(record["id"])
            same = [v for v in self.versions() if v.project == record["project"] and v.name == record["name"]]
            number = 1 + max((int(v.version) for v in same if v.version.isdigit()), default=0)
            created = datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
            record.update(version=str(number), created_at=created)
            (staging / "version.json").write_text(json.dumps(record, indent=1, sort_keys=True))
            _before_commit(staging)
            os.rename(staging, final)
        version = load_version(final)
        log.info("dataset %s registered: id %s, %d files, %d new bytes stored", version.ref, version.id,
                 version.n_files, record["added_bytes"])
        return version

    # -- reading -------------------------------------------------------------------------------------
    def versions(self, project: str | None = None, name: str | None = None) -> list[DatasetVersion]:
        """Every version (oldest first), optionally of one project and/or name."""
        if not self._versions_dir.is_dir():
            return []
        found = [load_version(d) for d in self._versions_dir.iterdir() if (d / "version.json").is_file()]
        found = [v for v in found if (project is None or v.project == project) and (name is None or v.name == name)]
        return sorted(found, key=lambda v: (v.created_at, v.project, v.name, _num(v.version)))

    def version(self, ref: str | DatasetVersion) -> DatasetVersion:
        """The version an id (or unique id prefix), ``project/name/version``, ``project/name`` or ``name``
        (the last two: the latest) refers to."""
        if isinstance(ref, DatasetVersion):
            return ref
        ref = str(ref).strip()
        if re.fullmatch(r"[0-9a-f]{32}", ref) and (self._versions_dir / ref / "version.json").is_file():
            return load_version(self._versions_dir / ref)  # fast path: no scan
        return resolve_ref(ref, self.versions(), self.root)

    def get(self, ref: str | DatasetVersion) -> Path:
        """A local folder with the version's files (materialised once, then returned from the cache)."""
        if isinstance(ref, str) and re.fullmatch(r"[0-9a-f]{32}", ref):
            ready = self._cache_dir / ref
            if ready.is_dir():  # the folder only appears (by rename) once complete: no re-hashing
                return ready
        version = self.version(ref)
        ready = self._cache_dir / version.id
        if ready.is_dir():
            return ready
        return self._materialise(version, ready)

    def _materialise(self, version: DatasetVersion, ready: Path) -> Path:
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        for old in self._cache_dir.glob(".tmp-*"):  # left by a get that was killed
            pid = old.name.split("-")[1]
            if pid.isdigit() and not pid_alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
        tmp = self._cache_dir / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            link = True
            for rel, (_, sha) in version.files().items():
                dst = tmp / rel
                dst.parent.mkdir(parents=True, exist_ok=True)
                src = self.store.path(sha)
                if link:
                    try:
                        os.link(src, dst)
                        continue
                    except OSError:
                        link = False  # another filesystem, or links not allowed: copy from now on
                shutil.copyfile(src, dst)
            try:
                os.rename(tmp, ready)
            except OSError:
                if not ready.is_dir():
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return ready

    def parents(self, ref: str | DatasetVersion) -> list[DatasetVersion]:
        return [self.version(p) for p in self.version(ref).parents]

    def ancestors(self, ref: str | DatasetVersion) -> list[DatasetVersion]:
        """Every version ``ref`` descends from, nearest first (breadth-first, each once)."""
        return _ancestors(self.version(ref), self.version)

    def children(self, ref: str | DatasetVersion) -> list[DatasetVersion]:
        vid = self.version(ref).id
        return [v for v in self.versions() if vid in v.parents]

    def diff(self, a: str | DatasetVersion, b: str | DatasetVersion) -> dict[str, Any]:
        """What changed from ``a`` to ``b``: files added/removed/changed, metadata, tables, artifacts."""
        return diff_versions(self.version(a), self.version(b))

    def verify(self, ref: str | DatasetVersion) -> list[str]:
        """Relpaths whose stored object is missing or no longer matches its hash (empty = intact)."""
        bad = []
        for rel, (_, sha) in self.version(ref).files().items():
            p = self.store.path(sha)
            if not p.is_file() or hash_file(p)[0] != sha:
                bad.append(rel)
        return bad

    # -- housekeeping --------------------------------------------------------------------------------
    def gc(self) -> tuple[int, int]:
        """Delete stored objects no version refers to (left by failed registrations); (files, bytes) freed."""
        with self._lock():
            used = {sha for v in self.versions() for _, sha in v.files().values()}
            freed = [0, 0]
            for obj in self.store.root.glob("*/*"):
                if obj.name not in used and ".tmp-" not in obj.name:
                    freed[0] += 1
                    freed[1] += obj.stat().st_size
                    obj.unlink()
        return freed[0], freed[1]

    def _prepare(self) -> None:
        for d in (self._versions_dir, self.root / "staging", self.store.root):
            d.mkdir(parents=True, exist_ok=True)
        self._sweep()

    def _sweep(self) -> None:
        """Remove staging dirs and temporary objects left by killed registrations."""
        killed = False
        for d in (self.root / "staging").iterdir():
            pid = d.name.split("-", 1)[0]
            if pid.isdigit() and not pid_alive(int(pid)):
                shutil.rmtree(d, ignore_errors=True)
                log.info("removed the unfinished registration %s", d.name)
                killed = True
        if killed:  # only a killed writer leaves temporary objects: skip the scan otherwise
            self.store.sweep()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _before_commit(staging: Path) -> None:
    """The last moment before a staged version becomes visible (a seam for crash tests)."""
    from foodcrowd.failpoints import failpoint

    failpoint("register.staged")



def _num(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (0, version)


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _plain_json(value: Any, where: str) -> Any:
    try:
        return json.loads(json.dumps(value, sort_keys=True, allow_nan=False))
    except (TypeError, ValueError) as err:
        raise DatasetError(f"{where} is not plain JSON: {err}", where,
                           "use str, int, float (not NaN), bool, None, lists and dicts with string keys") from err


def _check_name(kind: str, name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise DatasetError(f"{kind} name {name!r} must be letters, digits, '_', '.', '-'", kind, "rename it")


def _write_tables(dest: Path, tables: Mapping[str, Any]) -> dict[str, dict]:
    """Each DataFrame as ``<name>.parquet``; its hash covers columns, dtypes and values."""
    import pandas as pd

    info = {}
    if tables:
        dest.mkdir(parents=True)
    for name, df in sorted(tables.items()):
        _check_name("tables", name)
        if not isinstance(df, pd.DataFrame):
            raise DatasetError(f"table {name!r} is a {type(df).__name__}, not a pandas DataFrame", "tables",
                               "pass DataFrames")
        try:
            df.to_parquet(dest / f"{name}.parquet", index=False)
        except Exception as err:  # pyarrow raises several unrelated types for unconvertible columns
            raise DatasetError(f"table {name!r} cannot be written as Parquet: {err}", "tables",
                               "give each column one type (e.g. cast mixed object columns to str)") from err
        info[name] = {"rows": len(df), "columns": [str(c) for c in df.columns],
                      "sha256": hash_file(dest / f"{name}.parquet")[0]}
    return info


def _write_artifacts(dest: Path, artifacts: Mapping[str, Path]) -> dict[str, dict]:
    info = {}
    if artifacts:
        dest.mkdir(parents=True)
    for name, src in sorted(artifacts.items()):
        _check_name("artifacts", name)
        src = Path(src)
        if not src.is_file():
            raise DatasetError(f"artifact {name!r}: {src} is not a readable file", "artifacts", "pass existing files")
        fname = name + src.suffix
        shutil.copyfile(src, dest / fname)
        sha, size = hash_file(dest / fname)
        info[name] = {"file": fname, "sha256": sha, "size": size}
    return info
