"""Developer sessions: ``nox -s tests lint typecheck build bench bench-hostile interop html``."""

from __future__ import annotations

import os
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
    # The test extra brings the hosts of the plugin and the bridge (pytest, schemathesis).
    session.install(".[test]", "mypy", "types-PyYAML", "types-jsonschema")
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
    """Time the checks and the stream pipeline beside plain jsonschema and httpx-sse; what a
    default run spends and covers against each profile's emulation; its memory; and a run beside
    schemathesis, both as whole processes against one reference router."""
    session.install(".[test]")
    session.run("python", "bench/bench_checks.py", *session.posargs)
    session.run("python", "bench/bench_budget.py")
    session.run("python", "bench/bench_memory.py")
    session.run("python", "bench/bench_run.py")


@nox.session(name="bench-hostile")
def bench_hostile(session: nox.Session) -> None:
    """Wall time and peak memory of a run against each misbehaving server of tests/hostile.py,
    with the default caps (a few minutes: some behaviours hold a run to its deadline)."""
    session.install(".[test]")
    session.run("python", "bench/bench_hostile.py", *session.posargs)


@nox.session
def invariants(session: nox.Session) -> None:
    """Every fault caught, no legal variant with a MUST finding, every profile conformant to its
    own emulation: whole runs at ten seeds each (the default test run tries one)."""
    session.install(".[test]")
    session.run(
        "pytest",
        "tests/test_invariants.py",
        "-q",
        *session.posargs,
        env={"CONFORMANCE_SEEDS": "10"},
    )


INTEROP = Path("tests/interop")


def _server_venv(session: nox.Session, venv: Path, requirements: str) -> Path:
    """A venv of its own for one server, with every package of its frozen requirements file."""
    if not (venv / "bin" / "pip").exists():
        session.run("python", "-m", "venv", str(venv))
    pip = str(venv / "bin" / "pip")
    session.run(pip, "install", "--quiet", "-r", str(INTEROP / requirements), external=True)
    return venv


@nox.session
def interop(session: nox.Session) -> None:
    """Judge real third-party servers (LiteLLM proxy, aimock, llama-cpp-python) on 127.0.0.1
    against the findings recorded in tests/interop/expectations.yaml.

    Installs the pinned servers: LiteLLM and llama-cpp-python each in a venv of its own (their
    pins stay apart from the suite's), aimock with ``npm ci``. Needs Node.js 20+ and npm, and a
    C/C++ compiler with CMake 3.21+ (llama-cpp-python builds llama.cpp from its sdist).
    """
    session.install(".[test]")
    venvs = Path(session.virtualenv.location).parent
    litellm = _server_venv(session, venvs / "interop-litellm", "litellm-requirements.txt")
    llamacpp = _server_venv(session, venvs / "interop-llamacpp", "llamacpp-requirements.txt")
    aimock = INTEROP / "aimock"
    session.run("npm", "ci", "--no-audit", "--no-fund", "--prefix", str(aimock), external=True)
    session.run(
        "pytest",
        str(INTEROP / "run_interop.py"),
        *session.posargs,
        env={
            "INTEROP_LITELLM": str((litellm / "bin" / "litellm").resolve()),
            "INTEROP_AIMOCK": str((aimock / "node_modules" / ".bin" / "llmock").resolve()),
            "INTEROP_LLAMACPP": str((llamacpp / "bin" / "python").absolute()),
            "INTEROP_OUT": os.environ.get("INTEROP_OUT", "reports/interop"),
        },
    )


CHROMIUM = Path("/usr/bin/chromium")


@nox.session
def html(session: nox.Session) -> None:
    """Open real HTML reports in headless Chromium (tools/html_check.py): screenshots on screen
    and printed and a PDF, kept in reports/html-check/; fails on any console error or any request
    but the file itself. Installs Chromium (and poppler-utils, for pictures of the PDF) from the
    system's packages with apt-get when missing: run as root, or install them first."""
    missing = [
        package
        for package, present in (
            ("chromium", CHROMIUM.exists()),
            ("poppler-utils", shutil.which("pdftoppm") is not None),
        )
        if not present
    ]
    if missing:
        if shutil.which("apt-get") is None:
            session.error(
                f"{CHROMIUM} is missing and apt-get is not available: install Chromium from your "
                "system's packages (the session does not download a browser of its own)"
            )
        if os.geteuid() != 0:
            session.error(f"apt-get install needs root: install {' '.join(missing)} first")
        session.run("apt-get", "update", "-q", external=True)
        session.run(
            "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing, external=True
        )
    # Playwright drives the system's Chromium; `playwright install` (a browser download) never runs.
    session.install(".", "playwright")
    session.run("python", "tools/html_check.py", *session.posargs)
