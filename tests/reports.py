"""Run reports built from the result model, for the tests of what reads or renders them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

from conformance.report import Entry, RunReport, Target

REPORT = RunReport(
    tool_version="0.1.0",
    target=Target("http://127.0.0.1:1/v1", "openai-compatible", "m"),
    seed=1,
    started_at=datetime(2026, 1, 1, tzinfo=UTC),
    duration_s=1.0,
    requests=1,
    prompt_tokens=1,
    completion_tokens=1,
    entries=(),
)


def run_report(*entries: Entry, **changes: Any) -> RunReport:
    """:data:`REPORT` with these entries and any other field changed."""
    return dataclasses.replace(REPORT, entries=entries, **changes)
