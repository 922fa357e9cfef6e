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
- the tool's own errors: :class:`ConformanceError` and its subclasses.
"""

from __future__ import annotations

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
    "validator",
    "Violation",
]
