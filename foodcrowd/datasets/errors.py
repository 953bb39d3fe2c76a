"""Errors of the dataset registry: each names the dataset, file or config key at fault and what to do."""
from __future__ import annotations

from foodcrowd.errors import UserError

__all__ = ["DatasetError", "DatasetNotFoundError", "DatasetFilesError", "DataViewError"]


class DatasetError(UserError):
    """A registry problem a user can act on (bad reference, corrupt store, bad input)."""


class DatasetNotFoundError(DatasetError):
    """No version matches a reference (id, project/name/version, or name)."""


class DatasetFilesError(DatasetError):
    """Files passed to ``register`` are missing, unreadable or badly named; ``problems`` lists them all."""

    def __init__(self, problems: list[dict], where: str = "files") -> None:
        shown = "\n".join(f"  {p['kind']}: {p['relpath']} ({p['path']}){': ' + p['detail'] if p.get('detail') else ''}"
                          for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} file(s) cannot be registered:\n{shown}{more}", where,
                         "fix or remove these files (or register with on_bad='record' to keep a record of them "
                         "in the version's issues and register the rest); nothing was registered")
        self.problems = problems


class DataViewError(DatasetError):
    """A DataView cannot be resolved (bad ``dataview.where``, unknown version or question)."""
