"""chat-conformance: a conformance suite for OpenAI-compatible chat-completions endpoints.

Public surface (everything else lives in private modules and may change):

- the exchange model: :class:`Exchange` (one request and what came back), built from a live
  answer, a recorded fixture (:func:`load_fixture`) or raw stream bytes;
- judging: :func:`run_checks` applies every registered check (:data:`REGISTRY`, extended with
  the :func:`check` decorator) under a :class:`Profile` (:func:`load_profile`), giving a
  :class:`CheckResult` per check, whose :class:`Violation` values say where, what was expected
  and what came back (:class:`Failure` is another name of the same class); a check yields
  violations or raises
  :class:`NotApplicable`;
- the contract as data: :func:`requirements` (the catalogue), :func:`validator` (a compiled
  schema from ``schemas/``);
- the strict SSE parser: :class:`EventStreamParser`, :func:`parse_event_stream`;
- requests for your own Hypothesis tests: :func:`valid_requests` (requests a profile's request
  schema accepts) and :func:`invalid_requests` (one constraint broken, described by an
  :class:`InvalidRequest`); loaded on first use, so ``import conformance`` does not import
  Hypothesis;
- the tool's own errors: :class:`ConformanceError` and its subclasses.
"""

from __future__ import annotations

import typing

from conformance.base import (
    BudgetExhausted,
    ConfigError,
    ConformanceError,
    NotApplicable,
    TargetUnreachable,
)
from conformance.checks import REGISTRY, Check, CheckResult, Failure, Violation, check, run_checks
from conformance.contract import (
    Profile,
    Requirement,
    SchemaValidator,
    load_profile,
    requirements,
    validator,
)
from conformance.exchange import (
    Event,
    EventStream,
    EventStreamParser,
    Exchange,
    Fixture,
    load_fixture,
    parse_event_stream,
)

if typing.TYPE_CHECKING:
    from conformance.generate import InvalidRequest, invalid_requests, valid_requests

#: Names loaded on first use: they need Hypothesis, which the light commands never import.
_LAZY: typing.Final = frozenset({"InvalidRequest", "invalid_requests", "valid_requests"})

__all__ = [
    "BudgetExhausted",
    "Check",
    "check",
    "CheckResult",
    "ConfigError",
    "ConformanceError",
    "Event",
    "EventStream",
    "EventStreamParser",
    "Exchange",
    "Failure",
    "Fixture",
    "invalid_requests",
    "InvalidRequest",
    "load_fixture",
    "load_profile",
    "NotApplicable",
    "parse_event_stream",
    "Profile",
    "REGISTRY",
    "Requirement",
    "requirements",
    "run_checks",
    "SchemaValidator",
    "TargetUnreachable",
    "valid_requests",
    "validator",
    "Violation",
]


def __getattr__(name: str) -> typing.Any:
    """Load the names of :data:`_LAZY` from ``conformance.generate`` on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from conformance import generate

    value = getattr(generate, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
