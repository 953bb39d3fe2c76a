"""One run of the worker population against the open pools and trainings of the emulator.

A run is a discrete-event simulation in simulated seconds: workers arrive, pass the pools' filters and
training requirement (taking the training first), get pages from the mixer (real + control tasks), answer
through their label type's ``simulate``, submit, and the pool's quality rules act on them. The requester's
own acts during the run (tasks added, pages accepted or rejected) are inputs with their simulated time:
a review feeds the assessment rules, and new work (tasks, more overlap) calls back the workers who found
nothing to do (:meth:`_Run.wake`). The result is a pure function of its inputs (seed, pools, tasks,
reviews, population, world, earlier runs' skills and bans): the HTTP layer only reveals it as simulated
time passes, so polling speed and retried requests change nothing, and what happened before a new input
stays as it was.

Worker behaviour lives in three functions a crowd model may replace: :meth:`_Run.arrivals` (when workers
come), :meth:`_Run.wants_more` (whether a worker asks for another page) and the answers
(``pool_state._Answerer``).
"""
from __future__ import annotations

import gc
import heapq
import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from foodcrowd.crowd import behaviour
from foodcrowd.emulator.filters import passes_filter
from foodcrowd.emulator.population import Worker
from foodcrowd.emulator.pool_state import PoolState, TrainingState, solution_correct
from foodcrowd.emulator.rules import ban_seconds

__all__ = ["RunInput", "RunResult", "simulate_run"]

_ARRIVE, _REQUEST, _SUBMIT, _REVIEW, _NEWS = 0, 1, 2, 3, 4


@dataclass
class RunInput:
    seed: int
    run_index: int
    pools: list[dict]                      # regular pools, each with "_open_at"/"_close_at" (simulated s)
    trainings: dict[str, dict]             # training id -> training (with "_close_at")
    tasks: dict[str, list[dict]]           # pool/training id -> tasks (each with "_available_at")
    outputs: dict[str, dict]               # project id -> output_spec
    questions: dict
    world: dict[str, dict]                 # item_id -> world row
    workers: list[Worker]
    skills: dict = field(default_factory=dict)          # (user, skill) -> [(t, value)] from before
    restrictions: list = field(default_factory=list)    # restrictions with "_from"/"_to" (simulated s)
    trained: dict = field(default_factory=dict)         # (user, training) -> (t, score)
    difficulty_weight: float = 1.0
    replay_field: str | None = None
    reviews: list = field(default_factory=list)         # (simulated t, assignment id, "ACCEPTED"|"REJECTED")
    views: dict = field(default_factory=dict)           # project id -> view_spec (Template Builder components)
    answered: dict = field(default_factory=dict)        # task id -> answers it got in earlier runs


@dataclass
class RunResult:
    assignments: list[dict] = field(default_factory=list)
    restrictions: list[dict] = field(default_factory=list)
    skills: list[dict] = field(default_factory=list)
    trained: dict = field(default_factory=dict)
    pool_done: dict = field(default_factory=dict)       # pool id -> simulated completion time
    end: float = 0.0
    unanswered: dict = field(default_factory=dict)      # pool id -> item ids nobody answered (replay)
    unsupported_rules: dict = field(default_factory=dict)


