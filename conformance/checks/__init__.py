"""The built-in checks, registered on import, and the runner that applies them."""

from __future__ import annotations

from conformance.checks import errors, output, params, requests, response, stream, tools, transport
from conformance.checks._registry import (
    REGISTRY,
    Check,
    CheckFunction,
    Refusal,
    Violation,
    check,
    run_checks,
)

__all__ = [
    "REGISTRY",
    "Check",
    "CheckFunction",
    "Refusal",
    "Violation",
    "check",
    "run_checks",
]

# The modules above register their checks when imported; keep them referenced.
_MODULES = (errors, output, params, requests, response, stream, tools, transport)
