"""Quality-control rules and filters of a pool, from the ``quality`` and ``crowd`` config groups.

Pure: plain (wire) dicts for ``Pool.quality_control.configs`` and ``Pool.filter``. Each rule's threshold
and its ban (scope, duration, unit) are config values; nothing here is a hidden default.
"""
from __future__ import annotations

__all__ = ["restriction", "quality_configs", "language_filter", "skill_condition", "all_of"]


def restriction(rule: dict, comment: str) -> dict:
    """A ``RESTRICTION_V2`` ban with the rule's scope and duration (``PERMANENT`` has no duration)."""
    params = {"scope": rule["ban_scope"], "duration_unit": rule["ban_duration_unit"], "private_comment": comment}
    if rule["ban_duration_unit"] != "PERMANENT":
        params["duration"] = int(rule["ban_duration"])
    return {"type": "RESTRICTION_V2", "parameters": params}


def _cond(key: str, op: str, value: float) -> dict:
    return {"key": key, "operator": op, "value": value}


def _config(collector: str, params: dict | None, conditions: list[dict], action: dict) -> dict:
    collector_config = {"type": collector, **({"parameters": params} if params else {})}
    return {"collector_config": collector_config, "rules": [{"conditions": conditions, "action": action}]}


def quality_configs(quality: dict) -> list[dict]:
    """The enabled rules of the main pool, in config order."""
    configs = []
    fast = quality.get("fast_responses") or {}
    if fast.get("enabled"):
        configs.append(_config(
            "ASSIGNMENT_SUBMIT_TIME",
            {"history_size": fast["history_size"], "fast_submit_threshold_seconds": fast["fast_submit_threshold_seconds"]},
            [_cond("fast_submitted_count", "GTE", fast["count"])],
            restriction(fast, "foodcrowd: fast responses")))
    control = quality.get("control_tasks") or {}
    if control.get("enabled"):
        configs.append(_config(
            "GOLDEN_SET", {"history_size": control["history_size"]},
            [_cond("golden_set_correct_answers_rate", "LT", control["min_correct_percent"]),
             _cond("golden_set_answers_count", "GTE", control["min_answers"])],
            restriction(control, "foodcrowd: wrong control answers")))
    skipped = quality.get("skipped_in_row") or {}
    if skipped.get("enabled"):
        configs.append(_config(
            "SKIPPED_IN_ROW_ASSIGNMENTS", None,
            [_cond("skipped_in_row_count", "GTE", skipped["count"])],
            restriction(skipped, "foodcrowd: skipped pages in a row")))
    mv = quality.get("majority_vote") or {}
    if mv.get("enabled"):
        configs.append(_config(
            "MAJORITY_VOTE", {"answer_threshold": mv["answer_threshold"], "history_size": mv["history_size"]},
            [_cond("total_answers_count", "GTE", mv["history_size"]),
             _cond("correct_answers_rate", "LT", mv["min_correct_percent"])],
            restriction(mv, "foodcrowd: disagrees with the majority")))
    return configs


def language_filter(languages: list[str]) -> dict | None:
    """Annotators who speak one of ``languages`` (``crowd.languages``); None = no language filter."""
    conds = [{"category": "profile", "key": "languages", "operator": "IN", "value": lang} for lang in languages]
    return None if not conds else conds[0] if len(conds) == 1 else {"or": conds}


def skill_condition(skill_ref: str, operator: str, value: float | None) -> dict:
    return {"category": "skill", "key": skill_ref, "operator": operator, "value": value}


def all_of(*filters: dict | None) -> dict | None:
    """``and`` of the given filters, each wrapped as toloka-kit spells it; None when there are none."""
    present = [f for f in filters if f is not None]
    if not present:
        return None
    return {"and": [f if "or" in f else {"or": [f]} for f in present]}
