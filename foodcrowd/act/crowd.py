"""The crowd stage: apply the plan on Toloka (or the local emulator) and collect the work.

Steps, each recorded in ``toloka/state.json`` before the next begins: objects (reused, created, or
refused on drift) -> tasks (batches with fixed operation ids) -> open -> wait -> download. A re-run in the
same run dir resumes at the first unfinished step; tables already downloaded are read, not fetched again.

``crowd.backend=emulator`` starts :func:`foodcrowd.emulator.start` (unless ``crowd.url`` points at one
already running); ``toloka_sandbox``/``toloka`` read the token from the variable named by
``crowd.token_env``. The token is never logged or saved.
"""
from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from foodcrowd.errors import UserError
from foodcrowd.failpoints import failpoint
from foodcrowd.plan.estimate import page_cost
from foodcrowd.validate.errors import ConfigError, Problem

__all__ = ["TABLES", "crowd_stage", "client_for", "summarise"]

log = logging.getLogger(__name__)
TABLES = ("answers", "exam_answers", "assignments", "bans", "skills")


@contextlib.contextmanager
def client_for(plain: dict, run_dir: Path, items):
    """A toloka-kit client for ``crowd.backend`` (starting the emulator when needed), closed afterwards."""
    from toloka.client import TolokaClient

    crowd = plain["crowd"]
    opts = {"retries": int(crowd.get("retries", 3)), "timeout": float(crowd.get("timeout_seconds", 30))}
    if crowd["backend"] != "emulator":
        token = os.environ.get(crowd["token_env"])
        if not token:
            raise ConfigError([Problem("crowd.token_env", f"environment variable {crowd['token_env']} is not set",
                                       f"export {crowd['token_env']}=<your Toloka OAuth token>")])
        yield TolokaClient(token, "SANDBOX" if crowd["backend"] == "toloka_sandbox" else "PRODUCTION", **opts)
        return
    # never the real Toloka token: crowd.url may name any host; an emulator started elsewhere takes its own
    # token from $FOODCROWD_EMULATOR_TOKEN, one started here a fresh one (never logged or saved)
    from foodcrowd.emulator.auth import TOKEN_ENV, new_token

    if crowd.get("url"):
        yield TolokaClient(os.environ.get(TOKEN_ENV) or "emulator", url=crowd["url"], **opts)
        return
    from foodcrowd.emulator import start

    state_dir = Path(crowd.get("state_dir") or run_dir / "emulator")
    token = new_token()
    handle = start(crowd=crowd, questions=plain["questions"], world=items, state_dir=state_dir, token=token)
    try:
        yield TolokaClient(token, url=handle.url, **opts)
    finally:
        _record_faults(run_dir, handle.snapshot().get("faults") or {})
        handle.stop()


def _record_faults(run_dir: Path, counts: dict) -> None:
    """Add the faults the emulator injected in this process to ``toloka/emulator_faults.json`` (for tests)."""
    if not counts:
        return
    import json

    path = run_dir / "toloka" / "emulator_faults.json"
    total = json.loads(path.read_text()) if path.exists() else {}
    for kind, n in counts.items():
        total[kind] = total.get(kind, 0) + int(n)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(total, sort_keys=True))
    log.info("emulator: injected faults %s (the client retried through them)", total)


def pools_side_by_side(assignments, estimate: dict, crowd: dict) -> dict:
    """Per container: the plan's estimate (expected, lower, upper) beside the actual pages and cost."""
    paid = assignments[assignments["status"].isin(["SUBMITTED", "ACCEPTED"]) & (assignments["reward"] > 0)]
    out = {}
    for key in sorted(set(paid["container"]) | set((estimate.get("pools") or {}))):
        mine = paid[paid["container"] == key]
        est = (estimate.get("pools") or {}).get(key) or {}
        cost = round(float(mine["reward"].map(lambda r: page_cost(crowd, r)).sum()), 4)
        row = {"pages": int(len(mine)), "cost_usd": cost,  # paid pages (a training's pages are free)
               "estimate": {k: est.get(k) for k in ("pages", "pages_min", "pages_max", "cost_usd", "cost_min_usd",
                                                    "cost_max_usd") if k in est}}
        if est:
            row["within_bounds"] = bool(est["cost_min_usd"] - 1e-9 <= cost <= est["cost_max_usd"] + 1e-9)
            row["vs_expected"] = round(cost / est["cost_usd"] - 1, 4) if est["cost_usd"] else None
        out[key] = row
    return out


