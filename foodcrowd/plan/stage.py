"""The plan stage: config + data tables -> ``toloka/plan.json`` and ``toloka/estimate.json``; nothing created.

``python -m foodcrowd +experiment=food action=plan`` runs the data stage and this one, prints the cost
and risk estimate, and stops.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from foodcrowd.validate.errors import ConfigError, Problem

__all__ = ["plan_stage", "load_data", "plan_for", "write_json", "plan_problem"]

log = logging.getLogger(__name__)
_TABLES = ("items", "exam", "control")


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically (a killed run never leaves half a file)."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=False, default=str) + "\n")
    tmp.replace(path)


def plan_problem(err: Exception, source: str = "the Toloka plan") -> ConfigError:
    """A plan error as the one-screen ConfigError the CLI prints (exit code 2)."""
    where, _, what = str(err).partition(": ")
    return ConfigError([Problem(where, what or str(err))], source=source)


def load_data(run_dir: Path) -> dict:
    """The data stage's tables (``data/items.parquet``, ``exam.parquet``, ``control.parquet``)."""
    import pandas as pd

    tables = {}
    for name in _TABLES:
        path = run_dir / "data" / f"{name}.parquet"
        if not path.exists():
            raise ConfigError([Problem(f"data/{name}.parquet", f"is missing in {run_dir}",
                                       "the data stage writes it: run the whole experiment (action=plan runs it too)")],
                              source="the run directory")
        tables[name] = pd.read_parquet(path)
    return tables


def plan_for(plain: dict, run_dir: Path, data: dict | None = None):
    """Build the plan of ``plain`` from the data in ``run_dir`` (or ``data`` already read from it);
    PlanError -> ConfigError."""
    from foodcrowd import CONF_DIR
    from foodcrowd.plan.build import build_plan
    from foodcrowd.plan.pools import PlanError
    from foodcrowd.plan.project import InstructionsError

    data = data if data is not None else load_data(run_dir)
    try:
        plan = build_plan(plain, data["items"], data["exam"], data["control"], CONF_DIR)
        return _within_budget(plain, plan, data, lambda items: build_plan(plain, items, data["exam"], data["control"],
                                                                          CONF_DIR))
    except (PlanError, InstructionsError) as err:
        raise plan_problem(err) from None


def _within_budget(plain: dict, plan, data: dict, build):
    """The plan as it may be bought under ``budget_usd`` (see :mod:`foodcrowd.plan.budget`)."""
    from foodcrowd.plan.budget import affordable_items, check_budget
    from foodcrowd.plan.estimate import estimate

    budget, policy = plain.get("budget_usd"), plain.get("budget_policy", "refuse")
    full = plan.estimate
    record = {"budget_usd": budget, "policy": policy, "upper_bound_usd": full["cost_max_usd"],
              "items_planned": full["items"], "items_bought": full["items"], "stopped": False}
    if budget is not None and full["cost_max_usd"] > float(budget) + 1e-9:
        if policy != "stop_at_cap":
            check_budget(plain, full)
        items = data["items"]
        # bounds only (no control frame: no crowd forecast per candidate size); the plan bought gets the full estimate
        n = affordable_items(plain, len(items), lambda k: estimate(plain, k, items.iloc[:k], data["exam"]))
        if n == 0:
            check_budget(plain, estimate(plain, 0, items.iloc[:0], data["exam"]))
            check_budget(plain, full)
        plan = build(items.iloc[:n].reset_index(drop=True))
        record.update(items_bought=n, stopped=True, upper_bound_usd=plan.estimate["cost_max_usd"],
                      planned_upper_bound_usd=full["cost_max_usd"], planned_cost_usd=full["cost_usd"])
        log.info("budget_usd $%.2f: buying %d of %d items (upper bound $%.2f, expected $%.2f); the rest is left "
                    "unbought (budget_policy=stop_at_cap)", float(budget), n, full["items"],
                    plan.estimate["cost_max_usd"], plan.estimate["cost_usd"])
    plan.estimate["budget"] = record
    return plan


def _warn_unenforced_bounds(plain: dict, est: dict) -> None:
    """Under ``budget_usd``, say which paid pool's upper bound the platform does not hold it to (a declared or
    worst-case exam bound): there the cap rests on the crowd stage's spend guard and how often it looks."""
    budget = plain.get("budget_usd")
    soft = [k for k, p in (est.get("pools") or {}).items() if p.get("bound") == "declared" and p["cost_max_usd"] > 0]
    if budget is None or not soft:
        return
    crowd = plain["crowd"]
    log.warning("budget_usd $%.2f: the upper bound of %s is declared (exam.expected_takers / exam.max_takers or a "
                "worst case) and the platform does not hold the crowd to it; the cap is then held by the spend guard, "
                "which looks every crowd.poll_interval_seconds (%.2g s)%s", float(budget), ", ".join(soft),
                float(crowd.get("poll_interval_seconds", 0.5)),
                f"; the emulator runs {crowd.get('time_scale')} simulated seconds per second here: lower "
                "crowd.time_scale (e.g. 100) so a pool cannot finish between two looks"
                if crowd.get("backend") == "emulator" and float(crowd.get("time_scale") or 1) > 100 else "")


def plan_stage(ctx) -> dict:
    from foodcrowd.crowd.predict import forecast, print_prediction
    from foodcrowd.plan.estimate import print_estimate

    data = load_data(ctx.run_dir)
    plan = plan_for(ctx.plain, ctx.run_dir, data)
    doc = plan.to_json()
    write_json(ctx.out_dir / "plan.json", doc)
    write_json(ctx.out_dir / "estimate.json", plan.estimate)
    print_estimate(plan.estimate, budget=ctx.plain.get("budget_usd"))
    b = plan.estimate["budget"]
    if b["stopped"]:
        log.warning("budget_usd $%.2f: buying %d of %d items (upper bound $%.2f, expected $%.2f); the rest is left "
                    "unbought (budget_policy=stop_at_cap)", float(b["budget_usd"]), b["items_bought"], b["items_planned"],
                    b["upper_bound_usd"], plan.estimate["cost_usd"])
    _warn_unenforced_bounds(ctx.plain, plan.estimate)
    if ctx.plain["crowd"]["backend"] == "label_studio":   # in-house: no crowd model, no exam, no control tasks
        from foodcrowd.review.crowd import not_applied

        prediction = {}
        message = not_applied(ctx.plain)
        if message:
            log.warning("%s", message)
    else:  # the crowd model's forecast: label accuracy, workforce, shortfall (foodcrowd/crowd/predict.py)
        # (computed once per process: the estimate of a dynamic-overlap pool on the emulator uses the same one)
        prediction = forecast(ctx.plain, data["items"], data["exam"], data["control"])
        print_prediction(prediction)
    write_json(ctx.out_dir / "prediction.json", prediction)
    counts = doc["task_counts"]
    log.info("plan: %s objects, tasks %s -> %s", len(plan.objects), counts, ctx.out_dir / "plan.json")
    return {"plan": str(ctx.out_dir / "plan.json"), "task_counts": counts,
            "summary": {"estimate": plan.estimate, "pages": plan.estimate["pages"], "budget": plan.estimate["budget"],
                        "prediction": prediction}}
