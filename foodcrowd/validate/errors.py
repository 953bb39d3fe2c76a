"""The one error type of validation, and its one-screen rendering."""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ConfigError"]

_MAX_LINES = 40


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the config: where (dotted path), what, and what would be right."""

    path: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        where = self.path or "<config>"
        return f"{where}: {self.what}" + (f" ({self.fix})" if self.fix else "")


class ConfigError(Exception):
    """The config is wrong; carries every problem found."""

    def __init__(self, problems: list[Problem], source: str = "the composed config") -> None:
        self.problems = sorted(set(problems))
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        head = f"foodcrowd: {n} problem{'s' if n != 1 else ''} in {self.source}:"
        lines = [f"  - {p}" for p in self.problems[:_MAX_LINES]]
        if n > _MAX_LINES:
            lines.append(f"  ... and {n - _MAX_LINES} more")
        tail = "Fix the keys above (in conf/ or as command-line overrides) and run again."
        return "\n".join([head, *lines, tail])
