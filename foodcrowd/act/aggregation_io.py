"""Read ``toloka/answers.parquet`` for aggregation without turning a million ids into Python strings.

Columns are dictionary-encoded in Arrow and handed to pandas as Categoricals: the frames still read as
``task, worker, label`` strings to any label type, and the aggregation takes the integer codes straight
from them. Categories are sorted like the strings, so crowd-kit's results are exactly those on strings.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["as_categorical", "read_answers_by_question"]

_COLUMNS = ["task", "worker", "question", "label", "kind"]


def _encoded(column):
    """A (chunked) Arrow column as one DictionaryArray of strings (one hash pass, in Arrow)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    if not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return pc.dictionary_encode(column)


def as_categorical(column, rows=None, sort: bool = False) -> pd.Categorical:
    """``rows`` of a DictionaryArray as a Categorical (nulls -> NaN); ``sort`` orders the categories.

    Sorted codes matter: crowd-kit's results depend on the order of labels (ties), workers and tasks
    (MACE aligns group-bys, which sort, with factorised names), so codes must sort like the strings.
    """
    import pyarrow.compute as pc

    idx = column.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
    if column.null_count:
        idx = np.where(column.is_valid().to_numpy(zero_copy_only=False), idx, -1)
    idx = idx if rows is None else idx[rows]
    dictionary = column.dictionary
    if sort:
        order = pc.sort_indices(dictionary).to_numpy()
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        idx = np.where(idx >= 0, rank[np.maximum(idx, 0)], -1)
        dictionary = dictionary.take(order)
    dtype = pd.CategoricalDtype(pd.Index(dictionary.to_numpy(zero_copy_only=False), dtype=object), ordered=False)
    return pd.Categorical.from_codes(idx, dtype=dtype)


def read_answers_by_question(path: Path) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """({question: task-answers frame ``task, worker, label``}, control rows ``task, worker, question, label``)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=_COLUMNS)
    cols = {col: _encoded(table.column(col)) for col in ("task", "worker", "label", "question")}
    label_ok = cols["label"].is_valid().to_numpy(zero_copy_only=False)
    is_task = pc.fill_null(pc.equal(pc.cast(table.column("kind"), "string"), "task"), False).to_numpy()
    control_rows = np.flatnonzero(~is_task & label_ok)
    names = ("task", "worker", "question", "label")
    control = pd.DataFrame({col: np.asarray(as_categorical(cols[col], control_rows), dtype=object) for col in names})
    question = as_categorical(cols["question"])
    out = {}
    for code, name in enumerate(question.categories):
        mask = (question.codes == code) & is_task & label_ok
        rows = None if mask.all() else np.flatnonzero(mask)
        if rows is not None and not len(rows):
            continue
        out[str(name)] = pd.DataFrame({col: as_categorical(cols[col], rows, sort=True)
                                       for col in ("task", "worker", "label")})
    return out, control
