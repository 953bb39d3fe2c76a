"""Models for the train stage, built from ``conf/model/*.yaml`` through ``foodcrowd.instantiate``.

A model takes a float batch ``N x 3 x S x S`` (pixels scaled to [-0.5, 0.5]) and returns a dict of logits,
one entry per question: ``{question: N x n_classes}``. The train stage passes ``heads``
(``{question: n_classes}``); everything else comes from the YAML.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

__all__ = ["SmallCNN"]


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


class SmallCNN(nn.Module):
    """A few conv blocks (conv 3x3, batch norm, ReLU, max-pool), global average pooling, one linear head
    per question. About 25k parameters with the default ``channels=[16, 32, 64]``: fast on two CPU cores."""

    def __init__(self, heads: dict[str, int], channels: Sequence[int] = (16, 32, 64), dropout: float = 0.2,
                 in_channels: int = 3) -> None:
        super().__init__()
        if not heads:
            raise ValueError("SmallCNN needs at least one head ({question: n_classes})")
        widths = [int(in_channels), *[int(c) for c in channels]]
        self.features = nn.Sequential(*[_block(a, b) for a, b in zip(widths[:-1], widths[1:])])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(float(dropout))
        self.heads = nn.ModuleDict({q: nn.Linear(widths[-1], int(n)) for q, n in heads.items()})

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.dropout(torch.flatten(self.pool(self.features(x)), 1))
        return {q: head(z) for q, head in self.heads.items()}
