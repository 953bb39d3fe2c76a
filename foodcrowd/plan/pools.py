"""Skills, the exam (a Training or an exam pool) and the main pool, as plain (wire) dicts.

Objects refer to each other through references (``@{project}``, ``@{skill:exam}``, ``@{training:exam}``,
``@{pool:main}``) that apply replaces with the ids the platform gave; :func:`resolve` does it.
"""
from __future__ import annotations

from typing import Any

from foodcrowd.plan.quality import all_of, language_filter, quality_configs, skill_condition

__all__ = ["PlanError", "ref", "resolve", "references", "exam_objects", "main_pool"]


class PlanError(ValueError):
    """The config asks for something no Toloka object can express; names the key."""


def ref(key: str) -> str:
    return "@{" + key + "}"


def resolve(node: Any, ids: dict[str, str]) -> Any:
    """``node`` with every reference replaced by the id in ``ids`` (KeyError when one is not created yet)."""
    if isinstance(node, dict):
        return {k: resolve(v, ids) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, ids) for v in node]
    if isinstance(node, str) and node.startswith("@{") and node.endswith("}"):
        return ids[node[2:-1]]
    return node


def references(node: Any) -> set[str]:
    """Keys of the objects ``node`` refers to."""
    if isinstance(node, dict):
        return set().union(*(references(v) for v in node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*(references(v) for v in node)) if node else set()
    if isinstance(node, str) and node.startswith("@{") and node.endswith("}"):
        return {node[2:-1]}
    return set()


def _common(plain: dict, suffix: str) -> dict:
    crowd = plain["crowd"]
    return {"project_id": ref("project"), "private_name": f"{plain.get('experiment_name', 'foodcrowd')}: {suffix}",
            "may_contain_adult_content": False,
            "assignment_max_duration_seconds": int(crowd.get("assignment_max_duration_seconds", 600))}


def exam_objects(plain: dict) -> dict[str, tuple[str, dict]]:
    """``{key: (kind, plain object)}`` of the exam: a Training, or a skill plus an exam pool; {} for none."""
    exam, crowd = plain["exam"], plain["crowd"]
    form = exam.get("form", "none")
    if form == "none":
        return {}
    if form == "training":
        training = {**_common(plain, "exam (training)"), "mix_tasks_in_creation_order": False,
                    "shuffle_tasks_in_task_suite": True, "training_tasks_in_task_suite_count": int(exam["size"]),
                    "task_suites_required_to_pass": 1, "inherited_instructions": True,
                    "retry_training_after_days": int(exam.get("retry_training_after_days", 1))}
        return {"training:exam": ("training", training)}
    skill = {"name": exam.get("skill_name") or f"{plain.get('experiment_name', 'foodcrowd')}-exam",
             "private_comment": f"foodcrowd: share of right answers in the exam of {plain.get('experiment_name')}",
             "hidden": True}
    set_skill = {"collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": int(exam["size"])}},
                 "rules": [{"conditions": [{"key": "golden_set_answers_count", "operator": "GTE", "value": int(exam["size"])}],
                            "action": {"type": "SET_SKILL_FROM_OUTPUT_FIELD",
                                       "parameters": {"skill_id": ref("skill:exam"), "from_field": "correct_answers_rate"}}}]}
    pool = {**_common(plain, "exam"), "reward_per_assignment": float(crowd["reward_per_page"]),
            "auto_accept_solutions": bool(crowd.get("auto_accept_solutions", True)),
            "defaults": {"default_overlap_for_new_tasks": 1, "default_overlap_for_new_task_suites": 1},
            "mixer_config": {"real_tasks_count": 0, "golden_tasks_count": int(exam["size"]), "training_tasks_count": 0},
            # each annotator takes the exam once: only those without the skill see the pool
            "filter": all_of(language_filter(crowd.get("languages") or []), skill_condition(ref("skill:exam"), "EQ", None)),
            "quality_control": {"configs": [set_skill]}}
    return {"skill:exam": ("skill", skill), "pool:exam": ("pool", pool)}


