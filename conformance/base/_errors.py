"""Problems of the tool or its configuration, never findings about the target.

Findings about the target are values (:class:`conformance.Violation`), collected and reported;
these exceptions stop the tool instead::

    ConformanceError            anything the tool cannot get past
    ├── ConfigError             bad option, profile, fixture or schema (exit code 2)
    ├── TargetUnreachable       no answer from the target at all (exit code 3)
    ├── BudgetExhausted         the request or token budget ran out (exit code 3)
    ├── DeadlineReached         the run's time (--max-time) ran out (exit code 3)
    └── Interrupted             the user asked the run to stop (Ctrl-C; exit code 130)

``NotApplicable`` is not in the tree: a check raises it to say why it does not apply to an
exchange, and the runner records a skip with that reason.
"""

from __future__ import annotations


class ConformanceError(Exception):
    """Base of every error the tool raises about itself or its inputs."""


class ConfigError(ConformanceError):
    """An option, profile, fixture or schema is invalid; the message names it."""


class TargetUnreachable(ConformanceError):
    """The target could not be reached or answered nothing usable."""


class BudgetExhausted(ConformanceError):
    """The run spent its request or token budget."""


class DeadlineReached(ConformanceError):
    """The run reached its deadline; the message gives the limit that was applied."""


class Interrupted(ConformanceError):
    """The user interrupted the run: nothing more is sent."""


class NotApplicable(Exception):
    """Raised by a check that does not apply to an exchange; the message says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
