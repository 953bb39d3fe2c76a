"""The train stage: a torch model learns the aggregated labels of the annotated dataset version.

``train_stage(ctx)`` reads the annotated version (``ctx.result("register")["annotated_dataset_id"]``,
through the configured DataView; without a registry result it reads the run's ``data/items.parquet`` and
``labels/labels.parquet``, the same content), splits train/validation by item-id hash
(``trainer.val_fraction``), builds ``cfg.model`` through the allow-listed instantiate with one head per
question, trains (optionally weighting each sample by its label confidence), and scores the model on
validation items against ground truth (``truth_<q>``) where known, else against control-task answers.
Writes ``model/model.pt``, ``model/metrics.json``, ``model/history.csv`` and confusion-matrix PNGs;
logs scalars, plots and the checkpoint to the current tracker. ``model=none`` skips the stage.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from foodcrowd.act.training.data import TrainingDataError, encode, load_images, split_is_val
from foodcrowd.act.training.metrics import scores
from foodcrowd.label_types import classes_of
from foodcrowd.record.tracking import current

__all__ = ["train_stage", "TrainingDataError"]

log = logging.getLogger(__name__)




def _control_truth(ctx, table, question: str, classes: list[str]) -> np.ndarray:
    """Control-task answers as class indices per row of ``table`` (-1 where there is none)."""
    import pandas as pd

    path = ctx.run_dir / "data" / "control.parquet"
    if not path.is_file():
        return np.full(len(table), -1, dtype=np.int64)
    control = pd.read_parquet(path)
    answers = control[control["question"] == question].drop_duplicates("item_id").set_index("item_id")["answer"]
    return encode(table["item_id"].map(answers), classes)


def _evaluate(ctx, table, is_val: np.ndarray, preds: dict, classes: dict) -> tuple[dict, dict, dict]:
    """Per question: scores on validation items against ground truth, else control answers."""
    metrics, against, matrices = {}, {}, {}
    for q, cls in classes.items():
        truth = encode(table[f"truth_{q}"], cls) if f"truth_{q}" in table else np.full(len(table), -1)
        use, kind = is_val & (truth >= 0), "ground_truth"
        if not use.any():
            truth, kind = _control_truth(ctx, table, q, cls), "control_answers"
            use = is_val & (truth >= 0)
            if not use.any():  # control items all fell into training: still a check, but say so
                use, kind = truth >= 0, "control_answers_incl_train"
        if not use.any():
            against[q] = "none"
            continue
        s = scores(truth[use], preds[q][use], len(cls))
        s["majority_share"] = float(np.bincount(truth[use]).max() / use.sum())  # what always-the-commonest scores
        matrices[q] = s.pop("confusion")
        s.update(per_class_f1(matrices[q], cls))
        metrics[q], against[q] = s, kind
    return metrics, against, matrices


def per_class_f1(matrix, classes: list[str]) -> dict:
    """``per_class_f1`` (true x predicted ``matrix``) and ``never_predicted``: classes with true items that
    the model never predicts (a headline accuracy can hide them)."""
    m = np.asarray(matrix, dtype=float)
    tp, pred, true = np.diag(m), m.sum(axis=0), m.sum(axis=1)
    f1 = np.divide(2 * tp, pred + true, out=np.zeros_like(tp), where=(pred + true) > 0)
    return {"per_class_f1": {c: round(float(v), 4) for c, v in zip(classes, f1)},
            "never_predicted": [c for c, p, t in zip(classes, pred, true) if p == 0 and t > 0]}


def _plot_confusion(path: Path, q: str, matrix: list, labels: list[str]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.2, 3.0), dpi=100)
    m = np.asarray(matrix)
    ax.imshow(m, cmap="Blues", vmin=0, vmax=max(1, m.max()))
    for (i, j), v in np.ndenumerate(m):  # white on the dark cells, dark on the light ones: always readable
        ax.text(j, i, str(v), ha="center", va="center", fontsize=8,
                color="white" if v > 0.55 * max(1, m.max()) else "#102040")
    ax.set_xticks(range(len(labels)), labels, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"model: {q}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def train_stage(ctx) -> dict:
    plain, out = ctx.plain, ctx.out_dir
    model_cfg, tr = plain.get("model") or {}, plain["trainer"]
    if not model_cfg.get("_target_"):
        log.info("stage train: model=none, nothing to train")
        return {"skipped": True, "summary": {"model": {"metrics": {}, "skipped": True}}}
    import torch

    from foodcrowd.act.training.loop import fit, pick_device, predict
    from foodcrowd.instantiate import instantiate

    t0 = time.perf_counter()
    from foodcrowd.act.training.threads import job_threads

    threads, threads_from = job_threads(tr.get("num_threads", "auto"))
    torch.set_num_threads(threads)
    log.info("stage train: %d torch thread(s) (%s)", threads, threads_from)
    device = pick_device(tr.get("device", "auto"))
    classes = classes_of(plain["questions"])
    from foodcrowd.act.training.source import read_rows

    table, version, info = read_rows(ctx, list(classes))
    ys_all = {q: encode(table[f"label_{q}"], cls) for q, cls in classes.items()}
    if not any((y >= 0).any() for y in ys_all.values()):
        raise TrainingDataError("the annotated dataset has no labels to train on (labels.parquet is empty or "
                                "its labels match no class of conf/questions)")
    is_val = split_is_val(table["item_id"].tolist(), float(tr["val_fraction"]))
    # a DataView filters what trains, never the validation items (scores comparable across DataViews)
    is_train = ~is_val & (table["in_view"].fillna(True).to_numpy(bool) if "in_view" in table else True)
    size = int(tr.get("image_size", 64))
    images, hit = load_images(table["item_id"].tolist(), table["path"].tolist(), size,
                              Path(plain.get("home", ctx.run_dir)) / "cache" / "train", info.get("content"))
    t_data = time.perf_counter() - t0

    tracker = current()
    train_idx = torch.from_numpy(np.flatnonzero(is_train))
    ys = {q: torch.from_numpy(y)[train_idx] for q, y in ys_all.items()}
    view_w = table["weight"].fillna(1.0).to_numpy(float)  # the DataView's per-row sampling weight
    ws = {q: torch.tensor(view_w * (table[f"confidence_{q}"].fillna(1.0).to_numpy(float)
                                    if tr.get("weight_by_confidence", True) else 1.0), dtype=torch.float32)[train_idx]
          for q in classes}
    torch.manual_seed(int(tr.get("seed", 0)))
    try:
        model = instantiate(model_cfg, heads={q: len(c) for q, c in classes.items()}, _convert_="all")
    except Exception as err:  # a wrong keyword or target: name the config, not a Hydra traceback
        from foodcrowd.errors import UserError

        cause = str(err.__cause__ or err).strip().splitlines()[-1][:200]
        raise UserError(f"cannot build {model_cfg.get('_target_')!r}: {cause}", "model",
                        "check conf/model/*.yaml: the keys must be arguments of the class; it gets heads=") from None
    val_x = images[torch.from_numpy(np.flatnonzero(is_val))]

    def on_epoch(epoch: int, stats: dict) -> None:
        tracker.scalar("loss", "train", stats["train_loss"], epoch)
        tracker.scalar("lr", "lr", stats["lr"], epoch)
        if len(val_x):
            preds = predict(model, val_x, device=device)
            for q, y in ys_all.items():
                y_val = y[is_val]
                mask = y_val >= 0
                if mask.any():  # agreement with the crowd labels on held-out items
                    stats[f"val_label_accuracy_{q}"] = float((preds[q][mask] == y_val[mask]).mean())
                    tracker.scalar(f"val_label_accuracy", q, stats[f"val_label_accuracy_{q}"], epoch)

    history = fit(model, images[train_idx], ys, ws, epochs=int(tr["epochs"]), batch_size=int(tr["batch_size"]),
                  lr=float(tr["lr"]), weight_decay=float(tr.get("weight_decay", 0.0)), device=device,
                  seed=int(tr.get("seed", 0)), on_epoch=on_epoch)
    t_fit = time.perf_counter() - t0 - t_data
    preds = predict(model, images, device=device)
    metrics, against, matrices = _evaluate(ctx, table, is_val, preds, classes)

    ckpt = out / "model.pt"
    from foodcrowd.atomic import save_torch

    save_torch({"state_dict": model.state_dict(), "model": model_cfg, "classes": classes, "image_size": size,
                "dataset_version": version, "metrics": metrics}, ckpt)
    import pandas as pd

    pd.DataFrame(history).to_csv(out / "history.csv", index=False)
    for q, m in matrices.items():
        _plot_confusion(out / f"confusion_{q}.png", q, m, classes[q])
        tracker.confusion("confusion (validation)", q, m, classes[q], len(history))
    for q in classes:
        counts = table.loc[is_train, f"label_{q}"].value_counts()
        tracker.bars("label distribution (train)", q, {c: int(counts.get(c, 0)) for c in classes[q]})
    for q, m in metrics.items():
        for k in ("accuracy", "macro_f1"):
            tracker.scalar(f"val_{k}", q, m[k], len(history))
    tracker.params("datasets_used", {"annotated": version or "run_dir", **{k: str(v) for k, v in info.items()}})
    tracker.artifact("checkpoint", ckpt)

    accs = [m["accuracy"] for m in metrics.values()]
    record = {"metrics": metrics, "evaluated_against": against, "checkpoint": str(ckpt), "epochs": len(history),
              "accuracy": {**{q: m["accuracy"] for q, m in metrics.items()},
                           "mean": float(np.mean(accs)) if accs else None},
              "train_items": int(is_train.sum()), "val_items": int(is_val.sum()), "device": device,
              "image_cache_hit": hit, "threads": threads, "threads_from": threads_from, "seconds": {"data": round(t_data, 3), "fit": round(t_fit, 3)},
              "dataset_version": version, "datasets_used": info.get("versions") or [], "source": info["source"],
              "tracker_task": tracker.task_id,
              "confusion": {q: {"classes": list(classes[q]), "matrix": [list(map(int, r)) for r in m]}
                            for q, m in matrices.items()}}
    (out / "metrics.json").write_text(json.dumps(record, indent=2, default=str) + "\n")
    log.info("stage train: %s", ", ".join(f"{q} acc {m['accuracy']:.3f}" for q, m in metrics.items()))
    return {"checkpoint": str(ckpt), "summary": {"model": record}}
