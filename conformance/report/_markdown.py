"""A Markdown summary for CI step summaries and pull requests."""

from __future__ import annotations

from conformance.report._model import Entry, RunReport

_STATUSES = ("passed", "failed", "skipped", "error")


def _failure(entry: Entry) -> list[str]:
    lines = [f"- **{entry.level}** `{entry.check}` ({entry.scenario}): {entry.message}"]
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
        facts.append(
            f"- coverage: {covered} of {bounds} documented bounds exercised; "
            f"{report.concurrency} requests in flight at once"
        )
    if report.ignored:
        facts.append(f"- parameters the target ignores: {', '.join(report.ignored)}")
    if not report.complete:
        facts.append(f"- **the run did not complete** (stopped: {report.stopped or 'see below'})")
    return [*facts, ""]


def _target_line(report: RunReport) -> str:
    if report.seed is None:
        return (
            f"Recorded exchanges `{report.target.base_url}`, profile `{report.target.profile}`: "
            f"{report.requests} judged offline in {report.duration_s:.1f} s."
        )
    return (
        f"Target `{report.target.base_url}`, profile `{report.target.profile}`, "
        f"model `{report.target.model}`; seed {report.seed}; {report.duration_s:.1f} s; "
        f"{report.requests} requests, {report.prompt_tokens} prompt + "
        f"{report.completion_tokens} completion tokens."
    )


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
    failed = [e for e in report.entries if e.status in ("failed", "error")]
    if failed:
        lines += ["", "## Findings", ""]
        for entry in sorted(failed, key=lambda e: (e.level != "MUST", e.check)):
            lines += _failure(entry)
    return "\n".join(lines) + "\n"
