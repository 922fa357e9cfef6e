"""The pytest plugin, used as another project uses it: throwaway projects run by ``pytester``
against the embedded reference router, a router with a fault on 127.0.0.1, and an ASGI app in
process; options from the command line and the ini file; under pytest-xdist."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest

import conformance
import conformance.live._asgi
import conformance.live._client
import conformance.reference
from conformance.reference import serve_in_thread

pytest_plugins = ["pytester"]

ROOT = Path(conformance.__file__).parents[1]
# Loaded by its entry point where the package is installed with it; else named (naming it
# twice would register one module under two names).
_INSTALLED = bool(importlib.metadata.entry_points(group="pytest11", name="conformance"))
PLUGIN = () if _INSTALLED else ("-p", "conformance.pytest_plugin")
ARGS = (*PLUGIN, "-p", "no:randomly", "-p", "no:cacheprovider", "--strict-markers", "-ra")

SEND = """
from conformance.live import ask

def test_stream(conformance_client, conformance_model, assert_conformant):
    assert_conformant(conformance_client.chat(ask(conformance_model, stream=True)))
"""


pytestmark = pytest.mark.usefixtures("package_on_path")


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest(*ARGS, *args)


def test_the_embedded_router_passes_real_requests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import httpx
        from conformance.live import ask

        def test_the_client_answers_conform(conformance_client, conformance_model,
                                            assert_conformant):
            for stream in (False, True):
                results = assert_conformant(conformance_client.chat(ask(conformance_model,
                                                                         stream=stream)))
                assert any(result.status == "passed" for result in results)

        def test_an_httpx_answer_conforms(conformance_target, assert_conformant):
            assert conformance_target.kind == "embedded"
            assert conformance_target.base_url.startswith("http://127.0.0.1:")
            body = ask(conformance_target.model, stream=True)
            with httpx.Client() as http:
                answer = http.post(f"{conformance_target.base_url}/chat/completions", json=body)
            results = assert_conformant(answer)
            # The request was read back from the answer: judged as the stream it asked for.
            assert ("stream.terminator", "passed") in {(r.check, r.status) for r in results}

        def test_raw_stream_bytes_are_judged(assert_conformant):
            assert_conformant(b'data: {"id": "x"}\\n\\n')
        """
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*stream.terminator [[]MUST[]] the stream does not end with *DONE*",
            "*At $.events[[]0[]]*",
        ]
    )
    # No option given: no header line; the fixtures used: what reproduces the session, at the end.
    result.stdout.no_fnmatch_line("conformance: target *")
    result.stdout.fnmatch_lines(["conformance: embedded reference router, profile *, seed *"])


def test_a_fault_fails_naming_the_check_and_the_path(
    pytester: pytest.Pytester, no_done_url: str
) -> None:
    pytester.makepyfile(SEND)
    result = _run(pytester, f"--conformance-url={no_done_url}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*not conformant to profile openai-compatible: 1 finding*",
            "*stream.terminator [[]MUST[]] the stream does not end with [[]DONE[]]",
            "*At $.events[[]*[]]: expected a final data: [[]DONE[]] event, got None (NoneType)",
        ]
    )


