"""The emulator's objects (projects, pools, trainings, skills, tasks, operations, restrictions, user
skills) and its runs: which pools were open together, when they started, and the simulated result
revealed as simulated time passes.

One clock (``EmulatorState.clock``): the emulator's own now, which runs ``crowd.time_scale`` times as fast
as the wall clock from the moment its state was created (kept in the state, so a restart continues it).
Every timestamp it writes, every time filter, pool status and analytics value reads this clock; at
``time_scale`` 1 it is the wall clock, so nothing is ever timestamped in the future.
"""
from __future__ import annotations

import datetime as _dt
import math
import threading
import time
from pathlib import Path

from foodcrowd.emulator.population import build_population
from foodcrowd.emulator.simulation import RunInput, RunResult, simulate_run
from foodcrowd.emulator.store import Store

__all__ = ["ApiError", "EmulatorState", "id_key", "iso"]


class ApiError(Exception):
    """An error answered the way Toloka answers it: HTTP status, ``code``, ``message``, ``payload``."""

    def __init__(self, status: int, code: str, message: str, payload=None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.payload = status, code, message, payload


def id_key(value) -> tuple:
    """Order of ids (numeric-looking ids by length first, like Toloka's)."""
    value = str(value)
    return (len(value), value)


def iso(epoch: float) -> str:
    return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="milliseconds")


def _world_rows(world) -> dict[str, dict]:
    if world is None:
        return {}
    frame = world if "item_id" in getattr(world, "columns", ()) else world.reset_index().rename(columns={"index": "item_id"})
    return {str(r["item_id"]): r for r in frame.to_dict("records")}


