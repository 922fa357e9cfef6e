"""``conformance run``: options, the embedded reference router, reports, and the exit code."""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from conformance.base import ConfigError
from conformance.cli._cap_options import limits, size_caps, time_caps
from conformance.cli._options import checked_base_url, checked_key, checked_report_path
from conformance.contract import DEFAULT_PROFILE, Profile, load_profile
from conformance.live import Event, Judgement, Note, Progress
from conformance.report import RENDERERS, RunReport, milliseconds, parse_report_option

if TYPE_CHECKING:
    from conformance.live import Scenario

# The exit codes of every command (README.md, "Exit codes"): conformant, not conformant, usage or
# configuration error, run not completed.
EXIT_CONFORMANT, EXIT_NOT_CONFORMANT, EXIT_CONFIG, EXIT_INCOMPLETE = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


@contextlib.contextmanager
def _target(
    base_url: str | None, profile: str, api_key: str | None
) -> Iterator[tuple[str, str | None]]:
    """The target's base URL and key: the given one, or the embedded reference router's."""
    if base_url is not None:
        yield base_url, api_key
        return
    from conformance.reference import serve_in_thread

    key = secrets.token_urlsafe(16)  # a fresh key, so the auth scenarios are judged too
    with serve_in_thread(profile=profile, api_key=key) as url:
        yield url, key


def _embedded_scenarios(profile: Profile) -> tuple[Scenario, ...]:
    from conformance.cli._embedded import embedded_scenarios  # imports the reference router

    return embedded_scenarios(profile)


@contextlib.contextmanager
def _scratch_hypothesis_home() -> Iterator[None]:
    """Hypothesis keeps caches under ``.hypothesis/`` of the current directory (constants it
    collects, even with no example database): a run keeps them in a temporary folder instead,
    so it leaves nothing behind where the user ran it."""
    from hypothesis.configuration import set_hypothesis_home_dir

    with tempfile.TemporaryDirectory(prefix="conformance-hypothesis-") as scratch:
        set_hypothesis_home_dir(scratch)
        _SCRATCH.append(scratch)
        try:
            yield
        finally:
            _SCRATCH.remove(scratch)
            set_hypothesis_home_dir(None)  # back to the default, found again on first use


#: The scratch folders of the runs in progress: a second Ctrl-C ends the process without
#: unwinding, so it removes them itself.
_SCRATCH: list[str] = []


