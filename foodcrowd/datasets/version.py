"""One dataset version as stored in the registry: ClearML's dataset model, on local disk.

``<registry>/versions/<id>/`` holds ``version.json`` (id, project, name, version, parents, metadata,
tables, artifacts, counts, issues), ``manifest.json`` (relpath -> [size, sha256]), ``tables/<name>.parquet``
and ``artifacts/<file>``. The directory appears in one rename, so a version is either whole or absent.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foodcrowd.datasets.errors import DatasetError

__all__ = ["DatasetVersion", "load_version"]


@dataclass(frozen=True)
class DatasetVersion:
    """A registered version. ``files()`` is its manifest; ``table``/``artifact`` open what it carries."""

    id: str
    project: str
    name: str
    version: str
    parents: tuple[str, ...]
    created_at: str
    metadata: dict[str, Any]
    n_files: int
    size: int
    tables: dict[str, dict] = field(default_factory=dict)
    artifacts: dict[str, dict] = field(default_factory=dict)
    issues: dict[str, Any] = field(default_factory=dict)
    dir: Path = Path()

    @property
    def ref(self) -> str:
        """``project/name/version``: a human reference that resolves to this version."""
        return f"{self.project}/{self.name}/{self.version}"

    def files(self) -> dict[str, tuple[int, str]]:
        """The manifest: relpath -> (size, sha256)."""
        raw = json.loads((self.dir / "manifest.json").read_text())
        return {rel: (int(v[0]), str(v[1])) for rel, v in raw.items()}

    def table(self, name: str):
        """A table attached to the version, as a pandas DataFrame."""
        import pandas as pd

        if name not in self.tables:
            raise DatasetError(f"version {self.ref} ({self.id}) has no table {name!r}", "tables",
                               f"tables of this version: {', '.join(sorted(self.tables)) or 'none'}")
        return pd.read_parquet(self.dir / "tables" / f"{name}.parquet")

    def table_path(self, name: str) -> Path:
        """The Parquet file of an attached table (what DuckDB reads)."""
        if name not in self.tables:
            self.table(name)  # raises, naming the tables there are
        return self.dir / "tables" / f"{name}.parquet"

    def artifact(self, name: str) -> Path:
        """The local path of an attached artifact (a plot PNG, a preview HTML, ...)."""
        if name not in self.artifacts:
            raise DatasetError(f"version {self.ref} ({self.id}) has no artifact {name!r}", "artifacts",
                               f"artifacts of this version: {', '.join(sorted(self.artifacts)) or 'none'}")
        return self.dir / "artifacts" / self.artifacts[name]["file"]

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (what ``python -m foodcrowd.datasets show`` prints)."""
        return {"id": self.id, "project": self.project, "name": self.name, "version": self.version,
                "ref": self.ref, "parents": list(self.parents), "created_at": self.created_at,
                "files": self.n_files, "size": self.size, "metadata": self.metadata,
                "tables": self.tables, "artifacts": self.artifacts, "issues": self.issues,
                "path": str(self.dir)}


def load_version(vdir: Path) -> DatasetVersion:
    """Read ``<vdir>/version.json``."""
    try:
        d = json.loads((vdir / "version.json").read_text())
    except (OSError, ValueError) as err:
        raise DatasetError(f"cannot read {vdir / 'version.json'}: {err}", str(vdir),
                           "the registry is damaged here; remove this version directory and register it again") from err
    return DatasetVersion(id=d["id"], project=d["project"], name=d["name"], version=str(d["version"]),
                          parents=tuple(d.get("parents") or ()), created_at=d.get("created_at", ""),
                          metadata=d.get("metadata") or {}, n_files=int(d.get("files", 0)),
                          size=int(d.get("size", 0)), tables=d.get("tables") or {},
                          artifacts=d.get("artifacts") or {}, issues=d.get("issues") or {}, dir=vdir)
