"""The emulator's gate: the API token every request must carry, and the answer for what it does not serve.

Toloka answers a missing or wrong token with 401 ``AUTHENTICATION_ERROR`` (toloka-kit raises
``AuthenticationApiError``). A path outside Toloka's API v1 answers 404 ``NOT_FOUND`` and a known path with
a method Toloka does not have answers 405 ``METHOD_NOT_ALLOWED``: neither is ``DOES_NOT_EXIST``, which
toloka-kit raises as a missing object. The token is compared in constant time and never logged.
"""
from __future__ import annotations

import hmac
import os
import secrets

from foodcrowd.emulator.state import ApiError

__all__ = ["TOKEN_ENV", "check_token", "new_token", "resolve_token", "unserved"]

TOKEN_ENV = "FOODCROWD_EMULATOR_TOKEN"   # the token `python -m foodcrowd.emulator` and `crowd.url` use


def new_token() -> str:
    """A fresh random token (the engine gives one to the emulator it starts and the same to its client)."""
    return secrets.token_urlsafe(24)


def resolve_token(explicit: str | None) -> tuple[str, bool]:
    """(token, generated): ``explicit``, else ``$FOODCROWD_EMULATOR_TOKEN``, else a fresh one."""
    if explicit:
        return explicit, False
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV], False
    return new_token(), True


def check_token(state, header: str | None) -> None:
    """Refuse a request whose ``Authorization`` header does not carry the emulator's token."""
    if not header:
        raise ApiError(401, "AUTHENTICATION_ERROR", "the Authorization header is missing "
                       "(send 'Authorization: OAuth <token>' with the emulator's token)")
    scheme, _, given = header.partition(" ")
    expected = state.token or ""
    if scheme not in ("OAuth", "ApiKey") or not expected or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(401, "AUTHENTICATION_ERROR", "the token is not the one this emulator was started with "
                       f"(--token or ${TOKEN_ENV})")


def unserved(method: str, path: str, status: int) -> ApiError:
    """The error for a request no route took (unknown path: 404 NOT_FOUND; wrong method: 405)."""
    if status == 405:
        return ApiError(405, "METHOD_NOT_ALLOWED", f"Toloka API v1 has no {method} {path}")
    return ApiError(404, "NOT_FOUND", f"{path} is not a path of Toloka API v1 (the emulator serves every path of "
                    "its published OpenAPI description; see docs/emulator.md)")
