"""Bad data: find the items whose files cannot be shown to annotators, and say why.

Every item with a local ``path`` is checked: missing, zero-byte, not an image, corrupt (the header reads
but the pixels do not decode), too large (over Pillow's decompression-bomb limit, see :mod:`foodcrowd.images`), or a duplicate (same
content hash as an earlier item; the first is kept).
The run continues on the rest unless more than ``dataset.max_bad_share`` of the items are bad.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from foodcrowd.errors import UserError

__all__ = ["BadDataError", "check_files", "issues_report", "raise_if_too_many", "REASONS"]

REASONS = ("missing", "zero_byte", "not_an_image", "corrupt", "too_large", "duplicate")


class BadDataError(UserError):
    """More than ``dataset.max_bad_share`` of the items are unusable (the message lists them)."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _problem(path: Path) -> tuple[str, str] | None:
    """(reason, detail) for an unusable file, or None when it decodes as an image."""
    from PIL import UnidentifiedImageError

    from foodcrowd.images import ImageTooLarge, open_reduced

    if not path.exists():
        return "missing", "no such file"
    if not path.is_file():
        return "missing", "not a regular file"
    if path.stat().st_size == 0:
        return "zero_byte", "the file is empty"
    fmt = None
    try:
        with open_reduced(path, max_side=512) as img:  # a decode check needs no full-size pixels
            fmt = img.format
            img.load()
            if img.width < 1 or img.height < 1:
                return "corrupt", "the image has no pixels"
    except ImageTooLarge as err:
        return "too_large", str(err)
    except UnidentifiedImageError:
        return "not_an_image", "not a file format PIL can read as an image"
    except (OSError, SyntaxError, ValueError) as err:
        return "corrupt", f"{fmt or 'image'} does not decode: {str(err).splitlines()[0][:120]}"
    return None


def check_files(items, progress: bool = True):
    """Split ``items`` into (usable items, list of issues ``{item_id, path, reason, detail}``)."""
    from tqdm import tqdm

    issues, keep, seen = [], [], {}
    rows = items[["item_id", "path"]].itertuples(index=False)
    for pos, (item_id, path) in enumerate(tqdm(rows, total=len(items), desc="data: checking files",
                                               unit="file", disable=None if progress else True)):
        if not path:  # URL-only items and replayed crowds have no local file to check
            keep.append(pos)
            continue
        p = Path(path)
        bad = _problem(p)
        if bad is None:
            digest = _sha256(p)
            if digest in seen:
                bad = ("duplicate", f"same content as {seen[digest]}")
            else:
                seen[digest] = str(path)
        if bad:
            issues.append({"item_id": item_id, "path": str(path), "reason": bad[0], "detail": bad[1]})
        else:
            keep.append(pos)
    return items.iloc[keep].reset_index(drop=True), issues


def issues_report(issues: list[dict], checked: int, max_bad_share: float, limit: int = 50) -> dict:
    """The ``data_issues`` summary: counts by reason and the first ``limit`` files with their reasons."""
    by_reason = {r: sum(1 for i in issues if i["reason"] == r) for r in REASONS}
    return {"checked": checked, "bad": len(issues), "bad_share": round(len(issues) / checked, 4) if checked else 0.0,
            "max_bad_share": max_bad_share, "by_reason": {k: v for k, v in by_reason.items() if v},
            "files": [{"path": i["path"], "reason": i["reason"], "detail": i["detail"]} for i in issues[:limit]],
            "more": max(0, len(issues) - limit)}


def raise_if_too_many(report: dict, issues_path: Path) -> None:
    """Stop with one screen naming ``dataset.max_bad_share`` when too large a share of items is bad."""
    if report["bad_share"] <= report["max_bad_share"] or not report["bad"]:
        return
    shown = "\n".join(f"  {f['reason']}: {f['path']} ({f['detail']})" for f in report["files"][:12])
    more = report["bad"] - min(12, len(report["files"]))
    counts = ", ".join(f"{n} {r.replace('_', '-')}" for r, n in report["by_reason"].items())
    raise BadDataError(
        f"{report['bad']} of {report['checked']} items ({report['bad_share']:.1%}) are unusable ({counts}), "
        f"more than dataset.max_bad_share = {report['max_bad_share']:.1%}:\n{shown}"
        + (f"\n  ... and {more} more" if more > 0 else "") + f"\n  full list: {issues_path}",
        "dataset.max_bad_share",
        "fix or remove these files, or raise dataset.max_bad_share to label the usable rest")
