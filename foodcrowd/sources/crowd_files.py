"""Read recorded crowd answers and gold labels in the conventions people actually have.

Answers: crowd-kit's ``task, worker, label`` (optional ``time``/``seconds``), the survey datasets'
``question, worker, answer`` (first column may be named ``id``), or a Toloka assignments export
(``INPUT:<field>``, ``OUTPUT:<field>``, ``ASSIGNMENT:worker_id``...). Truth: ``task, true_label`` or
``question, truth`` (any two columns: id then truth). Everything comes back as crowd-kit's convention.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["CrowdFileError", "read_answers", "read_truth"]


class CrowdFileError(ValueError):
    """A recorded answers or truth file that cannot be read; the message names the file and the fix."""


def _read_table(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise CrowdFileError(f"{path}: no such file (check the path)")
    try:
        if path.suffix == ".parquet":
            return pd.read_parquet(path)
        sep = "\t" if path.suffix in (".tsv", ".tab") else ","
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
    except Exception as err:  # parser errors of every kind end up here
        raise CrowdFileError(f"{path}: cannot be read as a table ({err})") from None


def read_answers(path: str | Path, output_field: str | None = None) -> pd.DataFrame:
    """Answers as ``task, worker, label`` (+ ``seconds`` when the file records time), all strings."""
    df = _read_table(path)
    cols = {c.lower(): c for c in df.columns}
    if {"task", "worker", "label"} <= set(cols):
        out = df.rename(columns={cols["task"]: "task", cols["worker"]: "worker", cols["label"]: "label"})
    elif {"worker", "answer"} <= set(cols) and len(df.columns) >= 3:
        first = df.columns[0]
        out = df.rename(columns={first: "task", cols["worker"]: "worker", cols["answer"]: "label"})
    elif "assignment:worker_id" in cols:
        outputs = [c for c in df.columns if c.upper().startswith("OUTPUT:")]
        inputs = [c for c in df.columns if c.upper().startswith("INPUT:")]
        if not outputs or not inputs:
            raise CrowdFileError(f"{path}: a Toloka export needs INPUT: and OUTPUT: columns")
        out_col = next((c for c in outputs if output_field and c.split(":", 1)[1] == output_field), outputs[0])
        in_col = next((c for c in inputs if c.lower() in ("input:item_id", "input:task", "input:id")), inputs[0])
        out = df.rename(columns={in_col: "task", cols["assignment:worker_id"]: "worker", out_col: "label"})
    else:
        raise CrowdFileError(f"{path}: columns {list(df.columns)} are not answers "
                             "(expected task,worker,label or question,worker,answer or a Toloka export)")
    for src in ("time", "seconds", "duration"):
        if src in cols and "seconds" not in out.columns:
            out["seconds"] = pd.to_numeric(df[cols[src]], errors="coerce")
    keep = ["task", "worker", "label"] + (["seconds"] if "seconds" in out.columns else [])
    out = out[keep].copy()
    for c in ("task", "worker", "label"):
        out[c] = out[c].astype(str)
    if out.empty:
        raise CrowdFileError(f"{path}: holds no answers")
    return out.reset_index(drop=True)


def read_truth(path: str | Path) -> pd.Series:
    """Gold labels as a Series ``task -> true label`` (strings), named ``true_label``."""
    df = _read_table(path)
    cols = {c.lower(): c for c in df.columns}
    if {"task", "true_label"} <= set(cols):
        task, truth = cols["task"], cols["true_label"]
    elif len(df.columns) == 2:
        task, truth = df.columns
    else:
        raise CrowdFileError(f"{path}: columns {list(df.columns)} are not truth (expected task,true_label or question,truth)")
    series = pd.Series(df[truth].astype(str).values, index=df[task].astype(str).values, name="true_label")
    series.index.name = "task"
    return series
