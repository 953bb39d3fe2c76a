"""The engine: runs the stages of an experiment in order, each writing under the Hydra run directory.

A stage is skipped when the run is repeated in the same directory and nothing it depends on changed:
its key is a hash of the config slice it reads and the keys of the stages it follows. Each finished stage
leaves a stamp ``<run_dir>/.stages/<name>.json`` (key, result, seconds); the result of every stage is
merged into ``<run_dir>/summary.json`` (schema: ``schemas/summary.schema.json``).
"""
from __future__ import annotations

import hashlib
import importlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from omegaconf import DictConfig, OmegaConf

from foodcrowd.record.summary import Summary
from foodcrowd.record.tracking import current as current_tracker

__all__ = ["Stage", "StageContext", "RunResult", "STAGES", "run", "run_stages", "stage_key"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Stage:
    """One step of a run: ``fn`` is ``"module:function"`` taking a :class:`StageContext`, returning a dict."""

    name: str
    fn: str
    keys: tuple[str, ...]          # dotted config paths whose values make up the stage's key
    out: str                       # sub-directory of the run dir it writes to
    actions: tuple[str, ...] = ("run",)
    exclude: tuple[str, ...] = ()  # dotted paths inside ``keys`` that do not matter to this stage
    files: tuple[str, ...] = ()    # config paths naming files (relative to conf/) whose *contents* matter

    def load(self) -> Callable[["StageContext"], dict]:
        module, _, attr = self.fn.partition(":")
        return getattr(importlib.import_module(module), attr)


@dataclass
class StageContext:
    """What a stage sees: the config (resolved), its own output dir, and earlier stages' results."""

    cfg: DictConfig
    plain: dict[str, Any]
    run_dir: Path
    out_dir: Path
    results: dict[str, dict] = field(default_factory=dict)
    key: str = ""                  # this stage's key (the crowd stage names its answers version by it)

    def result(self, stage: str) -> dict:
        if stage not in self.results:
            raise KeyError(f"stage {stage!r} has not run before this one")
        return self.results[stage]


@dataclass
class RunResult:
    summary: dict[str, Any]
    objective: float
    run_dir: Path


# how the platform is reached, not what is asked of whom: these never change the work (or its key)
_HOW_NOT_WHAT = tuple(f"crowd.{k}" for k in ("url", "token_env", "timeout_seconds", "retries", "upload_batch_size",
                                             "poll_interval_seconds", "max_wait_seconds", "state_dir", "faults"))
_REVIEWED = ("run", "review")  # action=review runs these first (skipped as unchanged in a finished run dir)

STAGES: tuple[Stage, ...] = (
    Stage("data", "foodcrowd.act.data:data_stage",
          ("dataset", "questions", "exam", "quality.control_tasks", "seed", "golden"), "data",
          ("run", "plan", "review"), exclude=("dataset.parent",)),
    Stage("preview", "foodcrowd.review.review_stage:preview_stage", ("dataset", "questions", "interface", "review"),
          "review", ("preview",), files=("interface.instructions",)),
    Stage("plan", "foodcrowd.plan.stage:plan_stage",
          ("questions", "interface", "exam", "quality", "crowd", "dataset.public_base_url", "experiment_name",
           "budget_usd", "budget_policy"),
          "toloka", ("run", "plan", "review"), exclude=_HOW_NOT_WHAT, files=("interface.instructions",)),
    Stage("crowd", "foodcrowd.act.crowd:crowd_stage", ("crowd",), "toloka", _REVIEWED, exclude=_HOW_NOT_WHAT),
    Stage("aggregate", "foodcrowd.act.aggregate:aggregate_stage", ("aggregation", "questions"), "labels", _REVIEWED),
    Stage("register", "foodcrowd.act.register:register_stage", ("dataset", "aggregation.method"), "datasets",
          _REVIEWED),
    Stage("review", "foodcrowd.review.review_stage:review_stage", ("review",), "review", ("review",)),
    Stage("train", "foodcrowd.act.train:train_stage", ("model", "trainer", "dataview", "tracking"), "model"),
    Stage("report", "foodcrowd.record.report:report_stage", (), "report"),
)


def _select(plain: dict, dotted: str) -> Any:
    node: Any = plain
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _without(value: Any, dotted: str) -> Any:
    """``value`` (a config slice) with the sub-path ``dotted`` removed (a copy; the slice is untouched)."""
    head, _, rest = dotted.partition(".")
    if not isinstance(value, dict) or head not in value:
        return value
    return {k: (_without(v, rest) if rest and k == head else v) for k, v in value.items() if rest or k != head}


def _file_digest(plain: dict, dotted: str) -> str | None:
    from foodcrowd import CONF_DIR

    name = _select(plain, dotted)
    path = Path(str(name)) if name else None
    if path is not None and not path.is_absolute():
        path = CONF_DIR / path
    return hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else None


def stage_key(stage: Stage, plain: dict, upstream: list[str]) -> str:
    """Hash of the stage's config slice (less ``exclude``), the contents of its ``files``, and the keys of
    the stages before it."""
    cfg = {}
    for k in stage.keys:
        value = _select(plain, k)
        for ex in stage.exclude:
            if ex.startswith(k + "."):
                value = _without(value, ex[len(k) + 1:])
        cfg[k] = value
    payload = {"stage": stage.name, "fn": stage.fn, "cfg": cfg, "upstream": upstream,
               "files": {f: _file_digest(plain, f) for f in stage.files}}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _run_dir(cfg: DictConfig) -> Path:
    from hydra.core.hydra_config import HydraConfig

    try:
        return Path(HydraConfig.get().runtime.output_dir)
    except ValueError:  # called outside a Hydra app (tests, notebooks)
        return Path.cwd()


def run_stages(cfg: DictConfig, plain: dict, run_dir: Path, stages: tuple[Stage, ...]) -> Summary:
    """Run ``stages`` in order in ``run_dir`` (holding its lock); skip those whose stamp matches their key."""
    from foodcrowd.run_lock import run_dir_lock

    with run_dir_lock(run_dir):
        return _run_stages(cfg, plain, run_dir, stages)


def _run_stages(cfg: DictConfig, plain: dict, run_dir: Path, stages: tuple[Stage, ...]) -> Summary:
    action = plain.get("action", "run")
    summary = Summary.start(run_dir, plain)
    stamps = run_dir / ".stages"
    stamps.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    upstream: list[str] = []
    for stage in stages:
        if action not in stage.actions:
            continue
        key = stage_key(stage, plain, upstream)
        upstream.append(key)
        stamp = stamps / f"{stage.name}.json"
        if stamp.exists():
            saved = json.loads(stamp.read_text())
            if saved.get("key") == key:
                log.info("stage %s: unchanged (key %s), skipped", stage.name, key)
                results[stage.name] = saved["result"]
                summary.stage_done(stage.name, saved["result"], saved["seconds"], skipped=True)
                continue
        if stage.name not in ("data", "plan"):  # the ClearML task opens once real work starts (checks first)
            getattr(current_tracker(), "open", lambda: None)()
        out_dir = run_dir / stage.out
        out_dir.mkdir(parents=True, exist_ok=True)
        ctx = StageContext(cfg=cfg, plain=plain, run_dir=run_dir, out_dir=out_dir, results=results, key=key)
        log.info("stage %s: running (key %s)", stage.name, key)
        t0 = time.perf_counter()
        try:
            result = stage.load()(ctx) or {}
        except BaseException as err:  # the record says the run failed, and in which stage; then re-raise
            from foodcrowd.plan.budget import BudgetError

            summary.data["error"] = {"stage": stage.name, "type": type(err).__name__, "message": str(err)[:500]}
            if isinstance(err, BudgetError):   # refused before anything was created: nothing was spent
                summary.data["cost_usd"] = 0.0
                summary.data["budget"] = {"budget_usd": plain.get("budget_usd"), "policy": plain.get("budget_policy", "refuse"),
                                          "upper_bound_usd": err.figures.get("upper_bound_usd"), "stopped": False,
                                          "spent_usd": 0.0}
            summary.finish("over_budget" if isinstance(err, BudgetError) else "failed")
            raise
        seconds = time.perf_counter() - t0
        results[stage.name] = result
        from foodcrowd.atomic import write_text_atomic  # a killed run never leaves a stamp for unfinished work

        write_text_atomic(stamp, json.dumps({"key": key, "result": result, "seconds": seconds}, default=str, indent=1))
        summary.stage_done(stage.name, result, seconds, skipped=False)
    stopped = bool((summary.data.get("budget") or {}).get("stopped"))
    if stopped and summary.data.get("cost_usd") is not None:
        b = summary.data["budget"]
        b["spent_usd"] = summary.data["cost_usd"]
        log.warning("stopped at budget: bought %s of %s items for $%.2f (budget_usd $%.2f%s); their labels are "
                    "aggregated and registered", b.get("items_bought"), b.get("items_planned"), b["spent_usd"],
                    float(b["budget_usd"]), ", EXCEEDED: the polls could not follow the platform" if b.get("exceeded") else "")
    summary.finish("planned" if action == "plan" else "stopped_at_budget" if stopped else "ok")
    return summary


def run(cfg: DictConfig, stages: tuple[Stage, ...] = STAGES, plain: dict | None = None) -> RunResult:
    """Run an experiment from a validated config (``plain``: what ``validate`` returned, if at hand);
    return its summary and sweep objective."""
    from foodcrowd.validate import to_plain

    plain = plain if plain is not None else to_plain(cfg)
    run_dir = _run_dir(cfg)
    from foodcrowd.record.tracking import tracking_session  # one ClearML task per job; no-op when disabled
    from foodcrowd.run_lock import run_dir_lock

    with run_dir_lock(run_dir), tracking_session(plain, run_dir):
        summary = run_stages(cfg, plain, run_dir, stages)
    return RunResult(summary=summary.data, objective=summary.objective(plain), run_dir=run_dir)
