"""A curl command that reproduces a request, with the API key left to an environment variable."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any


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
        data = body.decode(errors="replace") if isinstance(body, bytes) else _compact(body)
        parts += ["-H", shlex.quote("Content-Type: application/json")]
        parts += ["--data-binary" if isinstance(body, bytes) else "-d", shlex.quote(data)]
    return " ".join(parts)


def _compact(body: Mapping[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
