"""What a person looks at first: an HTML preview grid (thumbnails, labels, confidence) and one
label-distribution plot (PNG) per question. Both are deterministic for the same input, so registering
the same annotation twice yields the same version."""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Sequence

__all__ = ["preview_html", "label_plots", "pick_preview_rows", "THUMB_PX"]

THUMB_PX = 112


def pick_preview_rows(wide, questions: Sequence[str], n: int = 48):
    """Up to ``n`` rows, spread over the first question's labels (round-robin), in item order."""
    if wide.empty:
        return wide
    first = questions[0] if questions else None
    rows = wide.sort_values("item_id")
    if first is None or first not in rows:
        return rows.head(n)
    groups = [g for _, g in rows.groupby(rows[first].astype(str), sort=True)]
    picked, i = [], 0
    while len(picked) < n and any(i < len(g) for g in groups):
        picked.extend(g.index[i] for g in groups if i < len(g))
        i += 1
    return rows.loc[picked[:n]].sort_values([first, "item_id"])


def _thumb(path: str) -> str | None:
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


_CSS = """body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px}
figure{margin:0;border:1px solid #ddd;border-radius:6px;padding:6px;background:#fafafa}
figure img{width:100%;height:auto;border-radius:4px}.missing{height:112px;background:#eee;display:flex;
align-items:center;justify-content:center;color:#a00}figcaption{font-size:12px;line-height:1.4}
.low{color:#b00}code{font-size:11px}"""


def preview_html(wide, paths: dict[str, str], questions: Sequence[str], title: str,
                 facts: dict[str, object] | None = None, n: int = 48, low: float = 0.7) -> str:
    """A self-contained page (thumbnails inlined as data URIs) of up to ``n`` items with their labels."""
    rows = pick_preview_rows(wide, questions, n)
    cells = []
    for _, row in rows.iterrows():
        src = _thumb(paths.get(row["item_id"], ""))
        img = (f'<img src="{src}" alt="{html.escape(str(row["item_id"]))}">' if src
               else '<div class="missing">no image</div>')
        lines = []
        for q in questions:
            conf = row.get(f"confidence_{q}")
            conf_s = "" if conf is None or conf != conf else f" ({conf:.2f})"
            cls = ' class="low"' if conf is not None and conf == conf and conf < low else ""
            lines.append(f"<span{cls}>{html.escape(q)}: <b>{html.escape(str(row.get(q)))}</b>{conf_s}</span>")
        cells.append(f'<figure data-item="{html.escape(str(row["item_id"]))}">{img}<figcaption>'
                     f'<code>{html.escape(str(row["item_id"]))}</code><br>{"<br>".join(lines)}</figcaption></figure>')
    fact_rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
                        for k, v in (facts or {}).items())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1><table>{fact_rows}</table>"
            f"<p>{len(rows)} of {len(wide)} items; confidence in brackets, below {low} in red.</p>"
            f"<div class='grid'>{''.join(cells)}</div></body></html>\n")


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
