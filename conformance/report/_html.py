"""The HTML report: one self-contained page a certification keeps and someone signs off.

Inline CSS, no script, nothing fetched; every string that came from a target goes through
:func:`html.escape`. It reads the result model and the requirement catalogue (for the clause each
finding breaks, with its link), and says the run's facts in the Markdown summary's words.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.checks import Status
from conformance.contract import Level, Requirement, requirements
from conformance.report._figures import LATENCY_COLUMNS, latency_cells
from conformance.report._html_style import STYLE
from conformance.report._model import Entry, Latency, RunReport

_STATUSES: tuple[Status, ...] = ("passed", "failed", "skipped", "error")
_LEVELS: tuple[Level, ...] = ("MUST", "SHOULD", "MAY")
#: The verdict's class (its colour) and the sign written before it, so colour is never alone.
_VERDICTS = {
    "CONFORMANT (strict)": ("pass", "✔"),
    "CONFORMANT (not strict: SHOULD findings)": ("warn", "✔"),
    "NOT CONFORMANT": ("fail", "✘"),
    "INCOMPLETE": ("incomplete", "…"),
}


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _code(value: object) -> str:
    return f"<code>{_e(value)}</code>"


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _failing(entry: Entry) -> bool:
    return entry.status in ("failed", "error")


def _facts(report: RunReport) -> list[tuple[str, str]]:
    """The run's facts, as ``_markdown`` words them: what a reader needs to weigh the verdict."""
    target = report.target
    offline = report.seed is None  # recorded exchanges judged offline: nothing was generated
    several = len(report.models) > 1
    models = ", ".join(_code(m) for m in report.models) if report.models else _code(target.model)
    facts = [
        ("recorded exchanges" if offline else "target", _code(target.base_url)),
        ("profile", _code(target.profile)),
    ]
    if not offline:
        facts.append((f"{len(report.models)} models" if several else "model", models))
    facts += [
        ("seed", "none: recorded exchanges judged offline" if offline else _e(report.seed)),
        ("suite version", f"chat-conformance {_e(report.tool_version)}"),
        (
            "started",
            f'<time datetime="{_e(report.started_at.isoformat())}">'
            f"{_e(report.started_at.isoformat(sep=' ', timespec='seconds'))}</time>",
        ),
        ("duration", f"{report.duration_s:.1f} s"),
    ]
    if offline:
        facts.append(("judged", f"{report.requests} exchanges, offline"))
    else:
        facts += [
            ("requests", str(report.requests)),
            (
                "tokens",
                f"{report.prompt_tokens} prompt + {report.completion_tokens} completion tokens",
            ),
        ]
    if report.complete:
        complete = "yes" + (f" (stopped: {_e(report.stopped)})" if report.stopped else "")
    else:
        stopped = _e(report.stopped or "see the findings")
        complete = f"<strong>no: the run did not complete</strong> (stopped: {stopped})"
    facts.append(("complete", complete))
    if not offline:
        bounds, covered = report.coverage
        summed = f" (summed over {len(report.models)} models)" if several else ""
        facts += [
            ("coverage", f"{covered} of {bounds} documented bounds exercised{summed}"),
            ("concurrency", f"{report.concurrency} requests in flight at once"),
        ]
    if report.ignored or not offline:  # offline, nothing was sent to find them
        ignored = ", ".join(_code(name) for name in report.ignored) or "none found"
        facts.append(("parameters the target ignores", ignored))
    return facts


def _header(report: RunReport) -> list[str]:
    kind, sign = _VERDICTS[report.verdict]
    tiers = (
        f"conformant to profile {_code(report.target.profile)}: {_yes(report.conformant)}; "
        f"strict (OpenAI's whole contract, SHOULD findings included): {_yes(report.strict)}"
    )
    counts = ", ".join(f"{report.count(status)} {status}" for status in _STATUSES)
    return [
        f'<header class="verdict {kind}">',
        '<p class="tool">chat-conformance report</p>',
        f'<h1><span aria-hidden="true">{sign}</span> {_e(report.verdict)}</h1>',
        f'<p class="tiers">{tiers}</p>',
        f'<p class="tiers">{len(report.entries)} verdicts: {counts}</p>',
        "</header>",
    ]


def _run(report: RunReport) -> list[str]:
    rows = [f"<dt>{name}</dt><dd>{value}</dd>" for name, value in _facts(report)]
    return [
        '<section id="run">',
        "<h2>The run</h2>",
        '<dl class="facts">',
        *rows,
        "</dl>",
        "</section>",
    ]


def _counts(counts: Counter[str] | None) -> str:
    """A cell of status counts: "8 passed, 1 failed"; a failure or an error stands out."""
    if counts is None:
        return '<td class="zero">–</td>'
    parts = []
    for status in _STATUSES:
        if counts[status]:
            words = f"{counts[status]} {status}"
            hot = status in ("failed", "error")
            parts.append(f'<strong class="status {status}">{words}</strong>' if hot else words)
    return f"<td>{', '.join(parts)}</td>"


