"""Documented defaults for unlabeled data: ``dataset=image_folder`` with ``dataset.question: null``.

Unlabeled photos have no ground truth, so nothing can be an exam task or a control task and no accuracy
can be known. Rather than stop on ``exam.composition: the dataset has no ground truth``, a run on them
gets, unless the user said otherwise on the command line or in an experiment:

- ``exam.form: none`` (no entry exam),
- ``quality.control_tasks.enabled: false`` and ``crowd.control_tasks_per_page: 0`` (no control tasks),

and says so in one line. Accuracy is reported only where truth exists (the summary shows ``-``).
Left alone: explicit ``exam.items`` / ``quality.control_tasks.items`` (an expert's golden set written in
YAML), and a golden set from elsewhere (a ``golden`` config group other than ``column``).
"""
from __future__ import annotations

import logging

from omegaconf import DictConfig, OmegaConf, open_dict

__all__ = ["UNLABELED_DEFAULTS", "apply_unlabeled_defaults"]

log = logging.getLogger(__name__)

UNLABELED_DEFAULTS = {"exam.form": "none", "quality.control_tasks.enabled": False, "crowd.control_tasks_per_page": 0}


def _is_unlabeled(cfg: DictConfig) -> bool:
    ds = cfg.get("dataset") or {}
    if ds.get("source") != "image_folder" or ds.get("question"):
        return False
    golden = OmegaConf.select(cfg, "golden", default=None)
    if golden is not None and OmegaConf.select(cfg, "golden.source", default="column") not in (None, "column"):
        return False
    return True


def apply_unlabeled_defaults(cfg: DictConfig, overrides: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Set :data:`UNLABELED_DEFAULTS` on ``cfg`` in place when the dataset is unlabeled; keys the user
    overrode (``overrides``: Hydra's task overrides) and exam/control items given explicitly are kept.
    Returns the keys it set."""
    if not _is_unlabeled(cfg):
        return []
    given = {o.split("=", 1)[0].lstrip("+~") for o in overrides}
    explicit_exam = bool(OmegaConf.select(cfg, "exam.items", default=None))
    explicit_control = bool(OmegaConf.select(cfg, "quality.control_tasks.items", default=None))
    changed = []
    with open_dict(cfg):
        for key, value in UNLABELED_DEFAULTS.items():
            if key in given or key.split(".")[0] in given:  # the user chose this key or its group
                continue
            if (key.startswith("exam.") and explicit_exam) or (not key.startswith("exam.") and explicit_control):
                continue
            if OmegaConf.select(cfg, key, default=None) != value:
                OmegaConf.update(cfg, key, value, force_add=True)
                changed.append(key)
    if changed:
        log.warning("dataset.path holds unlabeled images (dataset.question: null): %s. For an exam and "
                    "control tasks give a golden set (golden=label_studio, or exam.items and "
                    "quality.control_tasks.items) or one sub-folder per class with dataset.question=<question>.",
                    ", ".join(f"{k}={UNLABELED_DEFAULTS[k]}" for k in changed))
    return changed
