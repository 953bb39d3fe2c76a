"""Docs that cannot drift: the README's sample output is the program's own rendering of a saved real run
(and a fresh run reproduces it), and the calibration figures in README and docs/emulator.md are the ones in
conf/crowd/population/food.yaml."""
from __future__ import annotations

import importlib.util
import json
import re

import pytest
import yaml

from foodcrowd import CONF_DIR
from tests.conftest import ROOT, run_cli

DOCS = {"README.md": ROOT / "README.md", "docs/emulator.md": ROOT / "docs" / "emulator.md"}


def _sample_module():
    spec = importlib.util.spec_from_file_location("sample_output", ROOT / "docs" / "sample_output.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_readme_sample_output_is_what_the_program_prints_for_the_saved_run():
    mod = _sample_module()
    saved = json.loads(mod.SAVED.read_text())
    assert mod.block(mod.README.read_text()) == mod.render(saved), "run: python docs/sample_output.py"


@pytest.mark.slow
def test_a_fresh_food_run_reproduces_the_saved_sample(tmp_path):
    saved = json.loads((ROOT / "docs" / "sample_summary.json").read_text())
    done = run_cli("+experiment=food", f"hydra.run.dir={tmp_path / 'run'}", env={"FOODCROWD_HOME": str(tmp_path / "home")})
    assert done.returncode == 0, done.stderr[-2000:]
    fresh = json.loads((tmp_path / "run" / "summary.json").read_text())
    for key in ("items", "pages", "answers", "cost_usd", "annotators", "banned"):
        assert fresh[key] == saved[key], (key, "the crowd changed: run python docs/sample_output.py")
    assert fresh["labels"]["accuracy"] == saved["labels"]["accuracy"]
    assert fresh["datasets"]["raw"] == saved["datasets"]["raw"]
    for q, acc in saved["model"]["accuracy"].items():  # training threads may differ between machines
        assert fresh["model"]["accuracy"][q] == pytest.approx(acc, abs=0.03)


def _population() -> dict:
    return yaml.safe_load((CONF_DIR / "crowd" / "population" / "food.yaml").read_text())


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_calibration_figures_in_the_docs_are_the_configs(doc):
    text = " ".join(DOCS[doc].read_text().split())
    pop = _population()
    types = pop["types"]
    fixed = [(t["share"], t["edge_accuracy"]) for t in types.values() if not t.get("random")]
    random_share = round(sum(t["share"] for t in types.values() if t.get("random")), 4)
    terms = " + ".join(f"{s:.2f} x {e:.2f}" for s, e in fixed) + f" + {random_share:.2f} x 1/3"
    assert terms in text, f"{doc}: the edge-case formula should read {terms!r}"
    rate = pop["arrival_rate_per_minute"]
    assert re.search(rf"\b{rate:g} (arrivals )?a minute\b", text), f"{doc}: arrival rate {rate:g} a minute"
    assert f"session mean {pop['session_pages']['mean']:g} pages" in text, f"{doc}: session mean"
    for claim in re.findall(r"difficulty_weight: ([0-9.]+)", text):
        assert float(claim) == pop["difficulty_weight"], f"{doc}: difficulty_weight"
