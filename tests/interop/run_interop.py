"""The interop session: the suite against real third-party servers, each finding asserted.

Run by ``nox -s interop`` (which installs the servers), not by the default test run. Each target
of ``expectations.yaml`` is judged by ``conformance run`` as a user runs it (the installed command,
seed 1, JSON and Markdown reports); the checks it fails must be exactly the listed ones. A new
failure is a false positive to fix or a deviation to judge and record; a lost one is a check that
went blind. Reports and server logs go to ``$INTEROP_OUT`` (default ``reports/interop``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from interop import targets
from interop.servers import free_port, running
from interop.table import EXPECTATIONS, load

CONFORMANCE = Path(sys.executable).with_name("conformance")
_KEY_ENV = "INTEROP_API_KEY"


def _installed(variable: str) -> Path:
    value = os.environ.get(variable)
    if not value or not Path(value).exists():
        pytest.fail(f"{variable} does not name an installed server: run `nox -s interop`")
    return Path(value)


@pytest.fixture(scope="session")
def out() -> Path:
    folder = Path(os.environ.get("INTEROP_OUT", "reports/interop")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def base_urls(out: Path) -> Iterator[dict[str, str]]:
    """Every server started once for the session, and stopped by PID at its end (or failure)."""
    litellm = _installed("INTEROP_LITELLM")
    aimock = _installed("INTEROP_AIMOCK")
    llamacpp = _installed("INTEROP_LLAMACPP")  # the Python of its venv
    model = targets.tiny_model(llamacpp, out / "models")
    ports = {name: free_port() for name in ("reference", "litellm", "aimock", "llamacpp")}
    urls = {name: targets.base_url(port) for name, port in ports.items()}
    logs = out / "logs"
    ready: dict[str, float] = {}
    with ExitStack() as stack:
        for server in (
            targets.reference(CONFORMANCE, ports["reference"]),
            targets.litellm(litellm, ports["litellm"], upstream=urls["reference"]),
            targets.aimock(aimock, ports["aimock"]),
            targets.llamacpp(llamacpp, ports["llamacpp"], model),
        ):
            ready[server.name] = round(stack.enter_context(running(server, logs)), 1)
        (out / "ready_s.json").write_text(json.dumps(ready), encoding="utf-8")
        yield urls


TARGETS: dict[str, Any] = load()["targets"]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_target_fails_exactly_the_expected_checks(
    name: str, base_urls: dict[str, str], out: Path
) -> None:
    target = TARGETS[name]
    json_report, markdown = out / f"{name}.json", out / f"{name}.md"
    command = [
        str(CONFORMANCE),
        "run",
        "--base-url",
        base_urls[target["server"]],
        "--profile",
        target["profile"],
        "--model",
        target["model"],
        "--seed",
        "1",
        "--report",
        f"json:{json_report}",
        "--report",
        f"markdown:{markdown}",
    ]
    key = targets.KEYS.get(target["server"])
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    if key:
        command += ["--api-key-env", _KEY_ENV]
        env[_KEY_ENV] = key
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    (out / f"{name}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    assert done.returncode in (0, 1), f"{name}: exit {done.returncode}\n{done.stderr[-3000:]}"
    report = json.loads(json_report.read_text(encoding="utf-8"))

    crashed = [r for r in report["results"] if r["status"] == "error"]
    assert not crashed, f"{name}: checks crashed: {crashed}"
    failed = {r["check"]: r for r in report["results"] if r["status"] == "failed"}
    expected = dict(target.get("fails") or {})
    new = {check: failed[check]["message"] for check in sorted(set(failed) - set(expected))}
    lost = sorted(set(expected) - set(failed))
    assert (new, lost) == ({}, []), (
        f"{name}: failed checks differ from {EXPECTATIONS.name}\n"
        f"  new (judge: a deviation to record, or a false positive to fix): {new}\n"
        f"  lost (a check that no longer sees a recorded deviation): {lost}\n"
        f"  report: {json_report}"
    )
    conformant = report["summary"]["conformant"]
    assert done.returncode == (0 if conformant else 1)
    if key:
        for written in (json_report, markdown):
            assert key not in written.read_text(encoding="utf-8"), f"the key is in {written}"
        assert key not in done.stdout + done.stderr, "the key is in the run's output"
