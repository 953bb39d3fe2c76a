"""Quality-control rules of a pool, as Toloka runs them: collectors feed statistics, conditions test
them, actions restrict a worker or set a skill.

Collectors served: ASSIGNMENT_SUBMIT_TIME, GOLDEN_SET, SKIPPED_IN_ROW_ASSIGNMENTS, MAJORITY_VOTE,
ANSWER_COUNT. Actions: RESTRICTION_V2, RESTRICTION, SET_SKILL, SET_SKILL_FROM_OUTPUT_FIELD,
REJECT_ALL_ASSIGNMENTS, APPROVE_ALL_ASSIGNMENTS. Other collectors are accepted and never fire (they are
listed in the emulator's snapshot under ``unsupported_rules``).
"""
from __future__ import annotations

from collections import defaultdict, deque

from foodcrowd.emulator.filters import compare

__all__ = ["SUPPORTED_COLLECTORS", "PoolRules", "ban_seconds"]

SUPPORTED_COLLECTORS = {"ASSIGNMENT_SUBMIT_TIME", "GOLDEN_SET", "SKIPPED_IN_ROW_ASSIGNMENTS", "MAJORITY_VOTE",
                        "ANSWER_COUNT"}
_UNIT_SECONDS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}
# which event feeds which collector
_EVENTS = {"ASSIGNMENT_SUBMIT_TIME": "submit", "GOLDEN_SET": "submit", "ANSWER_COUNT": "submit",
           "SKIPPED_IN_ROW_ASSIGNMENTS": "skip", "MAJORITY_VOTE": "majority"}


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
        self._submits: dict[str, deque] = defaultdict(deque)   # worker -> page durations
        self._golden: dict[str, deque] = defaultdict(deque)    # worker -> correct flags
        self._votes: dict[str, deque] = defaultdict(deque)     # worker -> agrees-with-majority flags
        self._skips: dict[str, int] = defaultdict(int)
        self._answers: dict[str, int] = defaultdict(int)

    def majority_thresholds(self) -> list[int]:
        return [int((c["collector_config"].get("parameters") or {}).get("answer_threshold", 2))
                for c in self.configs if c["collector_config"].get("type") == "MAJORITY_VOTE"]

    def on_submit(self, worker: str, seconds: float, golden: list[bool]) -> list[tuple[dict, dict]]:
        self._skips[worker] = 0
        self._answers[worker] += 1
        self._submits[worker].append(seconds)
        self._golden[worker].extend(golden)
        return self._fire("submit", worker)

    def on_skip(self, worker: str) -> list[tuple[dict, dict]]:
        self._skips[worker] += 1
        return self._fire("skip", worker)

    def on_majority(self, worker: str, agrees: bool) -> list[tuple[dict, dict]]:
        self._votes[worker].append(agrees)
        return self._fire("majority", worker)

    def _fire(self, event: str, worker: str) -> list[tuple[dict, dict]]:
        """(action, collector output) of every rule whose conditions now hold."""
        fired = []
        for config in self.configs:
            collector = config.get("collector_config") or {}
            kind = collector.get("type")
            if _EVENTS.get(kind) != event:
                continue
            stats = self._stats(kind, collector.get("parameters") or {}, worker)
            for rule in config.get("rules") or []:
                conditions = rule.get("conditions") or []
                if conditions and all(c.get("key") in stats and compare(stats[c["key"]], c.get("operator", "EQ"), c.get("value"))
                                      for c in conditions):
                    fired.append((rule.get("action") or {}, stats))
        return fired

    def _stats(self, kind: str, params: dict, worker: str) -> dict:
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
        return {}


def _rates(flags: list[bool], prefix: str) -> dict:
    n = len(flags)
    right = sum(flags)
    out = {f"{prefix}answers_count" if prefix else "total_answers_count": n}
    if n:
        out[f"{prefix}correct_answers_rate"] = 100.0 * right / n
        out[f"{prefix}incorrect_answers_rate"] = 100.0 * (n - right) / n
    return out
