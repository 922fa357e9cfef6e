"""A curl command that reproduces a request, with the API key left to an environment variable."""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from conformance.exchange import request_bytes


def curl(
    url: str,
    body: Mapping[str, Any] | bytes | None = None,
    *,
    api_key_env: str | None = None,
    method: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> str:
    """The command line; the key appears only as ``$VAR``, never its value."""
    parts = ["curl", "-sS"]
    if isinstance(body, Mapping) and body.get("stream") is True:
        parts.append("-N")  # print events as they arrive
    if method is not None and method != ("POST" if body is not None else "GET"):
        parts += ["-X", method]
    parts.append(shlex.quote(url))
    if api_key_env:
        # Double quotes so the shell expands the variable when the user runs the command.
        parts += ["-H", f'"Authorization: Bearer ${api_key_env}"']
    for name, value in (headers or {}).items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body is not None:
        raw = body if isinstance(body, bytes) else request_bytes(body)
        parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["--data-binary", shlex.quote(raw.decode(errors="replace"))]
    return " ".join(parts)
