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
    """One version's rows as a DataFrame: labels joined with items, else items, else the manifest."""
    import duckdb

    con = duckdb.connect()
    try:
        rows = con.execute(_version_sql(version, con, 0) + " ORDER BY _row").df().drop(columns=["_ord", "_row"])
    finally:
        con.close()
    _add_paths(rows, registry)
    return rows


def _columns(path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.read_schema(path).names)


def _sql_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _version_sql(version, con, order: int) -> str:
    """A SELECT over one version's Parquet tables (never loaded into pandas), with ``version_id``, ``_ord``
    (its place in ``dataview.versions``) and ``_row`` (the row's place in its table)."""
    tag = f"{_sql_str(version.id)} AS version_id, {order} AS _ord"
    if "labels" in version.tables:
        labels = version.table_path("labels")
        cols = [c for c in _columns(labels) if c != "path"]
        select = ", ".join(f'l."{c}"' for c in cols)
        source = f"read_parquet({_sql_str(labels)}, file_row_number=true) l"
        if "items" in version.tables:
            items = version.table_path("items")
            extra = [c for c in _columns(items) if c not in cols and c not in ("path", "item_id")]
            select += "".join(f', i."{c}"' for c in extra)
            source += f" LEFT JOIN read_parquet({_sql_str(items)}) i ON l.item_id = i.item_id"
        return f"SELECT {select}, {tag}, l.file_row_number AS _row FROM {source}"
    if "items" in version.tables:
        items = version.table_path("items")
        cols = [c for c in _columns(items) if c != "path"]
        select = ", ".join(f'"{c}"' for c in cols)
        return (f"SELECT {select}, {tag}, file_row_number AS _row "
                f"FROM read_parquet({_sql_str(items)}, file_row_number=true)")
    import pandas as pd

    rels = sorted(version.files())
    name = f"manifest_{order}"
    con.register(name, pd.DataFrame({"item_id": rels, "relpath": rels, "_row": range(len(rels))}))
    return f"SELECT item_id, relpath, {tag}, _row FROM {name}"


def _add_paths(rows, registry) -> None:
    """``path``: the file in the version's local copy (materialised only for versions with files)."""
    import pandas as pd

    folders = {}
    for vid in rows["version_id"].unique() if len(rows) else []:
        version = registry.version(vid)
        folders[vid] = registry.get(vid) if version.n_files else None
    rel = rows["relpath"] if "relpath" in rows else pd.Series([None] * len(rows), index=rows.index)
    rows["path"] = [str(folders[v] / r) if folders.get(v) is not None and isinstance(r, str) else None
                    for v, r in zip(rows["version_id"], rel)]


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
    that pass the whole config; only ``dataview`` is read.

    The versions' Parquet tables are joined, de-duplicated and filtered inside DuckDB; only the rows the
    view selects become a pandas DataFrame (a 1,000,000-item version is never loaded whole)."""
    import duckdb

    dataview = dict(dataview or {})
    names = list(dataview.get("versions") or ["annotated"])
    con = duckdb.connect()
    try:
        parts, seen = [], set()
        for name in names:
            version = _pick(str(name), annotated, raw, registry)
            if version.id in seen:
                continue
            seen.add(version.id)
            parts.append(_version_sql(version, con, len(parts)))
        union = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
        first = (f"SELECT * FROM ({union}) "
                 "QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY _ord, _row) = 1")
        columns = [r[0] for r in con.execute(f"DESCRIBE {first}").fetchall()]
        where = dataview.get("where")
        query = f"SELECT * FROM ({first})"
        if where is not None and str(where).strip():
            query += f" WHERE {quote_strings(str(where), set(columns))}"
        try:
            frame = con.execute(query + " ORDER BY _ord, _row").df()
        except duckdb.Error as err:
            first_line = str(err).strip().splitlines()[0]
            raise DataViewError(f"{where!r} cannot be evaluated: {first_line}", "dataview.where",
                                "write a DuckDB SQL condition over the columns: "
                                + ", ".join(c for c in columns if c not in ("_ord", "_row"))) from None
    finally:
        con.close()
    frame = frame.drop(columns=["_ord", "_row"])
    _add_paths(frame, registry)
    frame["weight"] = _weights(frame, dataview.get("weights") or {})
    for col in list(frame.columns):
        if f"confidence_{col}" in frame.columns:
            frame[f"label_{col}"] = frame[col]
    return frame.reset_index(drop=True)
