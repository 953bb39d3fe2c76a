"""Fixtures for the aggregation tests: run directories holding real crowd answers (bluebirds, BSD licence)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from foodcrowd.engine import StageContext
from foodcrowd.sources.crowd_files import read_answers, read_truth

BLUEBIRDS = Path(__file__).resolve().parent / "data" / "bluebirds"


@pytest.fixture(scope="session")
def bluebirds():
    """(answers as task, worker, label; truth as a Series task -> label), all strings."""
    return read_answers(BLUEBIRDS / "answer.csv"), read_truth(BLUEBIRDS / "truth.csv")


def make_run_dir(root: Path, answers: pd.DataFrame, items: pd.DataFrame | None = None, **tables) -> Path:
    """A run directory as the crowd and data stages leave it: toloka/answers.parquet, data/items.parquet..."""
    for sub in ("toloka", "data", "labels"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    answers.to_parquet(root / "toloka" / "answers.parquet", index=False)
    if items is not None:
        items.to_parquet(root / "data" / "items.parquet", index=False)
    for name, frame in tables.items():
        folder = "toloka" if name == "exam_answers" else "data"
        frame.to_parquet(root / folder / f"{name}.parquet", index=False)
    return root


def context(run_dir: Path, questions: dict, method: str = "mv", params: dict | None = None, per_question=None,
            results: dict | None = None, threshold: float = 0.7) -> StageContext:
    plain = {"experiment_name": "test", "questions": questions,
             "aggregation": {"method": method, "params": params or {}, "per_question": per_question or {},
                             "confidence_threshold": threshold}}
    return StageContext(cfg=None, plain=plain, run_dir=run_dir, out_dir=run_dir / "labels", results=results or {})


def bluebirds_run_dir(root: Path, answers: pd.DataFrame, truth: pd.Series, question: str = "bird") -> Path:
    rows = answers.assign(question=question, kind="task")
    items = pd.DataFrame({"item_id": truth.index, f"truth_{question}": truth.values})
    return make_run_dir(root, rows, items)


BIRD = {"bird": {"type": "binary", "text": "Is there an Indigo Bunting?", "objective": True, "classes": ["0", "1"]}}
