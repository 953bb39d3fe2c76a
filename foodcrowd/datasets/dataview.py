"""DataViews: the rows a training run needs, from a declarative query over dataset versions (DuckDB).

``dataview: {versions: [annotated], where: "food_type == 'liquid' and confidence_food_type >= 0.8",
weights: {food_type: {liquid: 2.0}}}`` (see ``conf/dataview/``). Each listed version contributes its
``labels`` table (wide: ``item_id, relpath, <q>, confidence_<q>, n_answers_<q>``) joined with its ``items``
table; a version without a labels table contributes its items (or its file manifest). An item listed by
several versions keeps the row of the first. ``where`` is a DuckDB SQL expression over those columns;
a double-quoted word that is not a column is read as a string (``food_type == "liquid"`` works).
``weights`` gives per-class sampling weights per question, or ``"balanced"`` (inverse class frequency);
a row's weight is the product over questions. The result has ``item_id, relpath, path`` (a file in the
version's local copy), the label columns, ``label_<q>`` aliases, ``weight`` and ``version_id``.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from foodcrowd.datasets.errors import DataViewError

__all__ = ["resolve", "version_rows", "quote_strings"]

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"((?:[^\"]|\"\")*)\"")


def quote_strings(where: str, columns: set[str]) -> str:
    """``"liquid"`` -> ``'liquid'`` unless it names a column (SQL reads double quotes as identifiers)."""
    def fix(m: re.Match) -> str:
        if m.group(1) is None or m.group(1).replace('""', '"') in columns:
            return m.group(0)
        return "'" + m.group(1).replace('""', '"').replace("'", "''") + "'"
    return _TOKENS.sub(fix, where)


def version_rows(version, registry):
    """One version's rows: labels joined with items, else items, else the manifest."""
    import pandas as pd

    if "labels" in version.tables:
        rows = version.table("labels")
        if "items" in version.tables:
            items = version.table("items")
            extra = [c for c in items.columns if c not in rows.columns or c == "item_id"]
            rows = rows.merge(items[extra], on="item_id", how="left")
    elif "items" in version.tables:
        rows = version.table("items")
    else:
        rels = sorted(version.files())
        rows = pd.DataFrame({"item_id": rels, "relpath": rels})
    rows = rows.drop(columns=["path"], errors="ignore")
    folder = registry.get(version.id) if version.n_files else None
    rows["path"] = [str(folder / r) if folder is not None and isinstance(r, str) else None
                    for r in rows.get("relpath", pd.Series([None] * len(rows)))]
    rows["version_id"] = version.id
    return rows


def _pick(name: str, annotated: str | None, raw: str | None, registry) -> Any:
    ref = {"annotated": annotated, "raw": raw}.get(name, name)
    if ref is None:
        raise DataViewError(f"names {name!r}, but this run has no {name} dataset version", "dataview.versions",
                            "register it first, or name a version by id or project/name/version")
    try:
        return registry.version(ref)
    except DataViewError:
        raise
    except Exception as err:
        raise DataViewError(f"{name!r}: {err}", "dataview.versions",
                            "list versions with: python -m foodcrowd.datasets list") from err


def _weights(frame, weights: Mapping[str, Any]):
    import numpy as np

    w = np.ones(len(frame))
    for q, spec in (weights or {}).items():
        if q not in frame.columns:
            raise DataViewError(f"names {q!r}, which is not a label column of the view", f"dataview.weights.{q}",
                                f"use a question: {', '.join(c for c in frame.columns if f'confidence_{c}' in frame)}")
        labels = frame[q].astype(str)
        if spec == "balanced":
            counts = labels.value_counts()
            w *= labels.map(len(frame) / (len(counts) * counts)).to_numpy(dtype=float)
        elif isinstance(spec, Mapping):
            w *= labels.map(lambda c: float(spec.get(c, 1.0))).to_numpy(dtype=float)
        else:
            raise DataViewError(f"is {spec!r}", f"dataview.weights.{q}", "give {class: weight} or 'balanced'")
    return w


def resolve(dataview: Mapping[str, Any] | None, registry, annotated: str | None = None, raw: str | None = None,
            plain: Mapping[str, Any] | None = None):
    """The DataFrame of rows the view selects (see the module docstring). ``plain`` is accepted for callers
    that pass the whole config; only ``dataview`` is read."""
    import duckdb
    import pandas as pd

    dataview = dict(dataview or {})
    names = list(dataview.get("versions") or ["annotated"])
    frames, seen = [], set()
    for name in names:
        version = _pick(str(name), annotated, raw, registry)
        if version.id in seen:
            continue
        seen.add(version.id)
        frames.append(version_rows(version, registry))
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = frame.drop_duplicates("item_id", keep="first", ignore_index=True)
    where = dataview.get("where")
    if where is not None and str(where).strip():
        sql_where = quote_strings(str(where), set(map(str, frame.columns)))
        con = duckdb.connect()
        try:
            con.register("view_rows", frame)
            frame = con.execute(f"SELECT * FROM view_rows WHERE {sql_where}").df()
        except duckdb.Error as err:
            first = str(err).strip().splitlines()[0]
            raise DataViewError(f"{where!r} cannot be evaluated: {first}", "dataview.where",
                                "write a DuckDB SQL condition over the columns: "
                                + ", ".join(c for c in frame.columns if c != "path")) from None
        finally:
            con.close()
    frame["weight"] = _weights(frame, dataview.get("weights") or {})
    for col in list(frame.columns):
        if f"confidence_{col}" in frame.columns:
            frame[f"label_{col}"] = frame[col]
    return frame.reset_index(drop=True)
