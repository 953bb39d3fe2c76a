"""Validation: JSON Schema over the composed config, then registered semantic checks.

Every problem is collected (never the first only), each as ``config.path: what is wrong (what would be
right)``, sorted by path, and raised as one :class:`ConfigError`.
"""
from foodcrowd.validate.errors import ConfigError, Problem
from foodcrowd.validate.validator import to_plain, validate

__all__ = ["ConfigError", "Problem", "to_plain", "validate"]
