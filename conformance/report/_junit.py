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


def render_junit(report: RunReport) -> str:
    failures = sum(1 for e in report.entries if e.status == "failed" and e.level == "MUST")
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=f"chat-conformance {report.target.profile}",
        tests=str(len(report.entries)),
        failures=str(failures),
        errors=str(report.count("error")),
        skipped=str(report.count("skipped")),
        time=f"{report.duration_s:.3f}",
        timestamp=report.started_at.isoformat(),
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("base_url", report.target.base_url),
        ("profile", report.target.profile),
        ("model", report.target.model),
        ("seed", "" if report.seed is None else str(report.seed)),
        ("requests", str(report.requests)),
        ("conformant", str(report.conformant).lower()),
        ("strict", str(report.strict).lower()),
        ("complete", str(report.complete).lower()),
        ("stopped", report.stopped or ""),
        ("coverage", f"{report.coverage[1]}/{report.coverage[0]}"),
        ("concurrency", str(report.concurrency)),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    for entry in report.entries:
        _case(suite, entry)
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
