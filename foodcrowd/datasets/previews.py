"""What a person looks at first: an HTML preview of every item and one label-distribution plot (PNG) per
question. The preview is the item grid of the run report (:mod:`foodcrowd.item_grid`): all items, paged,
filterable and sortable, with thumbnail, label, confidence, each annotator's answer and the ground truth
where the version has them. Both are deterministic for the same input, so registering the same annotation
twice yields the same version."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Sequence

__all__ = ["write_preview", "label_plots"]


def write_preview(path: Path, items, labels, answers, questions: Sequence[str], title: str,
                  facts: dict[str, object] | None = None, low: float = 0.7) -> Path:
    """Write a self-contained page (thumbnails inline, no network) to ``path``: the version's facts, then the
    item grid, item by item (at 100,000 items the page is ~350 MB and is never held as one string).
    ``items``: ``item_id, path, truth_<q>...``; ``labels`` long (``item_id, question, label, confidence``);
    ``answers`` long (``task, question, worker, label``) or None."""
    from foodcrowd.item_grid import BASE_CSS, GRID_CSS, iter_grid_records, write_grid_section

    esc = html.escape
    n = 0 if items is None else int(items["item_id"].nunique())
    fact_rows = "".join(f"<tr><th>{esc(str(k))}</th><td>{esc(str(v))}</td></tr>" for k, v in (facts or {}).items())
    truth = [q for q in questions if items is not None and f"truth_{q}" in items and items[f"truth_{q}"].notna().any()]
    note = (f"ground truth known for {', '.join(truth)}" if truth else "no ground truth") + \
           ("; each annotator's answer shown" if answers is not None and len(answers) else "")
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
                    f"<style>{BASE_CSS}{GRID_CSS}</style></head><body><h1>{esc(title)}</h1><table class='facts'>"
                    f"{fact_rows}</table><p class='note'>{n} items; {esc(note)}.</p>\n")
            write_grid_section(f, iter_grid_records(items, labels, answers, questions), questions, low)
            f.write("</body></html>\n")
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def label_plots(wide, questions: Sequence[str], classes: dict[str, list[str]], out_dir: Path) -> dict[str, Path]:
    """One PNG per question: label counts (with mean confidence) and the confidence histogram."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for q in questions:
        if q not in wide:
            continue
        names = list(classes.get(q) or sorted(wide[q].dropna().astype(str).unique()))
        names += sorted(set(wide[q].dropna().astype(str)) - set(names))
        counts = [int((wide[q].astype(str) == c).sum()) for c in names]
        conf_col = wide.get(f"confidence_{q}")
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(8, 3.2), dpi=100)
        bars = ax1.bar(names, counts, color="#4c72b0")
        for bar, c in zip(bars, names):
            if conf_col is not None:
                mean = conf_col[wide[q].astype(str) == c].mean()
                if mean == mean:
                    ax1.annotate(f"conf {mean:.2f}", (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                                 ha="center", va="bottom", fontsize=8)
        ax1.margins(y=0.15)
        ax1.set_title(f"{q}: labels (n={len(wide)})")
        ax1.set_ylabel("items")
        if conf_col is not None:
            ax2.hist(conf_col.dropna(), bins=[i / 10 for i in range(11)], color="#55a868")
        ax2.set_title(f"{q}: confidence")
        ax2.set_xlabel("confidence")
        fig.tight_layout()
        paths[q] = out_dir / f"labels_{q}.png"
        fig.savefig(paths[q], metadata={"Software": None})
        plt.close(fig)
    return paths
