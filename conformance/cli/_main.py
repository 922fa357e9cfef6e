"""The ``conformance`` command: thin wrappers that parse options, run, and map to exit codes.

Exit codes: 0 conformant (no MUST failure); 1 not conformant; 2 usage or configuration error;
3 the run could not be completed.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from conformance.base import ConfigError, ConformanceError
from conformance.checks import REGISTRY
from conformance.cli._cap_options import limits, size_caps
from conformance.cli._cli_run import (
    EXIT_CONFIG,
    EXIT_INCOMPLETE,
    EXIT_NOT_CONFORMANT,
    report_targets,
    run_command,
)
from conformance.contract import (
    DEFAULT_PROFILE,
    load_profile,
    openapi_document,
    profile_names,
    requirements,
)
from conformance.live import describe, summary, validation_report
from conformance.live import validate as run_validation
from conformance.report import RENDERERS

F = TypeVar("F", bound=Callable[..., Any])


def _clean_errors(command: F) -> F:
    """Turn the tool's own errors into a message and an exit code, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(EXIT_CONFIG) from None
        except ConformanceError as error:
            click.echo(f"error: {error}", err=True)
            raise SystemExit(EXIT_INCOMPLETE) from None

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="chat-conformance", prog_name="conformance")
def main() -> None:
    """Conformance suite for OpenAI-compatible chat-completions endpoints."""


@main.command("checks")
def list_checks() -> None:
    """List every check with its level and the requirement it verifies."""
    width = max(len(check_id) for check_id in REGISTRY)
    for check in sorted(REGISTRY.values(), key=lambda c: c.id):
        click.echo(
            f"{check.id:<{width}}  {check.level:<6}  {check.requirement.id:<12}  {check.summary}"
        )


@main.command("explain")
@click.argument("identifier")
@_clean_errors
def explain(identifier: str) -> None:
    """Print a check or a requirement with its statement and sources."""
    catalogue = requirements()
    if identifier in REGISTRY:
        check = REGISTRY[identifier]
        kinds = ", ".join(sorted(check.kinds))
        click.echo(f"{check.id}  ({check.level})\n  {check.summary}\n  applies to: {kinds}\n")
        requirement = check.requirement
    elif identifier in catalogue:
        requirement = catalogue[identifier]
    else:
        raise ConfigError(
            f"no check or requirement is called {identifier!r}; see `conformance checks`"
        )
    click.echo(f"{requirement.id}  {requirement.level}")
    click.echo(click.wrap_text(requirement.statement, initial_indent="  ", subsequent_indent="  "))
    click.echo("  sources:")
    for source in requirement.sources:
        click.echo(
            f"    - {source.document}: {source.clause}"
            + (f"\n      {source.url}" if source.url else "")
        )
    verifiers = sorted(c.id for c in REGISTRY.values() if c.requirement.id == requirement.id)
    click.echo(f"  verified by: {', '.join(verifiers) or 'no check yet'}")


@main.command("profiles")
@_clean_errors
def list_profiles() -> None:
    """List the shipped profiles: id, title, and the endpoint its page documents."""
    for name in profile_names():
        profile = load_profile(name)
        click.echo(f"{profile.id:<18}  {profile.title}")
        click.echo(f"{'':<18}  {profile.base_url}/chat/completions  (source: {profile.source})")


@main.command("openapi")
@click.option(
    "--profile",
    default=DEFAULT_PROFILE,
    show_default=True,
    help="Profile id or YAML path whose endpoint the document describes.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the document to this file (default: standard output).",
)
@click.option(
    "--base-url",
    default=None,
    metavar="URL",
    help="The server, everything before /chat/completions (default: the profile's).",
)
@click.option(
    "--model",
    default=None,
    metavar="NAME",
    help="Allow only this model in requests (for tools that generate them).",
)
@_clean_errors
def openapi(profile: str, output: Path | None, base_url: str | None, model: str | None) -> None:
    """Write an OpenAPI 3.1 document of the profile's chat-completions endpoint."""
    document = openapi_document(load_profile(profile), base_url=base_url, model=model)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot write {output}: {error.strerror}") from None
    click.echo(f"wrote {output}", err=True)


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "style",
    type=click.Choice(["plain", "markdown"]),
    default="plain",
    show_default=True,
    help="Plain text, or Markdown for a CI job's summary.",
)
@click.option("--strict", is_flag=True, help="A SHOULD regression fails too, not only a MUST one.")
@_clean_errors
def diff(old: Path, new: Path, style: str, strict: bool) -> None:
    """Compare two runs' JSON reports: regressions, fixes, checks added or removed, changed
    findings. Exits 1 on a MUST regression (with --strict, a SHOULD one too)."""
    from conformance.report import DIFF_RENDERERS, diff_reports, load_report

    compared = diff_reports(load_report(old), load_report(new))
    click.echo(DIFF_RENDERERS[style](compared, strict=strict), nl=False)
    if compared.gating(strict=strict):
        raise SystemExit(EXIT_NOT_CONFORMANT)


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--profile",
    default=None,
    help="Profile id or YAML path (default: the fixture's own, else openai-compatible).",
)
@size_caps
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT:PATH",
    help=f"{', '.join(RENDERERS)}, as `run` writes them; repeatable.",
)
@_clean_errors
def validate(
    files: tuple[Path, ...],
    profile: str | None,
    max_body_bytes: int,
    max_events: int,
    reports: tuple[str, ...],
) -> None:
    """Judge recorded exchanges: fixture files (YAML/JSON) or raw event-stream files."""
    outputs = report_targets(reports)
    for path in files:
        if not path.exists():
            raise ConfigError(f"no such file or folder: {path}")
    started = time.monotonic()
    judged = run_validation(files, profile, limits(max_body_bytes, max_events))
    if not judged:
        raise ConfigError("no file to validate")
    for item in judged:
        for line in describe(item):
            click.echo(line)
    click.echo("\n" + summary(judged))
    if outputs:
        report = validation_report(judged, files, profile, time.monotonic() - started)
        for kind, target in outputs:
            try:
                target.write_text(RENDERERS[kind](report), encoding="utf-8")
            except OSError as error:  # checked before judging; the disk may still say no
                raise ConfigError(f"cannot write {target}: {error.strerror}") from None
    if any(j.must_failed for j in judged):
        raise SystemExit(EXIT_NOT_CONFORMANT)
    if any(r.status == "error" for j in judged for r in j.results):
        raise SystemExit(EXIT_INCOMPLETE)


