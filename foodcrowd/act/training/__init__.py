"""Training on the aggregated labels: the model (``models``), rows and images (``source``, ``data``),
the loop (``loop``) and the scores (``metrics``). Everything heavy (torch, PIL) is imported inside functions.

Importing this package sets ``OMP_WAIT_POLICY=PASSIVE`` (unless already set) before torch is loaded: with
the default spinning barrier, two OpenMP threads on a busy two-core machine (parallel sweep jobs, other
processes) train ~8x slower than one; passive waiting keeps two threads at least as fast as one.
"""
import os as _os
import sys as _sys

if "torch" not in _sys.modules:
    _os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__all__: list[str] = []
