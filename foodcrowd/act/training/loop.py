"""The training loop: multi-head cross-entropy, optional per-sample weights, AdamW + one-cycle schedule.

Inputs are ``uint8`` image tensors (``N x 3 x S x S``) and per question an ``int64`` label vector where -1
means "no label" (that sample does not count for that head) and a float weight vector (label confidence,
or ones). Augmentation is a random horizontal flip. Deterministic for a given seed on CPU.
"""
from __future__ import annotations

from foodcrowd.failpoints import failpoint

import math
from typing import Callable

import numpy as np

__all__ = ["fit", "predict", "pick_device"]


def pick_device(wanted: str) -> str:
    """``auto`` -> cuda when available else cpu; ``cuda`` without a GPU is an error."""
    import torch

    if wanted == "cuda" and not torch.cuda.is_available():
        from foodcrowd.errors import UserError

        raise UserError("is 'cuda' but torch sees no CUDA device", "trainer.device", "use trainer.device=auto or cpu")
    if wanted == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return wanted


def _prep(x, device: str):
    return x.to(device, non_blocking=True).float().div_(255.0).sub_(0.5)


def _loss(logits: dict, ys: dict, ws: dict):
    import torch
    import torch.nn.functional as F

    total = 0.0
    for q, out in logits.items():
        y, w = ys[q], ws[q]
        mask = y >= 0
        if not bool(mask.any()):
            continue
        per = F.cross_entropy(out[mask], y[mask], reduction="none")
        total = total + (per * w[mask]).sum() / w[mask].sum().clamp_min(1e-8)
    return total if isinstance(total, torch.Tensor) else None


def fit(model, x, ys: dict, ws: dict, *, epochs: int, batch_size: int, lr: float, weight_decay: float,
        device: str = "cpu", seed: int = 0, on_epoch: Callable[[int, dict], None] | None = None) -> list[dict]:
    """Train ``model`` in place; return one ``{"epoch", "train_loss", ...}`` dict per epoch.

    ``on_epoch(epoch, stats)`` is called after each epoch (the stage adds validation scores there and
    logs them to the tracker); whatever it adds to ``stats`` is kept in the history.
    """
    import torch
    from tqdm.auto import tqdm

    gen = torch.Generator().manual_seed(int(seed))
    torch.manual_seed(int(seed))
    model.to(device)
    n = int(x.shape[0])
    if n == 0 or epochs == 0:
        return []
    steps = max(1, math.ceil(n / batch_size))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps, pct_start=0.25)
    history: list[dict] = []
    bar = tqdm(range(epochs), desc="train", unit="epoch", leave=False)
    for epoch in bar:
        model.train()
        order = torch.randperm(n, generator=gen)
        running, seen = 0.0, 0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            xb = _prep(x[idx], device)
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb[flip] = xb[flip].flip(-1)
            loss = _loss(model(xb), {q: y[idx].to(device) for q, y in ys.items()},
                         {q: w[idx].to(device) for q, w in ws.items()})
            opt.zero_grad(set_to_none=True)
            if loss is not None:
                loss.backward()
                opt.step()
                running += float(loss.detach()) * len(idx)
                seen += len(idx)
            sched.step()
        stats = {"epoch": epoch, "train_loss": running / max(seen, 1), "lr": sched.get_last_lr()[0]}
        if on_epoch is not None:
            on_epoch(epoch, stats)
        bar.set_postfix(loss=f"{stats['train_loss']:.3f}")
        history.append(stats)
        failpoint("train.epoch")
    return history


def predict(model, x, batch_size: int = 256, device: str = "cpu") -> dict[str, np.ndarray]:
    """Predicted class index per question (``argmax`` of the logits)."""
    import torch

    model.eval()
    outs: dict[str, list] = {}
    with torch.inference_mode():
        for start in range(0, int(x.shape[0]), batch_size):
            for q, logits in model(_prep(x[start:start + batch_size], device)).items():
                outs.setdefault(q, []).append(logits.argmax(1).cpu().numpy())
    return {q: np.concatenate(v) if v else np.zeros(0, dtype=np.int64) for q, v in outs.items()}
