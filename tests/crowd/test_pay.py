"""Pay moves who takes the work, and so throughput and duration; it does not move accuracy.

The formula (foodcrowd/crowd/supply.py), written out: a worker of pace s seconds per task is offered
    w = reward_per_page * 3600 / (tasks_per_page * s)           USD per hour
and takes the pool when w >= its reservation wage r ~ lognormal(median m = 1.38, sigma), so
    P(takes) = Phi(ln(w / m) / sigma),   sigma = 2 phi(0) / 0.43 = 1.856
(the extensive elasticity phi(z) / (sigma Phi(z)) is 0.43 at the median).
"""
from __future__ import annotations

import math

import pytest

from foodcrowd.crowd import supply
from foodcrowd.emulator.population import build_population

SEEDS = (0, 1)
DOUBLE = "crowd.reward_per_page=0.03"


def phi_cdf(z: float) -> float:
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def test_the_documented_elasticity_holds_at_the_median():
    s = supply.SUPPLY_DEFAULTS
    sigma = 2 * (1 / math.sqrt(2 * math.pi)) / 0.43
    assert supply.sigma_for(0.43) == pytest.approx(sigma) == pytest.approx(1.8556, abs=1e-4)
    assert supply.take_probability(1.38, s) == pytest.approx(0.5)
    assert supply.elasticity(1.38, s) == pytest.approx(0.43)
    # numerically: d ln P / d ln w at the median
    h = 1e-4
    slope = (math.log(supply.take_probability(1.38 * math.exp(h), s))
             - math.log(supply.take_probability(1.38 * math.exp(-h), s))) / (2 * h)
    assert slope == pytest.approx(0.43, rel=1e-3)


def _take_rates(run: dict, seed: int) -> dict[str, tuple[int, int]]:
    """Per worker type: (English-speaking lookers who came while the pool ran, of them exam takers)."""
    workers = build_population(run["plain"]["crowd"]["population"], seed)
    takers = set(run["exam_answers"]["worker"])
    end = run["duration_seconds"]
    out: dict[str, list[int]] = {}
    for w in workers:
        if w.language == "EN" and w.arrival < end:
            seen = out.setdefault(w.kind, [0, 0])
            seen[0] += 1
            seen[1] += w.id in takers
    return {k: tuple(v) for k, v in out.items()}


def _predicted(run: dict, kind: str) -> float:
    pop, crowd = run["plain"]["crowd"]["population"], run["plain"]["crowd"]
    s = pop["types"][kind]["seconds_per_task"]
    tasks = crowd["real_tasks_per_page"] + crowd["control_tasks_per_page"]
    w = crowd["reward_per_page"] * 3600 / (tasks * s)
    sigma = 2 * (1 / math.sqrt(2 * math.pi)) / pop["supply"]["elasticity_at_median"]
    return phi_cdf(math.log(w / pop["supply"]["reservation_wage_median_usd"]) / sigma)


@pytest.mark.parametrize("seed", SEEDS)
def test_doubling_the_reward_moves_takers_as_the_elasticity_predicts_and_shortens_the_run(food_runs, seed):
    base, double = food_runs(seed), food_runs(seed, DOUBLE)
    assert double["cost_usd"] > 1.9 * base["cost_usd"]
    assert double["duration_seconds"] < 0.92 * base["duration_seconds"]   # more takers, longer sessions
    for run in (base, double):
        for kind, (lookers, took) in _take_rates(run, seed).items():
            p = _predicted(run, kind)
            se = math.sqrt(p * (1 - p) / lookers)
            assert abs(took / lookers - p) < 3.5 * se + 0.02, (kind, lookers, took, p)
    # the mix shifts toward slow (careful) workers: their hourly rate was furthest below the median wage
    slow, fast = _predicted(double, "diligent") / _predicted(base, "diligent"), _predicted(double, "bot") / _predicted(base, "bot")
    assert slow > 1.25 > 1.1 > fast
    b, d = _take_rates(base, seed)["diligent"], _take_rates(double, seed)["diligent"]
    assert d[1] / d[0] > b[1] / b[0]


def test_doubling_the_reward_leaves_accuracy_within_noise(food_runs):
    diffs = [food_runs(s, DOUBLE)["labels"]["accuracy"]["food_type"] - food_runs(s)["labels"]["accuracy"]["food_type"]
             for s in SEEDS]
    assert abs(sum(diffs) / len(diffs)) < 0.02, diffs   # one run's standard error at 300 items: ~1 point
