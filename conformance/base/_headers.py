"""What two HTTP response headers mean: the media type, and when Retry-After says to retry."""

from __future__ import annotations

import email.utils
from collections.abc import Callable, Mapping
from datetime import UTC, datetime


def media_type(headers: Mapping[str, str]) -> str:
    """The content type without parameters, lower-cased ("" when absent)."""
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _utc_now() -> datetime:
    return datetime.now(UTC)


def retry_after_seconds(value: str | None, now: Callable[[], datetime] = _utc_now) -> float | None:
    """Seconds to wait from a Retry-After header (RFC 9110 §10.2.3: delay-seconds or an
    HTTP date); None when absent or malformed."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - now()).total_seconds(), 0.0)
