"""A Markdown summary for CI step summaries and pull requests."""

from __future__ import annotations

from conformance.report._figures import LATENCY_COLUMNS, latency_cells
from conformance.report._model import Entry, Latency, RunReport

_STATUSES = ("passed", "failed", "skipped", "error")


def _failure(entry: Entry, *, several: bool) -> list[str]:
    model = f" on `{entry.model}`" if several else ""
    lines = [f"- **{entry.level}** `{entry.check}`{model} ({entry.scenario}): {entry.message}"]
    if entry.reproduce:
        lines += ["", "  ```sh", f"  {entry.reproduce}", "  ```"]
    return lines


def _run_facts(report: RunReport) -> list[str]:
    """What a reader needs to weigh the verdict: how complete the run was, what it covered."""
    bounds, covered = report.coverage
    yes = {True: "yes", False: "no"}
    facts = [
        f"- conformant to profile `{report.target.profile}`: {yes[report.conformant]}; strict "
        f"(OpenAI's whole contract, SHOULD findings included): {yes[report.strict]}",
    ]
    if report.seed is not None:  # a live run (recorded exchanges judged offline have no seed)
        several = len(report.models) > 1
        summed = f" (summed over {len(report.models)} models)" if several else ""
        facts.append(
            f"- coverage: {covered} of {bounds} documented bounds exercised{summed}; "
            f"{report.concurrency} requests in flight at once"
        )
    if report.ignored:
        facts.append(f"- parameters the target ignores: {', '.join(report.ignored)}")
    if not report.complete:
        facts.append(f"- **the run did not complete** (stopped: {report.stopped or 'see below'})")
    return [*facts, ""]


def _model_words(report: RunReport) -> str:
    if len(report.models) > 1:
        return f"{len(report.models)} models " + ", ".join(f"`{m}`" for m in report.models)
    return f"model `{report.target.model}`"


def _target_line(report: RunReport) -> str:
    if report.seed is None:
        return (
            f"Recorded exchanges `{report.target.base_url}`, profile `{report.target.profile}`: "
            f"{report.requests} judged offline in {report.duration_s:.1f} s."
        )
    return (
        f"Target `{report.target.base_url}`, profile `{report.target.profile}`, "
        f"{_model_words(report)}; seed {report.seed}; {report.duration_s:.1f} s; "
        f"{report.requests} requests, {report.prompt_tokens} prompt + "
        f"{report.completion_tokens} completion tokens."
    )


def _latency(report: RunReport) -> list[str]:
    """Medians per model, then per scenario in a fold: measured, never judged."""
    if not report.latency:
        return []
    head = ["| model | scenario | " + " | ".join(LATENCY_COLUMNS) + " |"]
    head.append("|---|---|" + "---:|" * len(LATENCY_COLUMNS))

    def line(row: Latency) -> str:
        scenario = f"`{row.scenario}`" if row.scenario else "all"
        return f"| `{row.model}` | {scenario} | " + " | ".join(latency_cells(row)) + " |"

    overall = [line(row) for row in report.latency if not row.scenario]
    each = [line(row) for row in report.latency if row.scenario]
    return [
        "",
        "## Latency (measured, not judged)",
        "",
        *head,
        *overall,
        "",
        "<details><summary>Per scenario</summary>",
        "",
        *head,
        *each,
        "",
        "</details>",
    ]


def _models(report: RunReport) -> list[str]:
    """Models side by side: failed (MUST) and passed checks per area."""
    if len(report.models) <= 1:
        return []
    table = report.by_model_and_area()
    areas = sorted({area for row in table.values() for area in row})
    lines = ["", "## Models", "", "| model | " + " | ".join(areas) + " |"]
    lines.append("|---|" + "---|" * len(areas))
    for model, row in table.items():
        cells = []
        for area in areas:
            counts = row.get(area)
            if counts is None:
                cells.append("–")
                continue
            failed = counts["failed"] + counts["error"]
            cells.append(f"**{failed} failed**" if failed else f"{counts['passed']} passed")
        lines.append(f"| `{model}` | " + " | ".join(cells) + " |")
    return lines


def render_markdown(report: RunReport) -> str:
    verdict = report.verdict if report.conformant else f"**{report.verdict}**"
    lines = [
        f"# chat-conformance: {verdict}",
        "",
        *_run_facts(report),
        _target_line(report),
        "",
        "| area | level | " + " | ".join(_STATUSES) + " |",
        "|---|---|" + "---:|" * len(_STATUSES),
    ]
    for (area, level), counts in report.by_area_and_level().items():
        lines.append(
            f"| {area} | {level} | " + " | ".join(str(counts[s]) for s in _STATUSES) + " |"
        )
    lines += _models(report)
    failed = [e for e in report.entries if e.status in ("failed", "error")]
    if failed:
        lines += ["", "## Findings", ""]
        for entry in sorted(failed, key=lambda e: (e.level != "MUST", e.check)):
            lines += _failure(entry, several=len(report.models) > 1)
    lines += _latency(report)
    return "\n".join(lines) + "\n"
