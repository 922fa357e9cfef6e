"""The JSON report: a versioned document with stable keys (README.md, "Running against a real
router")."""

from __future__ import annotations

import json
from typing import Any

from conformance.report._model import REPORT_VERSION, RunReport


def as_json_document(report: RunReport) -> dict[str, Any]:
    """The report as the JSON contract other tools rely on; keys never change in version 1."""
    return {
        "report_version": REPORT_VERSION,
        "tool": {"name": "chat-conformance", "version": report.tool_version},
        "target": {
            "base_url": report.target.base_url,
            "profile": report.target.profile,
            "model": report.target.model,
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
            }
            for entry in report.entries
        ],
    }


def render_json(report: RunReport) -> str:
    return json.dumps(as_json_document(report), indent=2, ensure_ascii=False, default=repr) + "\n"
