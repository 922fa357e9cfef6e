"""Latency figures as people read them: the same words and units in every report format."""

from __future__ import annotations

from conformance.report._model import Latency


def milliseconds(value: float | None) -> str:
    if value is None:
        return "–"
    shown = value * 1000
    if shown < 1:  # a local target's gaps are microseconds: 0.0 would say nothing
        return f"{shown:.2f} ms"
    return f"{shown:.1f} ms" if shown < 10 else f"{shown:,.0f} ms"


def rate(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"


LATENCY_COLUMNS = (
    "exchanges",
    "first byte",
    "first token",
    "gap median",
    "gap p95",
    "tokens/s",
    "total",
)


def latency_cells(row: Latency) -> list[str]:
    """A latency row's figures, as the Markdown and HTML tables show them."""
    return [
        str(row.exchanges),
        milliseconds(row.ttfb_s),
        milliseconds(row.first_token_s),
        milliseconds(row.gap_median_s),
        milliseconds(row.gap_p95_s),
        rate(row.tokens_per_s),
        milliseconds(row.total_s),
    ]
