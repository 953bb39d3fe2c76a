"""Labour supply: who takes the work at the offered pay, and for how long.

Each simulated worker has a reservation wage ``r`` (USD per hour), lognormal across the crowd. Horton &
Chilton (2010, "The labor economics of paid crowdsourcing", EC '10) measured a median reservation wage of
$1.38/hour and an extensive labour-supply elasticity of 0.43 at the median; those are the defaults.

A worker looks at a pool and takes it when the pool pays at least ``r`` per hour *at the worker's own
pace*::

    offered = reward_per_page * 3600 / (tasks_per_page * seconds_per_task)        (USD per hour)
    P(takes) = Phi(z),  z = ln(offered / median) / sigma

The extensive elasticity is d ln P / d ln(offered) = phi(z) / (sigma * Phi(z)); at the median (z = 0) it
is phi(0) / (sigma / 2), so ``sigma = 2 * phi(0) / elasticity`` = 0.7979 / 0.43 = 1.856. Doubling the pay
moves z by ln 2 / sigma = 0.373: the share of lookers who take the work rises from Phi(z) to
Phi(z + 0.373) (x1.30 at the median), most for the slow workers, whose hourly rate was lowest.

How long a taker stays (the intensive margin) scales the session's mean pages by
``(offered / r) ** stay_elasticity`` (capped at ``max_ratio``); it is an assumption of this model (the
paper measures the extensive margin only), documented in docs/economics.md. Pay never changes a worker's
accuracy (Mason & Watts 2009, "Financial incentives and the performance of crowds": more pay bought more
work, not better work; Toloka's pricing guide says the same).
"""
from __future__ import annotations

import math

__all__ = ["SUPPLY_DEFAULTS", "sigma_for", "hourly_rate", "take_probability", "elasticity", "supply_of",
           "session_scale"]

#: documented defaults of ``crowd.population.supply``
SUPPLY_DEFAULTS = {"enabled": True, "reservation_wage_median_usd": 1.38, "elasticity_at_median": 0.43,
                   "stay_elasticity": 0.5, "max_ratio": 4.0, "fair_price_per_hour_usd": 1.38}
_PHI0 = 1.0 / math.sqrt(2.0 * math.pi)


def supply_of(pop: dict | None) -> dict:
    """``crowd.population.supply`` with the defaults filled in."""
    return {**SUPPLY_DEFAULTS, **((pop or {}).get("supply") or {})}


def sigma_for(elasticity_at_median: float) -> float:
    """Lognormal sigma of the reservation wage that gives ``elasticity_at_median`` at the median."""
    return 2.0 * _PHI0 / float(elasticity_at_median)


def hourly_rate(reward_per_page: float, tasks_per_page: int, seconds_per_task: float) -> float:
    """USD per hour a worker earns on a page of ``tasks_per_page`` at ``seconds_per_task``."""
    seconds = max(float(tasks_per_page), 1.0) * max(float(seconds_per_task), 1e-6)
    return float(reward_per_page) * 3600.0 / seconds


def _phi_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def take_probability(offered: float, supply: dict) -> float:
    """Share of lookers whose reservation wage is at most ``offered`` (USD/hour)."""
    if not supply.get("enabled", True):
        return 1.0
    if offered <= 0:
        return 0.0
    sigma = sigma_for(supply["elasticity_at_median"])
    return _phi_cdf(math.log(offered / float(supply["reservation_wage_median_usd"])) / sigma)


def elasticity(offered: float, supply: dict) -> float:
    """d ln P(takes) / d ln offered at ``offered``: 0.43 at the median by construction."""
    sigma = sigma_for(supply["elasticity_at_median"])
    z = math.log(offered / float(supply["reservation_wage_median_usd"])) / sigma
    return math.exp(-z * z / 2.0) * _PHI0 / (sigma * max(_phi_cdf(z), 1e-300))


def session_scale(offered: float, reservation: float, supply: dict) -> float:
    """How much longer than the population's mean session a taker stays at ``offered`` (>= 1 when taking)."""
    if not supply.get("enabled", True) or reservation <= 0:
        return 1.0
    ratio = min(max(offered / reservation, 0.0), float(supply["max_ratio"]))
    return ratio ** float(supply["stay_elasticity"])
