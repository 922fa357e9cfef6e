"""``conformance validate``: judge recorded exchanges and summarize the judged."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from conformance.base import DEFAULT_LIMITS, Limits
from conformance.checks import run_checks
from conformance.contract import DEFAULT_PROFILE, load_profile
from conformance.exchange import Fixture, load_fixture
from conformance.live._judged import Judged
from conformance.live._scenarios import Probe
from conformance.report import RunReport, Target


def judge(fixture: Fixture, profile: str | None = None) -> Judged:
    """Run every applicable check on a fixture, under ``profile`` or the fixture's own."""
    chosen = load_profile(profile or fixture.profile or DEFAULT_PROFILE)
    exchange = fixture.exchange
    results = tuple(run_checks(exchange, chosen))
    return Judged(
        str(fixture.path),
        Probe(exchange.request),
        exchange,
        results,
        answered=exchange.answered,
        profile=chosen.id,
    )


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; folders become the fixture and stream files inside them, sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
            )
        else:
            files.append(path)
    return files


def validate(
    paths: Iterable[Path], profile: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> list[Judged]:
    """Judge every recorded exchange under ``paths``, read within the caps of a live run."""
    return [judge(load_fixture(path, limits), profile) for path in expand(paths)]


def describe(item: Judged) -> Iterator[str]:
    """Readable lines for one judged recording: a header, then each failure with where and
    what."""
    exchange = item.exchange
    state = "FAIL" if item.must_failed else "WARN" if item.failed else "PASS"
    yield (
        f"{state}  {item.scenario}  [{exchange.kind}, profile {item.profile}: "
        f"{item.count('passed')} passed, {item.count('failed')} failed, "
        f"{item.count('skipped')} skipped]"
    )
    if exchange.request is None:
        yield "      note: the request was not recorded; checks that compare with it were skipped"
    if exchange.kind == "stream":
        for payload in exchange.transcript.errors:
            yield (
                f"      note: the target reported a mid-stream error at {payload.path}: "
                f"{payload.data[:160]}"
            )
    for result in item.failed:
        if result.status == "error":
            yield f"  ERROR {result.check}: the check itself failed: {result.reason}"
            continue
        for failure in result.failures:
            yield f"  {result.level:<6} {failure.check}"
            yield f"         {failure.detail}"
            yield f"         {failure.message}"


def summary(judged: list[Judged]) -> str:
    must = sum(1 for j in judged if j.must_failed)
    should = sum(1 for j in judged if not j.must_failed and j.failed)
    return (
        f"{len(judged)} exchange(s): {len(judged) - must} conformant, {must} not conformant "
        f"(MUST failures); {should} conformant with SHOULD warnings"
    )


def revalidate(item: Judged) -> str:
    """The command that judges one recorded exchange again."""
    return f"conformance validate {shlex.quote(item.scenario)}"


def validation_report(
    judged: list[Judged], paths: Iterable[Path], profile: str | None, duration_s: float
) -> RunReport:
    """The judged on recorded exchanges as the report a run writes, in any of its formats:
    one entry per check over every exchange, each failure shown with the file it is in."""
    from conformance.live._aggregate import aggregate  # loads the client, for its curls

    profiles = sorted({j.profile for j in judged if j.profile})
    return RunReport(
        tool_version=version("chat-conformance"),
        target=Target(
            base_url=" ".join(str(path) for path in paths),
            profile=profile or ", ".join(profiles),
            model="",
        ),
        seed=None,
        started_at=datetime.now(UTC),
        duration_s=duration_s,
        requests=len(judged),
        prompt_tokens=0,
        completion_tokens=0,
        entries=aggregate(revalidate, judged),
        complete=not any(r.status == "error" for j in judged for r in j.results),
    )
