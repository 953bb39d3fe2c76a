"""Training on the aggregated labels: the model (``models``), images and labels as tensors (``data``),
the loop (``loop``) and the scores (``metrics``). Everything heavy (torch, PIL) is imported inside functions."""

__all__: list[str] = []
