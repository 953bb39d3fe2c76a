"""The registry as a tree: items -> answers -> labels (-> reviewed), one line per version.

``python -m foodcrowd.datasets lineage`` prints every version under its parents (a version with two
parents appears under each); ``lineage <ref>`` prints one version and its ancestors.
"""
from __future__ import annotations

__all__ = ["kind_of", "lineage_lines"]

_KINDS = (("-raw", "items"), ("-answers", "answers"), ("-annotated", "labels"), ("-reviewed", "reviewed"))


def kind_of(version) -> str:
    """What a version holds, from its name: items, answers, labels, reviewed (else: version)."""
    for suffix, kind in _KINDS:
        if version.name.endswith(suffix):
            return kind
    return "version"


def _facts(v) -> str:
    meta = v.metadata or {}
    crowd, ann = meta.get("crowd") or {}, meta.get("annotation") or {}
    agg = (meta.get("aggregation") or {}).get("method")
    bits = []
    if kind_of(v) == "items":
        bits.append(f"{v.n_files:,} files")
    if crowd.get("answers") is not None:
        bits.append(f"{crowd['answers']:,} answers, ${crowd.get('cost_usd', 0):.2f}, crowd key {crowd.get('key')}")
    if agg:
        bits.append(f"{agg}" + (f", answers cost ${ann['cost_usd']:.2f}" if isinstance(ann.get("cost_usd"), (int, float)) else ""))
    return "; ".join(bits)


def lineage_lines(versions: list) -> list[str]:
    """Indented lines, roots first (oldest first), children under their parents."""
    by_id = {v.id: v for v in versions}
    children: dict[str, list] = {}
    for v in versions:
        for p in v.parents:
            children.setdefault(p, []).append(v)
    lines: list[str] = []

    def walk(v, depth: int, seen: frozenset) -> None:
        arrow = "-> " if depth else ""
        facts = _facts(v)
        lines.append(f"{'   ' * depth}{arrow}{kind_of(v):<8} {v.ref:<44} {v.id[:12]}" + (f"  ({facts})" if facts else ""))
        for c in children.get(v.id, []):
            if c.id not in seen:
                walk(c, depth + 1, seen | {c.id})

    roots = [v for v in versions if not any(p in by_id for p in v.parents)]
    for r in roots:
        walk(r, 0, frozenset({r.id}))
    return lines