class EmulatorState:
    """Everything the HTTP layer reads and writes; every public method holds ``self.lock``."""

    kinds = ("project", "skill", "training", "pool", "task", "operation", "oplog", "restriction", "user_skill",
             "patch", "run", "sync", "meta", "task_suite", "bonus", "thread", "webhook", "webhook_sent",
             "aggregation")

    def __init__(self, crowd: dict, questions: dict | None, world, state_dir: Path | str | None, clock=time.time,
                 token: str | None = None) -> None:
        self.token = token          # the API token requests must carry (None: the HTTP layer refuses every request)
        self.crowd = dict(crowd or {})
        self.questions = dict(questions or {})
        self.world = _world_rows(world)
        self.time_scale = float(self.crowd.get("time_scale") or 3600.0)
        self.seed = int(self.crowd.get("seed") or 0)
        self.fee = float(self.crowd.get("platform_fee", 0.3))
        self.min_fee = float(self.crowd.get("min_fee_per_page", 0.0))
        self.population = dict(self.crowd.get("population") or {"kind": "simulated"})
        self.wall = clock
        self.lock = threading.RLock()
        self.store = Store(state_dir)
        self.docs = {k: {} for k in self.kinds}
        self.docs.update(self.store.load())
        self.tasks_by_pool: dict[str, list[str]] = {}
        for tid, task in self.docs["task"].items():
            self.tasks_by_pool.setdefault(task["pool_id"], []).append(tid)
        counters = self.docs["meta"].get("counters", {"next": 0})
        self.docs["meta"]["counters"] = counters
        if "clock" not in self.docs["meta"]:
            self.save("meta", {"clock": {"origin": float(clock())}})
        self._origin = float(self.docs["meta"]["clock"]["origin"])
        self._results: dict[str, RunResult] = {}
        self._workers = None

    # -- persistence helpers
    def new_id(self, counter: str = "next", count: int = 1) -> str | list[str]:
        """Fresh ids, saved before use (a crash leaves a gap, never a reused id). Tasks get fixed-width ids,
        because toloka-kit compares task ids as strings."""
        counters = self.docs["meta"]["counters"]
        first = counters.get(counter, 0) + 1
        counters[counter] = first + count - 1
        self.store.put("meta", {"counters": counters})
        ids = [f"{n:012d}" if counter == "task" else str(n) for n in range(first, first + count)]
        return ids[0] if count == 1 and counter == "next" else ids

    def save(self, kind: str, docs: dict[str, dict]) -> None:
        self.store.put(kind, docs)
        self.docs[kind].update(docs)

    def get(self, kind: str, doc_id: str) -> dict:
        doc = self.docs[kind].get(str(doc_id))
        if doc is None:
            raise ApiError(404, "DOES_NOT_EXIST", f"{kind} {doc_id} does not exist")
        return doc

    def workers(self):
        if self._workers is None:
            first = next(iter(self.questions), None)
            self._workers = build_population(self.population, self.seed, self.population.get("question") or first)
        return self._workers

    def clock(self) -> float:
        """The emulator's now (epoch seconds): the wall clock sped up ``time_scale`` times from the origin."""
        return self._origin + (self.wall() - self._origin) * self.time_scale

    # -- runs
    def runs(self) -> list[dict]:
        return sorted(self.docs["run"].values(), key=lambda r: r["index"])

    def sim_now(self, run: dict) -> float:
        return max(0.0, self.clock() - run["wall_start"])

    def result(self, run: dict) -> RunResult:
        cached = self._results.get(run["id"])
        if cached is None:
            cached = self._simulate(run)
            self._results[run["id"]] = cached
        return cached

    def invalidate(self, run: dict | None) -> None:
        if run is not None:
            self._results.pop(run["id"], None)

    def active_run(self) -> dict | None:
        runs = self.runs()
        if not runs:
            return None
        last = runs[-1]
        res = self.result(last)
        finite = [m for m in last["members"] if m in res.finite_pools]
        if finite and all(m in res.pool_done or m in last["closed"] for m in finite) and self.sim_now(last) >= res.end:
            return None
        return last

    def start_run(self) -> dict:
        runs = self.runs()
        start = float(int(self.clock()))   # "wall_start" and "base": the emulator's clock when the run began (whole s)
        run = {"id": f"run{len(runs) + 1}", "index": len(runs), "wall_start": start, "base": start,
               "members": [], "closed": {}}
        for kind in ("training", "pool"):
            for doc in self.docs[kind].values():
                if self.status(kind, doc)[0] == "OPEN":
                    run["members"].append(doc["id"])
                    doc["_run"] = run["id"]
                    self.save(kind, {doc["id"]: doc})
        self.save("run", {run["id"]: run})
        return run

    def run_of(self, doc: dict) -> dict | None:
        return self.docs["run"].get(doc.get("_run")) if doc.get("_run") else None

    def status(self, kind: str, doc: dict) -> tuple[str, str | None, float | None]:
        """(status, last_close_reason, last_stopped epoch) with completion revealed by simulated time."""
        status = doc.get("status", "CLOSED")
        run = self.run_of(doc)
        if status == "OPEN" and run is not None and kind == "pool":
            done = self.result(run).pool_done.get(doc["id"])
            if done is not None and self.sim_now(run) >= done:
                return "CLOSED", "COMPLETED", run["base"] + done
        return status, doc.get("last_close_reason"), doc.get("_last_stopped")

    def _prior(self, upto: int, run: dict):
        """Skills, restrictions and training results from earlier runs and from the requester, in
        ``run``'s simulated frame."""
        skills, restrictions, trained = {}, [], {}
        for prev in self.runs()[:upto]:
            res, shift = self.result(prev), prev["base"] - run["base"]
            for s in res.skills:
                skills.setdefault((s["user_id"], s["skill_id"]), []).append((s["_at"] + shift, s["value"]))
            for r in res.restrictions:
                restrictions.append({**r, "_from": r["_from"] + shift, "_to": None if r["_to"] is None else r["_to"] + shift})
            for k, (t, score) in res.trained.items():
                trained[k] = (t + shift, score)
        to_sim = lambda at: max(-1.0, at - run["wall_start"])  # noqa: E731  (both on the emulator's clock)
        for s in self.docs["user_skill"].values():
            if s.get("_deleted"):
                continue
            skills.setdefault((s["user_id"], s["skill_id"]), []).append((to_sim(s["_wall"]), float(s["exact_value"])))
        for r in self.docs["restriction"].values():
            if not r.get("_deleted"):
                expire = r.get("_expire_wall")
                restrictions.append({**r, "_from": to_sim(r["_wall"]), "_to": None if expire is None else to_sim(expire)})
        for v in skills.values():
            v.sort(key=lambda p: p[0])
        return skills, restrictions, trained

    def _simulate(self, run: dict) -> RunResult:
        pools, trainings, tasks, outputs, views = [], {}, {}, {}, {}
        for member in run["members"]:
            kind = "pool" if member in self.docs["pool"] else "training"
            doc = dict(self.docs[kind][member])
            doc["_open_at"], doc["_close_at"] = 0.0, run["closed"].get(member)
            if kind == "pool":
                pools.append(doc)
            else:
                trainings[member] = doc
            tasks[member] = [{**self.docs["task"][t], "_available_at": self.docs["task"][t].get("_at", 0.0)
                              if self.docs["task"][t].get("_run") == run["id"] else 0.0}
                             for t in self.tasks_by_pool.get(member, [])]
            project = self.docs["project"].get(doc.get("project_id"), {})
            outputs[doc.get("project_id")] = (project.get("task_spec") or {}).get("output_spec") or {}
            views[doc.get("project_id")] = (project.get("task_spec") or {}).get("view_spec") or {}
        skills, restrictions, trained = self._prior(run["index"], run)
        answered: dict[str, int] = {}      # tasks answered in earlier runs count towards their overlap
        for prev in self.runs()[:run["index"]]:
            for member in run["members"]:
                for a in self.result(prev).by_pool.get(member, ()):
                    status = (self.docs["patch"].get(a["id"]) or {}).get("status", a["status"])
                    if status in ("SUBMITTED", "ACCEPTED"):
                        for tid, golden in zip(a["task_ids"], a["golden"]):
                            if not golden:
                                answered[tid] = answered.get(tid, 0) + 1
        first = next(iter(self.questions), None)
        result = simulate_run(RunInput(
            seed=self.seed, run_index=run["index"], pools=pools, trainings=trainings, tasks=tasks, outputs=outputs,
            questions=self.questions, world=self.world, workers=self.workers(), skills=skills,
            restrictions=restrictions, trained=trained,
            difficulty_weight=float(self.population.get("difficulty_weight", 1.0)),
            replay_field=self.population.get("question") or first,
            views=views, answered=answered, reviews=[(p["_at"] - run["base"], aid, p["status"]) for aid, p in self.docs["patch"].items()
                     if aid.rsplit("-", 1)[0] in run["members"]]))
        result.finite_pools = {p["id"] for p in pools if any(
            not t.get("known_solutions") and not t.get("infinite_overlap") for t in tasks[p["id"]])
            and int((p.get("mixer_config") or {}).get("real_tasks_count") or 0) > 0}
        result.by_pool = {}
        for a in result.assignments:
            result.by_pool.setdefault(a["pool_id"], []).append(a)
        return result

    # -- revealed work
    def visible_assignments(self, pool_id: str | None = None):
        """(run, record, status) of every assignment created by now (simulated), oldest run first."""
        for run in self.runs():
            res, now = self.result(run), self.sim_now(run)
            groups = [res.by_pool.get(pool_id, [])] if pool_id else list(res.by_pool.values())
            for records in groups:
                for a in records:
                    if a["created"] > now:
                        break
                    status = "ACTIVE" if a["submitted"] > now else a["status"]
                    patch = self.docs["patch"].get(a["id"])
                    if patch and status != "ACTIVE":
                        status = patch["status"]
                    yield run, a, status

    def page_cost(self, reward: float) -> float:
        return reward + max(reward * self.fee, self.min_fee) if reward > 0 else 0.0

    def spent(self, pool_id: str | None = None) -> float:
        return sum(self.page_cost(a["reward"]) for _, a, s in self.visible_assignments(pool_id) if s == "ACCEPTED")

    @staticmethod
    def infinite(value) -> bool:
        return value is None or (isinstance(value, float) and math.isinf(value))
