"""In-house annotators as a crowd backend (``crowd=label_studio``): the main tasks go to a Label Studio
project instead of Toloka, and the annotations come back as the crowd stage's tables.

Each item becomes one task of the project ``crowd.project`` (default ``crowd <dataset.name> <crowd key>``,
found again by title on a re-run: tasks are imported once); Label Studio's ``maximum_annotations`` is
``crowd.overlap``, so each task is handed to that many annotators. Like ``golden=label_studio``, the run
waits up to ``review.wait_minutes`` for every item to have its ``overlap`` annotations, else stops with
the project's URL (exit code 3); the same command resumes and pulls. Nothing is created on Toloka.

The tables have the Toloka path's columns (``foodcrowd.act.toloka_collect.COLUMNS``): one assignment per
annotation (``ls:<annotation id>``, container ``pool:main``, ``pool_id`` = the project id), worker = the
annotator's email (else the Label Studio user id), submitted_at = seconds since the project was created,
seconds = Label Studio's lead time, reward = ``crowd.hourly_cost_usd`` x lead time (0 by default). There
is no exam, no control task, no ban and no skill: :func:`not_applied` says so at plan time.
"""
from __future__ import annotations

import datetime
import logging

__all__ = ["label_studio_crowd", "answers_tables", "complete", "not_applied"]

log = logging.getLogger(__name__)


def not_applied(plain: dict) -> str | None:
    """One line naming the quality control configured that in-house annotators do not get (None: none)."""
    off = []
    exam = plain.get("exam") or {}
    if exam.get("form", "none") != "none":
        off.append(f"the exam (exam.form={exam['form']})")
    quality = plain.get("quality") or {}
    rules = [k for k, v in quality.items() if isinstance(v, dict) and v.get("enabled")]
    if "control_tasks" in rules:
        off.append("the control tasks")
    if [r for r in rules if r != "control_tasks"]:
        off.append("the quality rules (" + ", ".join(f"quality.{r}" for r in rules if r != "control_tasks") + ")")
    if not off:
        return None
    return (f"crowd=label_studio: {', '.join(off)} do not apply to Label Studio annotators and are not used; "
            "the answers are aggregated as they come")


def complete(overlap: int):
    """``read`` for :func:`foodcrowd.review.golden.wait_for`: items with ``overlap`` annotators or more."""
    from foodcrowd.review.golden import annotator, submitted

    def read(export: list[dict], questions: dict) -> dict[str, int]:
        done = {str(t["data"]["item_id"]): len({str(annotator(a)) for a in submitted(t)}) for t in export}
        return {k: n for k, n in done.items() if n >= overlap}
    return read


def _time(text: str | None) -> datetime.datetime | None:
    if not text:
        return None
    stamp = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=datetime.timezone.utc)


def answers_tables(export: list[dict], questions: dict, project: dict, emails: dict | None = None,
                   hourly_cost_usd: float = 0.0) -> dict:
    """Label Studio's JSON export -> the crowd tables (answers, exam_answers, assignments, bans, skills).
    One annotation per (task, annotator) counts: the latest; unanswered questions are left out."""
    import pandas as pd

    from foodcrowd.act.toloka_collect import COLUMNS
    from foodcrowd.review.golden import annotator, submitted
    from foodcrowd.review.labeling import parse_result

    opened, pool_id = _time(project.get("created_at")), str(project["id"])
    answers, assignments = [], []
    for task in export:
        latest: dict[str, dict] = {}
        for a in sorted(submitted(task), key=lambda a: (a.get("updated_at") or a.get("created_at") or "", a["id"])):
            latest[str(annotator(a, emails))] = a
        for worker, a in sorted(latest.items()):
            labels, _ = parse_result(a.get("result") or [], questions)
            if not labels:
                continue
            stamp = _time(a.get("updated_at") or a.get("created_at"))
            submitted_at = (stamp - opened).total_seconds() if stamp and opened else None
            seconds = float(a["lead_time"]) if a.get("lead_time") is not None else None
            aid = f"ls:{a['id']}"
            assignments.append({"assignment_id": aid, "container": "pool:main", "pool_id": pool_id, "worker": worker,
                                "status": "ACCEPTED", "reward": round(hourly_cost_usd * (seconds or 0.0) / 3600, 6),
                                "n_tasks": 1, "created_at": None if submitted_at is None or seconds is None else
                                submitted_at - seconds, "submitted_at": submitted_at, "seconds": seconds})
            for q, label in labels.items():
                answers.append({"task": str(task["data"]["item_id"]), "worker": worker, "question": q, "label": label,
                                "kind": "task", "assignment_id": aid, "pool_id": pool_id, "submitted_at": submitted_at,
                                "seconds": seconds, "status": "ACCEPTED"})
    rows = {"answers": answers, "assignments": assignments}
    return {name: pd.DataFrame(rows.get(name, []), columns=cols) for name, cols in COLUMNS.items()}


