"""foodcrowd's Optuna sweeper, registered with Hydra: ``hydra/sweeper=optuna_study`` (``conf/hydra/sweeper/optuna_study.yaml``).

Hydra finds plugins only under the ``hydra_plugins`` namespace and imports every module there at start-up,
so this module stays light: the work is in :mod:`foodcrowd.sweeps.sweeper` (imported when a sweep starts).
It is Hydra's Optuna sweeper (hydra-optuna-sweeper 1.3) with the study kept in an RDB storage, counted
there: ``n_trials`` is the study's total, so a killed sweep re-run runs only the trials still missing,
and several launchers pointed at one storage share one study.
"""
from typing import Any, Optional

from hydra_plugins.hydra_optuna_sweeper.optuna_sweeper import OptunaSweeper
from omegaconf import DictConfig

__all__ = ["FoodcrowdOptunaSweeper"]


class FoodcrowdOptunaSweeper(OptunaSweeper):
    def __init__(self, sampler: Any, direction: Any, storage: Optional[Any], study_name: Optional[str],
                 n_trials: int, n_jobs: int, max_failure_rate: float, search_space: Optional[DictConfig],
                 custom_search_space: Optional[str], params: Optional[DictConfig],
                 stale_after_minutes: Optional[float] = None) -> None:
        from foodcrowd.sweeps.sweeper import StudySweeperImpl

        self.sweeper = StudySweeperImpl(sampler, direction, storage, study_name, n_trials, n_jobs,
                                        max_failure_rate, search_space, custom_search_space, params,
                                        stale_after_minutes=stale_after_minutes)
