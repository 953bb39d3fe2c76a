"""Trainer settings that cannot work are rejected at validation, before anything is bought.

The training loop steps a one-cycle learning-rate schedule (``OneCycleLR``, a quarter of the steps warming
up) ``trainer.epochs x ceil(training items / trainer.batch_size)`` times. With four steps torch divides by
zero (the warm-up phase is one step long); with fewer, the warm-up has no step at all. So a schedule needs
at least :data:`MIN_SCHEDULE_STEPS`, or the purchase would be wasted on a crash or a degenerate schedule.
The training items are estimated as ``dataset.size x (1 - trainer.val_fraction)``, less 10% for the spread
of the hash split; a source whose size is not known before the data stage (``dataset.size: null``) is not
checked here.
"""
from __future__ import annotations

import math
from typing import Iterator

from foodcrowd.validate.checks import check
from foodcrowd.validate.errors import Problem

__all__ = ["MIN_SCHEDULE_STEPS", "schedule_steps"]

MIN_SCHEDULE_STEPS = 5   # more than one warm-up step at pct_start 0.25


def schedule_steps(items: int, val_fraction: float, batch_size: int, epochs: int) -> int:
    train = max(int(items * (1 - val_fraction) * 0.9), 0)   # the hash split is not exact
    return epochs * math.ceil(train / batch_size) if train else 0


@check
def _trainer_schedule_has_steps(plain: dict) -> Iterator[Problem]:
    model, trainer, ds = plain.get("model") or {}, plain.get("trainer") or {}, plain.get("dataset") or {}
    if not model.get("_target_") or not trainer:
        return   # model=none: nothing is trained
    view = plain.get("dataview") or {}
    if view.get("where") or list(view.get("versions") or ["annotated"]) != ["annotated"]:
        return   # trains on a query over versions: its size is known only then
    size = ds.get("size")
    if not isinstance(size, int):
        return
    epochs, batch, vf = trainer.get("epochs"), trainer.get("batch_size"), trainer.get("val_fraction")
    if not (isinstance(epochs, int) and isinstance(batch, int) and isinstance(vf, (int, float))) \
            or isinstance(epochs, bool) or batch < 1 or epochs < 1 or not 0 <= vf < 1:
        return   # the schema names these
    steps = schedule_steps(size, vf, batch, epochs)
    if steps < MIN_SCHEDULE_STEPS:
        train = int(size * (1 - vf) * 0.9)
        need = math.ceil(MIN_SCHEDULE_STEPS / max(math.ceil(train / batch), 1)) if train else None
        fix = (f"trainer.epochs >= {need}" if need else "more items (dataset.size)") + \
            f", or a smaller trainer.batch_size, or model=none (it needs at least {MIN_SCHEDULE_STEPS} steps)"
        yield Problem("trainer.epochs", f"gives the learning-rate schedule {steps} steps (~{train} training items / "
                      f"batch {batch} x {epochs} epochs): training would crash after the crowd was paid", fix)