def _emails(client) -> dict:
    """User id -> email; {} when the token may not list the organisation's users (workers stay ids)."""
    from foodcrowd.review.service import LabelStudioError

    try:
        return client.users()
    except LabelStudioError as err:
        log.warning("crowd: Label Studio did not list its users (%s): annotators are named by their ids", err)
        return {}


def label_studio_crowd(ctx) -> dict:
    """The crowd stage on Label Studio: items to the project, annotations back as tables (``toloka/``)."""
    import json

    from foodcrowd.act.crowd import summarise
    from foodcrowd.plan.estimate import priced
    from foodcrowd.plan.stage import load_data, plan_for
    from foodcrowd.review.connect import connect, stage_images
    from foodcrowd.review.golden import _instructions_html, wait_for
    from foodcrowd.review.labeling import labeling_config

    plain, out = priced(ctx.plain), ctx.out_dir
    crowd, questions, review = plain["crowd"], plain["questions"], plain["review"]
    data = load_data(ctx.run_dir)
    estimate = plan_for(plain, ctx.run_dir, data).estimate
    items = data["items"].iloc[: int(estimate["items"])]
    overlap = int(crowd["overlap"])
    title = (crowd.get("project") or f"crowd {plain['dataset']['name']} {ctx.key[:8]}")[:50]
    with connect(review) as client:
        project = client.ensure_project(title, labeling_config(questions, plain["interface"]),
                                        "foodcrowd: label every item", _instructions_html(plain),
                                        maximum_annotations=overlap)
        urls, storage = stage_images(items, review)
        if storage:
            client.ensure_local_storage(project["id"], storage)
        field = plain["interface"]["image_field"]
        added = client.import_tasks(project["id"], [{"data": {"item_id": str(i), field: u}}
                                                    for i, u in zip(items["item_id"], urls)])
        url = client.project_url(project["id"])
        log.info("crowd: %d items in Label Studio project %s (%d new), %d annotators each: %s", len(items),
                 project["id"], added, overlap, url)
        pending = ("{done} of {want} items have their " + str(overlap) + " annotations ({need} needed)")
        wait_for(client, project, {str(i) for i in items["item_id"]}, questions, review, len(items), "crowd",
                 read=complete(overlap), pending=pending, who="the annotators",
                 fix="your annotators label them in Label Studio at that URL (newcomers join through the "
                     "organisation's invite link, Organization page)")
        tables = answers_tables(client.export(project["id"]), questions, project, _emails(client),
                                float(crowd.get("hourly_cost_usd") or 0.0))
    for name, df in tables.items():
        tmp = out / f"{name}.parquet.tmp"
        df.to_parquet(tmp, index=False)
        tmp.replace(out / f"{name}.parquet")
    (out / "state.json").write_text(json.dumps({"backend": "label_studio", "project_id": int(project["id"]),
                                                "downloaded": {"all": True}}))
    summary = summarise(tables, plain, len(items), estimate)
    summary["label_studio_crowd"] = {"project_id": int(project["id"]), "url": url, "overlap": overlap,
                                     "annotators": summary["annotators"],
                                     "hourly_cost_usd": float(crowd.get("hourly_cost_usd") or 0.0),
                                     "not_applied": not_applied(ctx.plain)}
    log.info("crowd: %s answers from %s Label Studio annotators, $%.2f", summary["answers"], summary["annotators"],
             summary["cost_usd"])
    return {"ids": {"label_studio_project": int(project["id"])}, "state": str(out / "state.json"), "summary": summary}
