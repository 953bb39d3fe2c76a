"""The register stage: the annotated dataset version, a child of ``dataset.parent``, in the registry.

Reads ``data/items.parquet``, ``labels/labels.parquet`` and ``toloka/answers.parquet``; registers the
items' files with the wide labels table (``item_id, relpath, <q>, confidence_<q>, n_answers_<q>``), the raw
answers and the items table, the annotation's metadata (cost, overlap, reward, instructions text, language
filter, exam and quality rules, aggregation, platform), an HTML preview and one label plot per question.
The parent is the crowd's answers version (itself a child of the raw items), plus ``dataset.parent`` when
that names another version. The id depends only on content and parents (no run dir in the metadata): the
same labels from the same answers are the same version, in any run dir. Also pushed to ClearML when a
server answers.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from foodcrowd.errors import UserError
from foodcrowd.label_types import classes_of

__all__ = ["register_stage", "wide_labels", "annotation_metadata", "resolve_parent"]

log = logging.getLogger(__name__)


def wide_labels(items, labels):
    """Long labels -> one row per item: ``item_id, relpath, <q>, confidence_<q>, n_answers_<q>``."""
    wide = items[["item_id", "relpath"]].drop_duplicates("item_id").set_index("item_id")
    for q, part in labels.groupby("question", sort=True):
        part = part.drop_duplicates("item_id", keep="last").set_index("item_id")
        wide[q] = part["label"].astype("string")
        wide[f"confidence_{q}"] = part["confidence"].astype(float)
        wide[f"n_answers_{q}"] = part["n_answers"].astype("Int64")
    return wide.reset_index().sort_values("item_id", ignore_index=True).astype({"item_id": str, "relpath": str})


def resolve_parent(ctx, registry) -> tuple[str, ...]:
    """``dataset.parent`` as a tuple of version ids: "raw" = the data stage's version; null = none."""
    from foodcrowd.datasets import DatasetNotFoundError

    parent = ctx.plain["dataset"].get("parent")
    if parent is None:
        return ()
    if parent == "raw":
        raw = (ctx.results.get("data") or {}).get("raw_dataset_id")
        if not raw:
            raise UserError("is 'raw' but the data stage registered no raw version", "dataset.parent",
                            "re-run the data stage, or set lineage=none / lineage=by_id dataset.parent=<id>")
        return (registry.version(raw).id,)
    try:
        return (registry.version(str(parent)).id,)
    except DatasetNotFoundError as err:
        raise UserError(f"{parent!r} names no version in the registry {registry.root}", "dataset.parent",
                        err.fix) from err


def _read(path: Path, what: str):
    import pandas as pd

    if not path.is_file():
        raise UserError(f"{path} is missing", what, "run the earlier stages first (python -m foodcrowd +experiment=...)")
    return pd.read_parquet(path)


def annotation_metadata(ctx) -> dict[str, Any]:
    """What the annotation cost and how it was done (instructions text included)."""
    from foodcrowd import CONF_DIR

    plain, crowd = ctx.plain, ctx.plain.get("crowd") or {}
    summary = (ctx.results.get("crowd") or {}).get("summary") or {}
    instructions = (plain.get("interface") or {}).get("instructions")
    text = None
    if instructions:
        path = Path(instructions) if Path(instructions).is_absolute() else CONF_DIR / instructions
        if not path.is_file():
            raise UserError(f"{path} is missing", "interface.instructions", "point it at a file under conf/")
        text = path.read_text(encoding="utf-8")
    agg = plain.get("aggregation") or {}
    return {
        "annotation": {
            # what the answers cost when they were bought (a run reusing them pays nothing, labels stay the same)
            "platform": crowd.get("backend"),
            "cost_usd": (summary.get("reused_answers") or {}).get("bought_for_usd", summary.get("cost_usd")),
            "pages": summary.get("pages"), "answers": summary.get("answers"),
            "annotators": summary.get("annotators"), "banned": summary.get("banned"),
            "duration_seconds": summary.get("duration_seconds"), "overlap": crowd.get("overlap"),
            "dynamic_overlap": crowd.get("dynamic_overlap"), "reward_per_page": crowd.get("reward_per_page"),
            "platform_fee": crowd.get("platform_fee"), "languages": crowd.get("languages"),
            "instructions_file": instructions, "instructions": text,
            "exam": plain.get("exam"), "quality": plain.get("quality"),
        },
        "aggregation": {"method": agg.get("method"), "params": agg.get("params"),
                        "per_question": agg.get("per_question")},
        "questions": plain.get("questions"),
        # no run dir: the version's id depends on its content and parents only (same labels, same version)
        "run": {"experiment_name": plain.get("experiment_name"), "seed": plain.get("seed")},
    }




