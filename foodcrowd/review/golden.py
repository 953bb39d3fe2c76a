"""Golden sets by experts (``golden=label_studio``): candidates -> Label Studio -> the expert's labels.

Called by the data stage before the exam and control tasks are drawn. Candidates are ``golden.size``
items: at random (seeded) at first; stratified by uncertainty once ``golden.uncertainty_from`` names an
earlier run's ``labels/labels.parquet`` (equal draws from each confidence quartile, least sure first). They
go to one Label Studio project (found again by title on a re-run: tasks are imported once); the expert
answers every question and ticks *edge case* on ambiguous items. When the expert has not finished, the
run waits up to ``review.wait_minutes`` and then stops with the project's URL (exit 3); the next run
reads what is there and goes on. The expert's labels become ``truth_<question>`` and ``ambiguous`` of
those items, so exam, control tasks, edge cases and accuracy reports use them and nothing else.
"""
from __future__ import annotations

import logging
import time
from pathlib import Path

__all__ = ["pick_candidates", "collect_golden", "apply_golden", "read_annotations", "submitted", "annotator",
           "wait_for", "GOLDEN_COLUMNS"]

log = logging.getLogger(__name__)
GOLDEN_COLUMNS = ["item_id", "edge_case", "annotator", "ls_task_id"]


def pick_candidates(items, golden: dict, seed: int):
    """The candidate items (a slice of ``items``), seeded; stratified by confidence when known."""
    import numpy as np
    import pandas as pd

    n = min(int(golden.get("size") or 0), len(items))
    rng = np.random.default_rng([int(seed), 7])
    source = golden.get("uncertainty_from")
    if golden.get("strategy", "random") == "uncertainty" and source:
        labels = pd.read_parquet(source)
        conf = labels.groupby(labels["task"].astype(str))["confidence"].min()
        pool = items.assign(_conf=items["item_id"].astype(str).map(conf)).dropna(subset=["_conf"])
        if len(pool) >= n > 0:
            bins = pd.qcut(pool["_conf"].rank(method="first"), q=min(4, n), labels=False)
            share = np.array_split(np.arange(n), bins.nunique())
            picks = []
            for b, part in zip(sorted(bins.unique()), share):
                members = pool.index[bins == b]
                picks += list(rng.choice(members, size=min(len(part), len(members)), replace=False))
            return items.loc[sorted(picks, key=lambda i: pool.at[i, "_conf"])]
        log.warning("golden: %s covers %d items, fewer than golden.size %d: random candidates", source, len(pool), n)
    return items.iloc[sorted(rng.choice(len(items), size=n, replace=False))] if n else items.head(0)


def read_annotations(export: list[dict], questions: dict) -> dict[str, dict]:
    """item_id -> the latest submitted annotation's labels, edge flag, annotator and task id."""
    from foodcrowd.review.labeling import parse_result

    out = {}
    for task in export:
        done = submitted(task)
        if not done:
            continue
        last = max(done, key=lambda a: (a.get("updated_at") or a.get("created_at") or "", a.get("id", 0)))
        labels, edge = parse_result(last.get("result") or [], questions)
        if labels:
            out[str(task["data"]["item_id"])] = {"labels": labels, "edge_case": edge, "ls_task_id": int(task["id"]),
                                                 "annotator": str(annotator(last))}
    return out


def submitted(task: dict) -> list[dict]:
    """A task's submitted (not cancelled) annotations, as exported."""
    return [a for a in task.get("annotations") or () if not a.get("was_cancelled")]


