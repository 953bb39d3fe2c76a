"""foodcrowd: declare a crowdsourced-labeling experiment in Hydra YAML and run it end to end.

The package is layered the way data flows: compose (Hydra, ``conf/``) -> ``validate`` -> ``plan`` (pure)
-> ``act`` (Toloka or the emulator, the dataset registry, torch) -> ``record`` (run dir, tracker).
Importing it is cheap: heavy libraries are imported inside the stages that need them.
"""

__all__ = ["__version__", "CONF_DIR", "SCHEMA_DIR", "README"]
__version__ = "0.1.0"

from pathlib import Path as _Path

# conf/ and schemas/ are package resources (``foodcrowd/conf`` and ``foodcrowd/schemas`` link to the
# repository's folders and are copied into a wheel), so every entry point finds them from any directory.
_PKG = _Path(__file__).resolve().parent
CONF_DIR = (_PKG / "conf").resolve()
SCHEMA_DIR = (_PKG / "schemas").resolve()
README = _PKG.parent / "README.md"  # present in a source checkout (editable install)


def _register_resolvers() -> None:
    """OmegaConf resolvers configs use (``${replay_classes:...}`` etc.); before any config is resolved."""
    from foodcrowd.sources.replay import register_resolvers

    register_resolvers()


_register_resolvers()


def _expose_hydra_plugins() -> None:
    """Put ``foodcrowd/_hydra`` (it holds only ``hydra_plugins/foodcrowd_sweeper``) on ``sys.path``, so
    Hydra's plugin scan finds foodcrowd's Optuna sweeper in any install mode: an editable install maps
    packages through an import hook that ``pkgutil`` (Hydra's scanner) cannot list."""
    import sys

    path = str(_Path(__file__).resolve().parent / "_hydra")
    if path not in sys.path:
        sys.path.append(path)


_expose_hydra_plugins()
