"""``dataset.source: replay``: the items of a recorded crowd (answers file + optional truth file).

Each task of ``dataset.answers`` becomes an item (``item_id`` = the task id, no image), with the gold
label of ``dataset.truth`` as ``truth_<question>`` for the one question the replay declares. Both
conventions are read: ``question,worker,answer`` + ``question,truth`` and crowd-kit's
``task,worker,label`` + ``task,true_label`` (see :mod:`foodcrowd.sources.crowd_files`).

The replay experiment's question and interface need the classes and the overlap before anything runs,
so this module also provides OmegaConf resolvers that read them from the answers file when the config
is resolved: ``${replay_classes:<file>}``, ``${replay_options:<file>}``, ``${replay_overlap:<file>}``
(a missing file gives placeholders, and the data stage then names the file).

Used by: python -m foodcrowd +experiment=replay dataset.answers=<answers.csv> dataset.truth=<truth.csv>
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["load", "register_resolvers", "recorded_classes", "recorded_overlap"]

_PLACEHOLDER = ["0", "1"]


def _natural(value: str):
    """Sort key: numbers by value, then text ("2" before "10")."""
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", value) if p]


@lru_cache(maxsize=8)
def _summary(path: str, mtime: float, size: int) -> tuple[list[str], int]:
    from foodcrowd.sources.crowd_files import read_answers

    answers = read_answers(path)
    per_task = answers.drop_duplicates(["task", "worker"]).groupby("task").size()
    return sorted(answers["label"].unique(), key=_natural), int(per_task.max())


def _file_summary(path) -> tuple[list[str], int] | None:
    if not path:
        return None
    p = Path(str(path)).expanduser()
    try:
        stat = p.stat()
        return _summary(str(p.resolve()), stat.st_mtime, stat.st_size)
    except Exception:  # missing or unreadable: the data stage reports it with the file and the fix
        return None


def recorded_classes(path) -> list[str]:
    """The distinct labels of an answers file, in natural order (placeholder when unreadable)."""
    found = _file_summary(path)
    return found[0] if found and len(found[0]) >= 2 else list(_PLACEHOLDER)


def recorded_overlap(path, cap: int = 100) -> int:
    """The most answers any task of the file has (every recorded answer is then served), at most ``cap``."""
    found = _file_summary(path)
    return min(found[1], cap) if found else 1


def register_resolvers() -> None:
    """Register ``replay_classes``, ``replay_options`` and ``replay_overlap`` with OmegaConf (idempotent)."""
    from omegaconf import OmegaConf

    resolvers = {
        "replay_classes": recorded_classes,
        "replay_options": lambda path: [{"value": c, "label": c} for c in recorded_classes(path)],
        "replay_overlap": recorded_overlap,
    }
    for name, fn in resolvers.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, fn, use_cache=False)


def load(ds: dict, plain: dict, cache_dir: Path):
    """Items of the recorded crowd: item_id (task id), relpath, no file, truth_<question> where known."""
    import pandas as pd

    from foodcrowd.sources import SourceError
    from foodcrowd.sources.crowd_files import CrowdFileError, read_answers, read_truth

    questions = list(plain.get("questions") or {})
    question = ds.get("question") or (questions[0] if questions else "label")
    if question not in questions:
        raise SourceError("dataset.question", f"is {question!r}, not a question", f"one of: {', '.join(questions)}")
    for key in ("answers", "truth"):
        if ds.get(key) and not os.path.exists(os.path.expanduser(str(ds[key]))):
            raise SourceError(f"dataset.{key}", f"{ds[key]}: no such file", f"pass dataset.{key}=<path to the csv>")
    if not ds.get("answers"):
        raise SourceError("dataset.answers", "is not set", "pass dataset.answers=<answers.csv>")
    try:
        answers = read_answers(Path(ds["answers"]).expanduser())
        truth = read_truth(Path(ds["truth"]).expanduser()) if ds.get("truth") else None
    except CrowdFileError as err:
        raise SourceError("dataset.answers" if "truth" not in str(err).split(":")[0] else "dataset.truth", str(err)) from None
    classes = [str(c) for c in (plain["questions"][question].get("classes") or [])]
    unknown = sorted(set(answers["label"]) - set(classes), key=_natural)
    if classes and unknown:
        raise SourceError(f"questions.{question}.classes", f"{ds['answers']} holds labels {unknown[:5]} not among {classes}",
                          "declare every recorded label as a class")
    tasks = pd.unique(answers["task"])
    items = pd.DataFrame({"item_id": tasks, "relpath": [f"replay/{t}" for t in tasks], "path": ""})
    if truth is not None:
        items[f"truth_{question}"] = truth.reindex(items["item_id"]).to_numpy(dtype=object)
    return items
