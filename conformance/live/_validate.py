"""``conformance validate``: judge recorded exchanges and summarize the verdicts."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.base import DEFAULT_LIMITS, Limits
from conformance.checks import CheckResult, run_checks
from conformance.contract import DEFAULT_PROFILE, Profile, load_profile
from conformance.exchange import Fixture, load_fixture
from conformance.report import RunReport, Target

if TYPE_CHECKING:
    from conformance.live._aggregate import Judged


@dataclass(frozen=True)
class Verdict:
    """The results of every check on one recorded exchange."""

    fixture: Fixture
    profile: Profile
    results: tuple[CheckResult, ...]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def must_failed(self) -> bool:
        return any(r.status == "failed" and r.level == "MUST" for r in self.results)

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(r for r in self.results if r.status in ("failed", "error"))


def judge(fixture: Fixture, profile: str | None = None) -> Verdict:
    """Run every applicable check on a fixture, under ``profile`` or the fixture's own."""
    chosen = load_profile(profile or fixture.profile or DEFAULT_PROFILE)
    return Verdict(fixture, chosen, tuple(run_checks(fixture.exchange, chosen)))


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
) -> list[Verdict]:
    """Judge every recorded exchange under ``paths``, read within the caps of a live run."""
    return [judge(load_fixture(path, limits), profile) for path in expand(paths)]


def describe(verdict: Verdict) -> Iterator[str]:
    """Readable lines for one verdict: a header, then each failure with where and what."""
    exchange = verdict.fixture.exchange
    state = "FAIL" if verdict.must_failed else "WARN" if verdict.failed else "PASS"
    yield (
        f"{state}  {verdict.fixture.path}  [{exchange.kind}, profile {verdict.profile.id}: "
        f"{verdict.count('passed')} passed, {verdict.count('failed')} failed, "
        f"{verdict.count('skipped')} skipped]"
    )
    if exchange.request is None:
        yield "      note: the request was not recorded; checks that compare with it were skipped"
    if exchange.kind == "stream":
        for payload in exchange.transcript.errors:
            yield (
                f"      note: the target reported a mid-stream error at {payload.path}: "
                f"{payload.data[:160]}"
            )
    for result in verdict.failed:
        if result.status == "error":
            yield f"  ERROR {result.check}: the check itself failed: {result.reason}"
            continue
        for failure in result.failures:
            yield f"  {result.level:<6} {failure.check}"
            yield f"         {failure.detail}"
            yield f"         {failure.message}"


def summary(verdicts: list[Verdict]) -> str:
    must = sum(1 for v in verdicts if v.must_failed)
    should = sum(1 for v in verdicts if not v.must_failed and v.failed)
    return (
        f"{len(verdicts)} exchange(s): {len(verdicts) - must} conformant, {must} not conformant "
        f"(MUST failures); {should} conformant with SHOULD warnings"
    )


def revalidate(item: Judged) -> str:
    """The command that judges one recorded exchange again."""
    return f"conformance validate {shlex.quote(item.scenario)}"


def validation_report(
    verdicts: list[Verdict], paths: Iterable[Path], profile: str | None, duration_s: float
) -> RunReport:
    """The verdicts on recorded exchanges as the report a run writes, in any of its formats:
    one entry per check over every exchange, each failure shown with the file it is in."""
    from conformance.live._aggregate import Judged, aggregate
    from conformance.live._scenarios import Probe

    judged = [
        Judged(
            str(v.fixture.path),
            Probe(v.fixture.exchange.request),
            v.fixture.exchange,
            v.results,
            answered=v.fixture.exchange.answered,
        )
        for v in verdicts
    ]
    profiles = sorted({v.profile.id for v in verdicts})
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
        requests=len(verdicts),
        prompt_tokens=0,
        completion_tokens=0,
        entries=aggregate(revalidate, judged),
        complete=not any(r.status == "error" for v in verdicts for r in v.results),
    )
