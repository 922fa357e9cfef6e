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
  :class:`InvalidRequest`);
- the tool's own errors: :class:`ConformanceError` and its subclasses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance._lazy import lazy_names as _lazy_names

if TYPE_CHECKING:
    from conformance.base import (
        BudgetExhausted,
        ConfigError,
        ConformanceError,
        NotApplicable,
        TargetUnreachable,
    )
    from conformance.checks import (
        REGISTRY,
        Check,
        CheckResult,
        Failure,
        Violation,
        check,
        run_checks,
    )
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
    from conformance.generate import InvalidRequest, invalid_requests, valid_requests

#: The layer each public name lives in. Names load on first use, so importing the package (as
#: the pytest plugin does in every run of a repo that has it installed) costs almost nothing.
_HOMES = {
    "BudgetExhausted": "base",
    "ConfigError": "base",
    "ConformanceError": "base",
    "NotApplicable": "base",
    "TargetUnreachable": "base",
    "REGISTRY": "checks",
    "Check": "checks",
    "CheckResult": "checks",
    "Failure": "checks",
    "Violation": "checks",
    "check": "checks",
    "run_checks": "checks",
    "Profile": "contract",
    "Requirement": "contract",
    "SchemaValidator": "contract",
    "load_profile": "contract",
    "requirements": "contract",
    "validator": "contract",
    "Event": "exchange",
    "EventStream": "exchange",
    "EventStreamParser": "exchange",
    "Exchange": "exchange",
    "Fixture": "exchange",
    "load_fixture": "exchange",
    "parse_event_stream": "exchange",
    "InvalidRequest": "generate",
    "invalid_requests": "generate",
    "valid_requests": "generate",
}

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


__getattr__, __dir__ = _lazy_names(__name__, _HOMES)
