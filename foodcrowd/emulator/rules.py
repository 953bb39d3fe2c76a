"""Quality-control rules of a pool, as Toloka runs them: collectors feed statistics, conditions test
them, actions restrict a worker, set a skill, accept or reject work, or change a task suite's overlap.

Every collector of toloka-kit 1.2.3 (``toloka.client.collectors``) is served but ``TRAINING`` (the
collector of training pools, which the emulator runs as exams): a pool that uses it, or an action the
emulator does not run, is refused at creation with ``not emulated: <name>`` (:func:`refusal`).

| collector | fed when | its values (condition keys) |
| --- | --- | --- |
| ASSIGNMENT_SUBMIT_TIME | a page is submitted | total_submitted_count, fast_submitted_count |
| GOLDEN_SET | a page is submitted | golden_set_answers_count, golden_set_correct/incorrect_answers_rate, total_answers_count, correct/incorrect_answers_rate |
| SKIPPED_IN_ROW_ASSIGNMENTS | a page is skipped | skipped_in_row_count |
| MAJORITY_VOTE | a task reaches its overlap | total_answers_count, correct/incorrect_answers_rate (agreement with the majority) |
| ANSWER_COUNT | a page is submitted | assignments_accepted_count |
| INCOME | a page is submitted | income_sum_for_last_24_hours (rewards of the worker's pages in the pool, last 24 simulated hours) |
| CAPTCHA | a captcha is shown (``captcha_frequency`` LOW: every 20 pages, MEDIUM/HIGH: every 10) | stored_results_count, success_rate, fail_rate |
| ACCEPTANCE_RATE | a page is accepted (auto-accept: on submit) or rejected (by the requester) | total_assignments_count, accepted_assignments_rate, rejected_assignments_rate |
| ASSIGNMENTS_ASSESSMENT | the same | assessment_event (ACCEPT/REJECT), accepted/rejected/pending_assignments_count of the task suite (the page) |
| USERS_ASSESSMENT | a worker loses access (a rule's restriction; a rule's skill change that fails the pool filter) | pool_access_revoked_reason (RESTRICTION/SKILL_CHANGE), skill_id |

Actions: RESTRICTION_V2, RESTRICTION, SET_SKILL, SET_SKILL_FROM_OUTPUT_FIELD, REJECT_ALL_ASSIGNMENTS,
APPROVE_ALL_ASSIGNMENTS, CHANGE_OVERLAP (the task suite's tasks, or the revoked worker's, get ``delta``
more answers; ``open_pool`` reopens a completed pool).
"""
from __future__ import annotations

from collections import defaultdict, deque

from foodcrowd.emulator.filters import compare

__all__ = ["ACTIONS", "CAPTCHA_EVERY", "SUPPORTED_COLLECTORS", "PoolRules", "ban_seconds", "refusal"]

SUPPORTED_COLLECTORS = {"ASSIGNMENT_SUBMIT_TIME", "GOLDEN_SET", "SKIPPED_IN_ROW_ASSIGNMENTS", "MAJORITY_VOTE",
                        "ANSWER_COUNT", "INCOME", "CAPTCHA", "ACCEPTANCE_RATE", "ASSIGNMENTS_ASSESSMENT",
                        "USERS_ASSESSMENT"}
ACTIONS = {"RESTRICTION_V2", "RESTRICTION", "SET_SKILL", "SET_SKILL_FROM_OUTPUT_FIELD", "REJECT_ALL_ASSIGNMENTS",
           "APPROVE_ALL_ASSIGNMENTS", "CHANGE_OVERLAP"}
CAPTCHA_EVERY = {"LOW": 20, "MEDIUM": 10, "HIGH": 10}     # pages between captchas (an emulator choice)
_UNIT_SECONDS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}
# which event feeds which collector
_EVENTS = {"ASSIGNMENT_SUBMIT_TIME": "submit", "GOLDEN_SET": "submit", "ANSWER_COUNT": "submit", "INCOME": "submit",
           "SKIPPED_IN_ROW_ASSIGNMENTS": "skip", "MAJORITY_VOTE": "majority", "CAPTCHA": "captcha",
           "ACCEPTANCE_RATE": "assess", "ASSIGNMENTS_ASSESSMENT": "assess", "USERS_ASSESSMENT": "revoked"}


