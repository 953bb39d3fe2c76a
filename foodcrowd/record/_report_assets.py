"""Style of ``report/index.html`` beyond the shared page and grid style (:mod:`foodcrowd.item_grid.assets`):
figures, metrics, warnings, confusion tables and artifact links."""

__all__ = ["REPORT_CSS"]

REPORT_CSS = """
table.figures th{font-weight:600;padding-right:2em}table.figures td{font-variant-numeric:tabular-nums}
table.metrics td,table.metrics th{border-bottom:1px solid #e6e9ef}
.flag{color:#9b1c1c;background:#fde8e8;border-radius:3px;padding:0 .3em;font-weight:600}
.warnings{background:#fff6e0;border:1px solid #f0c36d;border-radius:6px;padding:.6em 2em}
.cms{display:flex;flex-wrap:wrap;gap:1.5em}.cm table{border:1px solid #c9d2e0}
.cm td{text-align:right;min-width:3em;color:#10203a;font-variant-numeric:tabular-nums}
.cm th{background:#f3f5f9;color:#1d2330}.cm .corner{font-weight:normal;color:#5a6275;font-size:.85em}
.cm figcaption{font-weight:600;margin-bottom:.3em}
.links{columns:2;font-size:.9em}
"""
