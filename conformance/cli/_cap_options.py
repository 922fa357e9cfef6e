"""The options that raise the suite's caps on one exchange, shared by ``run`` and ``validate``
so both read an answer within the same bounds (defaults in :mod:`conformance.base._limits`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from conformance.base import DEFAULT_LIMITS, Limits

F = TypeVar("F", bound=Callable[..., Any])


def size_caps(command: F) -> F:
    """``--max-body-bytes`` and ``--max-events``: what one answer may carry before the suite
    stops reading it."""
    command = click.option(
        "--max-events",
        type=click.IntRange(min=1),
        default=DEFAULT_LIMITS.max_events,
        show_default=True,
        help="Events of one stream read at most; the checks that need the rest are skipped.",
    )(command)
    return click.option(
        "--max-body-bytes",
        type=click.IntRange(min=1),
        default=DEFAULT_LIMITS.max_body_bytes,
        show_default=True,
        help="Bytes of one answer read at most (after decompression).",
    )(command)


def time_caps(command: F) -> F:
    """``--exchange-timeout`` and ``--read-timeout``: how long one exchange may take."""
    command = click.option(
        "--read-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_LIMITS.read_s,
        show_default=True,
        help="Seconds to wait for the first byte of an answer, and between two reads of it.",
    )(command)
    return click.option(
        "--exchange-timeout",
        type=click.FloatRange(min=0, min_open=True),
        default=DEFAULT_LIMITS.total_s,
        show_default=True,
        help="Seconds one exchange may take, a stream included; a stream still open then is "
        "a finding.",
    )(command)


def limits(
    max_body_bytes: int,
    max_events: int,
    exchange_timeout: float = DEFAULT_LIMITS.total_s,
    read_timeout: float = DEFAULT_LIMITS.read_s,
) -> Limits:
    return Limits(
        connect_s=min(DEFAULT_LIMITS.connect_s, exchange_timeout),
        read_s=min(read_timeout, exchange_timeout),
        total_s=exchange_timeout,
        max_body_bytes=max_body_bytes,
        max_events=max_events,
    )