def test_should_findings_fail_only_when_strict(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from conformance.live import ask

        def _stream(client, model):
            return client.chat(ask(model, stream=True))

        def test_default(conformance_client, conformance_model, assert_conformant):
            assert_conformant(_stream(conformance_client, conformance_model))

        def test_strict(conformance_client, conformance_model, assert_conformant):
            assert_conformant(_stream(conformance_client, conformance_model), strict=True)

        def test_lenient(conformance_client, conformance_model, assert_conformant):
            assert_conformant(_stream(conformance_client, conformance_model), strict=False)
        """
    )
    with serve_in_thread(faults=["role-every-delta"]) as url:
        lenient = _run(pytester, f"--conformance-url={url}", "--junitxml=report.xml")
        strict = _run(pytester, f"--conformance-url={url}", "--conformance-strict")
    lenient.assert_outcomes(passed=2, failed=1)
    lenient.stdout.fnmatch_lines(["*_ test_strict _*", "*stream.role [[]SHOULD[]]*"])
    # A SHOULD finding that does not fail is still on record.
    assert 'property name="conformance stream.role"' in (pytester.path / "report.xml").read_text()
    strict.assert_outcomes(passed=1, failed=2)
    strict.stdout.fnmatch_lines(["*_ test_default _*", "*_ test_strict _*"])


SERVER = """
from conformance.reference import create_app

app = create_app()
broken = create_app(faults=["no-done"])
"""

IN_PROCESS = """
import socket

import pytest
from conformance.live import ask


@pytest.fixture(autouse=True)
def no_socket(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a socket connection was opened")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def test_in_process(conformance_target, conformance_client, conformance_model, assert_conformant):
    assert conformance_target.kind == "app" and conformance_target.transport is not None
    assert_conformant(conformance_client.chat(ask(conformance_model, stream=True)))
"""


def test_an_app_given_by_option_is_judged_in_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(server=SERVER, test_app=IN_PROCESS)
    pytester.syspathinsert()
    _run(pytester, "--conformance-app=server:app").assert_outcomes(passed=1)
    broken = _run(pytester, "--conformance-app=server:broken")
    broken.assert_outcomes(failed=1)
    broken.stdout.fnmatch_lines(["*stream.terminator [[]MUST[]]*"])


def test_an_app_given_by_a_fixture_is_judged_in_process(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
        import pytest
        from conformance.pytest_plugin import Settings
        from conformance.reference import create_app

        @pytest.fixture(scope="session")
        def conformance_settings():
            return Settings(profile="openrouter")

        @pytest.fixture(scope="session")
        def conformance_app():
            return create_app(profile="openrouter")
        """
    )
    pytester.makepyfile(
        IN_PROCESS
        + """
def test_served_at_the_profile_path(conformance_target):
    assert conformance_target.profile.id == "openrouter"
    assert conformance_target.base_url == "http://testserver/api/v1"
"""
    )
    _run(pytester).assert_outcomes(passed=2)


def test_options_come_from_the_ini_file(pytester: pytest.Pytester, no_done_url: str) -> None:
    pytester.makeini(
        f"""
        [pytest]
        conformance_url = {no_done_url}
        conformance_profile = openai-compatible
        conformance_model = reference-model
        conformance_seed = 42
        conformance_max_requests = 2
        """
    )
    pytester.makepyfile(
        SEND
        + """
import pytest
from conformance import BudgetExhausted

def test_settings(conformance_target, conformance_seed):
    assert conformance_target.kind == "url" and conformance_target.model == "reference-model"
    assert conformance_seed == 42

def test_budget(conformance_client):
    conformance_client.chat(ask("reference-model"))  # the second request of the session
    with pytest.raises(BudgetExhausted):
        conformance_client.chat(ask("reference-model"))
"""
    )
    result = _run(pytester)
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [f"conformance: target {no_done_url}, profile openai-compatible, seed 42 *"]
    )
    result.stdout.fnmatch_lines(["*_ test_stream _*", "*stream.terminator [[]MUST[]]*"])


def test_every_xdist_worker_has_the_same_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from conformance.live import ask

        @pytest.mark.parametrize("n", range(8))
        def test_worker(n, worker_id, conformance_seed, conformance_client, conformance_model,
                        assert_conformant):
            assert_conformant(conformance_client.chat(ask(conformance_model)))
            with open("seeds.txt", "a") as seeds:
                seeds.write(f"{worker_id} {conformance_seed}\\n")
        """
    )
    result = pytester.runpytest_subprocess(*ARGS, "-n", "2")
    result.assert_outcomes(passed=8)
    lines = (pytester.path / "seeds.txt").read_text().split("\n")
    workers, seeds = zip(*(line.split() for line in lines if line), strict=True)
    assert set(workers) == {"gw0", "gw1"}
    assert len(set(seeds)) == 1


PROFILE_IS = """
import pytest

def test_profile(conformance_profile):
    assert conformance_profile.id == {expected!r}
"""


@pytest.mark.parametrize(
    ("fixture", "ini", "option", "marker", "expected"),
    [
        (None, None, None, None, "openai-compatible"),
        ("openrouter", None, None, None, "openrouter"),
        ("openrouter", "anyapi", None, None, "anyapi"),
        ("openrouter", "anyapi", "anyrouter", None, "anyrouter"),
        ("openrouter", "anyapi", "anyrouter", "myrouter-example", "myrouter-example"),
    ],
    ids=["default", "fixture", "ini over fixture", "command line over ini", "marker over all"],
)
def test_the_profile_follows_the_precedence(
    pytester: pytest.Pytester,
    fixture: str | None,
    ini: str | None,
    option: str | None,
    marker: str | None,
    expected: str,
) -> None:
    # A URL nothing listens on: choosing a profile sends no request.
    settings = f"Settings(url='http://127.0.0.1:9/v1', profile={fixture!r})"
    pytester.makeconftest(
        f"""
        import pytest
        from conformance.pytest_plugin import Settings

        @pytest.fixture(scope="session")
        def conformance_settings():
            return {settings}
        """
    )
    if ini is not None:
        pytester.makeini(f"[pytest]\nconformance_profile = {ini}\n")
    test = PROFILE_IS.format(expected=expected)
    if marker is not None:
        test = test.replace("def test", f"@pytest.mark.conformance(profile={marker!r})\ndef test")
    pytester.makepyfile(test)
    args = () if option is None else (f"--conformance-profile={option}",)
    _run(pytester, *args).assert_outcomes(passed=1)


TARGET_IS = """
def test_target(conformance_target):
    assert conformance_target.kind == {expected!r}
