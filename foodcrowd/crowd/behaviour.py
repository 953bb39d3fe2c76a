"""A simulated worker's behaviour over a session: taking the work at the offered pay, learning, fatigue,
turning from honest work to fast random clicking, and how long they stay.

These are pure functions of a :class:`foodcrowd.emulator.population.Worker` and the page count it has
done in the main pool; the emulator's simulation calls them through four small hooks (``takes_work``,
``session_pages``, ``answer_params``, ``pace``) and :func:`rule_seconds` when the fast-response rule looks
at a page. Replay workers (recorded answers) are never changed.

Over a session (k = pages done in the pool before this one; the exam is k = 0):

* learning: the error rate on clear items is ``(1 - accuracy) * (1 + gain * exp(-k / pages))`` and the
  time per task ``x (1 + time_gain * exp(-k / pages))``: newcomers are slower and err more;
* fatigue: past ``after_pages`` the error rate grows by ``per_page`` per page (multiplicatively);
* turning: a share of each type passes the exam honestly and, after ``after_pages`` (mean of a geometric
  draw) pages, answers at random at ``seconds_per_task`` (the fast, random answers the fast-response,
  control-task and majority-vote rules exist for).

Edge-case accuracy (how an annotator reads an ambiguous item) does not change over a session.
"""
from __future__ import annotations

import math

from foodcrowd.crowd.supply import hourly_rate, session_scale

__all__ = ["BEHAVIOUR_DEFAULTS", "behaviour_of", "offered_rate", "takes_work", "session_pages", "turned",
           "answer_params", "pace", "rule_seconds"]

BEHAVIOUR_DEFAULTS = {"learning": {"gain": 0.0, "time_gain": 0.0, "pages": 2.0},
                      "fatigue": {"after_pages": 1000, "per_page": 0.0}}


def behaviour_of(pop: dict | None) -> dict:
    """``crowd.population.behaviour`` with defaults (no learning, no fatigue) filled in."""
    given = (pop or {}).get("behaviour") or {}
    return {k: {**v, **(given.get(k) or {})} for k, v in BEHAVIOUR_DEFAULTS.items()}


def _page_tasks(pool: dict) -> int:
    mixer = pool.get("mixer_config") or {}
    n = int(mixer.get("real_tasks_count") or 0) + int(mixer.get("golden_tasks_count") or 0)
    return max(n, 1)


def offered_rate(worker, pool: dict) -> float:
    """USD per hour the pool pays this worker at its own honest pace."""
    return hourly_rate(float(pool.get("reward_per_assignment") or 0.0), _page_tasks(pool), worker.seconds_per_task)


def takes_work(worker, pool: dict) -> bool:
    """True when the pool's pay reaches the worker's reservation wage (always, for replay workers or when
    ``population.supply.enabled`` is false)."""
    if worker.reservation_wage is None:
        return True
    return offered_rate(worker, pool) >= worker.reservation_wage


def session_pages(worker, pool: dict) -> int:
    """Pages the worker does in ``pool`` before leaving: a geometric draw (the worker's own uniform
    ``session_u``) whose mean grows with how far the pay exceeds the reservation wage."""
    if worker.reservation_wage is None or worker.session_u is None:
        return worker.session_pages
    mean = worker.session_mean * session_scale(offered_rate(worker, pool), worker.reservation_wage, worker.supply)
    if mean <= 1.0:
        return 1
    pages = math.ceil(math.log(max(worker.session_u, 1e-12)) / math.log(1.0 - 1.0 / mean))
    return int(min(max(pages, 1), worker.session_max))


def turned(worker, k: int) -> bool:
    """True once a turning worker has done its honest pages."""
    return worker.turn_after is not None and k >= worker.turn_after


def answer_params(worker, k: int) -> dict:
    """What ``LabelType.simulate_many`` receives as ``worker`` on the worker's (k+1)-th page."""
    if worker.answers is not None:
        return worker.params
    if turned(worker, k):
        return {**worker.params, "random": True}
    learn, tire = worker.behaviour["learning"], worker.behaviour["fatigue"]
    factor = 1.0 + float(learn["gain"]) * math.exp(-k / max(float(learn["pages"]), 1e-6))
    factor *= (1.0 + float(tire["per_page"])) ** max(0, k - int(tire["after_pages"]))
    if factor == 1.0:
        return worker.params
    acc = float(worker.params.get("accuracy", 0.9))
    return {**worker.params, "accuracy": min(max(1.0 - (1.0 - acc) * factor, 0.0), 1.0)}


def pace(worker, k: int) -> tuple[float, float]:
    """(median seconds per task, lognormal sigma) on the worker's (k+1)-th page."""
    if worker.answers is None and turned(worker, k):
        return float(worker.turn["seconds_per_task"]), 0.2
    learn = worker.behaviour["learning"] if worker.behaviour else BEHAVIOUR_DEFAULTS["learning"]
    slow = 1.0 + float(learn["time_gain"]) * math.exp(-k / max(float(learn["pages"]), 1e-6))
    return worker.seconds_per_task * slow, worker.time_sigma


def rule_seconds(seconds: float, tasks_on_page: int, pool: dict) -> float:
    """The page time the fast-response rule compares with its threshold, *per full page*: a page with
    fewer tasks than the mixer's full page (the pool's tail) is scaled up in proportion, so the threshold
    (declared for a full page) applies per task and a short last page does not ban an honest worker."""
    full = _page_tasks(pool)
    return float(seconds) * full / max(int(tasks_on_page), 1)
