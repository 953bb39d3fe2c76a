"""The expert loop in Label Studio: a local server in its own venv, a REST client (httpx), the labeling
config rendered from ``interface/`` + ``questions/``, golden sets, interface preview and review of crowd
labels. Nothing here imports the engine; the stages call it (see ``foodcrowd.engine.STAGES``)."""

__all__ = ["LabelStudioClient", "LabelStudioServer", "labeling_config"]


def __getattr__(name):  # cheap import: httpx and friends load only when used
    if name == "LabelStudioClient":
        from foodcrowd.review.client import LabelStudioClient
        return LabelStudioClient
    if name == "LabelStudioServer":
        from foodcrowd.review.service import LabelStudioServer
        return LabelStudioServer
    if name == "labeling_config":
        from foodcrowd.review.labeling import labeling_config
        return labeling_config
    raise AttributeError(name)