"""


@pytest.mark.parametrize(
    ("options", "ini", "expected"),
    [
        ((), None, "app"),  # the conformance_app fixture
        (("--conformance-url=http://127.0.0.1:9/v1",), None, "url"),  # over the fixture
        ((), "conformance_url = http://127.0.0.1:9/v1", "url"),  # the ini file too
        (("--conformance-app=server:app",), "conformance_url = http://127.0.0.1:9/v1", "app"),
    ],
    ids=["fixture", "command line over fixture", "ini over fixture", "command line over ini"],
)
def test_the_target_follows_the_precedence(
    pytester: pytest.Pytester, options: tuple[str, ...], ini: str | None, expected: str
) -> None:
    pytester.makepyfile(server=SERVER, test_target=TARGET_IS.format(expected=expected))
    pytester.syspathinsert()
    pytester.makeconftest(
        """
        import pytest
        from conformance.reference import create_app

        @pytest.fixture(scope="session")
        def conformance_app():
            return create_app()
        """
    )
    if ini is not None:
        pytester.makeini(f"[pytest]\n{ini}\n")
    _run(pytester, *options).assert_outcomes(passed=1)


def test_two_targets_at_one_level_are_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(TARGET_IS.format(expected="url"))
    result = _run(pytester, "--conformance-url=http://127.0.0.1:9/v1", "--conformance-app=x:y")
    result.stderr.fnmatch_lines(["ERROR: conformance: the command line gives a URL and an app*"])
    assert result.ret == pytest.ExitCode.USAGE_ERROR


def test_the_marker_picks_checks_or_skips(pytester: pytest.Pytester, no_done_url: str) -> None:
    pytester.makepyfile(
        """
        import pytest
        from conformance.live import ask

        def _stream(client):
            return client.chat(ask("reference-model", stream=True))

        @pytest.mark.conformance(checks=["response", "stream.framing"])
        def test_other_checks(conformance_client, assert_conformant):
            assert_conformant(_stream(conformance_client))

        @pytest.mark.conformance(checks=["stream.terminator"])
        def test_the_check_tripped(conformance_client, assert_conformant):
            assert_conformant(_stream(conformance_client))

        @pytest.mark.conformance(checks=["response"])
        def test_the_argument_over_the_marker(conformance_client, assert_conformant):
            assert_conformant(_stream(conformance_client), checks=["stream"])

        @pytest.mark.conformance(checks=["stream.nope"])
        def test_an_unknown_check(conformance_client, assert_conformant):
            assert_conformant(_stream(conformance_client))

        @pytest.mark.conformance(checks=["errors"])
        def test_no_check_fits(conformance_client, assert_conformant):
            assert_conformant(_stream(conformance_client))

        @pytest.mark.conformance(skip="this router never ends its streams")
        def test_skipped(conformance_client):
            raise AssertionError("not run")
        """
    )
    result = _run(pytester, f"--conformance-url={no_done_url}")
    result.assert_outcomes(passed=1, failed=4, skipped=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_the_check_tripped _*",
            "*stream.terminator [[]MUST[]]*",
            "*_ test_the_argument_over_the_marker _*",
            "*stream.terminator [[]MUST[]]*",
            "*_ test_an_unknown_check _*",
            "conformance: no check is named stream.nope",
            "*_ test_no_check_fits _*",
            "*conformance: no check judged this stream answer",
            "SKIPPED [[]1[]] test_the_marker_picks_checks_or_skips.py:*: this router never ends*",
        ]
    )


def test_the_key_is_read_from_its_variable_and_never_shown(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-plugin-test-7f3a9c"
    pytester.makepyfile(
        """
        from conformance.live import ask

        def test_accepted(conformance_client, assert_conformant):
            answer = conformance_client.chat(ask("reference-model"))
            assert answer.status == 200
            assert_conformant(answer)

        def test_failing_with_locals(conformance_client, conformance_target):
            assert conformance_client.chat(ask("reference-model")).status == 500
        """
    )
    with serve_in_thread(api_key=secret) as url:
        args = (*ARGS, f"--conformance-url={url}", "--conformance-api-key-env=PLUGIN_TEST_KEY")
        monkeypatch.setenv("PLUGIN_TEST_KEY", secret)
        given = pytester.runpytest_subprocess(*args, "--showlocals", "-vv")
        monkeypatch.delenv("PLUGIN_TEST_KEY")
        missing = pytester.runpytest_subprocess(*args)
    given.assert_outcomes(passed=1, failed=1)
    given.stdout.fnmatch_lines(["conformance: target *, profile *, seed *"])
    given.stdout.fnmatch_lines(
        ["conformance: http://127.0.0.1:*, profile *, key from $PLUGIN_TEST_KEY, seed *"]
    )
    shown = "\n".join(given.outlines + given.errlines)
    assert secret not in shown
    missing.assert_outcomes(errors=2)
    missing.stdout.fnmatch_lines(["*conformance: $PLUGIN_TEST_KEY is not set*"])


def test_loading_the_plugin_costs_only_the_package() -> None:
    """pytest loads the plugin in every project where the package is installed: the router,
    the client, hypothesis and schemathesis load only when a fixture needs them."""
    probe = (
        "import sys, conformance.pytest_plugin\n"
        "heavy = ('httpx', 'anyio', 'hypothesis', 'schemathesis', 'uvicorn', 'starlette',"
        " 'click', 'rich', 'conformance.reference', 'conformance.live._client')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