def summarise(tables: dict, plain: dict, n_items: int, estimate: dict | None = None) -> dict:
    """The crowd stage's fragment of ``summary.json``."""
    crowd, exam_cfg = plain["crowd"], plain["exam"]
    answers, assignments, exam = tables["answers"], tables["assignments"], tables["exam_answers"]
    reward = float(crowd["reward_per_page"])
    paid = assignments[assignments["status"].isin(["SUBMITTED", "ACCEPTED"])]
    fees = paid["reward"].map(lambda r: page_cost(crowd, r))
    main = assignments[(assignments["container"] == "pool:main")
                       & assignments["status"].isin(["SUBMITTED", "ACCEPTED", "REJECTED"])]
    duration = float(main["submitted_at"].max()) if len(main) and main["submitted_at"].notna().any() else 0.0
    per_worker = exam.groupby("worker")["correct"].agg(["sum", "count"]) if len(exam) else None
    takers = 0 if per_worker is None else len(per_worker)
    need = float(exam_cfg.get("pass_mark", 100)) / 100 * int(exam_cfg.get("size", 0) or 0)
    passed = 0 if per_worker is None else int((per_worker["sum"] >= need - 1e-9).sum())
    per_task = [] if not len(exam) else [
        {"item_id": item, "correct_share": round(float(g["correct"].mean()), 4), "edge_case": bool(g["edge_case"].any())}
        for item, g in exam.groupby("task")]
    return {
        "items": n_items, "answers": int(len(answers)), "cost_usd": round(float(fees.sum()), 4),
        "duration_seconds": round(duration, 1), "duration_kind": "simulated" if crowd["backend"] == "emulator" else "real",
        "annotators": int(answers["worker"].nunique()), "banned": int(tables["bans"]["worker"].nunique()),
        "exam": {"takers": takers, "passed": passed, "pass_rate": round(passed / takers, 4) if takers else None,
                 "per_task": per_task},
        "pages": int(len(main)), "reward_per_page": reward,
        "pools": pools_side_by_side(assignments, estimate or {}, crowd),
    }


def _read_tables(out_dir: Path) -> dict:
    import pandas as pd

    return {name: pd.read_parquet(out_dir / f"{name}.parquet") for name in TABLES}


@contextlib.contextmanager
def platform_errors(crowd: dict, run_dir: Path | None = None):
    """Errors of the crowd platform (HTTP, network) as one-screen UserErrors naming the config key; a
    local emulator failing on a full disk (its state lives in the run dir) is the machine's problem."""
    import json

    import httpx
    from toloka.client.exceptions import AccessDeniedApiError, ApiError, AuthenticationApiError

    where = "crowd.url" if crowd.get("url") else "crowd.backend"
    try:
        yield
    except (AuthenticationApiError, AccessDeniedApiError) as err:
        raise UserError(f"the platform refused the token ({err.code})", "crowd.token_env",
                        f"check the token in ${crowd['token_env']} (sandbox and production tokens differ)") from None
    except ApiError as err:
        if run_dir is not None and not crowd.get("url") and crowd.get("backend") == "emulator" and \
                (err.status_code or 0) >= 500 and _disk_full(Path(crowd.get("state_dir") or run_dir)):
            from foodcrowd.errors import EnvironmentProblem

            raise EnvironmentProblem(f"the disk is full: the local emulator could not write its state under "
                                     f"{crowd.get('state_dir') or run_dir} ({err.message})", "hydra.run.dir",
                                     "free space there (or point hydra.run.dir at a disk with room) and run again: "
                                     "finished stages are kept, the rest resumes") from None
        fields = f" (fields: {', '.join(sorted(map(str, err.payload))[:8])})" if isinstance(err.payload, dict) and err.payload else ""
        raise UserError(f"the platform answered {err.status_code} {err.code}: {err.message}{fields}", where,
                        "fix the cause, then run again with the same run dir: nothing is created or paid twice") from None
    except httpx.HTTPError as err:
        raise UserError(f"cannot reach the platform ({type(err).__name__}: {err})", where,
                        "check the network or crowd.url, then run again with the same run dir to resume") from None
    except json.JSONDecodeError as err:   # toloka-kit reads every error body as JSON
        raise UserError(f"the platform answered with a body that is not JSON ({err.doc[:80]!r})", where,
                        "a platform or proxy error: run again with the same run dir to resume (nothing is "
                        "created or paid twice)") from None


def _disk_full(folder: Path, least: int = 1 << 20) -> bool:
    import shutil

    try:
        return shutil.disk_usage(folder).free < least
    except OSError:
        return False


def crowd_stage(ctx) -> dict:
    """Reuse answers bought under the same crowd-stage key (or named by ``crowd.answers``); else buy them
    and register them as a dataset version before any later stage can fail."""
    reused = _reuse(ctx)
    if reused is not None:
        return reused
    with platform_errors(ctx.plain["crowd"], ctx.run_dir):
        result = _crowd_stage(ctx)
    return _register(ctx, result)


