"""The emulator's workers: a simulated population declared in config, or a replayed crowd.

A simulated population (``crowd.population.kind: simulated``) is drawn once per seed: each worker gets a
type (diligent, average, careless, spammer, bot, ... with shares), a language, an accuracy and edge-case
accuracy, a subjective bias and noise, a lognormal time per task, a skip rate, an arrival time (a
Poisson process in simulated minutes: the workers who *look at* the pools), a reservation wage (lognormal,
``supply``: who takes the work at the offered pay), a session length in pages (geometric, capped; longer
when the pay exceeds the reservation wage) and, for a share of each type, the page after which it turns
from honest work to fast random answers. How these act over a session: ``foodcrowd.crowd.behaviour``.

A replay population (``kind: replay``) has one worker per recorded worker id; each answers exactly the
items it answered in the record, with the recorded label (``foodcrowd.sources.crowd_files``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from foodcrowd.crowd.behaviour import behaviour_of
from foodcrowd.crowd.supply import sigma_for, supply_of

__all__ = ["PopulationError", "Worker", "build_population"]

_TYPE_DEFAULTS = {"share": 0.0, "accuracy": 0.9, "edge_accuracy": 0.5, "noise": 0.2, "seconds_per_task": 4.0,
                  "time_sigma": 0.4, "skip_rate": 0.0, "random": False, "confusion": None, "turn": None}
_TURN_DEFAULTS = {"share": 0.0, "after_pages": 3.0, "seconds_per_task": 0.7}


class PopulationError(ValueError):
    """A population config or replay file the emulator cannot use; the message names the key and the fix."""


@dataclass
class Worker:
    """One annotator. ``params`` is what ``LabelType.simulate`` receives as ``worker``."""

    index: int
    id: str
    kind: str
    language: str
    arrival: float                 # simulated seconds after the run starts
    session_pages: int             # pages done before leaving (replay: unlimited)
    seconds_per_task: float        # lognormal median
    time_sigma: float
    skip_rate: float
    params: dict = field(default_factory=dict)
    answers: dict[str, str] | None = None     # replay: item_id -> recorded label
    seconds: dict[str, float] | None = None   # replay: item_id -> recorded seconds
    order: list[str] | None = None            # replay: items in recorded order
    reservation_wage: float | None = None     # USD/hour; None = takes any pay (replay, or supply disabled)
    session_u: float | None = None            # the worker's own uniform draw of its session length
    session_mean: float = 1.0
    session_max: int = 10**9
    turn_after: int | None = None             # pages done honestly before turning to fast random answers
    turn: dict | None = None                  # the turned state: seconds_per_task
    behaviour: dict = field(default_factory=dict)   # learning and fatigue (population-wide)
    supply: dict = field(default_factory=dict)      # population.supply (stay elasticity)


def build_population(pop: dict, seed: int, question: str | None = None) -> list[Worker]:
    """Workers of ``crowd.population`` for ``seed``, sorted by arrival time."""
    kind = (pop or {}).get("kind", "simulated")
    if kind == "replay":
        return _replay(pop, seed, question)
    if kind != "simulated":
        raise PopulationError(f"crowd.population.kind: {kind!r} is not simulated or replay")
    return _simulated(pop, seed)


def _shares(mapping: dict, key: str) -> tuple[list[str], np.ndarray]:
    names = list(mapping)
    raw = np.array([float(v if not isinstance(v, dict) else v.get("share", 0.0)) for v in mapping.values()])
    if not names or raw.sum() <= 0 or (raw < 0).any():
        raise PopulationError(f"crowd.population.{key}: shares must be >= 0 and add up to more than 0")
    return names, raw / raw.sum()


def _arrivals(rng: np.random.Generator, n: int, per_minute: float) -> np.ndarray:
    if per_minute <= 0:
        raise PopulationError("crowd.population.arrival_rate_per_minute must be > 0")
    return np.cumsum(rng.exponential(60.0 / per_minute, size=n))


def _simulated(pop: dict, seed: int) -> list[Worker]:
    rng = np.random.default_rng([int(seed), 7])
    size = int(pop.get("size", 400))
    types = pop.get("types") or {"average": {"share": 1.0}}
    type_names, type_p = _shares(types, "types")
    lang_names, lang_p = _shares(pop.get("languages") or {"EN": 1.0}, "languages")
    session = pop.get("session_pages") or {}
    mean_pages, max_pages = float(session.get("mean", 4)), int(session.get("max", 25))
    bias_sigma = float(pop.get("subjective_bias_sigma", 0.5))
    kinds = rng.choice(len(type_names), size=size, p=type_p)
    langs = rng.choice(len(lang_names), size=size, p=lang_p)
    session_u = 1.0 - rng.random(size)                      # in (0, 1]: inverse-CDF geometric draws
    pages = _geometric(session_u, mean_pages, max_pages)
    biases = rng.normal(0.0, bias_sigma, size=size)
    spread = rng.normal(0.0, 1.0, size=size)   # per-worker accuracy spread within a type
    arrival = _arrivals(rng, size, float(pop.get("arrival_rate_per_minute", 8)))
    supply = supply_of(pop)
    wages = (float(supply["reservation_wage_median_usd"])
             * np.exp(sigma_for(supply["elasticity_at_median"]) * rng.standard_normal(size)))
    turn_u, turn_g = rng.random(size), 1.0 - rng.random(size)
    behaviour = behaviour_of(pop)
    specs = [{**_TYPE_DEFAULTS, **(types[name] or {})} for name in type_names]
    sd = np.array([float(t.get("accuracy_sd", 0.02)) for t in specs])[kinds] * spread
    accs = np.clip(np.array([float(t["accuracy"]) for t in specs])[kinds] + sd, 0.0, 1.0).tolist()
    edges = np.clip(np.array([float(t["edge_accuracy"]) for t in specs])[kinds] + sd, 0.0, 1.0).tolist()
    kinds, langs, pages, biases, arrival = kinds.tolist(), langs.tolist(), pages.tolist(), biases.tolist(), arrival.tolist()
    workers = []
    for i in range(size):
        t = specs[kinds[i]]
        turn = {**_TURN_DEFAULTS, **(t.get("turn") or {})}
        turn_after = None
        if turn_u[i] < float(turn["share"]):
            turn_after = int(_geometric(turn_g[i:i + 1], float(turn["after_pages"]), 10**6)[0])
        params: dict[str, Any] = {"accuracy": accs[i], "edge_accuracy": edges[i], "bias": biases[i],
                                  "noise": float(t["noise"]), "random": bool(t["random"])}
        if t.get("confusion"):
            params["confusion"] = t["confusion"]
        workers.append(Worker(index=i, id=f"sim{seed % 100000:05d}w{i:05d}", kind=type_names[kinds[i]],
                              language=lang_names[langs[i]], arrival=arrival[i], session_pages=int(pages[i]),
                              seconds_per_task=float(t["seconds_per_task"]), time_sigma=float(t["time_sigma"]),
                              skip_rate=float(t["skip_rate"]), params=params,
                              reservation_wage=float(wages[i]) if supply["enabled"] else None,
                              session_u=float(session_u[i]), session_mean=mean_pages, session_max=max_pages,
                              turn_after=turn_after, turn=turn, behaviour=behaviour, supply=supply))
    return workers


def _geometric(u: np.ndarray, mean: float, cap: int) -> np.ndarray:
    """Geometric draws (1, 2, ...) with ``mean`` from uniforms ``u`` in (0, 1], capped at ``cap``."""
    if mean <= 1.0:
        return np.ones(len(u), dtype=int)
    return np.minimum(np.maximum(np.ceil(np.log(u) / np.log(1.0 - 1.0 / mean)), 1), cap).astype(int)


def _replay(pop: dict, seed: int, question: str | None) -> list[Worker]:
    from foodcrowd.sources.crowd_files import CrowdFileError, read_answers

    path = pop.get("answers")
    if not path:
        raise PopulationError("crowd.population.answers: a replay population needs the recorded answers file "
                              "(set dataset.answers or crowd.population.answers)")
    try:
        df = read_answers(path, output_field=pop.get("question") or question)
    except CrowdFileError as err:
        raise PopulationError(f"crowd.population.answers: {err}") from None
    df = df.drop_duplicates(["task", "worker"], keep="first")
    rng = np.random.default_rng([int(seed), 8])
    groups = list(df.groupby("worker", sort=False))   # in order of first appearance
    arrival = _arrivals(rng, len(groups), float(pop.get("arrival_rate_per_minute", 30)))
    default_seconds = float(pop.get("seconds_per_task", 4.0))
    workers = []
    for i, (wid, rows) in enumerate(groups):
        secs = dict(zip(rows["task"], rows["seconds"])) if "seconds" in rows else {}
        workers.append(Worker(index=i, id=str(wid), kind="replay", language=str(pop.get("language", "EN")),
                              arrival=float(arrival[i]), session_pages=10**9, seconds_per_task=default_seconds,
                              time_sigma=0.0, skip_rate=0.0, params={},
                              answers=dict(zip(rows["task"], rows["label"])),
                              seconds={k: float(v) for k, v in secs.items() if v == v}, order=list(rows["task"])))
    return workers