def _recording_folder(folder: Path) -> None:
    """The folder --record writes to, made before the first request, as report paths are."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"--record {folder}: {error.strerror}") from None


@contextlib.contextmanager
def _progress() -> Iterator[Progress]:
    """A live status line on a terminal (failures and notes printed as they come); plain lines
    in CI."""
    if not sys.stdout.isatty():
        yield lambda event: click.echo(f"  {event}")
        return
    from rich.console import Console

    console = Console()
    judged = 0
    with console.status("starting") as status:

        def update(event: Event) -> None:
            nonlocal judged
            if isinstance(event, Note) or event.failed:  # these stay on screen
                console.print(f"  {event}", highlight=False)
            if isinstance(event, Judgement):
                judged += 1
                status.update(f"{judged} exchanges judged · {event.scenario}")

        yield update


@contextlib.contextmanager
def _interruptible() -> Iterator[threading.Event]:
    """The first Ctrl-C stops sending (the answers already received are judged and reported,
    exit 130); a second one ends the process at once."""
    stop = threading.Event()

    def on_sigint(signum: int, frame: object) -> None:
        if stop.is_set():
            for scratch in _SCRATCH:
                shutil.rmtree(scratch, ignore_errors=True)
            os._exit(EXIT_INTERRUPTED)
        stop.set()
        click.echo(
            "interrupted: finishing the requests in flight, then reporting "
            "(Ctrl-C again to quit at once)",
            err=True,
        )

    if threading.current_thread() is not threading.main_thread():
        yield stop  # signals reach the main thread only (a run inside another program's thread)
        return
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def _summary(report: RunReport) -> Iterator[str]:
    yield ""
    yield f"{'area':<16} {'level':<7} {'passed':>6} {'failed':>6} {'skipped':>7} {'errors':>6}"
    for (area, level), counts in report.by_area_and_level().items():
        yield (
            f"{area:<16} {level:<7} {counts['passed']:>6} {counts['failed']:>6} "
            f"{counts['skipped']:>7} {counts['error']:>6}"
        )
    for entry in report.entries:
        if entry.status in ("failed", "error"):
            yield ""
            on = f" on {entry.model}" if len(report.models) > 1 else ""
            yield f"{entry.level} {entry.check}{on} [{entry.scenario}]: {entry.message}"
            yield f"  reproduce: {entry.reproduce}"
    bounds, covered = report.coverage
    yield ""
    yield f"coverage: {covered} of {bounds} documented bounds; concurrency {report.concurrency}"
    if report.ignored:
        yield f"the target ignores: {', '.join(report.ignored)}"
    for model in report.models:
        row = report.latency_of(model)
        if row is not None:
            yield (
                f"latency of {model} (medians of {row.exchanges} answers, not judged): "
                f"first byte {milliseconds(row.ttfb_s)}, first token "
                f"{milliseconds(row.first_token_s)}, total {milliseconds(row.total_s)}"
            )
    if not report.complete:
        yield f"the run did not complete (stopped: {report.stopped or 'no answer could be judged'})"
    yield ""
    yield (
        f"{report.verdict}: {report.count('passed')} passed, {report.count('failed')} failed, "
        f"{report.count('skipped')} skipped; {report.requests} requests, "
        f"{report.completion_tokens} completion tokens; seed {report.seed}"
    )


def exit_code(report: RunReport) -> int:
    """A target that stopped answering ends an incomplete run (3), whatever it broke before;
    otherwise a MUST failure settles the verdict (1), and a run that stopped before its
    MUST-judging phases ended cannot call the target conformant (3)."""
    if report.stopped == "interrupted":
        return EXIT_INTERRUPTED
    if report.stopped == "unreachable":
        return EXIT_INCOMPLETE
    if not report.conformant:
        return EXIT_NOT_CONFORMANT
    return EXIT_CONFORMANT if report.complete else EXIT_INCOMPLETE


def report_targets(reports: tuple[str, ...]) -> list[tuple[str, Path]]:
    """Each ``--report FORMAT:PATH``, checked before anything is sent or judged (a missing
    folder is created, and said)."""
    outputs = []
    for option in reports:
        kind, path = parse_report_option(option)
        target, note = checked_report_path(path)
        if note is not None:
            click.echo(note)
        outputs.append((kind, target))
    return outputs


@click.command("run")
@click.option(
    "--base-url",
    default=None,
    help="Everything before /chat/completions. Default: the embedded reference router.",
)
@click.option(
    "--profile", default=DEFAULT_PROFILE, show_default=True, help="Profile id or YAML path."
)
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="ID",
    help="Model id; repeatable, each judged in turn with an equal share of the budget and time. "
    "Default: the first model GET …/models lists.",
)
@click.option(
    "--all-models",
    is_flag=True,
    help="Judge every model GET …/models lists (after any --model), sharing the budget.",
)
@click.option(
    "--api-key-env", default=None, metavar="VAR", help="Environment variable holding the API key."
)
@click.option(
    "--seed", type=int, default=None, help="Seed that reproduces the run (printed when not given)."
)
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=25,
    show_default=True,
    help="Generated requests per kind.",
)
@click.option(
    "--max-shrinks",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="Requests spent making failing generated requests smaller (0: none).",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=150,
    show_default=True,
    help="Request budget.",
)
@click.option(
    "--max-time",
    type=click.FloatRange(min=0, min_open=True),
    default=600.0,
    show_default=True,
    help="Seconds the whole run may take; then it stops, judges what came back and reports.",
)
@click.option(
    "--max-completion-tokens",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Token budget.",
)
@size_caps
@time_caps
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT:PATH",
    help=f"{', '.join(RENDERERS)} (badge: an SVG of the verdict); repeatable.",
)
@click.option(
    "--record",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    metavar="DIR",
    help="Write every exchange to DIR as a fixture; `conformance validate DIR` judges them again.",
)
def run_command(
    base_url: str | None,
    profile: str,
    models: tuple[str, ...],
    all_models: bool,
    api_key_env: str | None,
    seed: int | None,
    max_examples: int,
    max_shrinks: int,
    max_requests: int,
    max_time: float,
    max_completion_tokens: int,
    max_body_bytes: int,
    max_events: int,
    exchange_timeout: float,
    read_timeout: float,
    reports: tuple[str, ...],
    record: Path | None,
) -> None:
    """Judge a live endpoint (or the embedded reference router) against a profile."""
    # Imported here: the run's machinery (hypothesis, the client) is not needed by --help.
    from conformance.live import Budget, RunOptions, run

    try:
        outputs = report_targets(reports)
        if record is not None:
            _recording_folder(record)
        chosen = load_profile(profile)
        if base_url is not None:
            checked_base_url(base_url)
        api_key = None
        if api_key_env is not None:
            api_key = os.environ.get(api_key_env)
            if not api_key:
                raise ConfigError(f"--api-key-env {api_key_env}: the variable is not set")
            checked_key(api_key, api_key_env)
        seed = seed if seed is not None else random.SystemRandom().randrange(2**32)
        with _scratch_hypothesis_home(), _target(base_url, profile, api_key) as (url, key):
            click.echo(f"conformance run: target {url}, profile {chosen.id}, seed {seed}")
            options = RunOptions(
                base_url=url,
                profile=chosen,
                models=models,
                all_models=all_models,
                api_key=key,
                api_key_env=api_key_env,
                seed=seed,
                max_examples=max_examples,
                max_shrinks=max_shrinks,
                max_time_s=max_time,
                record=record,
                limits=limits(max_body_bytes, max_events, exchange_timeout, read_timeout),
                extra_scenarios=_embedded_scenarios(chosen) if base_url is None else (),
                budget=Budget(
                    max_requests=max_requests, max_completion_tokens=max_completion_tokens
                ),
            )
            with _progress() as progress, _interruptible() as interrupt:
                report = run(options, progress=progress, interrupt=interrupt)
    except ConfigError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_CONFIG)
    for kind, target in outputs:
        try:
            target.write_text(RENDERERS[kind](report), encoding="utf-8")
        except OSError as error:  # checked before the run; the disk may still say no
            click.echo(f"error: cannot write {target}: {error.strerror}", err=True)
            sys.exit(EXIT_CONFIG)
    for line in _summary(report):
        click.echo(line)
    sys.exit(exit_code(report))