def _matrix(report: RunReport) -> list[str]:
    """Areas by level, each cell the counts of its statuses (``by_area_and_level``)."""
    table = report.by_area_and_level()
    lines = ['<section id="summary">', "<h2>Requirements by area and level</h2>"]
    if not table:
        return [*lines, '<p class="note">No requirement was judged.</p>', "</section>"]
    levels = [level for level in _LEVELS if any(judged == level for _, judged in table)]
    areas = sorted({area for area, _ in table})
    head = "".join(f"<th>{level}</th>" for level in levels)
    lines += [
        '<div class="scroll"><table class="matrix">',
        f"<thead><tr><th>area</th>{head}</tr></thead>",
        "<tbody>",
    ]
    for area in areas:
        cells = "".join(_counts(table.get((area, level))) for level in levels)
        lines.append(f'<tr><th><a href="#area-{_e(area)}">{_e(area)}</a></th>{cells}</tr>')
    return [*lines, "</tbody>", "</table></div>", "</section>"]


def _models(report: RunReport) -> list[str]:
    """Models side by side, one column each: the counts of each area's statuses."""
    if len(report.models) <= 1:
        return []
    table = report.by_model_and_area()
    areas = sorted({area for row in table.values() for area in row})
    head = "".join(f"<th>{_code(model)}</th>" for model in table)
    lines = [
        '<section id="models">',
        "<h2>Models</h2>",
        '<div class="scroll"><table class="matrix">',
        f"<thead><tr><th>area</th>{head}</tr></thead>",
        "<tbody>",
    ]
    for area in areas:
        cells = "".join(_counts(row.get(area)) for row in table.values())
        lines.append(f"<tr><th>{_e(area)}</th>{cells}</tr>")
    return [*lines, "</tbody>", "</table></div>", "</section>"]


def _value(value: Any) -> str:
    """One evidence value: a scalar inline, a list of scalars as a list, anything else as
    indented JSON."""
    if isinstance(value, str):
        return _code(value) if value else '<span class="note">(empty)</span>'
    if isinstance(value, bytes):  # a body that was not text, as the JSON report shows it
        return _code(repr(value))
    if value is None or isinstance(value, bool | int | float):
        return _code(json.dumps(value))
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) for v in value):
        return _code(json.dumps(list(value)))  # indices, counts: one line
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        return "<ul>" + "".join(f"<li>{_code(v)}</li>" for v in value) + "</ul>"
    if isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
        return _records(value)
    text = json.dumps(value, indent=2, ensure_ascii=False, default=repr, sort_keys=False)
    return f"<pre>{_e(text)}</pre>"