def refusal(pool: dict) -> str | None:
    """``not emulated: <collector or action>`` for the first quality rule the emulator cannot run, else None."""
    for config in (pool.get("quality_control") or {}).get("configs") or []:
        kind = (config.get("collector_config") or {}).get("type")
        if kind not in SUPPORTED_COLLECTORS:
            return f"not emulated: {kind}"
        for rule in config.get("rules") or []:
            action = (rule.get("action") or {}).get("type")
            if action not in ACTIONS:
                return f"not emulated: {action}"
    return None


def ban_seconds(params: dict) -> float | None:
    """Duration of a restriction action in seconds; None = permanent."""
    if "duration_days" in params:                       # the old RESTRICTION action
        days = params.get("duration_days")
        return None if days is None else float(days) * 86400
    unit = params.get("duration_unit", "DAYS")
    duration = params.get("duration")
    if unit == "PERMANENT" or duration is None:
        return None
    return float(duration) * _UNIT_SECONDS.get(unit, 86400)


class PoolRules:
    """The rules of one pool and each worker's collector history in it."""

    def __init__(self, pool: dict) -> None:
        qc = pool.get("quality_control") or {}
        self.configs = qc.get("configs") or []
        self.unsupported = sorted({c.get("collector_config", {}).get("type", "?") for c in self.configs}
                                  - SUPPORTED_COLLECTORS)
        self.captcha_every = CAPTCHA_EVERY.get(str(qc.get("captcha_frequency") or pool.get("captcha_frequency") or ""))
        self.uses = {(c.get("collector_config") or {}).get("type") for c in self.configs}
        self._submits: dict[str, deque] = defaultdict(deque)   # worker -> page durations
        self._golden: dict[str, deque] = defaultdict(deque)    # worker -> correct flags
        self._votes: dict[str, deque] = defaultdict(deque)     # worker -> agrees-with-majority flags
        self._skips: dict[str, int] = defaultdict(int)
        self._answers: dict[str, int] = defaultdict(int)
        self._income: dict[str, deque] = defaultdict(deque)    # worker -> (time, reward)
        self._captchas: dict[str, deque] = defaultdict(deque)  # worker -> solved flags
        self._assessed: dict[str, deque] = defaultdict(deque)  # worker -> accepted flags

    def majority_thresholds(self) -> list[int]:
        return [int((c["collector_config"].get("parameters") or {}).get("answer_threshold", 2))
                for c in self.configs if c["collector_config"].get("type") == "MAJORITY_VOTE"]

    def on_submit(self, worker: str, seconds: float, golden: list[bool], reward: float = 0.0,
                  t: float = 0.0) -> list[tuple[dict, dict]]:
        self._skips[worker] = 0
        self._answers[worker] += 1
        self._submits[worker].append(seconds)
        self._golden[worker].extend(golden)
        if "INCOME" in self.uses:
            self._income[worker].append((t, reward))
        return self._fire("submit", worker, {"_t": t})

    def on_skip(self, worker: str) -> list[tuple[dict, dict]]:
        self._skips[worker] += 1
        return self._fire("skip", worker)

    def on_majority(self, worker: str, agrees: bool) -> list[tuple[dict, dict]]:
        self._votes[worker].append(agrees)
        return self._fire("majority", worker)

    def on_captcha(self, worker: str, solved: bool) -> list[tuple[dict, dict]]:
        self._captchas[worker].append(solved)
        return self._fire("captcha", worker)

    def on_assess(self, worker: str, accepted: bool, suite: list[int]) -> list[tuple[dict, dict]]:
        """A page of ``worker`` accepted or rejected; ``suite`` = its real tasks (positions in the pool)."""
        self._assessed[worker].append(accepted)
        event = {"assessment_event": "ACCEPT" if accepted else "REJECT", "accepted_assignments_count": int(accepted),
                 "rejected_assignments_count": int(not accepted), "pending_assignments_count": 0, "_suite": suite}
        return self._fire("assess", worker, event)

    def on_revoked(self, worker: str, reason: str, done: list[int], skill_id: str | None = None) -> list[tuple[dict, dict]]:
        """``worker`` lost access to the pool; ``done`` = the real tasks they answered there."""
        event = {"pool_access_revoked_reason": reason, "_suite": done}
        if skill_id is not None:
            event["skill_id"] = skill_id
        return self._fire("revoked", worker, event)

    def _fire(self, event: str, worker: str, extra: dict | None = None) -> list[tuple[dict, dict]]:
        """(action, collector output) of every rule whose conditions now hold."""
        fired = []
        for config in self.configs:
            collector = config.get("collector_config") or {}
            kind = collector.get("type")
            if _EVENTS.get(kind) != event:
                continue
            stats = self._stats(kind, collector.get("parameters") or {}, worker, extra or {})
            for rule in config.get("rules") or []:
                conditions = rule.get("conditions") or []
                if conditions and all(c.get("key") in stats and compare(stats[c["key"]], c.get("operator", "EQ"), c.get("value"))
                                      for c in conditions):
                    fired.append((rule.get("action") or {}, stats))
        return fired

    def _stats(self, kind: str, params: dict, worker: str, extra: dict) -> dict:
        history = params.get("history_size")
        if kind == "ASSIGNMENT_SUBMIT_TIME":
            recent = list(self._submits[worker])[-int(params.get("history_size", 10)):]
            threshold = float(params.get("fast_submit_threshold_seconds", 0))
            return {"total_submitted_count": len(recent), "fast_submitted_count": sum(s < threshold for s in recent)}
        if kind == "GOLDEN_SET":
            recent = list(self._golden[worker])[-int(params.get("history_size", 10)):]
            return _rates(recent, "golden_set_") | _rates(recent, "")
        if kind == "MAJORITY_VOTE":
            return _rates(list(self._votes[worker])[-int(params.get("history_size", 10)):], "")
        if kind == "SKIPPED_IN_ROW_ASSIGNMENTS":
            return {"skipped_in_row_count": self._skips[worker]}
        if kind == "ANSWER_COUNT":
            return {"assignments_accepted_count": self._answers[worker]}
        if kind == "INCOME":
            window, now = self._income[worker], extra.get("_t", 0.0)
            while window and window[0][0] <= now - 86400:
                window.popleft()
            return {"income_sum_for_last_24_hours": round(sum(r for _, r in window), 6)}
        if kind == "CAPTCHA":
            flags = list(self._captchas[worker])[-int(history):] if history else list(self._captchas[worker])
            n = len(flags)
            out = {"stored_results_count": n}
            if n:
                out.update(success_rate=100.0 * sum(flags) / n, fail_rate=100.0 * (n - sum(flags)) / n)
            return out
        if kind == "ACCEPTANCE_RATE":
            flags = list(self._assessed[worker])[-int(history):] if history else list(self._assessed[worker])
            n = len(flags)
            out = {"total_assignments_count": n}
            if n:
                out.update(accepted_assignments_rate=100.0 * sum(flags) / n,
                           rejected_assignments_rate=100.0 * (n - sum(flags)) / n)
            return out
        if kind in ("ASSIGNMENTS_ASSESSMENT", "USERS_ASSESSMENT"):
            return dict(extra)
        return {}


def _rates(flags: list[bool], prefix: str) -> dict:
    n = len(flags)
    right = sum(flags)
    out = {f"{prefix}answers_count" if prefix else "total_answers_count": n}
    if n:
        out[f"{prefix}correct_answers_rate"] = 100.0 * right / n
        out[f"{prefix}incorrect_answers_rate"] = 100.0 * (n - right) / n
    return out