def _registry(ctx):
    from foodcrowd.datasets import Registry

    return Registry(ctx.plain["dataset"]["registry"])


def _register(ctx, result: dict) -> dict:
    from foodcrowd.datasets.answers import register_answers

    ds, summary = ctx.plain["dataset"], result["summary"]
    meta = {"backend": ctx.plain["crowd"]["backend"], "ids": result["ids"], "cost_usd": summary["cost_usd"],
            "pages": summary["pages"], "answers": summary["answers"], "items": summary["items"],
            "experiment_name": ctx.plain.get("experiment_name"),
            "asked": {k: ctx.plain.get(k) for k in ("questions", "exam", "quality")}}
    version = register_answers(_registry(ctx), ds, (ctx.results.get("data") or {}).get("raw_dataset_id"),
                               ctx.key, _read_tables(ctx.out_dir), meta)
    summary.setdefault("datasets", {})["answers"] = version.id
    return {**result, "answers_dataset_id": version.id}


def _bought_here(out: Path) -> bool:
    import json

    path = out / "state.json"
    try:
        return bool(path.exists() and json.loads(path.read_text()).get("downloaded", {}).get("all"))
    except ValueError:
        return False


def _reuse(ctx) -> dict | None:
    """The crowd stage's result from an answers version already bought: nothing created, nothing paid."""
    from foodcrowd.datasets import DatasetNotFoundError
    from foodcrowd.datasets.answers import find_answers, load_answers
    from foodcrowd.plan.stage import load_data, plan_for

    plain, out = ctx.plain, ctx.out_dir
    named = plain["crowd"].get("answers")
    registry = _registry(ctx)
    if named:
        try:
            version = registry.version(str(named))
        except DatasetNotFoundError as err:
            raise UserError(f"{named!r} names no version in the registry {registry.root}", "crowd.answers", err.fix) from None
    else:
        if _bought_here(out):
            return None   # this run dir bought them (a resumed run): its own tables, its own cost
        version = find_answers(registry, plain["dataset"], ctx.key)
        if version is None:
            return None
    tables = load_answers(version)
    for name, df in tables.items():
        tmp = out / f"{name}.parquet.tmp"
        df.to_parquet(tmp, index=False)
        tmp.replace(out / f"{name}.parquet")
    data = load_data(ctx.run_dir)
    plan = plan_for(plain, ctx.run_dir, data)
    summary = summarise(tables, plain, int(plan.estimate["items"]), plan.estimate)
    bought = summary["cost_usd"]
    summary["cost_usd"] = 0.0
    for pool in summary["pools"].values():
        pool.update(pages=0, cost_usd=0.0, within_bounds=True, vs_expected=None, reused=True)
    summary["reused_answers"] = {"version": version.id, "ref": version.ref, "bought_for_usd": bought,
                                 "crowd_key": ((version.metadata or {}).get("crowd") or {}).get("key")}
    summary.setdefault("datasets", {})["answers"] = version.id
    how = "named by crowd.answers" if named else f"bought earlier under the same crowd key {ctx.key}"
    log.warning("crowd: reusing answers version %s (%s, %s): $0.00 spent now (they cost $%.2f); nothing created",
                version.id, version.ref, how, bought)
    ids = ((version.metadata or {}).get("crowd") or {}).get("ids") or {}
    return {"ids": ids, "state": None, "summary": summary, "answers_dataset_id": version.id, "reused": True}


