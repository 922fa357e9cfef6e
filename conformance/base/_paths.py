"""JSON paths in the form failures report them: ``$.choices[0].message['odd key']``."""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def jpath(*parts: str | int, root: str = "$") -> str:
    """Join keys and indices under ``root`` into a JSONPath-style string."""
    out = [root]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _IDENTIFIER.match(part):
            out.append(f".{part}")
        else:
            out.append(f"[{part!r}]")
    return "".join(out)


def under(prefix: str, path: str) -> str:
    """Re-root ``path`` (which starts with "$") under ``prefix``: under("$.events[3]", "$.id")."""
    return prefix + path[1:]
