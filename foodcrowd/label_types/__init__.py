"""Label types: what a question's answers are, discovered through the ``foodcrowd.label_types`` entry points."""
from foodcrowd.label_types.base import LabelType
from foodcrowd.label_types.registry import LabelTypeError, available_label_types, classes_of, get_label_type

__all__ = ["LabelType", "LabelTypeError", "available_label_types", "classes_of", "get_label_type"]
