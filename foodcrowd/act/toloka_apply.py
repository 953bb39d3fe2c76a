"""Apply a plan through toloka-kit: reuse what exists, create what is missing, refuse what drifted.

Every created object carries the run key (``metadata`` of projects, pools and trainings; the
``private_comment`` of skills), so one created just before a crash, whose id never reached the state
file, is found and reused instead of created twice. Deployed objects are compared with the plan as
normalised JSON; any difference is refused with a :class:`DriftError` (exit code 2) naming the config key.
"""
from __future__ import annotations

import datetime
import logging

from foodcrowd.act.toloka_state import CrowdState
from foodcrowd.plan.normalise import differences, digest, normalise, to_object
from foodcrowd.plan.pools import resolve
from foodcrowd.validate.errors import ConfigError, Problem

__all__ = ["DriftError", "tag", "ensure_objects"]

log = logging.getLogger(__name__)

#: where a drifted field comes from in the config (first matching prefix wins)
_CONFIG_KEYS = (
    ("reward_per_assignment", "crowd.reward_per_page"), ("defaults", "crowd.overlap"),
    ("dynamic_overlap_config", "crowd.dynamic_overlap"), ("mixer_config.real_tasks_count", "crowd.real_tasks_per_page"),
    ("mixer_config.golden_tasks_count", "crowd.control_tasks_per_page"), ("mixer_config", "exam.size"),
    ("filter", "crowd.languages"), ("quality_control.training_requirement", "exam.pass_mark"),
    ("quality_control", "quality"), ("assignment_max_duration_seconds", "crowd.assignment_max_duration_seconds"),
    ("auto_accept_solutions", "crowd.auto_accept_solutions"), ("priority", "crowd.priority"),
    ("training_tasks_in_task_suite_count", "exam.size"), ("retry_training_after_days", "exam.retry_training_after_days"),
    ("public_instructions", "interface.instructions"), ("task_spec", "interface"), ("private_name", "experiment_name"),
)


class DriftError(ConfigError):
    """Deployed objects differ from the plan; re-running would silently mix two experiments."""

    def render(self) -> str:
        text = super().render().splitlines()[:-1]
        text.append("A run directory deploys one experiment. Restore the old values, or run the changed config in a "
                    "new run directory (hydra.run.dir=...).")
        return "\n".join(text)


def tag(kind: str, key: str, obj: dict, run_key: str) -> dict:
    """``obj`` marked with the run key and its plan key, so it can be found after a crash."""
    if kind == "skill":
        return {**obj, "private_comment": f"{obj.get('private_comment', '')} [foodcrowd run {run_key}]".strip()}
    if kind == "task":
        return obj
    if kind == "pool":
        obj = _tag_restrictions(obj, run_key)
    meta = dict(obj.get("metadata") or {})
    meta.update({"foodcrowd_run": [run_key], "foodcrowd_key": [key]})
    return {**obj, "metadata": meta}


def _tag_restrictions(pool: dict, run_key: str) -> dict:
    """The pool with the run key in every ban's comment, so this run's bans are told from other runs'."""
    import copy

    pool = copy.deepcopy(pool)
    for config in (pool.get("quality_control") or {}).get("configs") or []:
        for rule in config.get("rules") or []:
            params = (rule.get("action") or {}).get("parameters") or {}
            if "private_comment" in params:
                params["private_comment"] = f"{params['private_comment']} [run {run_key}]"
    return pool


def _config_key(path: str) -> str:
    return next((cfg for prefix, cfg in _CONFIG_KEYS if path.startswith(prefix)), "toloka")


def _get(client, kind: str, object_id: str):
    return getattr(client, f"get_{kind}")(object_id)


def _find_tagged(client, kind: str, key: str, desired: dict, run_key: str, ids: dict):
    """An object of this run created before a crash (its id never saved), or None."""
    if kind == "skill":
        found = client.get_skills(name=desired["name"])
        return next((s for s in found if f"[foodcrowd run {run_key}]" in (s.private_comment or "")), None)
    if kind == "project":
        found = client.get_projects(status="ACTIVE")
    elif kind in ("pool", "training") and "project" in ids:
        found = getattr(client, f"get_{kind}s")(project_id=ids["project"])
    else:
        return None
    return next((o for o in found if (o.metadata or {}).get("foodcrowd_run") == [run_key]
                 and (o.metadata or {}).get("foodcrowd_key") == [key]), None)


def _create(client, kind: str, desired: dict):
    obj = to_object(kind, desired)
    if kind == "pool":
        obj.will_expire = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)
    return getattr(client, f"create_{kind}")(obj)


def _drift(kind: str, key: str, object_id: str, desired: dict, deployed) -> list[Problem]:
    want, have = normalise(kind, desired), normalise(kind, deployed)
    problems = []
    for path, planned, actual in differences(want, have):
        problems.append(Problem(_config_key(path), f"{key} (id {object_id}) has {path} = {actual!r} on the platform, "
                                                   f"the plan says {planned!r}"))
    return problems


def ensure_objects(client, plan, state: CrowdState) -> dict[str, str]:
    """Ids of every planned object: reused when present and unchanged, created when missing.

    First every object that exists is checked (and nothing is created if one drifted), then what is
    missing is created in plan order, the state saved after each.
    """
    ids = state.ids()
    problems: list[Problem] = []
    missing = []
    for key, (kind, obj) in plan.objects.items():
        try:
            desired = tag(kind, key, resolve(obj, ids), state.run_key)
        except KeyError:  # refers to an object not created yet: cannot exist either
            missing.append(key)
            continue
        record = state.objects.get(key)
        deployed = _get(client, kind, record["id"]) if record else _find_tagged(client, kind, key, desired, state.run_key, ids)
        if deployed is None:
            missing.append(key)
            continue
        drift = _drift(kind, key, deployed.id, desired, deployed)
        problems.extend(drift)
        ids[key] = deployed.id
        if not drift:
            log.info("toloka: %s %s reused (id %s)", kind, key, deployed.id)
            state.objects[key] = {"kind": kind, "id": deployed.id, "hash": digest(normalise(kind, desired))}
    if problems:
        raise DriftError(problems, source="the deployed Toloka objects (toloka/state.json)")
    state.save()
    for key in missing:
        kind, obj = plan.objects[key]
        desired = tag(kind, key, resolve(obj, ids), state.run_key)
        deployed = _create(client, kind, desired)
        log.info("toloka: %s %s created (id %s)", kind, key, deployed.id)
        ids[key] = deployed.id
        state.objects[key] = {"kind": kind, "id": deployed.id, "hash": digest(normalise(kind, desired))}
        state.save()
    return ids
