"""When each part of an answer arrived: measured by the client, reported, never judged."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds from the moment a request was sent.

    ``headers_s`` is when the status line and headers had arrived (time to first byte);
    ``events_s`` holds, for each event of a stream in order, when the read that completed it
    returned (empty for an answer that is not a stream).
    """

    headers_s: float
    events_s: tuple[float, ...] = ()
