"""The whole plan of an experiment: every toloka-kit object and task, in creation order, and the estimate.

Pure: the validated config, the data stage's tables and the instructions' text in; a :class:`Plan` out.
``Plan.to_json()`` is ``toloka/plan.json``: each object as toloka-kit sends it (structured and unstructured
again, so it round-trips), the interface readable, the task counts, one sample task of each kind, the
estimate.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from foodcrowd.plan.estimate import estimate
from foodcrowd.plan.pools import PlanError, exam_objects, main_pool, references
from foodcrowd.plan.project import project_plan, read_instructions
from foodcrowd.plan.tasks import known_tasks, real_tasks

__all__ = ["Plan", "build_plan", "PLAN_VERSION"]

PLAN_VERSION = 1


@dataclass
class Plan:
    """Desired objects ``{key: (kind, plain)}`` in creation order, tasks per container key, the estimate."""

    objects: dict[str, tuple[str, dict]]
    tasks: dict[str, list[dict]] = field(default_factory=dict)
    task_kinds: dict[str, dict[str, int]] = field(default_factory=dict)
    estimate: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict:
        import json

        from foodcrowd.plan.normalise import wire

        objects = {key: wire(kind, obj) for key, (kind, obj) in self.objects.items()}
        samples = {}
        for container, tasks in self.tasks.items():
            for task in tasks:
                label = "known" if task.get("known_solutions") else "real"
                samples.setdefault(f"{container}/{label}", wire("task", task))
        view = (objects.get("project") or {}).get("task_spec", {}).get("view_spec", {})
        pick = lambda kind: {key.partition(":")[2]: objects[key] for key, (k, _) in self.objects.items() if k == kind}
        return {
            "version": PLAN_VERSION,
            "order": list(self.objects),
            "project": objects.get("project"),
            # the project's Template Builder config, readable (in "project" it is a JSON string, as sent)
            "interface": json.loads(view["config"]) if isinstance(view.get("config"), str) else None,
            "skills": pick("skill"),
            "trainings": pick("training"),
            "pools": pick("pool"),
            "task_counts": {c: dict(kinds, total=sum(kinds.values())) for c, kinds in self.task_kinds.items()},
            "task_samples": samples,
            "estimate": self.estimate,
        }


def _check_references(objects: dict[str, tuple[str, dict]], tasks: dict[str, list[dict]]) -> None:
    known: set[str] = set()
    for key, (_, obj) in objects.items():
        missing = references(obj) - known
        if missing:
            raise PlanError(f"plan: {key} refers to {sorted(missing)} before they are created")
        known.add(key)
    for container in tasks:
        if container not in known:
            raise PlanError(f"plan: tasks for {container}, which the plan does not create")


def build_plan(plain: dict, items, exam, control, conf_dir: Path, instructions_md: str | None = None) -> Plan:
    """Every object of the experiment; ``items``/``exam``/``control`` are the data stage's DataFrames."""
    interface, questions = plain["interface"], plain["questions"]
    md = instructions_md if instructions_md is not None else read_instructions(interface, conf_dir)
    exam_objs = exam_objects(plain)
    main = main_pool(plain)
    skills = {k: v for k, v in {**exam_objs, **main}.items() if v[0] == "skill"}
    objects: dict[str, tuple[str, dict]] = {**skills,
                                           "project": ("project", project_plan(questions, interface, md,
                                                                               plain.get("experiment_name", "foodcrowd")))}
    objects.update({k: v for k, v in exam_objs.items() if v[0] != "skill"})
    objects.update({k: v for k, v in main.items() if v[0] != "skill"})

    image = interface["image_field"]
    control_on = (plain["quality"].get("control_tasks") or {}).get("enabled")
    main_control = known_tasks(control, questions, image, "pool:main", "control") if control_on else []
    main_real = real_tasks(items, image)
    tasks = {"pool:main": main_control + main_real}
    kinds = {"pool:main": {"control": len(main_control), "real": len(main_real)}}
    exam_key = next((k for k in exam_objs if k in ("training:exam", "pool:exam")), None)
    if exam_key:
        if len(exam) != int(plain["exam"]["size"]):
            raise PlanError(f"data/exam.parquet: has {len(exam)} exam tasks, exam.size is {plain['exam']['size']}")
        tasks[exam_key] = known_tasks(exam, questions, image, exam_key, "exam")
        kinds[exam_key] = {"exam": len(tasks[exam_key])}
    if control_on and int(plain["crowd"]["control_tasks_per_page"]) > len(main_control):
        raise PlanError(f"data/control.parquet: {len(main_control)} control tasks, fewer than "
                        f"crowd.control_tasks_per_page ({plain['crowd']['control_tasks_per_page']})")
    _check_references(objects, tasks)
    return Plan(objects=objects, tasks=tasks, task_kinds=kinds, estimate=estimate(plain, len(items), items, exam, control))
