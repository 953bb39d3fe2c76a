"""A pool (or training) inside one simulated run: the mixer, overlap (static and dynamic), answers, and
the pool's rules. Used by ``foodcrowd.emulator.simulation``.
"""
from __future__ import annotations

import bisect
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from foodcrowd.crowd import behaviour
from foodcrowd.crowd.confidence import top_posterior
from foodcrowd.emulator.rules import PoolRules
from foodcrowd.label_types import get_label_type

if TYPE_CHECKING:  # pragma: no cover
    from foodcrowd.emulator.simulation import RunInput

__all__ = ["Page", "PoolState", "TrainingState", "solution_correct"]



def solution_correct(output: dict, known_solutions: list | None) -> bool:
    """True when ``output`` matches one known solution on every field that solution names."""
    for sol in known_solutions or ():
        values = sol.get("output_values") or {}
        if values and all(str(output.get(k)) == str(v) for k, v in values.items()):
            return True
    return False


def _assignment_id(container: str, run_index: int, seq: int) -> str:
    """``<pool>-<seq>``; from a second run on ``<pool>-<run><seq>`` (a reopened pool never reuses an id; ids of
    later runs sort after earlier ones, as Toloka's do)."""
    return f"{container}-{seq:08d}" if run_index == 0 else f"{container}-{run_index:02d}{seq:08d}"


