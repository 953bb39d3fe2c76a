"""Predict, then check: the plan predicts label accuracy per question from the population before anything is
created, and the run's summary.json reports predicted vs obtained, within 3 points for every experiment."""
from __future__ import annotations

import pytest

from foodcrowd.crowd.predict import compare
from tests.aggregation.conftest import BLUEBIRDS
from tests.conftest import EXPERIMENTS
from tests.crowd.helpers import run_food

EXTRA = {"replay": (f"dataset.answers={BLUEBIRDS / 'answer.csv'}", f"dataset.truth={BLUEBIRDS / 'truth.csv'}")}


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_predicted_label_accuracy_is_within_3_points_of_the_run(tmp_path, experiment):
    run = run_food(tmp_path / experiment, "seed=0", *EXTRA.get(experiment, ()), experiment=experiment, size=None)
    predicted = run["prediction"]["label_accuracy"]
    obtained = {q: v for q, v in run["labels"]["accuracy"].items() if q != "mean"}
    assert predicted and set(predicted) == set(obtained)
    difference = compare(run)["difference"]
    assert all(abs(d) <= 0.03 for d in difference.values()), (predicted, obtained)
    assert not run["prediction"]["warnings"]
