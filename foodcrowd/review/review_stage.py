"""``action=review``: the expert checks the crowd's labels in Label Studio; corrections come back.

Run it on a finished run's directory (``hydra.run.dir=<run dir>``; the earlier stages are skipped as
unchanged, or run first when missing). Pushes ``review.items`` items, least confident first
(``review.order: confidence``) or most disputed first (``disagreement``: share of answers that differ from
the label), with the aggregated labels as a prediction (score = the lowest confidence) and every
annotator's answer in the task text. Pulls the expert's labels, writes ``review/review.parquet`` (item,
question, crowd label, confidence, expert label, changed), registers ``<name>-reviewed`` as a child of the
annotated version, and reports how many labels changed and the crowd's accuracy on the reviewed items.
"""
from __future__ import annotations

import json
import logging

__all__ = ["review_stage", "order_for_review", "crowd_text"]

log = logging.getLogger(__name__)


def order_for_review(labels, answers, order: str):
    """Item ids, the ones most worth an expert's look first."""
    import pandas as pd

    conf = labels.groupby(labels["item_id"].astype(str))["confidence"].min()
    if order == "disagreement" and answers is not None and not answers.empty:
        lab = labels.assign(item_id=labels["item_id"].astype(str)).set_index(["item_id", "question"])["label"]
        a = answers.assign(task=answers["task"].astype(str))
        agg = lab.reindex(pd.MultiIndex.from_arrays([a["task"], a["question"]])).to_numpy()
        a = a.assign(differs=(a["label"].astype(str).to_numpy() != agg.astype(str)))
        score = a.groupby("task")["differs"].mean().reindex(conf.index).fillna(0.0)
        return list(pd.DataFrame({"s": -score, "c": conf}).sort_values(["s", "c"], kind="mergesort").index)
    return list(conf.sort_values(kind="mergesort").index)


def crowd_text(item_id: str, labels, answers) -> str:
    """What the crowd said about one item, one line per question."""
    lines = []
    for row in labels[labels["item_id"].astype(str) == item_id].itertuples():
        said = answers[(answers["task"].astype(str) == item_id) & (answers["question"] == row.question)]
        votes = ", ".join(f"{w}: {lab}" for w, lab in zip(said["worker"].astype(str), said["label"].astype(str)))
        lines.append(f"{row.question}: {row.label} (confidence {float(row.confidence):.2f}); answers: {votes or '-'}")
    return "\n".join(lines)


def _read(ctx):
    import pandas as pd

    from foodcrowd.errors import UserError

    need = {"items": "data/items.parquet", "labels": "labels/labels.parquet", "annotated": "datasets/annotated.json"}
    for what, rel in need.items():
        if not (ctx.run_dir / rel).exists():
            raise UserError(f"{rel} is missing in {ctx.run_dir}", "hydra.run.dir",
                            "point hydra.run.dir at a finished run (action=review reviews its labels)")
    answers_path = ctx.run_dir / "toloka" / "answers.parquet"
    answers = pd.read_parquet(answers_path, columns=["task", "worker", "question", "label", "kind"]) \
        if answers_path.exists() else None
    if answers is not None:
        answers = answers[answers["kind"].astype(str) == "task"].dropna(subset=["label"])
    annotated = json.loads((ctx.run_dir / "datasets" / "annotated.json").read_text())["id"]
    return (pd.read_parquet(ctx.run_dir / "data" / "items.parquet"), pd.read_parquet(ctx.run_dir / "labels" /
            "labels.parquet"), answers, annotated)