def _weight_skill(plain: dict, dyn: dict) -> tuple[dict[str, tuple[str, dict]], str | None, list[dict]]:
    """The skill weighting dynamic-overlap answers: the exam skill, or a new one set from control answers."""
    name = dyn.get("answer_weight_skill")
    exam = plain["exam"]
    if not name:
        return {}, None, []
    if exam.get("form") == "exam_pool" and name == exam.get("skill_name"):
        return {}, ref("skill:exam"), []
    control = plain["quality"].get("control_tasks") or {}
    if not control.get("enabled"):
        raise PlanError("crowd.dynamic_overlap.answer_weight_skill: a weighting skill is set from control answers, "
                        "but quality.control_tasks is off (enable it, or set answer_weight_skill: null)")
    skill = {"name": name, "private_comment": "foodcrowd: share of right control answers (answer weight)", "hidden": True}
    own = dyn.get("weight_skill") or {}     # the skill's own history and track record (else the ban rule's)
    history = int(own.get("history_size") or control["history_size"])
    min_answers = int(own.get("min_answers") or control["min_answers"])
    count = "golden_set_answers_count"
    rules = [{"conditions": [{"key": count, "operator": "GTE", "value": min_answers}],
              "action": {"type": "SET_SKILL_FROM_OUTPUT_FIELD",
                         "parameters": {"skill_id": ref("skill:weight"), "from_field": "correct_answers_rate"}}}]
    if own.get("provisional_value") is not None and min_answers > 1:
        # a shorter record earns a fixed, lower weight (SetSkill), so a newcomer's lone answer is not trusted
        rules.insert(0, {"conditions": [{"key": count, "operator": "LT", "value": min_answers}],
                         "action": {"type": "SET_SKILL", "parameters": {"skill_id": ref("skill:weight"),
                                                                        "skill_value": float(own["provisional_value"])}}})
    rule = {"collector_config": {"type": "GOLDEN_SET", "parameters": {"history_size": history}}, "rules": rules}
    return {"skill:weight": ("skill", skill)}, ref("skill:weight"), [rule]


def _overlap_fields(questions: dict) -> list[str]:
    """Dynamic overlap aggregates the objective questions (all of them when none is objective)."""
    return [q for q, spec in questions.items() if spec.get("objective", True)] or list(questions)


def main_pool(plain: dict) -> dict[str, tuple[str, dict]]:
    """The main pool (and a weighting skill when dynamic overlap asks for one)."""
    crowd, exam = plain["crowd"], plain["exam"]
    dyn = crowd.get("dynamic_overlap") or {}
    extra, weight_ref, weight_rules = _weight_skill(plain, dyn) if dyn.get("enabled") else ({}, None, [])
    overlap = int(dyn["min_overlap"]) if dyn.get("enabled") else int(crowd["overlap"])
    exam_filter = None
    quality: dict[str, Any] = {"configs": quality_configs(plain["quality"]) + weight_rules}
    if exam.get("form") == "training":
        quality["training_requirement"] = {"training_pool_id": ref("training:exam"),
                                           "training_passing_skill_value": int(round(exam["pass_mark"]))}
    elif exam.get("form") == "exam_pool":
        exam_filter = skill_condition(ref("skill:exam"), "GTE", float(exam["pass_mark"]))
    pool: dict[str, Any] = {
        **_common(plain, "main"),
        "reward_per_assignment": float(crowd["reward_per_page"]),
        "auto_accept_solutions": bool(crowd.get("auto_accept_solutions", True)),
        "priority": int(crowd.get("priority", 0)),
        "defaults": {"default_overlap_for_new_tasks": overlap, "default_overlap_for_new_task_suites": overlap},
        "mixer_config": {"real_tasks_count": int(crowd["real_tasks_per_page"]),
                         "golden_tasks_count": int(crowd["control_tasks_per_page"]), "training_tasks_count": 0},
        "quality_control": quality,
    }
    flt = all_of(language_filter(crowd.get("languages") or []), exam_filter)
    if flt is not None:
        pool["filter"] = flt
    if dyn.get("enabled"):
        pool["dynamic_overlap_config"] = {
            "type": "BASIC", "max_overlap": int(dyn["max_overlap"]), "min_confidence": float(dyn["min_confidence"]),
            "fields": [{"name": q} for q in _overlap_fields(plain["questions"])]}
        if weight_ref:
            pool["dynamic_overlap_config"]["answer_weight_skill_id"] = weight_ref
    return {**extra, "pool:main": ("pool", pool)}
