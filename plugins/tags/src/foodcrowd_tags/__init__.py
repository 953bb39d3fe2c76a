"""foodcrowd-tags: a multi-label "tick every tag that applies" label type for foodcrowd.

Registered as ``tags`` in the ``foodcrowd.label_types`` entry-point group; its Hydra configs
(``foodcrowd_tags/conf``) join the search path through ``hydra_plugins.foodcrowd_tags_searchpath``.
"""
from pathlib import Path

__all__ = ["CONF_DIR", "TagsLabel"]

CONF_DIR = Path(__file__).resolve().parent / "conf"


def __getattr__(name: str):
    if name == "TagsLabel":
        from foodcrowd_tags.label_type import TagsLabel

        return TagsLabel
    raise AttributeError(name)
