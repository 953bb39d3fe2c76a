"""Adds foodcrowd-tags' configs (questions, interface, experiment) to Hydra's search path.

Hydra imports every module under the ``hydra_plugins`` namespace at start-up and calls this plugin, so
``python -m foodcrowd +experiment=food_tags`` finds ``foodcrowd_tags/conf/experiment/food_tags.yaml``
without any change to foodcrowd itself.
"""
from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

__all__ = ["FoodcrowdTagsSearchPathPlugin"]


class FoodcrowdTagsSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        search_path.append(provider="foodcrowd-tags", path="pkg://foodcrowd_tags.conf")
