"""``dataset.source: myfoodrepo``: a COCO-format folder as AIcrowd's Food Recognition benchmark ships it.

``dataset.path`` holds ``annotations.json`` (``dataset.annotations``) and the photos under ``images/``
(``dataset.images``). Each photo's food type comes from its annotations' categories (package data in
``foodcrowd/resources/myfoodrepo/``, see SOURCE.md there):

- liquid: its dominant (largest, or only) annotation is a drink or a soup;
- solid: no annotation is liquid or semi-liquid (sauces, creams, spreads, porridge);
- other: anything else, i.e. liquids and solids share the plate, or a semi-liquid is present.

"other" photos are marked ambiguous (the exam's edge cases come from them). ``dataset.classes`` maps the
three outcomes to the question's class names. Photos without annotations are unlabeled items.
"""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from foodcrowd.sources import SourceError
from foodcrowd.sources._paths import cap, resolve

__all__ = ["load", "food_type", "read_category_list", "METADATA", "RESOURCES"]

RESOURCES = Path(__file__).resolve().parent.parent / "resources" / "myfoodrepo"
METADATA = {"synthetic": False, "licence": "CC-BY-4.0 (MyFoodRepo / AIcrowd Food Recognition Benchmark)",
            "description": "real food photos in COCO format; food_type derived from the annotated categories"}


def read_category_list(path: str | Path | None, default: str, key: str) -> set[str]:
    """Category names, one a line (``#`` comments and blank lines skipped); the packaged list when None."""
    file = resolve(path, key, "file") if path else RESOURCES / default
    return {line.strip() for line in file.read_text().splitlines() if line.strip() and not line.startswith("#")}


def food_type(annotations: list[tuple[str, float]], liquid: set[str], semi: set[str]) -> str | None:
    """``solid``, ``liquid`` or ``other`` for a photo's ``(category name, area)`` annotations (None if none)."""
    if not annotations:
        return None
    dominant = max(annotations, key=lambda a: a[1])[0]
    if dominant in liquid:
        return "liquid"
    if not any(name in liquid or name in semi for name, _ in annotations):
        return "solid"
    return "other"


def _read_coco(file: Path) -> dict:
    try:
        coco = json.loads(file.read_text())
    except (OSError, ValueError) as err:
        raise SourceError("dataset.annotations", f"{file} is not readable JSON ({str(err)[:120]})",
                          "re-download the benchmark's annotations.json") from None
    if not isinstance(coco, dict) or not isinstance(coco.get("images"), list):
        raise SourceError("dataset.annotations", f"{file} has no COCO 'images' list", "point it at a COCO annotations file")
    return coco


def load(ds: dict, plain: dict, cache_dir: Path):
    import pandas as pd

    root = resolve(ds["path"], "dataset.path")
    coco = _read_coco(resolve(root / (ds.get("annotations") or "annotations.json"), "dataset.annotations", "file"))
    categories = coco.get("categories") or json.loads((RESOURCES / "categories.json").read_text())
    names = {int(c["id"]): str(c["name"]) for c in categories}
    liquid = read_category_list(ds.get("liquid_categories"), "liquid_categories.txt", "dataset.liquid_categories")
    semi = read_category_list(ds.get("semi_liquid_categories"), "semi_liquid_categories.txt",
                              "dataset.semi_liquid_categories")
    per_image: dict[int, list[tuple[str, float]]] = defaultdict(list)
    for ann in coco.get("annotations") or []:
        cid = int(ann["category_id"])
        if cid not in names:
            raise SourceError("dataset.annotations", f"annotation {ann.get('id')} has category_id {cid}, "
                              "which no category declares", "use the benchmark's annotations.json unchanged")
        bbox = ann.get("bbox") or [0, 0, 0, 0]
        area = float(ann.get("area") or bbox[2] * bbox[3])
        per_image[int(ann["image_id"])].append((names[cid], area))
    question = ds.get("question") or "food_type"
    classes = {"solid": "solid", "liquid": "liquid", "other": "other", **(ds.get("classes") or {})}
    sub = (ds.get("images") if ds.get("images") is not None else "images").strip("/")
    rows = []
    for img in sorted(coco["images"], key=lambda i: int(i["id"])):
        anns = per_image.get(int(img["id"]), [])
        kind = food_type(anns, liquid, semi)
        has_solid = any(n not in liquid and n not in semi for n, _ in anns)
        relpath = f"{sub}/{img['file_name']}" if sub else str(img["file_name"])
        rows.append({"item_id": f"mfr-{int(img['id']):06d}", "relpath": relpath, "path": str(root / relpath),
                     f"truth_{question}": classes[kind] if kind else None, "ambiguous": kind == "other",
                     "difficulty": 0.8 if kind == "other" else 0.45 if kind == "liquid" and has_solid else 0.1,
                     "categories": ",".join(sorted({n for n, _ in anns}))})
    if not rows:
        raise SourceError("dataset.annotations", "lists no images", "use the benchmark's annotations.json")
    return cap(pd.DataFrame(rows), ds.get("size"))
