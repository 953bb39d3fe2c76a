"""Hydra's Optuna sweeper, resumable: the study lives in an RDB storage and ``n_trials`` is counted there.

hydra-optuna-sweeper 1.3 already loads an existing study (``load_if_exists=True``) but then asks for
``n_trials`` *more* trials, numbers its jobs from 0 again (overwriting the first run's job dirs) and leaves
the trials a killed run was running in state RUNNING forever. :class:`StudySweeperImpl` keeps its search
space, sampler and result file, and changes the loop:

- before each batch it counts the study's finished trials (COMPLETE, PRUNED) and the trials other live
  sweepers are running, and asks only for what is missing up to ``n_trials`` (several launchers can
  share one study through one storage URL);
- trials left RUNNING by a dead sweeper are marked FAIL and their parameters queued again;
- job numbers follow the trial numbers, so a re-run writes new job dirs (``<sweep dir>/<trial>``);
- each trial records its job dir (``foodcrowd_job_dir``) for the sweep report.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from hydra_plugins.hydra_optuna_sweeper._impl import OptunaSweeperImpl, create_params_from_overrides

from foodcrowd.sweeps import study as st

__all__ = ["StudySweeperImpl"]

log = logging.getLogger(__name__)


class StudySweeperImpl(OptunaSweeperImpl):
    def __init__(self, *args: Any, stale_after_minutes: float | None = None) -> None:
        super().__init__(*args)
        self.stale_after_minutes = stale_after_minutes

    def _space(self, arguments: list[str]) -> tuple[dict, dict]:
        self._process_searchspace_config()
        params_conf = self._parse_sweeper_params_config() + list(arguments)
        distributions, fixed = create_params_from_overrides(params_conf)
        space = dict(self.search_space_distributions or {})
        space.update(distributions)
        for name in fixed:
            space.pop(name, None)
        return space, fixed

    def _tell(self, study, trial, ret) -> Exception | None:
        from optuna.trial import TrialState

        out_dir = getattr(getattr(getattr(ret, "hydra_cfg", None), "hydra", None), "runtime", None)
        if out_dir is not None:
            trial.set_system_attr(st.JOB_DIR, str(out_dir.output_dir))
        try:
            values = [float(v) for v in (ret.return_value if isinstance(ret.return_value, (list, tuple))
                                         else [ret.return_value])]
            if len(values) != len(self._get_directions()):
                raise ValueError(f"the job returned {len(values)} values for {len(self._get_directions())} directions")
            study.tell(trial=trial, state=TrialState.COMPLETE, values=values)
            return None
        except Exception as err:  # a failed job, or a value Optuna cannot take
            study.tell(trial=trial, state=TrialState.FAIL)
            log.warning("trial %d failed: %s", trial.number, err)
            return err

    def sweep(self, arguments: list[str]) -> None:
        import optuna

        space, fixed = self._space(arguments)
        if isinstance(self.sampler, __import__("functools").partial):
            raise ValueError("hydra.sweeper.sampler: the grid sampler is not supported by foodcrowd's sweeper; "
                             "use a plain -m grid sweep (crowd.overlap=1,2,3) instead")
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        storage = st.prepare_storage(self.storage)
        study = optuna.create_study(study_name=self.study_name, storage=storage, sampler=self.sampler,
                                    directions=self._get_directions(), load_if_exists=True)
        st.write_pointer(sweep_dir, study.study_name, storage, self.n_trials)
        stale = st.recover_stale(study, self.stale_after_minutes) if storage else []
        done, running = st.progress(study)
        log.info("study %r in %s: %d of %d trials done, %d running elsewhere%s", study.study_name,
                 st.masked(storage) or "memory", done, self.n_trials, running,
                 f"; trials {stale} were left running by a stopped sweep: failed and queued again" if stale else "")
        if done >= self.n_trials:
            print(f"foodcrowd: study {study.study_name!r} already has {done} of hydra.sweeper.n_trials="
                  f"{self.n_trials} trials done; nothing to run (raise hydra.sweeper.n_trials, or set "
                  "hydra.sweeper.study_name for a new study)", file=sys.stderr)
        owner = st.owner()
        while True:
            done, running = st.progress(study)
            todo = min(self.n_jobs, self.n_trials - done - running)
            if todo <= 0:
                break
            trials = [study.ask() for _ in range(todo)]
            self.job_idx = max(self.job_idx, min(t.number for t in trials))  # job dir = trial number, alone
            for trial in trials:
                trial.set_system_attr(st.OWNER, owner)
            overrides = self._configure_trials(trials, space, fixed)
            returns = self.launcher.launch(overrides, initial_job_idx=self.job_idx)
            self.job_idx += len(returns)
            failures = [err for trial, ret in zip(trials, returns) if (err := self._tell(study, trial, ret))]
            if len(failures) / len(returns) > self.max_failure_rate:
                log.error("%d of %d trials failed (max_failure_rate=%s)", len(failures), len(returns),
                          self.max_failure_rate)
                for ret in returns:
                    ret.return_value  # re-raises the job's own error, with its traceback
        self._save_results(study, sweep_dir)

    def _save_results(self, study, sweep_dir: Path) -> None:
        from omegaconf import OmegaConf

        try:
            if len(self._get_directions()) < 2:
                best = study.best_trial
                result = {"name": "optuna", "best_params": best.params, "best_value": best.value}
                log.info("best parameters %s, value %s", best.params, best.value)
            else:
                result = {"name": "optuna", "solutions": [{"params": t.params, "values": t.values}
                                                          for t in study.best_trials]}
        except ValueError:  # no trial completed
            log.warning("study %r has no completed trial yet", study.study_name)
            return
        OmegaConf.save(OmegaConf.create(result), sweep_dir / "optimization_results.yaml")
