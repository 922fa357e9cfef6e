"""The schemathesis bridge: ``st run`` with ``SCHEMATHESIS_HOOKS=conformance.schemathesis_checks``
on the document ``conformance openapi`` writes judges answers with the suite's checks, by name.

End to end: ``st run`` as a process (in a temporary folder, so no ``.schemathesis`` or
``.hypothesis`` is left in the repository) against the reference router on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis.checks

from conformance.checks import REGISTRY
from conformance.contract import load_profile, openapi_document
from conformance.reference import MODEL_ID, serve_in_thread

KEY = "sk-bridge-test"
ST = str(Path(sys.executable).parent / "st")
#: Few examples, one fixed seed: a bounded run whose cases do not change between runs.
BOUNDED = [
    "--phases", "fuzzing", "--mode", "positive", "-n", "15", "--seed", "1",
    "--generation-database", "none", "--workers", "1", "--no-color",
]  # fmt: skip


def _st_run(url: str, folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    document = openapi_document(load_profile(), base_url=url, model=MODEL_ID)
    (folder / "openapi.json").write_text(json.dumps(document))
    # Streams longer than schemathesis's default of 20 events are judged whole, not skipped.
    (folder / "schemathesis.toml").write_text("max-stream-events = 100000\n")
    server = document["servers"][0]["url"]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "conformance.schemathesis_checks"}
    env.pop("CONFORMANCE_PROFILE", None)  # the base contract, the document's profile
    command = [ST, "run", "openapi.json", "--url", server, "-H", f"Authorization: Bearer {KEY}"]
    return subprocess.run(
        [*command, *BOUNDED, *options],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_every_check_is_a_schemathesis_check_of_the_same_name() -> None:
    import conformance.schemathesis_checks as bridge

    registered = set(schemathesis.checks.CHECKS.get_all_names())
    assert set(REGISTRY) <= registered
    assert bridge.profile().id == load_profile().id


def test_a_fault_schemathesis_does_not_see_is_reported_by_our_check(tmp_path: Path) -> None:
    with serve_in_thread(faults=["usage-arithmetic"], api_key=KEY) as url:
        result = _st_run(url, tmp_path)
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    assert "Custom check failed: `usage.arithmetic`" in out
    assert "usage.arithmetic (MUST, CC-USAGE-01)" in out
    assert "At $.usage.total_tokens: expected prompt_tokens + completion_tokens" in out
    # schemathesis's own checks (all enabled) see nothing wrong with these answers.
    failures = out.split("Failures:", 1)[1].split("Test cases:", 1)[0]
    assert [line.strip() for line in failures.strip().splitlines()] == [
        "❌ ST901 Custom check failed: `usage.arithmetic`: 1"
    ]


def test_the_compliant_router_trips_none_of_our_checks(tmp_path: Path) -> None:
    with serve_in_thread(api_key=KEY) as url:
        result = _st_run(url, tmp_path, "--checks", ",".join(REGISTRY))
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "Custom check failed" not in out
    assert "passed" in out.split("Test cases:", 1)[1]


@pytest.mark.parametrize("profile", ["no-such-profile"])
def test_an_unknown_profile_stops_the_run_with_its_name(tmp_path: Path, profile: str) -> None:
    os.environ["CONFORMANCE_PROFILE"] = profile
    try:
        import conformance.schemathesis_checks as bridge
        from conformance.base import ConfigError

        with pytest.raises(ConfigError, match=profile):
            bridge.profile()
    finally:
        del os.environ["CONFORMANCE_PROFILE"]
