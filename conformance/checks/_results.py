"""The result model: what checks found. Reports and summaries read only this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from conformance.contract import Level

Status = Literal["passed", "failed", "skipped", "error"]


def _show(value: Any) -> str:
    text = repr(value)
    if len(text) > 200:
        text = text[:197] + "..."
    return f"{text} ({type(value).__name__})"


@dataclass(frozen=True, slots=True)
class Violation:
    """One way the target broke a requirement: where, what was expected, what came back, and a
    sentence. A check yields it without ``check``; the runner names the check that found it."""

    path: str
    expected: str
    actual: Any
    message: str
    check: str = ""

    @property
    def detail(self) -> str:
        """Where, what was expected, and what came back with its type."""
        return f"At {self.path}: expected {self.expected}, got {_show(self.actual)}"

    def __str__(self) -> str:
        head = f"{self.check}: {self.message}" if self.check else self.message
        return f"{head}\n\n{self.detail}"


#: The name a check's result gives its violations; the same class.
Failure = Violation


class CheckResult(NamedTuple):
    """The verdict of one check on one exchange (a tuple: built for every check, so cheap)."""

    check: str
    requirement: str
    level: Level
    status: Status
    failures: tuple[Violation, ...] = ()
    reason: str | None = None  # why it was skipped, or the internal error it raised
