"""The built-in checks, registered on import, and the runner that applies them."""

from __future__ import annotations

from conformance.checks import (
    errors,
    output,
    params,
    requests,
    response,
    stream,
    tools,
    transport,
    turns,
)
from conformance.checks._registry import (
    REGISTRY,
    Check,
    CheckFunction,
    Refusal,
    check,
    refused,
    run_checks,
)
from conformance.checks._results import CheckResult, Failure, Status, Violation
from conformance.checks._tiers import judged_as, wrong_type_probe

__all__ = [
    "REGISTRY",
    "CheckResult",
    "Failure",
    "Status",
    "judged_as",
    "refused",
    "wrong_type_probe",
    "Check",
    "CheckFunction",
    "Refusal",
    "Violation",
    "check",
    "run_checks",
]

# The modules above register their checks when imported; keep them referenced.
_MODULES = (errors, output, params, requests, response, stream, tools, transport, turns)
