"""Sweeps beyond one machine: the Optuna study in an RDB storage (``study``) and the resumable sweeper
(``sweeper``) that Hydra runs as ``hydra/sweeper=optuna_study`` (plugin: ``foodcrowd/_hydra/hydra_plugins/foodcrowd_sweeper``)."""
__all__: list[str] = []