@main.command("serve")
@click.option(
    "--profile",
    default=None,
    help=f"Profile id or YAML path (default: the one the variants are legal under, else "
    f"{DEFAULT_PROFILE}).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="0: any free port.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Misbehave in this way (repeatable); see `conformance faults`.",
)
@click.option(
    "--variant",
    "variants",
    multiple=True,
    metavar="NAME",
    help="Show this legal variant (repeatable, with faults too); see `conformance variants`.",
)
@click.option(
    "--api-key",
    default=None,
    metavar="KEY",
    help="Require 'Authorization: Bearer KEY' (default: any key or none is accepted).",
)
@click.option(
    "--extra-model",
    "extra_models",
    multiple=True,
    metavar="ID[=FAULT,...]",
    help="Serve another model too, with its own faults (repeatable): GET /models lists it.",
)
@_clean_errors
def serve(
    profile: str | None,
    host: str,
    port: int,
    faults: tuple[str, ...],
    variants: tuple[str, ...],
    api_key: str | None,
    extra_models: tuple[str, ...],
) -> None:
    """Run the reference router for model reference-model (compliant unless --fault is given)."""
    from conformance.reference import VARIANTS, run_server  # the server stack, only for serve

    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown:
        raise ConfigError(
            f"unknown variant(s) {', '.join(unknown)}; see `conformance variants` for the list"
        )
    legal_under = {p for name in variants if (p := VARIANTS[name].profile) is not None}
    if profile is None:
        profile = legal_under.pop() if len(legal_under) == 1 else DEFAULT_PROFILE
    for name in variants:
        wanted = VARIANTS[name].profile
        if wanted is not None and wanted != profile:
            click.echo(f"note: variant {name} is legal under profile {wanted} only", err=True)
    run_server(
        host=host,
        port=port,
        faults=faults,
        variants=variants,
        api_key=api_key,
        profile=profile,
        announce=click.echo,
        models=_extra_models(extra_models),
    )


def _extra_models(options: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """``--extra-model ID=FAULT,FAULT`` as the router takes it: each id with its faults."""
    models = {}
    for option in options:
        model, _, faults = option.partition("=")
        if not model.strip():
            raise ConfigError(f"--extra-model {option!r}: give a model id, e.g. other=no-done")
        models[model.strip()] = tuple(f.strip() for f in faults.split(",") if f.strip())
    return models


@main.command("faults")
def list_faults() -> None:
    """List the reference router's faults, each with the checks it trips and where it was seen."""
    from conformance.reference import FAULTS

    width = max(len(name) for name in FAULTS)
    for fault in FAULTS.values():
        click.echo(f"{fault.name:<{width}}  {fault.description}  [{', '.join(fault.trips)}]")
        if fault.evidence:
            click.echo(f"{'':<{width}}    seen: {fault.evidence}")


@main.command("variants")
def list_variants() -> None:
    """List the reference router's legal variants, each with the source that makes it legal."""
    from conformance.reference import VARIANTS

    width = max(len(name) for name in VARIANTS)
    for variant in VARIANTS.values():
        under = f"  [profile: {variant.profile}]" if variant.profile else ""
        click.echo(f"{variant.name:<{width}}  {variant.description}{under}")
        click.echo(f"{'':<{width}}    legal: {variant.evidence}")


main.add_command(run_command)
