"""The base layer: what every other layer may use and that uses nothing of the package.

The tool's errors, JSON paths, the caps of one exchange, header parsing, reading YAML and the
names of the deliberately broken requests.
"""

from __future__ import annotations

from conformance.base._errors import (
    BudgetExhausted,
    ConfigError,
    ConformanceError,
    DeadlineReached,
    Interrupted,
    NotApplicable,
    TargetUnreachable,
)
from conformance.base._headers import media_type, retry_after_seconds
from conformance.base._intents import INTENTS, Intent
from conformance.base._limits import DEFAULT_LIMITS, MAX_BODY_BYTES, MAX_EVENTS, Limits
from conformance.base._paths import jpath, under
from conformance.base._yaml import YAMLError, load_yaml, read_data_file

__all__ = [
    "DEFAULT_LIMITS",
    "INTENTS",
    "MAX_BODY_BYTES",
    "MAX_EVENTS",
    "BudgetExhausted",
    "ConfigError",
    "ConformanceError",
    "DeadlineReached",
    "Intent",
    "Interrupted",
    "Limits",
    "NotApplicable",
    "TargetUnreachable",
    "YAMLError",
    "jpath",
    "load_yaml",
    "read_data_file",
    "media_type",
    "retry_after_seconds",
    "under",
]
