"""The JSON report: a versioned document with stable keys (README.md, "Running against a real
router")."""

from __future__ import annotations

import json
from typing import Any

from conformance.report._model import REPORT_VERSION, Latency, RunReport


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def latency_document(row: Latency) -> dict[str, Any]:
    """One latency row; ``scenario`` is null for the figures over all of a model's exchanges."""
    return {
        "model": row.model,
        "scenario": row.scenario or None,
        "exchanges": row.exchanges,
        "ttfb_s": _seconds(row.ttfb_s),
        "first_token_s": _seconds(row.first_token_s),
        "gap_median_s": _seconds(row.gap_median_s),
        "gap_p95_s": _seconds(row.gap_p95_s),
        "tokens_per_s": None if row.tokens_per_s is None else round(row.tokens_per_s, 1),
        "total_s": _seconds(row.total_s),
    }


def as_json_document(report: RunReport) -> dict[str, Any]:
    """The report as the JSON contract other tools rely on; keys never change in version 1."""
    return {
        "report_version": REPORT_VERSION,
        "tool": {"name": "chat-conformance", "version": report.tool_version},
        "target": {
            "base_url": report.target.base_url,
            "profile": report.target.profile,
            "model": report.target.model,
            "models": list(report.target.models),
        },
        "seed": report.seed,
        "started_at": report.started_at.isoformat(),
        "duration_s": round(report.duration_s, 3),
        "summary": {
            "total": len(report.entries),
            "passed": report.count("passed"),
            "failed": report.count("failed"),
            "skipped": report.count("skipped"),
            "errors": report.count("error"),
            "conformant": report.conformant,
            "strict": report.strict,
            "complete": report.complete,
            "stopped": report.stopped,
            "coverage": {"bounds": report.coverage[0], "covered": report.coverage[1]},
            "concurrency": report.concurrency,
            "ignored_parameters": list(report.ignored),
            "requests": report.requests,
            "tokens": {"prompt": report.prompt_tokens, "completion": report.completion_tokens},
        },
        "results": [
            {
                "check": entry.check,
                "requirement": entry.requirement,
                "level": entry.level,
                "status": entry.status,
                "message": entry.message,
                "evidence": dict(entry.evidence),
                "reproduce": entry.reproduce,
                "scenario": entry.scenario,
                "model": entry.model,
            }
            for entry in report.entries
        ],
        "latency": [latency_document(row) for row in report.latency],
    }


def render_json(report: RunReport) -> str:
    return json.dumps(as_json_document(report), indent=2, ensure_ascii=False, default=repr) + "\n"
