"""The time side of a fitted population: seconds per task per type, session lengths, arrival rate.

Input: any table with a worker column (``worker`` or a Toloka export's ``ASSIGNMENT:worker_id``) and
either seconds per task (``seconds``, ``time``, ``duration``) or timestamps (``started``/``submitted``,
``ASSIGNMENT:started``/``ASSIGNMENT:submitted``, ``timestamp``, ``submitted_at``): numbers (seconds) or
dates. From timestamps: a task's seconds = (submitted - started) / tasks of its assignment; a worker's
sessions are split at gaps over 30 minutes; a session's pages are its assignments (or its answers /
``tasks_per_page`` without assignment ids); the arrival rate is workers per minute between the first and
the last worker's first timestamp.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["time_model", "read_times", "normalise_times"]

_GAP_SECONDS = 30 * 60
_SECONDS = ("seconds", "time", "duration")
_START = ("started", "started_at", "assignment:started", "created_at")
_END = ("submitted", "submitted_at", "assignment:submitted", "timestamp")


def _col(df: pd.DataFrame, names) -> str | None:
    low = {c.lower(): c for c in df.columns}
    return next((low[n] for n in names if n in low), None)


def _epoch(values: pd.Series) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce")
    if num.notna().mean() > 0.9:
        return num.astype(float)
    return pd.to_datetime(values, errors="coerce", utc=True).map(lambda t: t.timestamp() if pd.notna(t) else np.nan)


def read_times(path) -> pd.DataFrame:
    """A times file as ``worker`` (+ ``seconds``, ``start``, ``end``, ``assignment`` when present)."""
    from foodcrowd.sources.crowd_files import _read_table

    return normalise_times(_read_table(path), str(path))


def normalise_times(df: pd.DataFrame, where: str = "times") -> pd.DataFrame:
    """Any accepted times table as ``worker`` (+ ``seconds``, ``start``, ``end``, ``assignment``)."""
    from foodcrowd.sources.crowd_files import CrowdFileError

    path = where
    worker = _col(df, ("worker", "assignment:worker_id", "worker_id"))
    if worker is None:
        raise CrowdFileError(f"{path}: no worker column (worker or ASSIGNMENT:worker_id)")
    out = pd.DataFrame({"worker": df[worker].astype(str)})
    for key, names in (("seconds", _SECONDS), ("start", _START), ("end", _END)):
        col = _col(df, names)
        if col is not None:
            out[key] = pd.to_numeric(df[col], errors="coerce") if key == "seconds" else _epoch(df[col])
    assignment = _col(df, ("assignment_id", "assignment:assignment_id", "assignment"))
    if assignment is not None:
        out["assignment"] = df[assignment].astype(str)
    if not {"seconds", "end"} & set(out.columns):
        raise CrowdFileError(f"{path}: no seconds column ({', '.join(_SECONDS)}) and no timestamps ({', '.join(_END)})")
    return out


def time_model(df: pd.DataFrame, type_of: pd.Series, tasks_per_page: int = 10) -> dict:
    """{"types": {type: {seconds_per_task, time_sigma}}, "session_pages", "arrival_rate_per_minute", "what"}."""
    df = df.copy()
    df["worker"] = df["worker"].astype(str)
    out: dict = {"types": {}, "what": []}
    if "seconds" not in df.columns and {"start", "end"} <= set(df.columns):
        per = df.groupby("assignment")["worker"].transform("size") if "assignment" in df.columns else 1
        df["seconds"] = (df["end"] - df["start"]) / per
    if "seconds" in df.columns:
        sec = df[["worker", "seconds"]].dropna()
        sec = sec[sec["seconds"] > 0]
        if len(sec):
            sec = sec.assign(type=sec["worker"].map(type_of), log=np.log(sec["seconds"]))
            resid = sec["log"] - sec.groupby("worker")["log"].transform("mean")
            sigma = float(resid.std()) if len(sec) > 1 else 0.3
            for name, part in sec.dropna(subset=["type"]).groupby("type"):
                out["types"][name] = {"seconds_per_task": round(float(part["seconds"].median()), 3),
                                      "time_sigma": round(max(sigma, 0.05), 3)}
            out["what"].append("seconds per task")
    if "end" in df.columns and df["end"].notna().any():
        ts = df.dropna(subset=["end"]).sort_values("end")
        first = ts.groupby("worker")["end"].min().sort_values()
        if len(first) > 1 and first.iloc[-1] > first.iloc[0]:
            out["arrival_rate_per_minute"] = round((len(first) - 1) / ((first.iloc[-1] - first.iloc[0]) / 60.0), 4)
            out["what"].append("arrival rate")
        sessions = []
        for _, part in ts.groupby("worker"):
            gap = part["end"].diff().fillna(0) > _GAP_SECONDS
            for _, session in part.groupby(gap.cumsum()):
                pages = session["assignment"].nunique() if "assignment" in session else len(session) / tasks_per_page
                sessions.append(max(float(pages), 1.0))
        if sessions:
            out["session_pages"] = {"mean": round(float(np.mean(sessions)), 3), "max": int(np.ceil(max(sessions)))}
            out["what"].append("session lengths")
    out["what"] = ", ".join(out["what"]) or "none (no times given)"
    return out