def register_stage(ctx) -> dict:
    import json

    from foodcrowd.datasets import Registry
    from foodcrowd.datasets.clearml_sync import maybe_push
    from foodcrowd.datasets.previews import label_plots, write_preview

    ds = ctx.plain["dataset"]
    registry = Registry(ds["registry"])
    items = _read(ctx.run_dir / "data" / "items.parquet", "data/items.parquet")
    labels = _read(ctx.run_dir / "labels" / "labels.parquet", "labels/labels.parquet")
    answers_path = ctx.run_dir / "toloka" / "answers.parquet"
    answers = _read(answers_path, "toloka/answers.parquet") if answers_path.is_file() else None
    parents = resolve_parent(ctx, registry)
    answers_id = (ctx.results.get("crowd") or {}).get("answers_dataset_id")
    if answers_id:   # items -> answers -> labels: the answers version (a child of the raw items) is the parent
        raw = (ctx.results.get("data") or {}).get("raw_dataset_id")
        parents = (registry.version(answers_id).id, *(p for p in parents if p != raw))
    if any((((ctx.results.get(st) or {}).get("summary") or {}).get("budget") or {}).get("stopped") for st in ("plan", "crowd")):
        # budget_policy=stop_at_cap bought answers for the first items only: the version holds those
        items = items[items["item_id"].astype(str).isin(set(labels["item_id"].astype(str)))].reset_index(drop=True)
    wide = wide_labels(items, labels)
    questions = [q for q in (ctx.plain.get("questions") or {}) if q in wide] or sorted(labels["question"].unique())
    meta = annotation_metadata(ctx)
    name = f"{ds['name']}-annotated"
    out = ctx.out_dir
    facts = {"project": ds["project"], "name": name, "parents": ", ".join(parents) or "none",
             "aggregation": meta["aggregation"]["method"], "cost_usd": meta["annotation"]["cost_usd"],
             "overlap": meta["annotation"]["overlap"], "platform": meta["annotation"]["platform"]}
    write_preview(out / "preview.html", items, labels, answers, questions, f"{ds['project']}/{name}", facts)
    plots = label_plots(wide, questions, classes_of(ctx.plain.get("questions")), out / "plots")
    files = {str(r): Path(p) for r, p in zip(items["relpath"], items["path"]) if p}  # replayed items have no file
    tables = {"labels": wide, "items": items.drop(columns=["path"], errors="ignore")}
    if answers is not None:
        tables["answers"] = answers
    artifacts = {"preview": out / "preview.html", **{f"plot_{q}": p for q, p in plots.items()}}
    version = registry.register(ds["project"], name, files, parents=parents, metadata=meta, tables=tables,
                                artifacts=artifacts)
    pushed = maybe_push(version, registry)
    (out / "annotated.json").write_text(json.dumps(version.describe(), indent=1, default=str))
    raw = (ctx.results.get("data") or {}).get("raw_dataset_id") or (parents[0] if ds.get("parent") == "raw" and parents else None)
    datasets = {"raw": raw, "annotated": version.id, "annotated_ref": version.ref, "registry": str(registry.root),
                "parents": list(parents), "duplicates": version.issues.get("duplicates", []),
                "clearml": pushed}
    return {"annotated_dataset_id": version.id, "raw_dataset_id": raw, "preview": str(version.artifact("preview")),
            "summary": {"datasets": datasets}}
