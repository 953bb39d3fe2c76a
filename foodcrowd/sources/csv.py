"""``dataset.source: csv``: a table with a path or URL column and optional label columns.

``dataset.path`` is the csv file. Each row is an item: ``path_column`` (default ``path``; relative paths
are read against ``base_dir``, default the csv's folder) and/or ``url_column`` (default ``url``; used as
is, nothing is downloaded). ``id_column`` gives item ids (else they derive from the path or URL);
``label_columns`` maps a question to the column holding its known answer. Optional columns named
``difficulty``, ``ambiguous`` and ``appeal`` pass through.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

from foodcrowd.sources import SourceError
from foodcrowd.sources._paths import cap, item_ids, resolve

__all__ = ["load"]


def _read(path: Path):
    import pandas as pd

    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, sep="\t" if path.suffix in (".tsv", ".tab") else ",")
    except Exception as err:  # every parser error: the user needs the file and the reason
        raise SourceError("dataset.path", f"{path} cannot be read as a csv table ({str(err).splitlines()[0][:160]})",
                          "check the file (one header row, comma or tab separated)") from None


def _relpath(path: str, url: str, base: Path) -> str:
    if path:
        p = Path(path)
        try:
            return p.relative_to(base).as_posix()
        except ValueError:
            return p.name
    parsed = urlparse(url)
    return f"{parsed.netloc}{parsed.path}".strip("/") or url


def load(ds: dict, plain: dict, cache_dir: Path):
    import pandas as pd

    file = resolve(ds["path"], "dataset.path", "file")
    table = _read(file)
    base = Path(ds["base_dir"]).expanduser().resolve() if ds.get("base_dir") else file.parent
    path_col, url_col = ds.get("path_column") or "path", ds.get("url_column") or "url"
    has_path, has_url = path_col in table.columns, url_col in table.columns
    if not (has_path or has_url):
        raise SourceError("dataset.path_column", f"{file} has neither a {path_col!r} nor a {url_col!r} column "
                          f"(columns: {', '.join(table.columns)})", "set dataset.path_column or dataset.url_column")
    paths = [str((base / p).resolve()) if p and not Path(p).is_absolute() else p
             for p in (table[path_col].str.strip() if has_path else [""] * len(table))]
    urls = list(table[url_col].str.strip()) if has_url else [""] * len(table)
    empty = [i for i, (p, u) in enumerate(zip(paths, urls)) if not p and not u]
    if empty:
        raise SourceError("dataset.path", f"{file} row {empty[0] + 2} has neither a path nor a URL",
                          "fill it in or delete the row")
    relpaths = [_relpath(p, u, base) for p, u in zip(paths, urls)]
    df = pd.DataFrame({"path": paths, "url": [u if not p else "" for p, u in zip(paths, urls)], "relpath": relpaths})
    id_col = ds.get("id_column")
    if id_col:
        if id_col not in table.columns:
            raise SourceError("dataset.id_column", f"{file} has no column {id_col!r}", "columns: " + ", ".join(table.columns))
        df["item_id"] = table[id_col].str.strip().values
    else:
        df["item_id"] = item_ids(relpaths, "row")
    questions = plain.get("questions") or {}
    for question, column in (ds.get("label_columns") or {}).items():
        if question not in questions:
            raise SourceError(f"dataset.label_columns.{question}", "names no question", "one of: " + ", ".join(questions))
        if column not in table.columns:
            raise SourceError(f"dataset.label_columns.{question}", f"{file} has no column {column!r}",
                              "columns: " + ", ".join(table.columns))
        classes = [str(c) for c in questions[question].get("classes") or []]
        values = [v.strip() or None for v in table[column]]
        bad = sorted({v for v in values if v is not None and classes and v not in classes})
        if bad:
            raise SourceError(f"dataset.label_columns.{question}", f"column {column!r} of {file} holds {bad[:5]}, "
                              f"not classes of question {question!r}", "one of: " + ", ".join(classes))
        df[f"truth_{question}"] = values
    for extra in ("difficulty", "ambiguous", "appeal"):
        if extra in table.columns:
            values = table[extra].str.strip().str.lower()
            df[extra] = values.isin(["1", "true", "yes"]) if extra == "ambiguous" else pd.to_numeric(values, errors="coerce")
    return cap(df, ds.get("size"))
