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
        return build_plan(plain, data["items"], data["exam"], data["control"], CONF_DIR)
    except (PlanError, InstructionsError) as err:
        raise plan_problem(err) from None


def plan_stage(ctx) -> dict:
    from foodcrowd.crowd.predict import predict, print_prediction
    from foodcrowd.plan.estimate import print_estimate

    data = load_data(ctx.run_dir)
    plan = plan_for(ctx.plain, ctx.run_dir, data)
    doc = plan.to_json()
    write_json(ctx.out_dir / "plan.json", doc)
    write_json(ctx.out_dir / "estimate.json", plan.estimate)
    print_estimate(plan.estimate)
    # the crowd model's forecast: label accuracy, workforce, shortfall (foodcrowd/crowd/predict.py)
    prediction = predict(ctx.plain, data["items"], data["exam"], data["control"])
    write_json(ctx.out_dir / "prediction.json", prediction)
    print_prediction(prediction)
    counts = doc["task_counts"]
    log.info("plan: %s objects, tasks %s -> %s", len(plan.objects), counts, ctx.out_dir / "plan.json")
    return {"plan": str(ctx.out_dir / "plan.json"), "task_counts": counts,
            "summary": {"estimate": plan.estimate, "pages": plan.estimate["pages"], "prediction": prediction}}