def _records(rows: Iterable[Mapping[str, Any]]) -> str:
    """A list of like mappings (``failures``: scenario, status, message, path) as a table."""
    rows = list(rows)
    keys = list(dict.fromkeys(key for row in rows for key in row))
    head = "".join(f"<th>{_e(key)}</th>" for key in keys)
    body = []
    for row in rows:
        cells = []
        for key in keys:
            value = row.get(key, "")
            text = value if isinstance(value, str) else json.dumps(value, default=repr)
            cells.append(f"<td>{_e(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _evidence(evidence: Mapping[str, Any]) -> list[str]:
    if not evidence:
        return []
    rows = [f"<dt>{_e(key)}</dt><dd>{_value(value)}</dd>" for key, value in evidence.items()]
    return ["<h4>Evidence</h4>", '<dl class="evidence">', *rows, "</dl>"]


def _clause(entry: Entry, catalogue: Mapping[str, Requirement]) -> list[str]:
    """The requirement the check verifies, in the catalogue's words, with its sources' links."""
    found = catalogue.get(entry.requirement)
    if found is None:
        return [
            f'<p class="note">Requirement {_e(entry.requirement)} is not in the catalogue of '
            "this version of the suite.</p>"
        ]
    sources = []
    for source in found.sources:
        link = f' — <a href="{_e(source.url)}">{_e(source.url)}</a>' if source.url else ""
        sources.append(f"<li>{_e(source.document)}: {_e(source.clause)}{link}</li>")
    return [
        '<div class="clause">',
        f"<p><strong>{_e(found.id)}</strong> ({found.level}): {_e(found.statement)}</p>",
        f"<ul>{''.join(sources)}</ul>",
        "</div>",
    ]


def _finding(number: int, entry: Entry, catalogue: Mapping[str, Requirement]) -> list[str]:
    kind = "error" if entry.status == "error" else ("" if entry.level == "MUST" else "lesser")
    where = f"scenario {_code(entry.scenario)}"
    if entry.model:
        where += f"; model {_code(entry.model)}"
    lines = [
        f'<article class="finding {kind}" id="finding-{number}">',
        f'<h3><span class="status {entry.status}">{entry.status}</span> {entry.level} '
        f"{_code(entry.check)}</h3>",
        f'<p class="where">{where}</p>',
        f'<p class="message">{_e(entry.message) or "(no message)"}</p>',
        "<h4>Requirement</h4>",
        *_clause(entry, catalogue),
        *_evidence(entry.evidence),
    ]
    if entry.reproduce:
        curl = f'<pre class="curl"><code>{_e(entry.reproduce)}</code></pre>'
        lines += ["<h4>Reproduce</h4>", curl]
    return [*lines, "</article>"]


def _ordered_findings(report: RunReport) -> list[Entry]:
    return sorted(
        (e for e in report.entries if _failing(e)),
        key=lambda e: (e.level != "MUST", e.status != "failed", e.check, e.model),
    )


def _findings(findings: list[Entry]) -> list[str]:
    lines = ['<section id="findings">', f"<h2>Findings ({len(findings)})</h2>"]
    if not findings:
        return [*lines, '<p class="note">No check failed.</p>', "</section>"]
    catalogue = requirements()
    for number, entry in enumerate(findings, 1):
        lines += _finding(number, entry, catalogue)
    return [*lines, "</section>"]


def _entries(report: RunReport, numbers: Mapping[int, int]) -> list[str]:
    """Every verdict, grouped by area: a failure links to its finding, a skip says why."""
    several = len(report.models) > 1
    by_area: dict[str, list[Entry]] = {}
    for entry in report.entries:
        by_area.setdefault(entry.area, []).append(entry)
    lines = ['<section id="entries">', "<h2>Every requirement judged</h2>"]
    if not by_area:
        return [*lines, '<p class="note">No requirement was judged.</p>', "</section>"]
    model_head = "<th>model</th>" if several else ""
    for area in sorted(by_area):
        lines += [
            f'<h3 id="area-{_e(area)}">{_e(area)}</h3>',
            '<div class="scroll"><table class="entries">',
            f"<thead><tr><th>check</th><th>requirement</th><th>level</th><th>status</th>"
            f"{model_head}<th>scenario</th><th>note</th></tr></thead>",
            "<tbody>",
        ]
        for entry in sorted(by_area[area], key=lambda e: (e.check, e.model)):
            if _failing(entry):
                note = f'<a href="#finding-{numbers[id(entry)]}">finding {numbers[id(entry)]}</a>'
            else:
                note = _e(entry.message) if entry.status == "skipped" else ""
            model = f"<td>{_code(entry.model)}</td>" if several else ""
            lines.append(
                f"<tr><td>{_code(entry.check)}</td><td>{_e(entry.requirement)}</td>"
                f'<td>{entry.level}</td><td class="status {entry.status}">{entry.status}</td>'
                f"{model}<td>{_e(entry.scenario)}</td><td>{note}</td></tr>"
            )
        lines += ["</tbody>", "</table></div>"]
    return [*lines, "</section>"]


def _latency_table(rows: Iterable[Latency]) -> list[str]:
    head = "".join(f"<th>{_e(column)}</th>" for column in LATENCY_COLUMNS)
    lines = [
        '<div class="scroll"><table>',
        f"<thead><tr><th>model</th><th>scenario</th>{head}</tr></thead><tbody>",
    ]
    for row in rows:
        scenario = _code(row.scenario) if row.scenario else "all"
        cells = "".join(f'<td class="n">{_e(cell)}</td>' for cell in latency_cells(row))
        lines.append(f"<tr><td>{_code(row.model)}</td><td>{scenario}</td>{cells}</tr>")
    return [*lines, "</tbody>", "</table></div>"]


def _latency(report: RunReport) -> list[str]:
    """Medians per model, then per scenario: measured by the client, never judged."""
    if not report.latency:
        return []
    each = [row for row in report.latency if row.scenario]
    lines = [
        '<section id="latency">',
        "<h2>Latency (measured, not judged)</h2>",
        '<p class="note">Medians over the exchanges that could show each figure, as the client '
        "measured them; no requirement is judged on them.</p>",
        *_latency_table(row for row in report.latency if not row.scenario),
    ]
    if each:
        lines += [
            "<details open>",
            "<summary>Per scenario</summary>",
            *_latency_table(each),
            "</details>",
        ]
    return [*lines, "</section>"]


def render_html(report: RunReport) -> str:
    findings = _ordered_findings(report)
    numbers = {id(entry): number for number, entry in enumerate(findings, 1)}
    title = f"chat-conformance: {report.verdict} — {report.target.base_url}"
    body = [
        *_header(report),
        "<main>",
        *_run(report),
        *_matrix(report),
        *_models(report),
        *_findings(findings),
        *_entries(report, numbers),
        *_latency(report),
        "</main>",
        "<footer>",
        f"<p>Generated by chat-conformance {_e(report.tool_version)}, a conformance suite for "
        "OpenAI-compatible chat-completions endpoints. The same run's JSON report "
        "(<code>--report json:PATH</code>) holds these results for tools.</p>",
        "</footer>",
    ]
    return (
        "\n".join(
            [
                "<!DOCTYPE html>",
                '<html lang="en">',
                "<head>",
                '<meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                '<meta name="generator" content="chat-conformance">',
                f"<title>{_e(title)}</title>",
                f"<style>{STYLE}</style>",
                "</head>",
                "<body>",
                *body,
                "</body>",
                "</html>",
            ]
        )
        + "\n"
    )
