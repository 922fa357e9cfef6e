"""Talking to a target and judging what it answered: the client (over a socket, or in process to
an ASGI app), the scenarios, the runner, its progress events and reproduction commands, and the
offline judging of recorded exchanges, both ending in one result model
(:class:`conformance.report.RunReport`).

The names load on first use: ``conformance validate`` needs neither the runner nor hypothesis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance._lazy import lazy_names

if TYPE_CHECKING:
    from conformance.live._asgi import ASGIPortalTransport
    from conformance.live._client import Budget, Client, Spend
    from conformance.live._progress import Event, Judgement, Note, Progress
    from conformance.live._run import RunOptions, run
    from conformance.live._scenarios import SCENARIOS, Probe, Scenario, as_sent, ask
    from conformance.live._validate import describe, summary, validate, validation_report

#: Where each public name lives.
_HOMES = {
    "ASGIPortalTransport": "_asgi",
    "Budget": "_client",
    "Client": "_client",
    "Spend": "_client",
    "Event": "_progress",
    "Judgement": "_progress",
    "Note": "_progress",
    "Progress": "_progress",
    "RunOptions": "_run",
    "run": "_run",
    "Probe": "_scenarios",
    "SCENARIOS": "_scenarios",
    "Scenario": "_scenarios",
    "as_sent": "_scenarios",
    "ask": "_scenarios",
    "describe": "_validate",
    "summary": "_validate",
    "validate": "_validate",
    "validation_report": "_validate",
}

__all__ = [
    "SCENARIOS",
    "ASGIPortalTransport",
    "Budget",
    "Client",
    "Event",
    "Judgement",
    "Note",
    "Probe",
    "Progress",
    "RunOptions",
    "Scenario",
    "Spend",
    "as_sent",
    "ask",
    "describe",
    "run",
    "summary",
    "validate",
    "validation_report",
]


__getattr__, __dir__ = lazy_names(__name__, _HOMES)
