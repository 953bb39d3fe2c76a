"""Resolving references to versions, walking lineage, and diffing two versions."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from foodcrowd.datasets.errors import DatasetError, DatasetNotFoundError
from foodcrowd.datasets.version import DatasetVersion

__all__ = ["resolve_ref", "ancestors", "diff_versions", "flatten"]


def resolve_ref(ref: str, versions: list[DatasetVersion], root: Path) -> DatasetVersion:
    """The version ``ref`` names; rules tried in order, the first that matches anything wins.

    1. an id, or a unique id prefix of at least 6 characters; 2. ``project/name/version`` or
    ``name/version``; 3. ``project/name`` or ``name``: the latest version of that series.
    """
    if len(ref) >= 6:
        hits = [v for v in versions if v.id.startswith(ref)]
        if len(hits) > 1:
            raise DatasetError(f"dataset id prefix {ref!r} is ambiguous ({', '.join(v.id for v in hits[:5])})",
                               ref, "give more characters of the id")
        if hits:
            return hits[0]
    hits = [v for v in versions if ref in (v.ref, f"{v.name}/{v.version}")]
    if len(hits) == 1:
        return hits[0]
    if len(hits) > 1:
        raise DatasetError(f"dataset {ref!r} matches several versions: {', '.join(v.ref for v in hits)}", ref,
                           "use project/name/version or the id")
    series: dict[tuple[str, str], list[DatasetVersion]] = {}
    for v in versions:
        if ref in (f"{v.project}/{v.name}", v.name):
            series.setdefault((v.project, v.name), []).append(v)
    if len(series) > 1:
        raise DatasetError(f"dataset name {ref!r} exists in several projects: "
                           f"{', '.join(p + '/' + n for p, n in sorted(series))}", ref, "use project/name")
    if series:
        return max(next(iter(series.values())), key=lambda v: _num(v.version))
    known = sorted({f"{v.project}/{v.name}" for v in versions})
    raise DatasetNotFoundError(
        f"no dataset version {ref!r} in the registry {root}", ref,
        ("registered: " + ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
         + "; list them with: python -m foodcrowd.datasets list") if known else
        "the registry is empty: run an experiment first, or point dataset.registry (or --root) elsewhere")


def _num(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (0, version)


def ancestors(version: DatasetVersion, lookup: Callable[[str], DatasetVersion]) -> list[DatasetVersion]:
    """Breadth-first over parents, nearest first, each version once."""
    seen, out, frontier = {version.id}, [], list(version.parents)
    while frontier:
        nxt = []
        for pid in frontier:
            if pid in seen:
                continue
            seen.add(pid)
            parent = lookup(pid)
            out.append(parent)
            nxt.extend(parent.parents)
        frontier = nxt
    return out


def flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts as ``{"a.b": value}``."""
    if not isinstance(d, dict) or (prefix and not d):
        return {prefix: d} if prefix else {}
    out: dict[str, Any] = {}
    for k, v in d.items():
        out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def diff_versions(a: DatasetVersion, b: DatasetVersion) -> dict[str, Any]:
    """Files added/removed/changed (by content hash), metadata keys changed, tables and artifacts changed."""
    fa, fb = a.files(), b.files()
    ma, mb = flatten(a.metadata), flatten(b.metadata)
    meta = {k: {"from": ma.get(k), "to": mb.get(k)} for k in sorted(set(ma) | set(mb)) if ma.get(k) != mb.get(k)}

    def changed(x: dict, y: dict) -> dict[str, list[str]]:
        return {"added": sorted(set(y) - set(x)), "removed": sorted(set(x) - set(y)),
                "changed": sorted(k for k in set(x) & set(y) if x[k]["sha256"] != y[k]["sha256"])}

    return {"from": a.id, "to": b.id, "from_ref": a.ref, "to_ref": b.ref,
            "added": sorted(set(fb) - set(fa)), "removed": sorted(set(fa) - set(fb)),
            "changed": sorted(r for r in set(fa) & set(fb) if fa[r][1] != fb[r][1]),
            "unchanged": sum(1 for r in set(fa) & set(fb) if fa[r][1] == fb[r][1]),
            "metadata": meta, "tables": changed(a.tables, b.tables), "artifacts": changed(a.artifacts, b.artifacts),
            "parents": {"from": list(a.parents), "to": list(b.parents)}}
