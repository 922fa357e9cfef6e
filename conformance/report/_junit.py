"""JUnit XML for CI dashboards: one test case per verdict.

A MUST failure is a <failure>; a SHOULD or MAY failure is a warning: the case passes (as the
exit code does) and carries the finding in <system-out>, so a dashboard stays green exactly when
the run is conformant. A check that crashed is an <error>; a skip says why.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from conformance.report._model import Entry, RunReport


def _case(parent: ET.Element, entry: Entry) -> None:
    case = ET.SubElement(
        parent,
        "testcase",
        classname=f"conformance.{entry.area}",
        name=f"{entry.check} [{entry.scenario}]",
    )
    detail = "\n".join(part for part in (entry.message, entry.reproduce) if part)
    if entry.status == "failed" and entry.level == "MUST":
        failure = ET.SubElement(case, "failure", message=entry.message, type=entry.level)
        failure.text = detail
    elif entry.status == "failed":
        ET.SubElement(case, "system-out").text = f"WARNING ({entry.level}): {detail}"
    elif entry.status == "error":
        ET.SubElement(case, "error", message=entry.message).text = detail
    elif entry.status == "skipped":
        ET.SubElement(case, "skipped", message=entry.message)


def _latency_properties(report: RunReport, model: str) -> list[tuple[str, str]]:
    """The model's latency over all its exchanges, in seconds: measured, never judged."""
    row = report.latency_of(model)
    if row is None:
        return []
    figures = {
        "ttfb_s": row.ttfb_s,
        "first_token_s": row.first_token_s,
        "gap_median_s": row.gap_median_s,
        "gap_p95_s": row.gap_p95_s,
        "tokens_per_s": row.tokens_per_s,
        "total_s": row.total_s,
    }
    shown = {name: value for name, value in figures.items() if value is not None}
    return [(f"latency.{name}", f"{value:.4g}") for name, value in shown.items()]


def _suite(parent: ET.Element, report: RunReport, model: str, entries: list[Entry]) -> None:
    failures = sum(1 for e in entries if e.status == "failed" and e.level == "MUST")
    several = len(report.models) > 1
    suite = ET.SubElement(
        parent,
        "testsuite",
        name=f"chat-conformance {report.target.profile}" + (f" {model}" if several else ""),
        tests=str(len(entries)),
        failures=str(failures),
        errors=str(sum(1 for e in entries if e.status == "error")),
        skipped=str(sum(1 for e in entries if e.status == "skipped")),
        time=f"{report.duration_s:.3f}",
        timestamp=report.started_at.isoformat(),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("base_url", report.target.base_url),
        ("profile", report.target.profile),
        ("model", model if several else report.target.model),
        ("seed", "" if report.seed is None else str(report.seed)),
        ("requests", str(report.requests)),
        ("conformant", str(report.conformant).lower()),
        ("strict", str(report.strict).lower()),
        ("complete", str(report.complete).lower()),
        ("stopped", report.stopped or ""),
        ("coverage", f"{report.coverage[1]}/{report.coverage[0]}"),
        ("concurrency", str(report.concurrency)),
        *_latency_properties(report, model),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for entry in entries:
        _case(suite, entry)


def render_junit(report: RunReport) -> str:
    """One test suite, or one per model when the run judged several."""
    suites = ET.Element("testsuites")
    if len(report.models) <= 1:
        _suite(suites, report, report.target.model, list(report.entries))
    else:
        by_model: dict[str, list[Entry]] = {model: [] for model in report.models}
        for entry in report.entries:
            by_model.setdefault(entry.model, []).append(entry)
        for model, entries in by_model.items():
            _suite(suites, report, model, entries)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
