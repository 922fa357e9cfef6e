"""Developer sessions: ``nox -s tests lint typecheck build bench``."""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.default_venv_backend = "venv"

PACKAGE = "conformance"


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite against the installed package (not the checkout)."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Lint and check formatting with ruff."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Type-check the package with mypy --strict."""
    session.install(".", "mypy", "types-PyYAML", "types-jsonschema")
    session.run("mypy", "--strict", PACKAGE)


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and the wheel, and check their metadata with twine --strict."""
    shutil.rmtree("dist", ignore_errors=True)
    session.install("build", "twine")
    session.run("python", "-m", "build")
    session.run("twine", "check", "--strict", *map(str, Path("dist").iterdir()))


@nox.session
def bench(session: nox.Session) -> None:
    """Time the checks and the stream pipeline beside plain jsonschema and httpx-sse."""
    session.install(".[test]")
    session.run("python", "bench/bench_checks.py", *session.posargs)