class _Run:
    def __init__(self, inp: RunInput) -> None:
        self.inp = inp
        self.res = RunResult()
        self.workers = inp.workers
        self._rngs: dict[int, np.random.Generator] = {}
        self.skills = {k: list(v) for k, v in inp.skills.items()}
        self.restrictions = list(inp.restrictions)
        self._bans_of: dict[str, list] = {}                 # user id -> restrictions (what ``restricted`` reads)
        for r in self.restrictions:
            self._bans_of.setdefault(r["user_id"], []).append(r)
        self.trained = dict(inp.trained)
        self.pools = [PoolState(p, inp.tasks.get(p["id"], []), inp.outputs.get(p.get("project_id"), {}), inp, self)
                      for p in sorted(inp.pools, key=lambda p: (-int(p.get("priority") or 0), len(p["id"]), p["id"]))]
        self.trainings = {tid: TrainingState(t, inp.tasks.get(tid, []), inp.outputs.get(t.get("project_id"), {}), inp, self)
                          for tid, t in inp.trainings.items()}
        self.pages = [0] * len(self.workers)
        self.index_of = {w.id: w.index for w in self.workers}
        self.pool_of = {p.id: p for p in self.pools}
        self.idle: set[int] = set()       # workers who found no work (or ended a session), called back by news
        self.seq = 0
        self.events: list = []
        self.now = 0.0

    def rng(self, worker: int) -> np.random.Generator:
        """The worker's own random stream (seed, run, worker), made when the worker first acts."""
        gen = self._rngs.get(worker)
        if gen is None:
            key = [int(self.inp.seed), int(self.inp.run_index), self.workers[worker].index]
            gen = self._rngs[worker] = np.random.default_rng(key)
        return gen

    # -- worker state seen by filters and rules
    def skill(self, worker: int, skill_id: str, t: float):
        history = self.skills.get((self.workers[worker].id, skill_id))
        value = None
        for at, v in history or ():
            if at <= t:
                value = v
        return value

    def restricted(self, worker: int, pool: PoolState, t: float) -> bool:
        uid = self.workers[worker].id
        for r in self._bans_of.get(uid, ()):
            if r["_from"] > t or (r["_to"] is not None and r["_to"] <= t):
                continue
            scope = r.get("scope")
            if scope in ("ALL_PROJECTS", "SYSTEM") or (scope == "PROJECT" and r.get("project_id") == pool.project_id) \
                    or (scope == "POOL" and r.get("pool_id") == pool.id):
                return True
        return False

    def act(self, worker: int, pool: PoolState, action: dict, stats: dict, t: float) -> None:
        kind, params = action.get("type"), action.get("parameters") or {}
        uid = self.workers[worker].id
        if kind in ("RESTRICTION_V2", "RESTRICTION"):
            scope = params.get("scope", "PROJECT")
            if self.restricted(worker, pool, t) and scope != "ALL_PROJECTS":
                return
            seconds = ban_seconds(params)
            ban = {"user_id": uid, "scope": scope, "private_comment": params.get("private_comment") or "quality rule",
                   "_from": t, "_to": None if seconds is None else t + seconds, "_pool": pool.id}
            if scope == "PROJECT":
                ban["project_id"] = pool.project_id
            elif scope == "POOL":
                ban["pool_id"] = pool.id
            self.restrictions.append(ban)
            self._bans_of.setdefault(uid, []).append(ban)
            self.res.restrictions.append(ban)
            for other in self.pools:
                if (scope in ("ALL_PROJECTS", "SYSTEM") or (scope == "PROJECT" and other.project_id == pool.project_id)
                        or other is pool):
                    other.revoked(worker, "RESTRICTION", t)
        elif kind in ("SET_SKILL", "SET_SKILL_FROM_OUTPUT_FIELD"):
            value = params.get("skill_value") if kind == "SET_SKILL" else stats.get(params.get("from_field"))
            if value is None:
                return
            sid = str(params.get("skill_id"))
            before = {p.id for p in self.pools if p.filter and self._passes(worker, p, t)}
            self.skills.setdefault((uid, sid), []).append((t, float(value)))
            self.res.skills.append({"user_id": uid, "skill_id": sid, "value": float(value), "_at": t})
            for other in self.pools:
                if other.id in before and not self._passes(worker, other, t):
                    other.revoked(worker, "SKILL_CHANGE", t, sid)
        elif kind == "CHANGE_OVERLAP":
            if pool.change_overlap(stats.get("_suite") or [], int(params.get("delta") or 0), bool(params.get("open_pool")), t):
                self.wake(t)
        elif kind in ("REJECT_ALL_ASSIGNMENTS", "APPROVE_ALL_ASSIGNMENTS"):
            status = "REJECTED" if kind.startswith("REJECT") else "ACCEPTED"
            for a in self.res.assignments:
                if a["user_id"] == uid and a["pool_id"] == pool.id and a["status"] in ("SUBMITTED", "ACCEPTED"):
                    a["status"] = status

    def _passes(self, worker: int, pool: PoolState, t: float) -> bool:
        return passes_filter(pool.filter, self.workers[worker].language, lambda sid: self.skill(worker, sid, t))

    # -- worker behaviour (a crowd model replaces these)
    def arrivals(self) -> list[tuple[float, int]]:
        """(simulated time, worker) of each worker's first arrival."""
        return [(w.arrival, w.index) for w in self.workers]

    def wants_more(self, worker: int, t: float, pool: dict | None = None) -> bool:
        """Whether a worker who just submitted a page (in ``pool``) asks for another one now: its session
        length at that pool's pay (``foodcrowd.crowd.behaviour.session_pages``)."""
        w = self.workers[worker]
        return self.pages[worker] < (behaviour.session_pages(w, pool) if pool is not None else w.session_pages)

    def wake(self, t: float) -> None:
        """New work at ``t`` (tasks added, overlap raised): the idle workers come back, each for a new session."""
        for worker in sorted(self.idle):
            self.pages[worker] = 0
            self.push(t, _REQUEST, worker)
        self.idle.clear()

    # -- the event loop
    def push(self, t: float, kind: int, worker: int, payload=None) -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, self.seq, kind, worker, payload))

    def _inputs(self) -> int:
        """Queue the requester's acts (reviews, tasks arriving after the start); returns how many are pending."""
        by_id = {}
        for t, aid, status in sorted(self.inp.reviews, key=lambda r: (r[0], r[1])):
            by_id[aid] = None
            self.push(t, _REVIEW, -1, (aid, status))
        for t in sorted({float(task.get("_available_at") or 0.0) for tasks in self.inp.tasks.values() for task in tasks} - {0.0}):
            self.push(t, _NEWS, -1)
        return len(by_id)

    def run(self) -> RunResult:
        for at, worker in self.arrivals():
            self.push(at, _ARRIVE, worker)
        finite = [p for p in self.pools if p.finite]
        pending = self._inputs()
        records: dict[str, dict] = {}
        while self.events:
            t, _, kind, worker, payload = heapq.heappop(self.events)
            self.now = t
            if kind == _SUBMIT:
                payload.pool.submit(payload, t)
                if self.wants_more(worker, t, payload.pool.pool):
                    self.push(t, _REQUEST, worker)
                else:
                    self.idle.add(worker)
            elif kind == _REVIEW:
                pending -= 1
                if not records:
                    records = {a["id"]: a for a in self.res.assignments}
                record = records.get(payload[0]) or next((a for a in self.res.assignments if a["id"] == payload[0]), None)
                pool = self.pool_of.get(record["pool_id"]) if record else None
                if pool is not None:
                    pool.assess(record, payload[1] == "ACCEPTED", t)
            elif kind == _NEWS:
                self.wake(t)
            else:
                self._request(worker, t)
            if finite and pending <= 0 and all(p.done_at is not None for p in finite):
                break
        self.res.end = self.now
        for p in self.pools:
            p.finish(self.res, self.now)
        self.res.trained = {k: v for k, v in self.trained.items() if k not in self.inp.trained}
        return self.res

    def _request(self, worker: int, t: float) -> None:
        for pool in self.pools:
            if not pool.open_at(t) or self.restricted(worker, pool, t):
                continue
            w = self.workers[worker]
            if not passes_filter(pool.filter, w.language, lambda sid: self.skill(worker, sid, t)):
                continue
            if not behaviour.takes_work(w, pool.pool):    # the pay is below the worker's reservation wage
                continue
            requirement = pool.training_requirement
            if requirement:
                tid = str(requirement.get("training_pool_id"))
                done = self.trained.get((w.id, tid))
                training = self.trainings.get(tid)
                if done is None or (done[1] < float(requirement.get("training_passing_skill_value", 0))
                                    and training is not None and training.may_retry(done[0], t)):
                    if training is None or not training.open_at(t):
                        continue
                    end = training.take(worker, t)
                    if end is not None:
                        self.push(end, _REQUEST, worker)
                        return
                    continue
                if done[1] < float(requirement.get("training_passing_skill_value", 0)):
                    continue
            page = pool.page(worker, t)
            if page is not None:
                self.pages[worker] += 1
                self.push(page.end, _SUBMIT, worker, page)
                return
        self.idle.add(worker)


@contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector for one simulation: it allocates ~10 objects per answer and
    creates no garbage cycles, while full collections would rescan every stored task and world row (~30%
    of the run). Reference counting still frees memory; the collector resumes (if it was on) afterwards."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def simulate_run(inp: RunInput) -> RunResult:
    """Simulate one run to its end (all finite pools complete, or no worker left)."""
    with _collector_paused():
        return _Run(inp).run()


def lognormal_seconds(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    if sigma <= 0:
        return np.full(n, float(median))
    return rng.lognormal(math.log(max(median, 1e-3)), sigma, size=n)


__all__ += ["lognormal_seconds", "solution_correct"]