def _clean(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


class _Answerer:
    """Answers tasks for workers: ``LabelType.simulate`` for simulated workers, the record for replay."""

    def __init__(self, output_spec: dict, inp: "RunInput", run, view_spec: dict | None = None, project_id=None) -> None:
        self.run, self.inp = run, inp
        from foodcrowd.emulator.outputs import annotation_components

        self.fields = list(output_spec)
        self.specs = {}          # fields answered by a label type: foodcrowd's questions, string choices
        self.raw: dict[str, tuple[dict, dict | None]] = {}    # other fields: (Toloka field spec, TB component)
        components = annotation_components(view_spec)
        for name, out in output_spec.items():
            if name in inp.questions or (str(out.get("type", "string")).lower() == "string" and out.get("allowed_values")):
                spec = inp.questions.get(name) or {"type": "categorical", "objective": True,
                                                   "classes": list(out["allowed_values"])}
                self.specs[name] = (spec, get_label_type(spec.get("type", "categorical")))
            else:
                self.raw[name] = (out, components.get(name))
        self.project_id = project_id
        self._items: dict = {}

    def item(self, task: dict, name: str) -> dict:
        key = (task["id"], name)
        if key not in self._items:
            item_id = str((task.get("input_values") or {}).get("item_id", ""))
            row = self.inp.world.get(item_id) or {}
            truth = _clean(row.get(f"truth_{name}"))
            if truth is None:
                for sol in task.get("known_solutions") or ():
                    truth = (sol.get("output_values") or {}).get(name, truth)
            difficulty = float(_clean(row.get("difficulty")) or 0.0) * self.inp.difficulty_weight
            self._items[key] = {"truth": None if truth is None else str(truth), "difficulty": min(difficulty, 1.0),
                                "ambiguous": bool(_clean(row.get("ambiguous")) or False), "appeal": _clean(row.get("appeal"))}
        return self._items[key]

    def answers(self, worker: int, tasks: list[dict]) -> list[dict]:
        """One output per task of a page: ``simulate_many`` once per question for simulated workers, the
        record for replay ({} where the record has no answer)."""
        w = self.run.workers[worker]
        if w.answers is not None:   # replay: the recorded label for the replayed question, nothing invented
            field_name = self.inp.replay_field if self.inp.replay_field in self.fields else self.fields[0]
            labels = [w.answers.get(str((t.get("input_values") or {}).get("item_id", ""))) for t in tasks]
            return [{} if label is None else {field_name: label} for label in labels]
        if not tasks or not (self.specs or self.raw):
            return [{} for _ in tasks]
        rng, names, columns = self.run.rng(worker), list(self.specs), []
        params = behaviour.answer_params(w, self.run.pages[worker])     # learning, fatigue, turning
        for name, (spec, label_type) in self.specs.items():
            cache = self._items
            items = [cache.get((t["id"], name)) or self.item(t, name) for t in tasks]
            if name not in self.inp.questions and any(i["truth"] is None for i in items):
                from foodcrowd.emulator.outputs import note_unknown_truth

                note_unknown_truth(self.project_id, name)
            columns.append(label_type.simulate_many(rng, spec, items, params))
        out = [dict(zip(names, values)) for values in zip(*columns)] if columns else [{} for _ in tasks]
        if self.raw:
            self._raw_answers(rng, w, tasks, out)
        return out

    def _raw_answers(self, rng, w, tasks: list[dict], out: list[dict]) -> None:
        """Fields no label type answers: a valid value of their Toloka spec (outputs.field_value), the known
        solution with the worker's accuracy where a control or training task has one."""
        from foodcrowd.emulator.outputs import field_value, note_unknown_truth

        params = behaviour.answer_params(w, self.run.pages[self.run.index_of[w.id]]) if w.params else {}
        accuracy = 0.0 if params.get("random") else float(params.get("accuracy", 0.9))
        for name, (spec, component) in self.raw.items():
            for task, answer in zip(tasks, out):
                truth = None
                for sol in task.get("known_solutions") or ():
                    truth = (sol.get("output_values") or {}).get(name, truth)
                if truth is None:
                    note_unknown_truth(self.project_id, name)
                answer[name] = field_value(rng, spec, truth, accuracy, component)
        order = {name: k for k, name in enumerate(self.fields)}
        for k, answer in enumerate(out):
            out[k] = dict(sorted(answer.items(), key=lambda kv: order.get(kv[0], 0)))

    def can_answer(self, worker: int, task: dict) -> bool:
        w = self.run.workers[worker]
        return w.answers is None or str((task.get("input_values") or {}).get("item_id", "")) in w.answers

    def seconds(self, worker: int, tasks: list[dict]) -> float:
        from foodcrowd.emulator.simulation import lognormal_seconds

        w = self.run.workers[worker]
        if w.answers is not None:
            ids = [str((t.get("input_values") or {}).get("item_id", "")) for t in tasks]
            return float(sum((w.seconds or {}).get(i, w.seconds_per_task) for i in ids))
        median, sigma = behaviour.pace(w, self.run.pages[worker])
        return float(lognormal_seconds(self.run.rng(worker), median, sigma, len(tasks)).sum())


@dataclass
class Page:
    pool: "PoolState"
    worker: int
    reals: list[int]
    goldens: list[int]
    start: float
    end: float
    status: str
    outputs: list = field(default_factory=list)
    record: dict | None = None


class PoolState:
    def __init__(self, pool: dict, tasks: list[dict], output_spec: dict, inp: "RunInput", run) -> None:
        self.run, self.pool, self.id, self.project_id = run, pool, pool["id"], pool.get("project_id")
        self.filter = pool.get("filter")
        qc = pool.get("quality_control") or {}
        self.training_requirement = qc.get("training_requirement")
        mixer = pool.get("mixer_config") or {}
        self.real_n, self.golden_n = int(mixer.get("real_tasks_count") or 0), int(mixer.get("golden_tasks_count") or 0)
        self.min_real = int(mixer.get("min_real_tasks_count") or 1)
        self.min_golden = int(mixer.get("min_golden_tasks_count") or max(self.golden_n, 1))
        self.reward = float(pool.get("reward_per_assignment") or 0.0)
        self.final_status = "ACCEPTED" if pool.get("auto_accept_solutions") else "SUBMITTED"
        self.max_seconds = float(pool.get("assignment_max_duration_seconds") or math.inf)
        self.opens, self.closes = float(pool.get("_open_at") or 0.0), pool.get("_close_at")
        self.answerer = _Answerer(output_spec, inp, run, inp.views.get(pool.get("project_id")), pool.get("project_id"))
        self.rules = PoolRules(pool)
        dyn = pool.get("dynamic_overlap_config") or {}
        self.dyn = dyn if dyn.get("type", "BASIC") == "BASIC" and dyn.get("max_overlap") else None
        self.golden = [t for t in tasks if t.get("known_solutions")] if self.real_n else list(tasks)
        self.real = [t for t in tasks if not t.get("known_solutions")] if self.real_n else []
        self.target = [math.inf if t.get("infinite_overlap") or t.get("overlap") is None else int(t["overlap"]) for t in self.real]
        if any(w.answers is not None for w in run.workers):     # replay: never more than the record holds
            have = Counter(i for w in run.workers for i in (w.answers or {}))
            self.target = [min(tg, have.get(str(t["input_values"].get("item_id")), 0)) for tg, t in zip(self.target, self.real)]
        n = len(self.real)
        self.done, self.reserved, self.final = [inp.answered.get(t["id"], 0) for t in self.real], [0] * n, [False] * n
        self.answers: list[list] = [[] for _ in range(n)]
        self.available = [float(t.get("_available_at") or 0.0) for t in self.real]
        self.open_count = 0
        for j in range(n):
            if self.target[j] <= self.done[j]:
                self.final[j] = True
            elif self.target[j] != math.inf:
                self.open_count += 1
        self.finite = any(tg != math.inf for tg in self.target)
        self.done_at = None if self.open_count or not self.finite else self.opens
        self.lo, self.seq = 0, 0    # every real task before ``lo`` is final or fully reserved (the mixer starts there)
        self.seen: dict[int, set] = {}
        self.gseen: dict[int, set] = {}
        self.position = {task["id"]: j for j, task in enumerate(self.real)}
        self.done_by: dict[int, list[int]] = {}     # worker -> real tasks they answered here
        self.pages_of: dict[int, int] = {}          # worker -> pages submitted here (captchas)
        self._replay_positions: dict[int, list[int]] = {}   # replay worker -> positions of the real tasks they answered
        self._item_positions: dict[str, list[int]] | None = None

    def open_at(self, t: float) -> bool:
        return self.done_at is None and t >= self.opens and (self.closes is None or t < self.closes)

    # -- the mixer
    def page(self, worker: int, t: float) -> Page | None:
        ans = self.answerer
        seen = self.seen.setdefault(worker, set())
        reals: list[int] = []
        if self.real_n:
            j, n = self.lo, len(self.real)
            final, done, reserved, target, available = self.final, self.done, self.reserved, self.target, self.available
            if self.run.workers[worker].answers is not None:
                # replay: only the tasks this worker answered in the record, from the mixer's start on
                positions = self._positions(worker)
                for j in positions[bisect.bisect_left(positions, j):]:
                    if not final[j] and done[j] + reserved[j] < target[j] and available[j] <= t and j not in seen:
                        reals.append(j)
                        if len(reals) == self.real_n:
                            break
            else:
                while j < n and len(reals) < self.real_n:
                    if not final[j] and done[j] + reserved[j] < target[j] and available[j] <= t and j not in seen:
                        reals.append(j)
                    j += 1
            if not reals or len(reals) < min(self.min_real, self.real_n):
                return None
        goldens: list[int] = []
        if self.golden_n and self.golden:
            gseen = self.gseen.setdefault(worker, set())
            size = len(self.golden)
            start = (self.run.workers[worker].index * 7919) % size
            for k in range(size):
                g = (start + k) % size
                if g not in gseen and float(self.golden[g].get("_available_at") or 0.0) <= t \
                        and ans.can_answer(worker, self.golden[g]):
                    goldens.append(g)
                    if len(goldens) == self.golden_n:
                        break
            if not self.real_n and len(goldens) < min(self.min_golden, size):
                return None
            gseen.update(goldens)
        elif not self.real_n:
            return None
        for j in reals:
            self.reserved[j] += 1
            seen.add(j)
        self._advance()
        return self._work(worker, reals, goldens, t)

    def _positions(self, worker: int) -> list[int]:
        """Sorted positions of the real tasks whose item a replayed worker answered in the record."""
        found = self._replay_positions.get(worker)
        if found is None:
            if self._item_positions is None:
                self._item_positions = {}
                for j, task in enumerate(self.real):
                    item = str((task.get("input_values") or {}).get("item_id", ""))
                    self._item_positions.setdefault(item, []).append(j)
            answers, where = self.run.workers[worker].answers, self._item_positions
            found = self._replay_positions[worker] = sorted(j for item in answers for j in where.get(str(item), ()))
        return found

    def _advance(self) -> None:
        lo, n, final, done, reserved, target = self.lo, len(self.real), self.final, self.done, self.reserved, self.target
        while lo < n and (final[lo] or done[lo] + reserved[lo] >= target[lo]):
            lo += 1
        self.lo = lo

    def _work(self, worker: int, reals: list[int], goldens: list[int], t: float) -> Page:
        w, ans = self.run.workers[worker], self.answerer
        tasks = [self.real[j] for j in reals] + [self.golden[g] for g in goldens]
        if w.skip_rate and self.run.rng(worker).random() < w.skip_rate:
            page = Page(self, worker, reals, goldens, t, t + 5.0, "SKIPPED")
        else:
            seconds = ans.seconds(worker, tasks)
            if seconds > self.max_seconds:
                page = Page(self, worker, reals, goldens, t, t + self.max_seconds, "EXPIRED")
            else:
                page = Page(self, worker, reals, goldens, t, t + seconds, self.final_status,
                            outputs=ans.answers(worker, tasks))
        self.seq += 1
        kinds = [False] * len(reals) + [True] * len(goldens)
        page.record = {
            "id": _assignment_id(self.id, self.run.inp.run_index, self.seq), "pool_id": self.id, "user_id": w.id, "status": page.status,
            "task_ids": [task["id"] for task in tasks], "golden": kinds, "outputs": page.outputs,
            "correct": [solution_correct(o, task.get("known_solutions")) if g else None
                        for o, task, g in zip(page.outputs, tasks, kinds)] if page.outputs else [],
            "created": page.start, "submitted": page.end,
            "reward": self.reward if page.status in ("SUBMITTED", "ACCEPTED") else 0.0}
        self.run.res.assignments.append(page.record)
        return page

    # -- a submitted page
    def submit(self, page: Page, t: float) -> None:
        uid = self.run.workers[page.worker].id
        for j in page.reals:
            self.reserved[j] -= 1
        if page.status == "SKIPPED":
            self.lo = min([self.lo] + page.reals)
            self._act(page.worker, self.rules.on_skip(uid), t)
            return
        if page.status == "EXPIRED":
            self.lo = min([self.lo] + page.reals)
            return
        for k, j in enumerate(page.reals):
            self.done[j] += 1
            self.answers[j].append((page.worker, page.outputs[k]))
            self._check(j, t)
        correct = [c for c in page.record["correct"] if c is not None]
        seconds = behaviour.rule_seconds(page.end - page.start, len(page.reals) + len(page.goldens), self.pool)
        self._act(page.worker, self.rules.on_submit(uid, seconds, correct, page.record["reward"], t), t)
        self._captcha(page.worker, t)
        if page.status == "ACCEPTED":          # auto-accepted: an ACCEPT assessment event at submit
            self._act(page.worker, self.rules.on_assess(uid, True, list(page.reals)), t)
        if "USERS_ASSESSMENT" in self.rules.uses:
            self.done_by.setdefault(page.worker, []).extend(page.reals)
        self._advance()

    # -- quality-control events that are not a page being submitted
    def _captcha(self, worker: int, t: float) -> None:
        """Every ``captcha_every`` submitted pages the worker meets a captcha (solved with their accuracy;
        workers who answer at random, such as bots, mostly fail it)."""
        every = self.rules.captcha_every
        if not every or "CAPTCHA" not in self.rules.uses:
            return
        self.pages_of[worker] = self.pages_of.get(worker, 0) + 1
        if self.pages_of[worker] % every:
            return
        params = self.run.workers[worker].params or {}
        p = float(params.get("captcha_accuracy", 0.05 if params.get("random") else 0.97))
        solved = bool(self.run.rng(worker).random() < p)
        self._act(worker, self.rules.on_captcha(self.run.workers[worker].id, solved), t)

    def assess(self, record: dict, accepted: bool, t: float) -> None:
        """The requester accepted or rejected one of this pool's pages at simulated time ``t``."""
        worker = self.run.index_of[record["user_id"]]
        reals = [self.position[tid] for tid, g in zip(record["task_ids"], record["golden"]) if not g and tid in self.position]
        self._act(worker, self.rules.on_assess(record["user_id"], accepted, reals), t)

    def revoked(self, worker: int, reason: str, t: float, skill_id: str | None = None) -> None:
        """``worker`` lost access to this pool (a restriction, or a skill change failing its filter)."""
        if "USERS_ASSESSMENT" in self.rules.uses:
            done = list(dict.fromkeys(self.done_by.get(worker, ())))
            self._act(worker, self.rules.on_revoked(self.run.workers[worker].id, reason, done, skill_id), t)

    def change_overlap(self, positions: list[int], delta: int, reopen: bool, t: float) -> bool:
        """CHANGE_OVERLAP: ``delta`` more answers for these real tasks; True when new work became available."""
        if self.done_at is not None and not reopen:
            return False
        more = False
        for j in dict.fromkeys(positions):
            if self.target[j] == math.inf:
                continue
            self.target[j] += int(delta)
            if self.final[j] and self.done[j] < self.target[j]:
                self.final[j] = False
                self.open_count += 1
            more = more or not self.final[j]
            self.lo = min(self.lo, j)
        if more:
            self.done_at = None
        return more

    def _check(self, j: int, t: float) -> None:
        if self.final[j] or self.done[j] < self.target[j]:
            return
        if self.dyn and self.done[j] < int(self.dyn["max_overlap"]) and self._confidence(j) < float(self.dyn.get("min_confidence", 0)):
            self.target[j] = self.done[j] + 1
            self.lo = min(self.lo, j)
            return
        self.final[j] = True
        self.open_count -= 1
        thresholds = self.rules.majority_thresholds()
        if thresholds:
            votes = Counter(tuple(sorted(o.items())) for _, o in self.answers[j])
            top, count = votes.most_common(1)[0]
            if count >= min(thresholds):
                for worker, out in self.answers[j]:
                    uid = self.run.workers[worker].id
                    self._act(worker, self.rules.on_majority(uid, tuple(sorted(out.items())) == top), t)
        if self.open_count == 0:
            self.done_at = t

    def _confidence(self, j: int) -> float:
        """Posterior of the most likely answer (uniform prior; each worker right with probability = their
        weighting skill / 100, or 0.7), the lowest over the dynamic-overlap fields."""
        fields = [f["name"] for f in self.dyn.get("fields") or []] or self.answerer.fields
        skill_id = self.dyn.get("answer_weight_skill_id")
        lowest = 1.0
        for name in fields:
            labels = [(w, str(o[name])) for w, o in self.answers[j] if o.get(name) is not None]
            if not labels:
                return 0.0
            spec = self.answerer.specs.get(name)
            k = len(spec[1].classes(spec[0])) if spec else 2
            weighted = []
            for w, lab in labels:
                value = self.run.skill(w, str(skill_id), self.run.now) if skill_id else None
                weighted.append((lab, None if value is None else float(value) / 100.0))
            lowest = min(lowest, top_posterior(weighted, k))
        return lowest

    def _act(self, worker: int, fired: list, t: float) -> None:
        for action, stats in fired:
            self.run.act(worker, self, action, stats, t)

    def finish(self, res, now: float) -> None:
        if self.rules.unsupported:
            res.unsupported_rules[self.id] = self.rules.unsupported
        if any(w.answers is not None for w in self.run.workers):
            res.unanswered[self.id] = sorted(str(t["input_values"].get("item_id")) for j, t in enumerate(self.real)
                                             if self.done[j] == 0)
            if self.done_at is None and self.finite:
                self.done_at = now   # the record is exhausted: nothing more can be served
        if self.done_at is not None:
            res.pool_done[self.id] = self.done_at


class TrainingState:
    """A Toloka Training: one task suite of its tasks; the score (percent right) gates the pools."""

    def __init__(self, training: dict, tasks: list[dict], output_spec: dict, inp: "RunInput", run) -> None:
        self.run, self.training, self.id = run, training, training["id"]
        per_suite = int(training.get("training_tasks_in_task_suite_count") or len(tasks) or 1)
        self.tasks = tasks[: per_suite * int(training.get("task_suites_required_to_pass") or 1)]
        self.retry_days = training.get("retry_training_after_days")
        self.closes = training.get("_close_at")
        self.answerer = _Answerer(output_spec, inp, run, inp.views.get(training.get("project_id")), training.get("project_id"))
        self.seq = 0

    def open_at(self, t: float) -> bool:
        return bool(self.tasks) and (self.closes is None or t < self.closes)

    def may_retry(self, done_at: float, t: float) -> bool:
        return self.retry_days is not None and t >= done_at + float(self.retry_days) * 86400

    def take(self, worker: int, t: float) -> float | None:
        w, ans = self.run.workers[worker], self.answerer
        tasks = [task for task in self.tasks if ans.can_answer(worker, task)] if w.answers is not None else self.tasks
        outputs = ans.answers(worker, tasks)
        correct = [solution_correct(o, task.get("known_solutions")) for o, task in zip(outputs, tasks)]
        score = 100.0 * sum(correct) / len(correct) if correct else 100.0
        end = t + ans.seconds(worker, tasks) if tasks else t
        self.run.trained[(w.id, self.id)] = (end, score)
        self.seq += 1
        self.run.res.assignments.append({
            "id": _assignment_id(self.id, self.run.inp.run_index, self.seq), "pool_id": self.id, "user_id": w.id, "status": "ACCEPTED",
            "task_ids": [task["id"] for task in tasks], "golden": [True] * len(tasks), "outputs": outputs,
            "correct": correct, "created": t, "submitted": end, "reward": 0.0, "training": True, "score": score})
        return end
