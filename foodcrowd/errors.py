"""Errors a user can act on: each names the config key or file at fault and what to do.

Stages raise a subclass of :class:`UserError` (or :class:`foodcrowd.validate.ConfigError` for config
problems); the entry point prints it on one screen, without a traceback, and exits with its code.
"""
from __future__ import annotations

__all__ = ["UserError", "EnvironmentProblem", "render_user_error"]


class UserError(Exception):
    """A problem the user can fix. ``where`` names the config key or file; ``fix`` what to do."""

    exit_code = 2

    def __init__(self, message: str, where: str = "", fix: str = "") -> None:
        super().__init__(message)
        self.where, self.fix = where, fix


def render_user_error(err: UserError) -> str:
    head = f"foodcrowd: {err.where + ': ' if err.where else ''}{err}"
    return head + (f"\n  what to do: {err.fix}" if err.fix else "")


class EnvironmentProblem(UserError):
    """The machine refuses, not the config: disk full, read-only or unwritable folder. Exit code 3."""

    exit_code = 3
