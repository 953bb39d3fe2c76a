"""A golden set is a few items with a known truth (``golden=label_studio``): the emulator answers the other
items at random, so nothing may be scored on them. Accuracy comes from the golden items only, says how many
it covers, and no "cost per correct label" is made from a handful of known items."""
from __future__ import annotations

import pandas as pd

from foodcrowd.act.aggregate import aggregate_stage
from foodcrowd.record.report import closing_lines
from tests.aggregation.conftest import BIRD, context, make_run_dir


def test_accuracy_only_on_items_with_a_known_truth(bluebirds, tmp_path):
    answers, truth = bluebirds
    golden = sorted(truth.index)[:20]        # the expert labelled 20 items; the rest have no truth
    items = pd.DataFrame({"item_id": truth.index, "truth_bird": [truth[i] if i in golden else None for i in truth.index]})
    run = make_run_dir(tmp_path, answers.assign(question="bird", kind="task"), items)
    results = {"crowd": {"summary": {"cost_usd": 12.0}}}
    labels = aggregate_stage(context(run, BIRD, "mv", results=results))["summary"]["labels"]
    mine = pd.read_parquet(run / "labels" / "labels.parquet").set_index("item_id")["label"].astype(str)
    expected = float((mine[golden] == truth[golden].astype(str)).mean())
    assert labels["accuracy"]["bird"] == round(expected, 6) and labels["scored_items"] == {"bird": 20}
    assert labels["cost_per_correct_label"] is None      # $12 for every label over the few scored: no figure
    rows = dict(closing_lines({"labels": labels, "golden": {"labelled": 20}}, tmp_path))
    assert rows["label accuracy bird (mv)"].endswith("against the expert's golden set (20 items)")
    html = (run / "labels" / "labels.html").read_text()
    assert "labels scored against truth" in html