def _crowd_stage(ctx) -> dict:
    from foodcrowd.act.toloka_apply import ensure_objects
    from foodcrowd.act.toloka_collect import download, wait_for_pool
    from foodcrowd.act.toloka_reconcile import reconcile
    from foodcrowd.act.toloka_spend import close_all, guard_for, settle
    from foodcrowd.act.toloka_state import CrowdState, run_key_for
    from foodcrowd.act.toloka_upload import open_containers, upload_tasks
    from foodcrowd.plan.stage import load_data, plan_for

    plain, out = ctx.plain, ctx.out_dir
    crowd = plain["crowd"]
    data = load_data(ctx.run_dir)
    plan = plan_for(plain, ctx.run_dir, data)
    state = CrowdState.load(out / "state.json", run_key_for(ctx.run_dir, plain.get("experiment_name", "")), crowd["backend"])
    if state.downloaded.get("all") and all((out / f"{t}.parquet").exists() for t in TABLES):
        # the answers are here already: re-check the objects still match the plan, fetch nothing
        with client_for(plain, ctx.run_dir, data["items"]) as client:
            ids = ensure_objects(client, plan, state)
        tables = _read_tables(out)
    else:
        with client_for(plain, ctx.run_dir, data["items"]) as client:
            ids = ensure_objects(client, plan, state)
            upload_tasks(client, plan, ids, state, int(crowd.get("upload_batch_size", 5000)))
            if not state.completed.get("pool:main"):
                guard = guard_for(client, plain, plan, ids)   # follows the spend from before the pools open
                open_containers(client, plan, ids, state)
                done = wait_for_pool(client, ids["pool:main"], float(crowd.get("poll_interval_seconds", 0.5)),
                                     float(crowd.get("max_wait_seconds", 3600)), guard,
                                     stall_seconds=_stall_seconds(crowd))
                if isinstance(done, dict):   # the crowd ran out: the pool was closed, keep what was bought
                    _record_stall(out, crowd, done)
                elif not done:   # the next pages would cross budget_usd: close every pool, keep what was bought
                    close_all(client, plan, ids, first=guard.fastest())   # the fastest spender first
                    settle(client, guard.pool_ids, float(crowd.get("max_wait_seconds", 3600)),
                           float(crowd.get("poll_interval_seconds", 0.5)))
                    state.stopped_at_budget = True
                    state.budget_close = {"committed_usd": round(guard.committed, 4), "margin_usd": round(guard.margin, 4)}
                state.completed["pool:main"] = True
                state.save()
            _close_exam(client, plan, ids)
            tables = download(client, plan, ids, plain, data["exam"], state.run_key)
        for name, df in tables.items():
            tmp = out / f"{name}.parquet.tmp"
            df.to_parquet(tmp, index=False)
            tmp.replace(out / f"{name}.parquet")
            failpoint("crowd.download")
        reconcile(tables, plan.estimate)   # duplicates or pages beyond the plan stop the run here
        state.downloaded["all"] = True
        state.save()
    summary = summarise(tables, plain, int(plan.estimate["items"]), plan.estimate)  # the items bought
    if getattr(state, "stopped_at_budget", False):
        from foodcrowd.act.toloka_spend import closed_mid_run

        summary["budget"] = closed_mid_run(tables, plain, plan.estimate, state.budget_close)
    budget = plain.get("budget_usd")
    if budget is not None and summary["cost_usd"] > float(budget) + 1e-9:
        summary.setdefault("budget", {})["exceeded"] = True
        log.error("crowd: spent $%.2f, more than budget_usd $%.2f: the platform paid faster than the polls could "
                  "follow (see summary.json pools for the pool beyond its estimate); poll more often "
                  "(crowd.poll_interval_seconds) or, on the emulator, slow it (crowd.time_scale)",
                  summary["cost_usd"], float(budget))
    if (out / "stalled.json").exists():
        import json

        summary["stalled"] = json.loads((out / "stalled.json").read_text())
    log.info("crowd: %s answers from %s annotators, $%.2f", summary["answers"], summary["annotators"], summary["cost_usd"])
    return {"ids": ids, "state": str(out / "state.json"), "summary": summary}


def _stall_seconds(crowd: dict) -> float | None:
    """Wall seconds without progress after which a pool counts as stalled: ``crowd.max_stall_minutes`` of
    simulated time on the emulator (divided by ``time_scale``), of real time on the platform."""
    minutes = crowd.get("max_stall_minutes")
    if minutes is None:
        return None
    scale = float(crowd.get("time_scale") or 3600.0) if crowd["backend"] == "emulator" else 1.0
    return max(float(minutes) * 60.0 / scale, 3.0 * float(crowd.get("poll_interval_seconds", 0.5)))


def _record_stall(out: Path, crowd: dict, stalled: dict | None) -> None:
    if not stalled:
        return
    import json

    pct = stalled.get("percent")
    message = (f"the main pool stalled at {pct if pct is not None else '?'}% complete: no progress for "
               f"{crowd['max_stall_minutes']} {'simulated ' if crowd['backend'] == 'emulator' else ''}minutes "
               "(the crowd ran out: see the plan's expected shortfall). The pool was closed; the answers bought "
               "are kept and aggregated. Pay more, ease the filters or the exam, or grow crowd.population.size.")
    log.warning("crowd: %s", message)
    (out / "stalled.json").write_text(json.dumps({**stalled, "message": message}))


def _close_exam(client, plan, ids: dict) -> None:
    """The exam stays open while the main pool runs; close it when the work is done."""
    for key in plan.tasks:
        if key == "pool:main":
            continue
        kind = key.partition(":")[0]
        obj = client.get_training(ids[key]) if kind == "training" else client.get_pool(ids[key])
        if str(getattr(obj.status, "value", obj.status)) == "OPEN":
            (client.close_training if kind == "training" else client.close_pool)(ids[key])
