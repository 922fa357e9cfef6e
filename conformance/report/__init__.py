"""Reports of a run (JSON, JUnit XML, Markdown, HTML, a badge), all rendered from one result
model, and the comparison of two runs' JSON reports."""

from __future__ import annotations

from collections.abc import Callable

from conformance.base import ConfigError
from conformance.report._badge import render_badge
from conformance.report._combine import combined
from conformance.report._diff import (
    DIFF_RENDERERS,
    Change,
    ReportDiff,
    diff_reports,
    load_report,
)
from conformance.report._figures import LATENCY_COLUMNS, latency_cells, milliseconds
from conformance.report._html import render_html
from conformance.report._json import as_json_document, render_json
from conformance.report._junit import render_junit
from conformance.report._markdown import render_markdown
from conformance.report._model import REPORT_VERSION, Entry, Latency, RunReport, Target

RENDERERS: dict[str, Callable[[RunReport], str]] = {
    "json": render_json,
    "junit": render_junit,
    "markdown": render_markdown,
    "html": render_html,
    "badge": render_badge,
}

__all__ = [
    "DIFF_RENDERERS",
    "LATENCY_COLUMNS",
    "Change",
    "ReportDiff",
    "diff_reports",
    "load_report",
    "REPORT_VERSION",
    "RENDERERS",
    "Entry",
    "Latency",
    "RunReport",
    "Target",
    "as_json_document",
    "combined",
    "latency_cells",
    "milliseconds",
    "parse_report_option",
    "render_badge",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
]


def parse_report_option(option: str) -> tuple[str, str]:
    """Split ``--report FORMAT:PATH``; a ConfigError says what is wrong."""
    kind, sep, path = option.partition(":")
    if not sep or not path:
        raise ConfigError(f"--report takes FORMAT:PATH, got {option!r}")
    if kind not in RENDERERS:
        raise ConfigError(f"unknown report format {kind!r}; known: {', '.join(RENDERERS)}")
    return kind, path
