"""A method whose labels stray far from majority vote is flagged (log, summary, labels.html, run report)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from crowdkit.aggregation import MajorityVote

from foodcrowd.act.aggregate import MV_DISAGREEMENT_WARN, aggregate_answers, mv_warnings
from tests.conftest import run_cli

BLUEBIRDS = Path(__file__).resolve().parent / "data" / "bluebirds" / "answer.csv"


def _bluebirds() -> pd.DataFrame:
    raw = pd.read_csv(BLUEBIRDS).rename(columns={"question": "task", "answer": "label"})
    return raw[["task", "worker", "label"]].astype(str)


@pytest.mark.parametrize("method", ["ds", "kos", "glad"])
def test_the_share_is_the_share_of_items_where_the_labels_differ_from_crowdkit_mv(method):
    part = _bluebirds()
    questions = {"bird": {"type": "binary", "classes": sorted(part["label"].unique())}}
    labels, _, info = aggregate_answers({"bird": part}, questions, {"method": method})
    mv = MajorityVote().fit_predict(part)
    ours = labels["bird"].set_index("item_id")["label"].reindex(mv.index).astype(str)
    assert info["bird"]["mv_disagreement"] == pytest.approx(float((ours != mv.astype(str)).mean()), abs=1e-4)
    # on bluebirds these methods differ from MV on 11-13% of the items: under the stated share, no flag
    assert info["bird"]["mv_disagreement"] < MV_DISAGREEMENT_WARN and mv_warnings(info) == []


def test_mv_itself_is_never_compared():
    part = _bluebirds()
    _, _, info = aggregate_answers({"bird": part}, {"bird": {"type": "binary", "classes": ["0", "1"]}}, {"method": "mv"})
    assert "mv_disagreement" not in info["bird"]


@pytest.mark.slow
def test_kos_on_the_subjective_question_is_flagged_everywhere(tmp_path):
    run_dir = tmp_path / "run"
    done = run_cli("+experiment=food", "dataset.size=300", "+aggregation.per_question.appetizing={method: kos}",
                   "model=none", "tracking=none", f"hydra.run.dir={run_dir}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    share = summary["labels"]["mv_disagreement"]["appetizing"]
    assert share > MV_DISAGREEMENT_WARN and "food_type" not in summary["labels"]["mv_disagreement"]
    [warning] = summary["labels"]["warnings"]
    assert "appetizing: kos differs from majority vote" in warning
    assert "appetizing: kos differs" in done.stdout + done.stderr
    assert "appetizing: kos differs" in (run_dir / "labels" / "labels.html").read_text()
    assert "appetizing: kos differs" in (run_dir / "report" / "index.html").read_text()