def annotator(annotation: dict, emails: dict | None = None):
    """Who made an annotation: the email (the export holds the user's id, or a dict with it), else the id."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        return who.get("email") or who.get("id")
    return (emails or {}).get(who, who)


def _instructions_html(plain: dict) -> str:
    from foodcrowd import CONF_DIR
    from foodcrowd.plan.project import read_instructions, render_instructions

    interface = plain.get("interface") or {}
    return render_instructions(read_instructions(interface, CONF_DIR)) if interface.get("instructions") else ""


def wait_for(client, project: dict, want: set[str], questions: dict, review: dict, need: int, what: str,
             read=read_annotations, pending: str = "the expert has labelled {done} of {want} items ({need} needed)",
             who: str = "the expert", fix: str = "label them in Label Studio at that URL") -> dict:
    """Poll the project until ``need`` of the ``want`` items are done (``read(export, questions)``: item ->
    what was done; default the expert's latest labels) or ``review.wait_minutes`` pass; then what ``read``
    gave, or ExpertsPending naming the URL."""
    from rich.progress import Progress

    from foodcrowd.review.connect import ExpertsPending

    deadline = time.monotonic() + 60.0 * float(review.get("wait_minutes") or 0)
    with Progress(transient=True) as bar:
        job = bar.add_task(f"{what}: waiting for {who} in Label Studio", total=len(want))
        while True:
            done = {k: v for k, v in read(client.export(project["id"]), questions).items() if k in want}
            bar.update(job, completed=len(done))
            if len(done) >= need:
                return done
            if time.monotonic() >= deadline:
                raise ExpertsPending(pending.format(done=len(done), want=len(want), need=need),
                                     client.project_url(project["id"]),
                                     f"{fix}, then run the same command again "
                                     f"(it resumes here); or raise review.wait_minutes to wait")
            time.sleep(float(review.get("poll_seconds") or 5))


def collect_golden(items, plain: dict, out_dir: Path):
    """Candidates to Label Studio, the expert's answers back: the golden table (``golden.parquet``)."""
    import pandas as pd

    from foodcrowd.review.connect import connect, stage_images
    from foodcrowd.review.labeling import labeling_config

    golden, review, questions = plain["golden"], plain["review"], plain["questions"]
    candidates = pick_candidates(items, golden, int(plain.get("seed", 0)))
    title = (golden.get("project") or f"golden {plain['dataset']['name']}")[:50]
    with connect(review) as client:
        config = labeling_config(questions, plain["interface"], edge_case=True)
        project = client.ensure_project(title, config, "foodcrowd golden set: the expert's answers become the "
                                        "exam, the control tasks and the accuracy reference", _instructions_html(plain))
        urls, storage = stage_images(candidates, review)
        if storage:
            client.ensure_local_storage(project["id"], storage)
        field = plain["interface"]["image_field"]
        tasks = [{"data": {"item_id": str(i), field: u}} for i, u in zip(candidates["item_id"], urls)]
        added = client.import_tasks(project["id"], tasks)
        log.info("golden: %d candidates in Label Studio project %s (%d new): %s", len(tasks), project["id"], added,
                 client.project_url(project["id"]))
        need = int(golden.get("min_labelled") or len(tasks))
        done = wait_for(client, project, {t["data"]["item_id"] for t in tasks}, questions, review, need, "golden set")
    rows = [{"item_id": k, **{f"label_{q}": v["labels"].get(q) for q in questions}, "edge_case": v["edge_case"],
             "annotator": v["annotator"], "ls_task_id": v["ls_task_id"]} for k, v in sorted(done.items())]
    table = pd.DataFrame(rows, columns=["item_id", *(f"label_{q}" for q in questions), *GOLDEN_COLUMNS[1:]])
    table.to_parquet(out_dir / "golden.parquet", index=False)
    return table, {"project_id": int(project["id"]), "url": client.project_url(project["id"]),
                   "candidates": len(tasks), "labelled": len(table), "edge_cases": int(table["edge_case"].sum())}


def apply_golden(items, table):
    """``items`` whose ``truth_<q>`` and ``ambiguous`` come from the golden table only (none elsewhere)."""
    out = items.copy()
    by_id = table.set_index("item_id")
    ids = out["item_id"].astype(str)
    for col in [c for c in by_id.columns if c.startswith("label_")]:
        out[f"truth_{col[len('label_'):]}"] = ids.map(by_id[col]).astype(object).where(ids.isin(by_id.index), None)
    out["ambiguous"] = ids.map(by_id["edge_case"]).astype("boolean").fillna(False).astype(bool)
    return out
