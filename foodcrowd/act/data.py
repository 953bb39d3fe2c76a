"""The data stage: load the items of ``dataset.source``, check their files, give them URLs, build the
exam and control tasks, write ``data/`` and register the raw dataset version.

Writes (see docs/CONTRACTS.md): ``items.parquet`` (item_id, path, url, relpath, truth_<question>...,
difficulty, ambiguous, appeal), ``exam.parquet`` and ``control.parquet`` (item_id, url, question, answer,
hint, edge_case) and ``issues.json`` (unusable files, with reasons). Safe to re-run: the source caches
what it generates, uploads skip objects already there, and the registry returns an identical version.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from foodcrowd.sources import SourceError, get_source, load_items

__all__ = ["data_stage", "prepare_items"]

log = logging.getLogger(__name__)
_TABLE_DROP = ("path", "url")  # machine-local: kept out of the registered table so its id is portable


def _home(plain: dict) -> Path:
    home = plain.get("home") or os.environ.get("FOODCROWD_HOME") or Path.home() / ".cache" / "foodcrowd"
    return Path(home).expanduser()


def prepare_items(plain: dict, out_dir: Path, s3_client=None):
    """Load, check and URL the items; write ``issues.json``. Returns (items, issues report, url kind)."""
    from foodcrowd.sources._files import check_files, issues_report, raise_if_too_many
    from foodcrowd.sources._urls import assign_urls

    ds = plain["dataset"]
    items = load_items(ds, plain, _home(plain) / "sources" / ds["source"])
    if items.empty:
        raise SourceError("dataset", f"source {ds['source']!r} found no items", "check the dataset's path or files")
    dup = items["relpath"].duplicated()
    if dup.any():
        raise SourceError("dataset", f"relpath {items.loc[dup, 'relpath'].iloc[0]!r} occurs twice",
                          "each item needs its own path inside the dataset")
    checked = len(items)
    items, issues = check_files(items)
    report = issues_report(issues, checked, float(ds.get("max_bad_share", 0.05)))
    issues_path = out_dir / "issues.json"
    issues_path.write_text(json.dumps({**{k: v for k, v in report.items() if k != "files"}, "items": issues},
                                      indent=1) + "\n")
    raise_if_too_many(report, issues_path)
    if issues:
        log.warning("data: %d of %d items skipped as unusable (%s); see %s", len(issues), checked,
                    ", ".join(f"{n} {r}" for r, n in report["by_reason"].items()), issues_path)
    items, how = assign_urls(items, ds, s3_client)
    return items, report, how


def _metadata(plain: dict, items, how: str) -> dict:
    ds = plain["dataset"]
    module = get_source(ds["source"])
    config = {k: v for k, v in ds.items() if k not in ("registry", "parent", "seed")}
    meta = {"source": ds["source"], "config": config, "items": int(len(items)), "url_kind": how,
            "seed": int(plain.get("seed", 0))}
    meta.update(getattr(module, "METADATA", {}) or {})
    truth = {c[len("truth_"):]: {str(k): int(v) for k, v in items[c].value_counts().sort_index().items()}
             for c in items.columns if c.startswith("truth_") and items[c].notna().any()}
    if truth:
        meta["truth_counts"] = truth
    meta["ambiguous"] = int(items["ambiguous"].sum())
    return meta


def data_stage(ctx) -> dict:
    """Stage ``data`` (see the module docstring); returns the raw version id and the item count."""
    from foodcrowd.datasets import Registry
    from foodcrowd.sources._gold import build_control, build_exam

    plain, out = ctx.plain, ctx.out_dir
    ds = plain["dataset"]
    items, report, how = prepare_items(plain, out)
    raw_items, golden = items, None
    if (plain.get("golden") or {}).get("source", "column") == "label_studio":
        from foodcrowd.review.golden import apply_golden, collect_golden

        golden = collect_golden(items, plain, out)     # the expert's labels (waits, or stops with the URL)
        items = apply_golden(items, golden[0])
    exam = build_exam(items, plain)
    control = build_control(items, plain, exam_ids=exam["item_id"])
    items.to_parquet(out / "items.parquet", index=False)
    exam.to_parquet(out / "exam.parquet", index=False)
    control.to_parquet(out / "control.parquet", index=False)
    files = {rel: Path(p) for rel, p in zip(items["relpath"], items["path"]) if p}
    table = raw_items.drop(columns=list(_TABLE_DROP))
    version = Registry(ds["registry"]).register(ds["project"], f"{ds['name']}-raw", files,
                                                metadata=_metadata(plain, raw_items, how), tables={"items": table})
    log.info("data: %d items (%s URLs), exam %d, control %d; raw dataset %s (%s)", len(items), how, len(exam),
             len(control), version.ref, version.id)
    issues = {k: v for k, v in report.items() if k != "max_bad_share"}
    result = {"raw_dataset_id": version.id, "raw_dataset_ref": version.ref, "items": int(len(items)),
              "exam_items": int(len(exam)), "control_items": int(len(control)), "url_kind": how,
              "summary": {"items": int(len(items)), "datasets": {"raw": version.id}, "data_issues": issues}}
    if golden is not None:  # the expert's labels: a version of their own, child of the raw one
        from foodcrowd.review.register import register_golden

        result = register_golden(golden, items, plain, version, result)
    return result
