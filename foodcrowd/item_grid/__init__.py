"""The item grid: every item of a run or a dataset version in one paged, filterable, sortable HTML table
(thumbnail, aggregated label and confidence per question, each annotator's answer, ground truth where
known). One implementation, used by the run report (``report/index.html``) and the dataset preview
(``preview.html`` of an annotated version); self-contained (thumbnails inline, no network).

>>> records = grid_records(items, labels, answers, ["food_type"])   # DataFrames as the stages write them
>>> page = "<style>" + GRID_CSS + "</style>" + grid_section(records, ["food_type"])

Input tables (columns as in docs/CONTRACTS.md): ``items`` (``item_id``, ``path``, ``truth_<q>``...),
``labels`` long (``item_id, question, label, confidence``), ``answers`` long (``task, question, worker,
label`` and optional ``kind``: only ``task`` rows are shown, not exam or control answers). The output is
deterministic for the same input (a registered preview's hash depends on it).
"""
from __future__ import annotations

import base64
import io
import json
from typing import Any, Iterable, Iterator, Sequence, TextIO

from foodcrowd.item_grid.assets import BASE_CSS, GRID_CSS, SCRIPT

__all__ = ["grid_records", "iter_grid_records", "grid_section", "write_grid_section", "thumbnail_uri", "BASE_CSS", "GRID_CSS", "THUMB_PX"]

THUMB_PX = 112


def thumbnail_uri(path: str) -> str | None:
    """A JPEG thumbnail (at most :data:`THUMB_PX` a side) as a data URI, or None when unreadable."""
    from PIL import UnidentifiedImageError

    from foodcrowd.images import open_reduced

    try:
        with open_reduced(path, max_side=THUMB_PX) as im:
            im = im.convert("RGB")
            im.thumbnail((THUMB_PX, THUMB_PX))
            buf = io.BytesIO()
            im.save(buf, format="JPEG", quality=80)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()


def _plain(value):
    import numpy as np

    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value if isinstance(value, (int, float, bool)) else str(value)


def grid_records(items, labels, answers, questions: Sequence[str], thumbs: bool = True) -> list[dict]:
    """One record per item, in item order: ``{"id", "thumb" (data URI or None), "q": {question: {"label",
    "conf", "truth", "answers": [[worker, answer], ...]}}}``. ``labels``/``answers`` may be None."""
    return list(iter_grid_records(items, labels, answers, questions, thumbs))


def iter_grid_records(items, labels, answers, questions: Sequence[str], thumbs: bool = True) -> Iterator[dict]:
    """The records of :func:`grid_records` one at a time (a thumbnail is made when its record is asked for:
    at 100,000 items the list of records alone holds ~350 MB of thumbnails)."""
    if items is None or not len(items):
        return
    by_label: dict[tuple[str, str], tuple[Any, Any]] = {}
    if labels is not None and len(labels):
        conf = labels["confidence"] if "confidence" in labels else [None] * len(labels)
        for item, q, lab, c in zip(labels["item_id"], labels["question"], labels["label"], conf):
            by_label[(str(item), str(q))] = (lab, c)
    by_answer: dict[tuple[str, str], list] = {}
    if answers is not None and len(answers):
        real = answers[answers["kind"] == "task"] if "kind" in answers else answers
        for item, q, worker, lab in real[["task", "question", "worker", "label"]].itertuples(index=False):
            by_answer.setdefault((str(item), str(q)), []).append([str(worker), _plain(lab)])
    for row in items.drop_duplicates("item_id").to_dict("records"):
        item = str(row["item_id"])
        path = row.get("path")
        rec = {"id": item, "thumb": thumbnail_uri(path) if thumbs and isinstance(path, str) and path else None,
               "q": {}}
        for q in questions:
            lab, c = by_label.get((item, q), (None, None))
            c = _plain(c)
            rec["q"][q] = {"label": _plain(lab), "conf": None if c is None else round(float(c), 3),
                           "truth": _plain(row.get(f"truth_{q}")), "answers": by_answer.get((item, q), [])}
        yield rec


def grid_section(records: Iterable[dict], questions: Sequence[str], low: float = 0.7) -> str:
    """The grid's HTML: controls, the table, the data and the script (style: :data:`GRID_CSS`). Once per page."""
    out = io.StringIO()
    write_grid_section(out, records, questions, low)
    return out.getvalue()


def _json(value) -> str:
    """Compact JSON that cannot close the page's <script> element."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/")


def write_grid_section(out: TextIO, records: Iterable[dict], questions: Sequence[str], low: float = 0.7) -> None:
    """Write :func:`grid_section`'s HTML to ``out``, the records one at a time (a page of 100,000 items is
    never held as one string)."""
    out.write(f"""<div class="controls">
 <input id="q" type="search" placeholder="filter: item, label, annotator" aria-label="filter">
 <select id="only" aria-label="show"><option value="all">all items</option>
  <option value="wrong">label differs from truth</option><option value="split">annotators disagree</option>
  <option value="low">confidence below {low}</option></select>
 <select id="per" aria-label="items per page"><option>25</option><option selected>50</option><option>100</option>
  <option value="0">all</option></select>
 <button id="prev" type="button">&larr; previous</button><span id="pageinfo"></span>
 <button id="next" type="button">next &rarr;</button>
</div>
<table id="grid"><thead></thead><tbody></tbody></table>
<script id="grid-data" type="application/json">""")
    out.write('{"questions":' + _json(list(questions)) + ',"items":[')
    for k, rec in enumerate(records):
        out.write(("," if k else "") + _json(rec))
    out.write('],"low":' + _json(low) + "}</script>\n<script>" + SCRIPT + "</script>")
