"""``dataset.source: image_folder``: a folder of images, one sub-folder per class, or unlabeled.

With ``dataset.question`` set, each immediate sub-folder of ``dataset.path`` names the answer to that
question for the images in it (``dataset.class_map`` renames folders to classes; folder names that are
not classes of the question are an error). With ``question: null`` every file under the path is an
unlabeled item. Hidden files are skipped; other files that are not images are reported by the data stage
as bad data. Note: with ``public_base_url`` the URL mirrors the folder, so class folders show in URLs.
"""
from __future__ import annotations

from pathlib import Path

from foodcrowd.sources import SourceError
from foodcrowd.sources._paths import cap, item_ids, list_files, resolve

__all__ = ["load"]


def load(ds: dict, plain: dict, cache_dir: Path):
    import pandas as pd

    root = resolve(ds["path"], "dataset.path")
    files = list_files(root, ds.get("extensions"))
    if not files:
        raise SourceError("dataset.path", f"{root} holds no files", "put the images there (one folder per class)")
    relpaths = [p.relative_to(root).as_posix() for p in files]
    df = pd.DataFrame({"item_id": item_ids(relpaths, "img"), "path": [str(p) for p in files], "relpath": relpaths})
    question = ds.get("question")
    if question:
        questions = plain.get("questions") or {}
        if question not in questions:
            raise SourceError("dataset.question", f"is {question!r}, not a question", "one of: " + ", ".join(questions))
        classes = [str(c) for c in questions[question].get("classes") or []]
        class_map = {str(k): str(v) for k, v in (ds.get("class_map") or {}).items()}
        folders = [rel.split("/", 1)[0] if "/" in rel else None for rel in relpaths]
        truth = [class_map.get(f, f) if f is not None else None for f in folders]
        unknown = sorted({f for f, t in zip(folders, truth) if t is not None and classes and t not in classes})
        if unknown:
            raise SourceError("dataset.class_map", f"folder(s) {', '.join(unknown)} of {root} are not classes of "
                              f"question {question!r}", f"rename them, or map them: class_map: {{{unknown[0]}: "
                              f"{classes[0]}}} (classes: {', '.join(classes)})")
        df[f"truth_{question}"] = truth
    return cap(df, ds.get("size"))