def review_stage(ctx) -> dict:
    import pandas as pd

    from foodcrowd.review.connect import connect, stage_images
    from foodcrowd.review.golden import wait_for
    from foodcrowd.review.labeling import labeling_config, prediction_result
    from foodcrowd.review.register import register_reviewed

    plain, review, questions = ctx.plain, ctx.plain["review"], ctx.plain["questions"]
    items, labels, answers, annotated = _read(ctx)
    ids = order_for_review(labels, answers, review.get("order", "confidence"))[: int(review.get("items") or 0)]
    chosen = items.set_index(items["item_id"].astype(str)).loc[ids].reset_index(drop=True)
    title = f"review {plain['dataset']['name']} {annotated[:8]}"[:50]
    with connect(review) as client:
        project = client.ensure_project(title, labeling_config(questions, plain["interface"], crowd_answers=True),
                                        "foodcrowd review: the crowd's label is pre-selected; correct it if wrong")
        urls, storage = stage_images(chosen, review)
        if storage:
            client.ensure_local_storage(project["id"], storage)
        field, tasks = plain["interface"]["image_field"], []
        for item_id, url in zip(ids, urls):
            mine = labels[labels["item_id"].astype(str) == item_id]
            pred = prediction_result(dict(zip(mine["question"], mine["label"].astype(str))), questions)
            tasks.append({"data": {"item_id": item_id, field: url,
                                   "crowd": crowd_text(item_id, labels, answers if answers is not None else
                                                       pd.DataFrame(columns=["task", "worker", "question", "label"]))},
                          "predictions": [{"model_version": f"crowd-{labels['method'].iloc[0]}",
                                           "score": float(mine["confidence"].min()), "result": pred}]})
        client.import_tasks(project["id"], tasks)
        print(f"Review in Label Studio: {client.project_url(project['id'])} ({len(tasks)} items)")
        need = int(review.get("min_reviewed") or len(tasks))
        done = wait_for(client, project, set(ids), questions, review, need, "review")
    rows = []
    for row in labels[labels["item_id"].astype(str).isin(done)].itertuples():
        expert = done[str(row.item_id)]["labels"].get(row.question)
        if expert is not None:
            rows.append({"item_id": str(row.item_id), "question": row.question, "crowd_label": str(row.label),
                         "confidence": float(row.confidence), "expert_label": expert,
                         "changed": str(row.label) != expert, "annotator": done[str(row.item_id)]["annotator"]})
    table = pd.DataFrame(rows, columns=["item_id", "question", "crowd_label", "confidence", "expert_label",
                                        "changed", "annotator"])
    table.to_parquet(ctx.out_dir / "review.parquet", index=False)
    accuracy = {q: round(float((~part["changed"]).mean()), 6) for q, part in table.groupby("question")}
    info = {"project_id": int(project["id"]), "items": int(table["item_id"].nunique()), "labels": int(len(table)),
            "changed": int(table["changed"].sum()), "crowd_accuracy": accuracy, "order": review.get("order")}
    version = register_reviewed(table, items, plain, annotated, info)
    info.update(dataset=version.id, url=client.project_url(project["id"]))
    (ctx.out_dir / "review.json").write_text(json.dumps(info, indent=1))
    print(f"Review: {info['items']} items, {info['changed']} of {info['labels']} labels changed by the expert; "
          "crowd accuracy on them: " + ", ".join(f"{q} {v:.1%}" for q, v in accuracy.items()))
    return {"summary": {"review": info, "datasets": {"reviewed": version.id}}, "reviewed_dataset_id": version.id}


def preview_stage(ctx) -> dict:
    """``action=preview``: the interface in Label Studio on ``review.preview_items`` items; prints the URL.
    Loads the items itself (no exam, no control tasks, no golden set: nothing is asked of anyone yet)."""
    from foodcrowd.act.data import prepare_items
    from foodcrowd.review.connect import connect, stage_images
    from foodcrowd.review.golden import _instructions_html
    from foodcrowd.review.labeling import labeling_config

    plain, review = ctx.plain, ctx.plain["review"]
    items = prepare_items(plain, ctx.out_dir)[0].head(int(review.get("preview_items") or 5))
    title = f"preview {plain.get('experiment_name', 'default')}"[:50]
    with connect(review) as client:
        project = client.ensure_project(title, labeling_config(plain["questions"], plain["interface"]),
                                        "foodcrowd preview: what annotators will see", _instructions_html(plain))
        urls, storage = stage_images(items, review)
        if storage:
            client.ensure_local_storage(project["id"], storage)
        field = plain["interface"]["image_field"]
        client.import_tasks(project["id"], [{"data": {"item_id": str(i), field: u}}
                                            for i, u in zip(items["item_id"], urls)])
        url = client.project_url(project["id"])
    print(f"Preview of the annotator interface in Label Studio: {url}?labeling=1")
    return {"summary": {"preview": {"url": url, "project_id": int(project["id"]), "items": int(len(items))}}}
